using Microsoft.Build.Framework;

namespace MultiArch.Build.Tasks;

/// <summary>
/// Writes the image record of a push (docs/image-record.md): the image by digest, its platforms with their
/// manifest digests, and the validation verdict. A per-platform job's record is what the merge job reads.
/// </summary>
public sealed partial class WriteContainerImageRecord
{
    /// <summary>The pushed image: <c>registry/repo@sha256:...</c>; empty when nothing was pushed.</summary>
    public string Image { get; set; } = "";

    /// <summary><c>@(ContainerImagePlatform)</c> (or the merge's platforms): Identity = platform, <c>ManifestDigest</c>.</summary>
    public ITaskItem[] Platforms { get; set; } = Array.Empty<ITaskItem>();

    /// <summary><c>@(ContainerValidatedPlatform)</c>: Identity = platform, <c>ManifestDigest</c>, <c>Binary</c>. Preferred over Platforms when present.</summary>
    public ITaskItem[] ValidatedPlatforms { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Whether ValidateContainerImage ran and passed (it stops the build when it fails, so no record says "failed").</summary>
    public bool Validated { get; set; }

    public string ValidationReport { get; set; } = "";

    /// <summary>The tags pointed at the image (none when pushed by digest only).</summary>
    public ITaskItem[] Tags { get; set; } = Array.Empty<ITaskItem>();

    [Required]
    public string RecordPath { get; set; } = "";

    public string InsecureRegistries { get; set; } = "";

    /// <summary><c>ContainerRegistryTimeout</c>: seconds one registry request may wait for an answer (default 60; 1-3600).</summary>
    public string RegistryTimeout { get; set; } = "";

    /// <summary><c>ContainerPushByDigestOnly</c>: says that no tag was moved, or (nothing pushed) that no record could be written.</summary>
    public bool PushByDigestOnly { get; set; }

    /// <summary>Where the build's result went (push, load, archive), for the message when nothing was pushed.</summary>
    public string Output { get; set; } = "";
}
