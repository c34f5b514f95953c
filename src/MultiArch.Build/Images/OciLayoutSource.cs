using System.Text;
using MultiArch.Build.Oci;

namespace MultiArch.Build.Images;

/// <summary>
/// An OCI image layout, as a directory (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/</c>) or as a tar
/// archive of one (what <c>buildx --output type=oci</c> and <c>podman manifest push oci-archive:</c> write).
/// An archive is scanned once for its entries' offsets and then read by seeking, so memory stays bounded
/// whatever its size. The root is <c>index.json</c>; with one entry that is itself an index (buildx), that
/// entry is the image index.
/// </summary>
internal sealed class OciLayoutSource : IImageSource
{
    public const long MaxIndexBytes = 4 * 1024 * 1024;

    private readonly string _path;
    private readonly FileStream? _archive;
    private readonly Dictionary<string, (long Offset, long Size)> _entries = new(StringComparer.Ordinal);

    private OciLayoutSource(string path, FileStream? archive)
    {
        _path = path;
        _archive = archive;
    }

    public string Name => _path;

    public static OciLayoutSource Open(string path)
    {
        if (Directory.Exists(path))
        {
            if (!File.Exists(Path.Combine(path, "index.json")))
            {
                throw new OciLayoutException(path, "the directory has no index.json");
            }

            return new OciLayoutSource(path, null);
        }

        if (!File.Exists(path))
        {
            throw new OciLayoutException(path, "no such file or directory");
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.RandomAccess);
        var source = new OciLayoutSource(path, stream);
        try
        {
            source.ScanArchive();
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        return source;
    }

    public async Task<(byte[] Content, string MediaType, Digest Digest)> ReadRootAsync(CancellationToken cancellationToken)
    {
        var index = await ReadFileAsync("index.json", MaxIndexBytes, cancellationToken).ConfigureAwait(false);
        ImageIndex parsed;
        try
        {
            parsed = OciJson.ReadIndex(index, MediaTypes.OciIndex);
        }
        catch (ManifestFormatException ex)
        {
            throw new InvalidManifestException($"{_path}: index.json", ex.Reason, ex);
        }

        // buildx writes index.json with one descriptor: the image index. podman writes the index itself.
        if (parsed.Manifests.Count == 1 && MediaTypes.IsIndex(parsed.Manifests[0].MediaType))
        {
            var inner = parsed.Manifests[0];
            return (await ReadManifestAsync(inner, cancellationToken).ConfigureAwait(false), inner.MediaType, inner.Digest);
        }

        return (index, parsed.MediaType, Digest.Compute(index));
    }

    public Task<byte[]> ReadManifestAsync(Descriptor descriptor, CancellationToken cancellationToken)
        => ReadBlobAsync(descriptor, MaxIndexBytes, cancellationToken);

    public async Task<byte[]> ReadBlobAsync(Descriptor descriptor, long maxBytes, CancellationToken cancellationToken)
    {
        if (descriptor.Size > maxBytes)
        {
            throw new ContentTooLargeException(_path, $"blob {descriptor.Digest}", descriptor.Size, maxBytes);
        }

        await using var stream = await OpenBlobAsync(descriptor, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    public Task<VerifyingStream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        var name = $"blobs/{descriptor.Digest.Algorithm}/{descriptor.Digest.Hex}";
        return Task.FromResult(new VerifyingStream(OpenFile(name), descriptor, _path));
    }

    public ValueTask DisposeAsync()
    {
        _archive?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<byte[]> ReadFileAsync(string name, long maxBytes, CancellationToken cancellationToken)
    {
        await using var stream = OpenFile(name);
        if (stream.Length > maxBytes)
        {
            throw new ContentTooLargeException(_path, name, stream.Length, maxBytes);
        }

        var buffer = new byte[stream.Length];
        await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer;
    }

    private Stream OpenFile(string name)
    {
        if (_archive is null)
        {
            var full = Path.Combine(_path, name.Replace('/', Path.DirectorySeparatorChar));
            return File.Exists(full)
                ? new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read)
                : throw new OciLayoutException(_path, $"it has no {name}");
        }

        if (!_entries.TryGetValue(name, out var entry))
        {
            throw new OciLayoutException(_path, $"the archive has no {name}");
        }

        return new SliceStream(_archive, entry.Offset, entry.Size);
    }

    /// <summary>Reads the tar headers (ustar, GNU long names, PAX paths) and records where each file's data is.</summary>
    private void ScanArchive()
    {
        var header = new byte[512];
        long position = 0;
        string? longName = null;
        var length = _archive!.Length;
        while (position + 512 <= length)
        {
            _archive.Position = position;
            _archive.ReadExactly(header);
            if (header.All(b => b == 0))
            {
                break;
            }

            if (!ChecksumMatches(header))
            {
                throw new OciLayoutException(_path, $"it is not a tar archive (bad header at byte {position})");
            }

            var size = ParseOctal(header.AsSpan(124, 12));
            if (size < 0 || position + 512 + size > length)
            {
                throw new OciLayoutException(_path, $"the archive is truncated (entry at byte {position})");
            }

            var type = (char)header[156];
            var name = longName ?? TarName(header);
            longName = null;
            var dataOffset = position + 512;
            switch (type)
            {
                case 'L' or 'x' when size <= 1024 * 1024:
                    var data = new byte[size];
                    _archive.Position = dataOffset;
                    _archive.ReadExactly(data);
                    longName = type == 'L' ? Encoding.UTF8.GetString(data).TrimEnd('\0') : PaxPath(data);
                    break;
                case '0' or '\0' or '7':
                    _entries[Normalize(name)] = (dataOffset, size);
                    break;
            }

            position = dataOffset + ((size + 511) / 512 * 512);
        }

        if (!_entries.ContainsKey("index.json"))
        {
            throw new OciLayoutException(_path, "the archive has no index.json");
        }
    }

    private static string Normalize(string name) => name.StartsWith("./", StringComparison.Ordinal) ? name[2..] : name.TrimStart('/');

    private static string TarName(byte[] header)
    {
        var name = Encoding.UTF8.GetString(header, 0, 100).TrimEnd('\0');
        var magic = Encoding.ASCII.GetString(header, 257, 5);
        var prefix = magic == "ustar" ? Encoding.UTF8.GetString(header, 345, 155).TrimEnd('\0') : string.Empty;
        return prefix.Length > 0 ? prefix + "/" + name : name;
    }

    private static string? PaxPath(byte[] data)
    {
        foreach (var record in Encoding.UTF8.GetString(data).Split('\n'))
        {
            var space = record.IndexOf(' ');
            if (space > 0 && record[(space + 1)..].StartsWith("path=", StringComparison.Ordinal))
            {
                return record[(space + 6)..];
            }
        }

        return null;
    }

    private static long ParseOctal(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
        {
            // GNU base-256 for sizes over 8 GiB.
            long value = field[0] & 0x7f;
            for (var i = 1; i < field.Length; i++)
            {
                value = (value << 8) | field[i];
            }

            return value;
        }

        long result = 0;
        foreach (var b in field)
        {
            if (b is 0 or (byte)' ')
            {
                if (result > 0)
                {
                    break;
                }

                continue;
            }

            if (b is < (byte)'0' or > (byte)'7')
            {
                return -1;
            }

            result = (result * 8) + (b - '0');
        }

        return result;
    }

    private static bool ChecksumMatches(byte[] header)
    {
        var stored = ParseOctal(header.AsSpan(148, 8));
        long sum = 0;
        for (var i = 0; i < 512; i++)
        {
            sum += i is >= 148 and < 156 ? ' ' : header[i];
        }

        return stored == sum;
    }

    /// <summary>A read-only window onto a shared file stream; each read seeks, so several may be open.</summary>
    private sealed class SliceStream(FileStream file, long offset, long size) : ReadOnlyStream
    {
        private long _position;

        public override long Length => size;

        public override int Read(Span<byte> buffer)
        {
            var remaining = size - _position;
            if (remaining <= 0)
            {
                return 0;
            }

            lock (file)
            {
                file.Position = offset + _position;
                var n = file.Read(buffer[..(int)Math.Min(buffer.Length, remaining)]);
                _position += n;
                return n;
            }
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(Read(buffer.Span));
    }
}
