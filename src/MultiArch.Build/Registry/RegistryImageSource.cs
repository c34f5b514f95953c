using MultiArch.Build.Oci;

namespace MultiArch.Build.Registry;

/// <summary>An image in a registry, read through <see cref="RegistryClient"/>.</summary>
internal sealed class RegistryImageSource(RegistryClient client, ImageReference reference, bool ownsClient = false) : IImageSource
{
    public string Name => reference.ToString();

    public ImageReference Reference => reference;

    public async Task<(byte[] Content, string MediaType, Digest Digest)> ReadRootAsync(CancellationToken cancellationToken)
    {
        var manifest = await client.GetManifestAsync(reference.Repository, reference.Reference, cancellationToken).ConfigureAwait(false);
        return (manifest.Content, manifest.MediaType, manifest.Digest);
    }

    public async Task<byte[]> ReadManifestAsync(Descriptor descriptor, CancellationToken cancellationToken)
        => (await client.GetManifestAsync(reference.Repository, descriptor.Digest.ToString(), cancellationToken).ConfigureAwait(false)).Content;

    public Task<byte[]> ReadBlobAsync(Descriptor descriptor, long maxBytes, CancellationToken cancellationToken)
        => client.GetBlobBytesAsync(reference.Repository, descriptor, maxBytes, cancellationToken);

    public Task<VerifyingStream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
        => client.OpenBlobAsync(reference.Repository, descriptor, cancellationToken);

    public ValueTask DisposeAsync()
    {
        if (ownsClient)
        {
            client.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
