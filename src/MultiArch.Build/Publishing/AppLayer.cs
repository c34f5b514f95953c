using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using MultiArch.Build.Oci;

namespace MultiArch.Build.Publishing;

/// <summary>A layer written to a file: its gzip blob's descriptor and the digest of the tar inside (the config's diff_id).</summary>
internal sealed record LayerFile(string Path, Descriptor Descriptor, Digest DiffId);

/// <summary>
/// One image layer made of a folder, as <c>COPY folder/ /dest/</c> lays it out, deterministically: the destination's
/// parents and the folder's entries in ordinal order, owned by root (uid/gid 0, as COPY does without --chown), with
/// each file's and folder's own mode (the apphost stays executable), symbolic links as links, and one fixed time
/// (SOURCE_DATE_EPOCH) on every entry; gzip-compressed. Equal folders give equal bytes, hence equal digests.
/// </summary>
internal static class AppLayer
{
    private const UnixFileMode DirectoryMode = (UnixFileMode)0b111_101_101; // 0755, what COPY gives the folders it creates

    public static async Task<LayerFile> WriteAsync(string folder, string destination, DateTimeOffset time, string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var root = destination.Trim('/');
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        await using (var compressedHash = new HashingStream(file))
        {
            await using (var gzip = new GZipStream(compressedHash, CompressionLevel.Fastest, leaveOpen: true))
            await using (var tarHash = new HashingStream(gzip))
            {
                await using (var tar = new TarWriter(tarHash, TarEntryFormat.Gnu, leaveOpen: true))
                {
                    // The destination and its parents (/srv/app: srv/, srv/app/), as COPY creates them.
                    var parts = root.Length == 0 ? [] : root.Split('/');
                    for (var i = 1; i <= parts.Length; i++)
                    {
                        await tar.WriteEntryAsync(Entry(TarEntryType.Directory, string.Join('/', parts[..i]) + "/", DirectoryMode, time), cancellationToken).ConfigureAwait(false);
                    }

                    var prefix = root.Length == 0 ? string.Empty : root + "/";
                    foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories)
                        .Select(e => (Info: e, Name: System.IO.Path.GetRelativePath(folder, e.FullName).Replace('\\', '/')))
                        .OrderBy(e => e.Name, StringComparer.Ordinal))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var mode = OperatingSystem.IsWindows() ? (entry.Info is DirectoryInfo ? DirectoryMode : (UnixFileMode)0b110_100_100) : entry.Info.UnixFileMode;
                        if (entry.Info.LinkTarget is { } target)
                        {
                            var link = Entry(TarEntryType.SymbolicLink, prefix + entry.Name, (UnixFileMode)0b111_111_111, time);
                            link.LinkName = target;
                            await tar.WriteEntryAsync(link, cancellationToken).ConfigureAwait(false);
                        }
                        else if (entry.Info is DirectoryInfo)
                        {
                            await tar.WriteEntryAsync(Entry(TarEntryType.Directory, prefix + entry.Name + "/", mode, time), cancellationToken).ConfigureAwait(false);
                        }
                        else
                        {
                            var content = new FileStream(entry.Info.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                            await using (content.ConfigureAwait(false))
                            {
                                var regular = Entry(TarEntryType.RegularFile, prefix + entry.Name, mode, time);
                                regular.DataStream = content;
                                await tar.WriteEntryAsync(regular, cancellationToken).ConfigureAwait(false);
                            }
                        }
                    }
                }

                await tarHash.FlushAsync(cancellationToken).ConfigureAwait(false);
                var diffId = tarHash.Digest();
                await gzip.DisposeAsync().ConfigureAwait(false);
                var descriptor = new Descriptor(MediaTypes.OciLayerGzip, compressedHash.Digest(), compressedHash.Length, null, new Dictionary<string, string>());
                return new LayerFile(path, descriptor, diffId);
            }
        }
    }

    private static GnuTarEntry Entry(TarEntryType type, string name, UnixFileMode mode, DateTimeOffset time)
        => new(type, name)
        {
            // GNU format: names of any length, and no extended header that could carry a clock of its own. Every
            // time is the fixed one (the constructor would stamp access and change times with the wall clock).
            Mode = mode,
            Uid = 0,
            Gid = 0,
            UserName = string.Empty,
            GroupName = string.Empty,
            ModificationTime = time,
            AccessTime = time,
            ChangeTime = time,
        };

    /// <summary>A write-only pass-through that hashes (SHA-256) and counts what is written.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public Digest Digest() => new("sha256", Convert.ToHexString(_hash.GetCurrentHash()).ToLowerInvariant());

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            _length += buffer.Length;
            inner.Write(buffer);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _hash.AppendData(buffer.Span);
            _length += buffer.Length;
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
