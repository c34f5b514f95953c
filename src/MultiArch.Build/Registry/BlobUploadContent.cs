using System.Net;
using System.Net.Http.Headers;

namespace MultiArch.Build.Registry;

/// <summary>
/// The body of a blob upload: streamed from a source opened at send time, with its length known (a monolithic
/// PUT with Content-Length), in 80 KiB pieces. Never buffered: the blob is never held whole in memory. Because
/// every send opens the source again, the request can be sent twice (an auth challenge answered).
/// </summary>
internal sealed class BlobUploadContent : HttpContent
{
    private const int BufferSize = 81920;
    private readonly Func<CancellationToken, Task<Stream>> _open;
    private readonly long _length;

    public BlobUploadContent(Func<CancellationToken, Task<Stream>> open, long length)
    {
        _open = open;
        _length = length;
        Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        Headers.ContentLength = length;
    }

    /// <summary>Called after each piece is sent (the client restarts its time-out: only a pause ends an upload).</summary>
    public Action? Progress { get; set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await using var source = await _open(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[BufferSize];
        long sent = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (sent + read > _length)
            {
                throw new IOException($"the blob is longer than its declared {_length} bytes");
            }

            await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            sent += read;
            Progress?.Invoke();
        }

        if (sent != _length)
        {
            throw new IOException($"the blob ended after {sent} of its declared {_length} bytes");
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }
}
