
namespace MultiArch.Build.Oci;

/// <summary>Where an image index is read from: a registry, an OCI layout directory, or an OCI archive.</summary>
internal interface IImageSource : IAsyncDisposable
{
    /// <summary>A human name for messages: <c>127.0.0.1:5000/app@sha256:...</c> or the archive's path.</summary>
    string Name { get; }

    /// <summary>The manifest or index the reference points at, verified.</summary>
    Task<(byte[] Content, string MediaType, Digest Digest)> ReadRootAsync(CancellationToken cancellationToken);

    /// <summary>A manifest or index named by a descriptor: size-capped and verified.</summary>
    Task<byte[]> ReadManifestAsync(Descriptor descriptor, CancellationToken cancellationToken);

    /// <summary>A small blob (config, attestation) read whole: size-capped and verified.</summary>
    Task<byte[]> ReadBlobAsync(Descriptor descriptor, long maxBytes, CancellationToken cancellationToken);

    /// <summary>A blob (layer) as a stream that verifies its digest and size at its end.</summary>
    Task<VerifyingStream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken);
}
