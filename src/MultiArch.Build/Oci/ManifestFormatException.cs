namespace MultiArch.Build.Oci;

/// <summary>
/// A manifest, index or config that is not valid JSON of the expected shape. Thrown by the pure
/// readers; the image sources wrap it into a coded <c>MULTIARCH4006</c> naming where it was read.
/// </summary>
internal sealed class ManifestFormatException(string reason) : Exception(reason)
{
    public string Reason { get; } = reason;
}
