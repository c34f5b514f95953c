using MultiArch.Build.Diagnostics;

namespace MultiArch.Build.Building;

/// <summary>A preflight or build failure, coded by the resource it names.</summary>
internal sealed class BuildException(string resourceName, params object?[] args) : MultiArchException(resourceName, args);

/// <summary>The build tool failed (MULTIARCH3012); <see cref="Output"/> is what it printed (redacted), so the failing Dockerfile line can be found.</summary>
internal sealed class BuildFailedException(string what, int exitCode, string tail, IReadOnlyList<string> output)
    : MultiArchException(nameof(Resources.Strings.BuildFailed), what, exitCode, tail)
{
    public IReadOnlyList<string> Output { get; } = output;
}
