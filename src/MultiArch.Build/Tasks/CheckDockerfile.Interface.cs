using Microsoft.Build.Framework;

namespace MultiArch.Build.Tasks;

/// <summary>
/// Parses the Dockerfile and runs the multi-platform checks before any build starts. Findings are
/// logged at the Dockerfile line that causes them.
/// </summary>
public sealed partial class CheckDockerfile
{
    /// <summary>Full path of the Dockerfile.</summary>
    [Required]
    public string Dockerfile { get; set; } = "";

    /// <summary>The platforms being built: <c>@(ContainerPlatform)</c>.</summary>
    [Required]
    public ITaskItem[] Platforms { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Platforms the builder runs natively, ';' or ',' separated. Empty: this machine's platform.</summary>
    public string NativePlatforms { get; set; } = "";

    /// <summary>The stage that becomes the image (<c>ContainerBuildTarget</c>); empty: the last stage.</summary>
    public string BuildTarget { get; set; } = "";

    /// <summary><c>@(ContainerBuildArg)</c>: Identity is the name, metadata <c>Value</c> the value.</summary>
    public ITaskItem[] BuildArgs { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Severity overrides: <c>MULTIARCH2003=error;MULTIARCH2007=none</c> (error, warning, message, none).</summary>
    public string Severities { get; set; } = "";

    /// <summary><c>MultiArchCheckBaseImagePlatforms</c>: ask the registries whether each base image offers every platform.</summary>
    public bool CheckBaseImagePlatforms { get; set; }

    /// <summary>
    /// Which checks: <c>All</c> (default, what <c>-t:CheckDockerfile</c> runs), <c>WithoutEmulation</c> (the pipeline,
    /// before the preflight) or <c>EmulationOnly</c> (the pipeline, after the preflight, with the builder's native platforms).
    /// </summary>
    public string Scope { get; set; } = "";

    /// <summary>Registries reached over plain HTTP besides loopback ones.</summary>
    public string InsecureRegistries { get; set; } = "";

    /// <summary><c>ContainerRegistry</c>, the registry pushed to: the SDK's push credentials are for it alone.</summary>
    public string Registry { get; set; } = "";

    /// <summary><c>ContainerRegistryTimeout</c>: seconds one registry request may wait for an answer (default 60; 1-3600).</summary>
    public string RegistryTimeout { get; set; } = "";

    /// <summary>How many findings were logged as errors or warnings.</summary>
    [Output]
    public int FindingCount { get; private set; }
}
