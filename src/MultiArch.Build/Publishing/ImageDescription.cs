using MultiArch.Build.Oci;

namespace MultiArch.Build.Publishing;

/// <summary>One image of an index: its normalized platform and its manifest's digest.</summary>
internal sealed record ImagePlatformEntry(string Platform, string ManifestDigest);

/// <summary>What an image reference or archive holds, from one read of its root: the digest and the image platforms (attestations left out).</summary>
internal sealed record ImageDescription(string Image, Digest Digest, IReadOnlyList<ImagePlatformEntry> Platforms)
{
    /// <summary>Reads the root once. <paramref name="image"/> names the result (a reference by digest, or an archive path).</summary>
    public static async Task<ImageDescription> ReadAsync(IImageSource source, Func<Digest, string> image, CancellationToken cancellationToken)
    {
        var (content, mediaType, digest) = await source.ReadRootAsync(cancellationToken).ConfigureAwait(false);
        if (!MediaTypes.IsIndex(mediaType))
        {
            return new ImageDescription(image(digest), digest, [new ImagePlatformEntry("(single)", digest.ToString())]);
        }

        var platforms = OciJson.ReadIndex(content, mediaType).Manifests
            .Where(m => !m.IsAttestation && m.Platform is not null)
            .Select(m => new ImagePlatformEntry(m.Platform!.Normalized?.ToString() ?? m.Platform.ToString(), m.Digest.ToString()))
            .ToList();
        return new ImageDescription(image(digest), digest, platforms);
    }
}
