using Microsoft.Build.Framework;

namespace MultiArch.Build.Tasks;

/// <summary>
/// Preflights the CLI and builder, then builds every platform in one <c>docker buildx build</c> (or
/// <c>podman build --manifest</c>). Pushing goes by digest only; tags follow validation (TagContainerImage).
/// </summary>
public sealed partial class BuildContainerImage
{
    /// <summary>The CLI the preflight chose: <c>docker</c> or <c>podman</c>; empty when the image is assembled in process (with <see cref="UpToDateOnly"/>: ignored, the stamp's).</summary>
    public string Cli { get; set; } = "";

    /// <summary>
    /// Decide only, before the preflight: when the last build's image is still good, say so and set the outputs (the
    /// CLI, builder and native platforms the last build used included) without starting any tool; otherwise set
    /// <see cref="NotUpToDateReason"/> and do nothing else.
    /// </summary>
    public bool UpToDateOnly { get; set; }

    /// <summary>Why the build must run, as the <see cref="UpToDateOnly"/> call found it: given to the build, it is not asked again.</summary>
    [Output]
    public string NotUpToDateReason { get; set; } = "";

    /// <summary><c>ContainerCli</c> as the user set it (what the preflight chooses from): a stamp input.</summary>
    public string RequestedCli { get; set; } = "";

    /// <summary><c>ContainerBuilder</c> as the user set it: a stamp input.</summary>
    public string RequestedBuilder { get; set; } = "";

    /// <summary><c>ContainerCreateBuilder</c>: a stamp input.</summary>
    public bool CreateBuilder { get; set; }

    /// <summary>The platforms the preflight found native (comma-joined): recorded in the stamp for an up-to-date build's emulation checks.</summary>
    public string NativePlatforms { get; set; } = "";

    /// <summary>Up to date: the CLI the last build used.</summary>
    [Output]
    public string UsedCli { get; private set; } = "";

    /// <summary>Up to date: the builder the last build used.</summary>
    [Output]
    public string UsedBuilder { get; private set; } = "";

    /// <summary>Up to date: the platforms the last build's preflight found native.</summary>
    [Output]
    public string UsedNativePlatforms { get; private set; } = "";

    /// <summary>The builder the preflight chose (<c>--builder</c>); empty: buildx's current one.</summary>
    public string Builder { get; set; } = "";

    [Required]
    public ITaskItem[] Platforms { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>
    /// The preflight's plan (<c>@(_MultiArchBuildPlan)</c>): Identity = platform, metadata <c>Node</c>, <c>Native</c>,
    /// <c>Invocation</c>. Platforms planned on several nodes are built one <c>buildx build</c> per node and merged.
    /// </summary>
    public ITaskItem[] BuildPlan { get; set; } = Array.Empty<ITaskItem>();

    [Required]
    public string Dockerfile { get; set; } = "";

    [Required]
    public string Context { get; set; } = "";

    public string Target { get; set; } = "";

    /// <summary><c>ContainerBuildNetwork</c>: the network mode of RUN steps (<c>--network</c>); empty: the tool's default.</summary>
    public string Network { get; set; } = "";

    /// <summary>Named build contexts: Identity = name (<c>publish</c>), <c>Path</c> = the directory (<c>--build-context name=dir</c>).</summary>
    public ITaskItem[] NamedContexts { get; set; } = Array.Empty<ITaskItem>();

    /// <summary><c>ContainerRegistry</c>: when set, the image is pushed there.</summary>
    public string Registry { get; set; } = "";

    [Required]
    public string Repository { get; set; } = "";

    /// <summary>Tags (ContainerImageTag and ContainerImageTags), ';' separated.</summary>
    public string Tags { get; set; } = "";

    public ITaskItem[] BuildArgs { get; set; } = Array.Empty<ITaskItem>();

    /// <summary><c>@(ContainerLabel)</c>: Identity = key, <c>Value</c>.</summary>
    public ITaskItem[] Labels { get; set; } = Array.Empty<ITaskItem>();

    /// <summary><c>@(ContainerAnnotation)</c>: Identity = key (optionally <c>index:</c>/<c>manifest:</c> prefixed), <c>Value</c>.</summary>
    public ITaskItem[] Annotations { get; set; } = Array.Empty<ITaskItem>();

    /// <summary><c>@(ContainerBuildSecret)</c>: Identity = id, <c>Source</c> (file) or <c>Environment</c> (variable name).</summary>
    public ITaskItem[] Secrets { get; set; } = Array.Empty<ITaskItem>();

    public string CacheFrom { get; set; } = "";

    public string CacheTo { get; set; } = "";

    /// <summary><c>ContainerCachePerPlatform</c>: expand each cache spec per platform (default true; see CacheScopes).</summary>
    public bool CachePerPlatform { get; set; } = true;

    /// <summary>true/false, or empty for buildx's default.</summary>
    public string Provenance { get; set; } = "";

    public string Sbom { get; set; } = "";

    /// <summary>Without a registry: the OCI archive written (default obj/multiarch/image.tar).</summary>
    public string ArchiveOutputPath { get; set; } = "";

    /// <summary>Load into the local engine instead of writing an archive (single platform, or the containerd image store).</summary>
    public bool Load { get; set; }

    /// <summary>Push by digest and let the tags follow validation (default); false: tags are pushed with the build.</summary>
    public bool ValidateBeforeTag { get; set; } = true;

    public string InsecureRegistries { get; set; } = "";

    /// <summary><c>ContainerRegistryTimeout</c>: seconds one registry request may wait for an answer (default 60; 1-3600).</summary>
    public string RegistryTimeout { get; set; } = "";

    [Required]
    public string IntermediateDirectory { get; set; } = "";

    public string ImageVersion { get; set; } = "";

    public string SourceUrl { get; set; } = "";

    public string Revision { get; set; } = "";

    public string Title { get; set; } = "";

    public string Description { get; set; } = "";

    /// <summary>SOURCE_DATE_EPOCH (seconds): the <c>created</c> label and every timestamp of the image. Empty: no <c>created</c> label.</summary>
    public string SourceDateEpoch { get; set; } = "";

    /// <summary>The build stamp (<c>obj/multiarch/build.stamp</c>): the inputs and result of the last build. Empty: no stamp.</summary>
    public string StampFile { get; set; } = "";

    /// <summary>Skip the build when the stamp's inputs are unchanged and its result is still there (default true).</summary>
    public bool Incremental { get; set; } = true;

    /// <summary>Files or folders outside the build context that the build reads too (named build contexts): part of the stamp.</summary>
    public ITaskItem[] AdditionalInputs { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>
    /// Assemble the image in process (no build tool) from a copy-only Dockerfile (the .NET door's generated one), when
    /// pushing by digest. The targets decide it (<c>ContainerAssemble</c>, <c>ContainerCli</c>); see docs/building.md.
    /// </summary>
    public bool Assemble { get; set; }

    /// <summary><c>@(ContainerResolvedBaseImage)</c>: the base images the early check read, with <c>Digest</c>.</summary>
    public ITaskItem[] BaseImages { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>True when nothing was built because the last build's image is up to date.</summary>
    [Output]
    public bool UpToDate { get; private set; }

    /// <summary>Files this build wrote (stamp, archive, buildx metadata), for <c>FileWrites</c>.</summary>
    [Output]
    public ITaskItem[] WrittenFiles { get; private set; } = Array.Empty<ITaskItem>();

    /// <summary>The built image: <c>registry/repo@sha256:...</c> when pushed, the archive path otherwise.</summary>
    [Output]
    public string Image { get; private set; } = "";

    [Output]
    public string IndexDigest { get; private set; } = "";

    /// <summary>Full references still to be pointed at the digest (when tags follow validation).</summary>
    [Output]
    public ITaskItem[] PendingTags { get; private set; } = Array.Empty<ITaskItem>();

    /// <summary>One item per platform of the built index: Identity = platform, metadata <c>ManifestDigest</c>.</summary>
    [Output]
    public ITaskItem[] BuiltPlatforms { get; private set; } = Array.Empty<ITaskItem>();
}
