using Microsoft.Build.Framework;

namespace MultiArch.Build.Tasks;

/// <summary>
/// Proves an image index: every expected platform present, attestations recognised, configs agreeing,
/// and (deep check) each platform's entrypoint binary built for its CPU.
/// </summary>
public sealed partial class ValidateContainerImage
{
    /// <summary>A registry reference (<c>registry/repo:tag</c> or <c>@sha256:...</c>), or the path of an OCI layout directory or archive.</summary>
    public string Image { get; set; } = "";

    /// <summary>The platforms the index must hold: <c>@(ContainerPlatform)</c>.</summary>
    [Required]
    public ITaskItem[] ExpectedPlatforms { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Read the layers and check the entrypoint binary of each platform (default true).</summary>
    public bool DeepCheck { get; set; } = true;

    /// <summary>Registries (host or host:port) reached over plain HTTP besides loopback ones, ';' or ',' separated.</summary>
    public string InsecureRegistries { get; set; } = "";

    /// <summary><c>ContainerRegistryTimeout</c>: seconds one registry request may wait for an answer (default 60; 1-3600).</summary>
    public string RegistryTimeout { get; set; } = "";

    /// <summary>Where to write the JSON report; a Markdown summary is written beside it (<c>.md</c>).</summary>
    public string ReportPath { get; set; } = "";

    /// <summary>The validated index's digest.</summary>
    [Output]
    public string IndexDigest { get; private set; } = "";

    /// <summary>One item per platform found: Identity = platform; metadata <c>ManifestDigest</c>, <c>Binary</c>, <c>Executable</c>.</summary>
    [Output]
    public ITaskItem[] ValidatedPlatforms { get; private set; } = Array.Empty<ITaskItem>();
}
