using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Oci;

/// <summary>Content whose bytes do not match the digest (or size) it is addressed by.</summary>
internal sealed class ContentMismatchException(string source, Descriptor descriptor, string detail)
    : MultiArchException(nameof(Strings.ContentDigestMismatch), source, descriptor.Digest, detail)
{
    public Descriptor Descriptor { get; } = descriptor;
}

/// <summary>A manifest, index, config or blob larger than this tool accepts.</summary>
internal sealed class ContentTooLargeException(string source, string what, long size, long limit)
    : MultiArchException(nameof(Strings.ContentTooLarge), source, what, size, limit);

/// <summary>A manifest, index or config that cannot be read (bad JSON, wrong shape, wrong media type).</summary>
internal sealed class InvalidManifestException(string source, string reason, Exception? inner = null)
    : MultiArchException(nameof(Strings.ManifestInvalid), inner, source, reason);

/// <summary>An OCI layout (directory or archive) that is not one, or lacks a blob.</summary>
internal sealed class OciLayoutException(string path, string reason, Exception? inner = null)
    : MultiArchException(nameof(Strings.OciLayoutInvalid), inner, path, reason);
