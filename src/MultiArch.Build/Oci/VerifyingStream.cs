using System.Security.Cryptography;

namespace MultiArch.Build.Oci;

/// <summary>
/// A read-only stream that hashes what passes through and, at its end, checks the content against the
/// descriptor's digest and size. Reading more than the descriptor's size fails at once, so a hostile
/// source cannot stream without bound.
/// </summary>
internal sealed class VerifyingStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly Descriptor _descriptor;
    private readonly IncrementalHash _hash;
    private readonly string _source;
    private long _read;
    private bool _verified;

    public VerifyingStream(Stream inner, Descriptor descriptor, string source)
    {
        _inner = inner;
        _descriptor = descriptor;
        _source = source;
        _hash = descriptor.Digest.CreateHash();
    }

    public override long Length => _descriptor.Size;

    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        return Account(buffer[..n]);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span[..n]);
    }

    /// <summary>Reads to the end (if not there yet) so that the digest is checked.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        while (await ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Account(ReadOnlySpan<byte> data)
    {
        _read += data.Length;
        if (_read > _descriptor.Size)
        {
            throw new ContentMismatchException(_source, _descriptor, $"more than the {_descriptor.Size} bytes its descriptor declares");
        }

        if (data.Length > 0)
        {
            _hash.AppendData(data);
        }
        else if (!_verified)
        {
            _verified = true;
            if (_read != _descriptor.Size)
            {
                throw new ContentMismatchException(_source, _descriptor, $"{_read} bytes where its descriptor declares {_descriptor.Size}");
            }

            var actual = Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();
            if (actual != _descriptor.Digest.Hex)
            {
                throw new ContentMismatchException(_source, _descriptor, $"content hashing to {_descriptor.Digest.Algorithm}:{actual[..12]}...");
            }
        }

        return data.Length;
    }
}
