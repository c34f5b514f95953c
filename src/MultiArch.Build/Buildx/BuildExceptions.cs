using MultiArch.Build.Diagnostics;

namespace MultiArch.Build.Buildx;

/// <summary>A preflight or build failure, coded by the resource it names.</summary>
public sealed class BuildException(string resourceName, params object?[] args) : MultiArchException(resourceName, args);
