using MultiArch.Build.Oci;

namespace MultiArch.Build.Images;

/// <summary>
/// How far a compressed layer may expand. Real layers compress 2-5 times (a sparse or zero-filled file can reach a
/// few hundred); a gzip bomb, a few megabytes that inflate to terabytes, would keep the check busy for hours. Past
/// <see cref="FreeBytes"/>, a layer that has expanded more than <see cref="MaxRatio"/> times the compressed bytes
/// read so far is not read further.
/// </summary>
internal static class LayerLimits
{
    /// <summary>Uncompressed bytes any layer may have before its ratio is judged.</summary>
    public const long FreeBytes = 1L << 30;

    /// <summary>Largest expansion accepted beyond <see cref="FreeBytes"/>.</summary>
    public const long MaxRatio = 200;

    /// <summary>A layer that expanded beyond the limits: read no further (an <see cref="InvalidDataException"/>, as any unreadable layer).</summary>
    public static InvalidDataException GzipBomb(long uncompressed, long compressed)
        => new($"it expands to more than {uncompressed / (1024 * 1024)} MiB from {Math.Max(1, compressed / 1024)} KiB of gzip, over {MaxRatio} times: treated as a gzip bomb");
}


/// <summary>
/// Counts the bytes read through it. Given the counter of the compressed stream underneath, it is the uncompressed
/// side and enforces <see cref="LayerLimits"/>.
/// </summary>
internal sealed class CountingStream(Stream inner, CountingStream? compressed) : ReadOnlyStream
{
    public long Total { get; private set; }

    public override long Position
    {
        get => Total;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    private int Count(int read)
    {
        Total += read;
        if (compressed is not null && Total > LayerLimits.FreeBytes && Total > LayerLimits.MaxRatio * Math.Max(1, compressed.Total))
        {
            throw LayerLimits.GzipBomb(Total, compressed.Total);
        }

        return read;
    }
}
