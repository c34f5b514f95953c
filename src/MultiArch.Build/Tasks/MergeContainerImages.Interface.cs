using Microsoft.Build.Framework;

namespace MultiArch.Build.Tasks;

/// <summary>
/// Merges per-platform images (each pushed by its own job, by digest) into one image index through the registry
/// API, and pushes it by digest. Refuses, before anything is written, a platform given twice, an expected platform
/// missing, an unexpected one, a part that does not exist or sits in another registry. Validation and tags follow
/// in the MergeContainerImages target.
/// </summary>
public sealed partial class MergeContainerImages
{
    /// <summary>
    /// <c>@(ContainerMergeInput)</c>: image record files (written by a push with ContainerImageRecordPath), globs of
    /// them (<c>*</c>, <c>?</c>, <c>**</c>), or image references by digest.
    /// </summary>
    public ITaskItem[] Inputs { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>
    /// <c>ContainerMergeInputs</c>, ';'-separated, read as text so that its globs reach this task unexpanded (a glob
    /// that matches nothing is an error here, where MSBuild would silently drop it).
    /// </summary>
    public string InputList { get; set; } = "";

    /// <summary>The platforms the index must hold (<c>@(ContainerPlatform)</c> when ContainerPlatforms was set); empty: the union of the inputs.</summary>
    public ITaskItem[] ExpectedPlatforms { get; set; } = Array.Empty<ITaskItem>();

    /// <summary><c>ContainerRegistry</c>; empty: the registry of the inputs when they share one.</summary>
    public string Registry { get; set; } = "";

    [Required]
    public string Repository { get; set; } = "";

    public string InsecureRegistries { get; set; } = "";

    /// <summary><c>ContainerRegistryTimeout</c>: seconds one registry request may wait for an answer (default 60; 1-3600).</summary>
    public string RegistryTimeout { get; set; } = "";

    /// <summary>The pushed index: <c>registry/repo@sha256:...</c>.</summary>
    [Output]
    public string Image { get; private set; } = "";

    [Output]
    public string IndexDigest { get; private set; } = "";

    /// <summary>One item per platform of the index: Identity = platform; metadata <c>Os</c>, <c>Architecture</c>, <c>Variant</c>, <c>ManifestDigest</c>, <c>Source</c> (the input it came from).</summary>
    [Output]
    public ITaskItem[] MergedPlatforms { get; private set; } = Array.Empty<ITaskItem>();
}
