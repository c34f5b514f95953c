using MultiArch.Build.Diagnostics;

namespace MultiArch.Build.Buildx;

/// <summary>A preflight or build failure, coded by the resource it names.</summary>
internal sealed class BuildException(string resourceName, params object?[] args) : MultiArchException(resourceName, args);
