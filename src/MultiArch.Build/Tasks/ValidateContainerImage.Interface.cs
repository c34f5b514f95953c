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

    /// <summary>A .NET app's folder in the image (<c>/app</c>): the deep check also judges every CPU-specific file under it. Empty: not done.</summary>
    public string AppDirectory { get; set; } = "";

    /// <summary>With the deep check: prove each platform's entrypoint can start (ELF interpreter and shared libraries resolved in the image; default true).</summary>
    public bool StartupCheck { get; set; } = true;

    /// <summary>
    /// With the deep check: the whole-image architecture scan, every ELF executable and shared object and every PE with
    /// native code in the layers the build added must be for the platform (default true).
    /// </summary>
    public bool ScanAllBinaries { get; set; } = true;

    /// <summary>
    /// The image the validated one was built from (<c>ContainerValidationBaseImage</c>): files in its layers are a warning
    /// at most. Empty: the final stage's base of <see cref="Dockerfile"/>, else none (every layer is the build's).
    /// </summary>
    public string BaseImage { get; set; } = "";

    /// <summary>
    /// <c>@(ContainerResolvedBaseImage)</c>: the base images this build read before it built (Identity = the name,
    /// metadata <c>Pinned</c> = the same image by digest). The scan reads its base by that digest, from this build's
    /// registry session, instead of asking the registry for the tag again.
    /// </summary>
    public ITaskItem[] ResolvedBaseImages { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The Dockerfile the image was built from, when this build made it: tells the base image and the instruction behind each layer.</summary>
    public string Dockerfile { get; set; } = "";

    /// <summary><c>ContainerBuildTarget</c>: the stage built, when not the last.</summary>
    public string BuildTarget { get; set; } = "";

    /// <summary><c>@(ContainerBuildArg)</c> (Value metadata): ARGs in the base image's name.</summary>
    public ITaskItem[] BuildArgs { get; set; } = Array.Empty<ITaskItem>();

    /// <summary><c>ContainerValidationIgnoredPaths</c>: path prefixes in the image whose files the scan does not judge, ';' separated.</summary>
    public string IgnoredPaths { get; set; } = "";

    /// <summary>Run each platform's image once, by digest (natively or under emulation), after the static checks (default false).</summary>
    public bool SmokeTest { get; set; }

    /// <summary>The engine for the smoke run: <c>podman</c> or <c>docker</c>; empty: the build's, else podman, else docker.</summary>
    public string SmokeTestCli { get; set; } = "";

    /// <summary>Arguments replacing the image's Cmd in the smoke run (split as a shell splits words); empty: the image's Entrypoint and Cmd.</summary>
    public string SmokeTestCommand { get; set; } = "";

    /// <summary>Seconds a smoke run may take (default 60).</summary>
    public string SmokeTestTimeout { get; set; } = "";

    /// <summary>The exit code a smoke run must end with (default 0).</summary>
    public string SmokeTestExitCode { get; set; } = "";

    /// <summary>Give smoke runs the engine's default network (default false: none).</summary>
    public bool SmokeTestNetwork { get; set; }

    /// <summary>More <c>run</c> options for the smoke run (no ports, mounts or network options).</summary>
    public string SmokeTestRunArgs { get; set; } = "";

    /// <summary>A server's URL, <c>http://localhost:PORT/path</c> (the container's port): asked until it answers 2xx or the time-out passes, then the container is stopped.</summary>
    public string SmokeTestUrl { get; set; } = "";

    /// <summary>How the URL's port is reached: <c>auto</c> (default), <c>namespace</c> (inside the container's network namespace) or <c>publish</c> (a port published on 127.0.0.1).</summary>
    public string SmokeTestReach { get; set; } = "";

    /// <summary>How many platforms run at once (default: this machine's processor count; 1: one after another).</summary>
    public string SmokeTestParallel { get; set; } = "";

    /// <summary>Registries (host or host:port) reached over plain HTTP besides loopback ones, ';' or ',' separated.</summary>
    public string InsecureRegistries { get; set; } = "";

    /// <summary><c>ContainerRegistryTimeout</c>: seconds one registry request may wait for an answer (default 60; 1-3600).</summary>
    public string RegistryTimeout { get; set; } = "";

    /// <summary>Where to write the JSON report; a Markdown summary is written beside it (<c>.md</c>).</summary>
    public string ReportPath { get; set; } = "";

    /// <summary>The validated index's digest.</summary>
    [Output]
    public string IndexDigest { get; private set; } = "";

    /// <summary>One item per platform found: Identity = platform; metadata <c>ManifestDigest</c>, <c>Binary</c>, <c>Executable</c>, <c>Startup</c>.</summary>
    [Output]
    public ITaskItem[] ValidatedPlatforms { get; private set; } = Array.Empty<ITaskItem>();
}
