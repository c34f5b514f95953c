using Microsoft.Build.Framework;

namespace MultiArch.Build.Tasks;

/// <summary>
/// Fails fast before any build step: finds the CLI and buildx, checks the daemon and the builder, and
/// refuses builds that cannot work, each with a coded error that says how to fix it.
/// </summary>
public sealed partial class PreflightContainerBuild
{
    /// <summary><c>ContainerCli</c>: <c>docker</c>, <c>podman</c>, or empty (docker when its buildx works, else podman).</summary>
    public string Cli { get; set; } = "";

    /// <summary><c>ContainerBuilder</c>; empty: <c>BUILDX_BUILDER</c>, else buildx's current builder.</summary>
    public string Builder { get; set; } = "";

    /// <summary><c>ContainerCreateBuilder</c>: create (once) and use a docker-container builder when the current one cannot do multi-platform.</summary>
    public bool CreateBuilder { get; set; }

    [Required]
    public ITaskItem[] Platforms { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>push, archive or load.</summary>
    [Required]
    public string Output { get; set; } = "";

    /// <summary><c>ContainerValidateBeforeTag</c>: a push goes by digest first (which buildx's docker driver cannot do).</summary>
    public bool ValidateBeforeTag { get; set; } = true;

    /// <summary><c>ContainerRegistry</c>: when pushing, it must answer (with the credentials found) before anything is built.</summary>
    public string Registry { get; set; } = "";

    public string InsecureRegistries { get; set; } = "";

    /// <summary><c>ContainerRegistryTimeout</c>: seconds one registry request may wait for an answer (default 60; 1-3600).</summary>
    public string RegistryTimeout { get; set; } = "";

    /// <summary>The image is assembled in process (BuildContainerImage's <c>Assemble</c>): no CLI or builder is checked, only the registry.</summary>
    public bool Assemble { get; set; }

    /// <summary>The Dockerfile to build: with <see cref="Assemble"/>, it must be copy-only (MULTIARCH3072) before assembly is said.</summary>
    public string Dockerfile { get; set; } = "";

    [Output]
    public string UsedCli { get; private set; } = "";

    /// <summary>The builder to pass as <c>--builder</c> (empty: the current one).</summary>
    [Output]
    public string UsedBuilder { get; private set; } = "";

    /// <summary>Platforms the builder runs without emulation, comma-joined.</summary>
    [Output]
    public string NativePlatforms { get; private set; } = "";

    /// <summary>
    /// The build plan: one item per platform (Identity: the platform), with metadata <c>Node</c> (the builder node
    /// that builds it), <c>Native</c> (<c>true</c>/<c>false</c>) and <c>Invocation</c> (which <c>buildx build</c> run
    /// builds it: several when the platforms go to several nodes).
    /// </summary>
    [Output]
    public ITaskItem[] BuildPlan { get; private set; } = Array.Empty<ITaskItem>();
}
