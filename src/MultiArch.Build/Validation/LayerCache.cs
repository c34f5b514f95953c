using MultiArch.Build.Images;
using MultiArch.Build.Oci;

namespace MultiArch.Build.Validation;

/// <summary>
/// Each layer of an index read once, however many platforms share it (a <c>COPY</c> of the same
/// architecture-independent files, a common base). A layer's content is kept only while a platform still to be
/// checked uses it (<see cref="Expect"/> counts the uses up front), so memory holds the layers in flight, not the index.
/// </summary>
internal sealed class LayerCache
{
    private readonly Dictionary<string, int> _uses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (LayerContent? Content, string? Problem)> _read = new(StringComparer.Ordinal);

    /// <summary>Layers read from their source so far (for tests and the benchmark).</summary>
    public int Reads { get; private set; }

    /// <summary>Counts one future use of each of a platform's layers.</summary>
    public void Expect(IEnumerable<Descriptor> layers)
    {
        foreach (var layer in layers)
        {
            _uses[layer.Digest.ToString()] = _uses.GetValueOrDefault(layer.Digest.ToString()) + 1;
        }
    }

    /// <summary>
    /// The layer's content as <paramref name="fs"/> reads it (all filesystems of one validation share their options),
    /// or why it cannot be read. The whole blob is always read, so its digest is verified.
    /// </summary>
    public async Task<(LayerContent? Content, string? Problem)> ReadAsync(IImageSource source, Descriptor layer, ImageFilesystem fs, CancellationToken cancellationToken)
    {
        var key = layer.Digest.ToString();
        if (!_read.TryGetValue(key, out var result))
        {
            result = await ReadOnceAsync(source, layer, fs, cancellationToken).ConfigureAwait(false);
            Reads++;
            if (_uses.GetValueOrDefault(key) > 1)
            {
                _read[key] = result;
            }
        }

        if (_uses.TryGetValue(key, out var uses))
        {
            if (uses <= 1)
            {
                _uses.Remove(key);
                _read.Remove(key);
            }
            else
            {
                _uses[key] = uses - 1;
            }
        }

        return result;
    }

    private static async Task<(LayerContent? Content, string? Problem)> ReadOnceAsync(IImageSource source, Descriptor layer, ImageFilesystem fs, CancellationToken cancellationToken)
    {
        var gzip = MediaTypes.IsGzipLayer(layer.MediaType);
        if (!gzip && !MediaTypes.IsTarLayer(layer.MediaType))
        {
            return (null, $"layer {layer.Digest.Short} has media type {layer.MediaType}, which this check cannot unpack");
        }

        await using var stream = await source.OpenBlobAsync(layer, cancellationToken).ConfigureAwait(false);
        LayerContent content;
        try
        {
            content = await fs.ReadLayerAsync(stream, gzip, layer.Digest.ToString(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            // Unreadable content is first of all content to verify: a digest mismatch is the real finding.
            await stream.DrainAsync(cancellationToken).ConfigureAwait(false);
            return (null, $"layer {layer.Digest.Short} cannot be unpacked ({ex.Message})");
        }

        // Read to the end so that the whole layer is checked against its digest.
        await stream.DrainAsync(cancellationToken).ConfigureAwait(false);
        return (content, null);
    }
}
