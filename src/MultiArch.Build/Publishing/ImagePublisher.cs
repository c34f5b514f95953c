using MultiArch.Build.Oci;
using MultiArch.Build.Registry;

namespace MultiArch.Build.Publishing;

/// <summary>
/// Copies an image index from any source (an OCI archive written by podman or buildx) into a registry,
/// by digest only: blobs, then image manifests, then the index. Tags are pointed at it separately
/// (<see cref="TagAsync"/>), after validation.
/// </summary>
internal sealed class ImagePublisher(RegistryClient client, string repository)
{
    private Func<Descriptor, string?> _mountFrom = _ => null;

    /// <summary>Blobs linked from another repository of the registry by the last push (a cross-repository mount).</summary>
    public int Mounted { get; private set; }

    /// <summary>Blobs whose bytes the last push sent.</summary>
    public int Uploaded { get; private set; }

    /// <summary>Blobs the repository already had (neither mounted nor sent) in the last push.</summary>
    public int Present { get; private set; }

    /// <summary>
    /// Pushes the source's root and everything it names. <paramref name="mountFrom"/> names, per blob, a repository of
    /// the same registry that holds it (a base image's layers): the registry is asked to link it from there (no
    /// bytes sent); a registry that declines gets the bytes streamed from the source, as any other blob.
    /// </summary>
    public async Task<Digest> PushByDigestAsync(IImageSource source, CancellationToken cancellationToken, Func<Descriptor, string?>? mountFrom = null)
    {
        _mountFrom = mountFrom ?? (_ => null);
        Mounted = 0;
        Uploaded = 0;
        Present = 0;
        var (rootContent, rootType, rootDigest) = await source.ReadRootAsync(cancellationToken).ConfigureAwait(false);
        if (MediaTypes.IsIndex(rootType))
        {
            var index = ParseIndex(source, rootContent, rootType);
            foreach (var entry in index.Manifests)
            {
                await PushManifestTreeAsync(source, entry, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            await PushImageBlobsAsync(source, ParseManifest(source, rootContent, rootType), cancellationToken).ConfigureAwait(false);
        }

        await client.PutManifestAsync(repository, rootDigest.ToString(), rootContent, rootType, cancellationToken).ConfigureAwait(false);
        return rootDigest;
    }

    /// <summary>
    /// Points each tag at the manifest or index with this digest (the registry already holds it). A tag that already
    /// names this digest is left as it is (nothing pushed); returns the tags that were moved.
    /// </summary>
    public async Task<IReadOnlyList<string>> TagAsync(Digest digest, IEnumerable<string> tags, CancellationToken cancellationToken)
    {
        var manifest = await client.GetManifestAsync(repository, digest.ToString(), cancellationToken).ConfigureAwait(false);
        var moved = new List<string>();
        foreach (var tag in tags)
        {
            if (await CurrentDigestAsync(tag, cancellationToken).ConfigureAwait(false) == digest)
            {
                continue;
            }

            await client.PutManifestAsync(repository, tag, manifest.Content, manifest.MediaType, cancellationToken).ConfigureAwait(false);
            moved.Add(tag);
        }

        return moved;
    }

    /// <summary>The digest a tag names now, or null when the repository has no such tag.</summary>
    private async Task<Digest?> CurrentDigestAsync(string tag, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.GetManifestAsync(repository, tag, cancellationToken).ConfigureAwait(false)).Digest;
        }
        catch (RegistryNotFoundException)
        {
            return null;
        }
    }

    private async Task PushManifestTreeAsync(IImageSource source, Descriptor entry, CancellationToken cancellationToken)
    {
        var content = await source.ReadManifestAsync(entry, cancellationToken).ConfigureAwait(false);
        if (MediaTypes.IsIndex(entry.MediaType))
        {
            foreach (var nested in ParseIndex(source, content, entry.MediaType).Manifests)
            {
                await PushManifestTreeAsync(source, nested, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            await PushImageBlobsAsync(source, ParseManifest(source, content, entry.MediaType), cancellationToken).ConfigureAwait(false);
        }

        await client.PutManifestAsync(repository, entry.Digest.ToString(), content, entry.MediaType, cancellationToken).ConfigureAwait(false);
    }

    private async Task PushImageBlobsAsync(IImageSource source, ImageManifest manifest, CancellationToken cancellationToken)
    {
        foreach (var blob in manifest.Layers.Prepend(manifest.Config))
        {
            if (await client.BlobExistsAsync(repository, blob.Digest, cancellationToken).ConfigureAwait(false))
            {
                Present++;
                continue;
            }

            if (_mountFrom(blob) is { } from && await client.MountBlobAsync(repository, blob.Digest, from, cancellationToken).ConfigureAwait(false))
            {
                Mounted++;
                continue;
            }

            // Streamed from the source to the registry (verified against its digest as it is read), never held
            // whole in memory: a 1 GiB layer costs a buffer, not a gigabyte (bench/push-blob.sh).
            await client.PushBlobAsync(
                repository,
                blob.Digest,
                blob.Size,
                async ct => await source.OpenBlobAsync(blob, ct).ConfigureAwait(false),
                cancellationToken,
                skipIfPresent: false).ConfigureAwait(false);
            Uploaded++;
        }
    }

    private static ImageIndex ParseIndex(IImageSource source, byte[] content, string mediaType)
    {
        try
        {
            return OciJson.ReadIndex(content, mediaType);
        }
        catch (ManifestFormatException ex)
        {
            throw new InvalidManifestException(source.Name, ex.Reason, ex);
        }
    }

    private static ImageManifest ParseManifest(IImageSource source, byte[] content, string mediaType)
    {
        try
        {
            return OciJson.ReadManifest(content, mediaType);
        }
        catch (ManifestFormatException ex)
        {
            throw new InvalidManifestException(source.Name, ex.Reason, ex);
        }
    }
}
