using System.Formats.Tar;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Text;
using MultiArch.Build.Images;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Tests.Infrastructure;
using MultiArch.Build.Tests.Unit.Validation;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tests.Unit.Images;

/// <summary>
/// Hostile and broken layers through the reader the deep check and the whole-image scan share: a 2 GiB layer (made
/// on the fly, never stored), 100,000 files, a truncated stream, symlink loops, a gzip bomb. Each ends with a
/// result or a coded finding, in memory that does not grow with the layer.
/// </summary>
[TestClass]
public sealed class LayerBadInputTests
{
    private const long TwoGiB = 2L * 1024 * 1024 * 1024;

    [TestMethod]
    public async Task A_2_GiB_layer_streams_past_and_the_file_after_it_is_still_judged()
    {
        var fs = new ImageFilesystem { IdentifyNativeCode = true, ReadLinkerFiles = true };
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 * 1024 * 1024, resumeWriterThreshold: 1024 * 1024));
        var written = 0L;
        var producer = Task.Run(async () =>
        {
            // The layer is made as it is read: a header, 2 GiB of zeros in 1 MiB writes, then a tar with one ELF.
            var zeros = new byte[1024 * 1024];
            await pipe.Writer.WriteAsync(UstarHeader("data/big.bin", TwoGiB));
            for (var left = TwoGiB; left > 0; left -= zeros.Length)
            {
                await pipe.Writer.WriteAsync(zeros.AsMemory(0, (int)Math.Min(left, zeros.Length)));
                written += Math.Min(left, zeros.Length);
            }

            await pipe.Writer.WriteAsync(Tar([new TestFile("usr/bin/after", ArchitectureScanTests.Executable("arm64"))]));
            await pipe.Writer.CompleteAsync();
        });
        var content = await fs.ReadLayerAsync(pipe.Reader.AsStream(), gzip: false, "sha256:big", default);
        await producer;

        using var process = System.Diagnostics.Process.GetCurrentProcess();
        var peak = process.PeakWorkingSet64;
        Assert.AreEqual(TwoGiB, written, "the whole 2 GiB went through");
        Assert.IsTrue(peak < 1024L * 1024 * 1024, $"peak working set {peak / (1024 * 1024)} MiB for a 2 GiB layer: its data must stream past, not be kept");
        var after = content.Added.Single(a => a.Path == "/usr/bin/after").Entry;
        Assert.AreEqual("arm64", after.Native?.Architecture);
        Assert.IsNull(content.Added.Single(a => a.Path == "/data/big.bin").Entry.Native);
    }

    [TestMethod]
    public async Task A_layer_of_100000_files_is_read_and_scanned()
    {
        var files = Enumerable.Range(0, 100_000).Select(i => new TestFile($"srv/d{i % 100}/f{i}.txt", [], Mode: 0b110_100_100))
            .Append(new TestFile("srv/d7/tool", ArchitectureScanTests.Executable("amd64")));
        var gzip = Gzip(Tar(files));
        var fs = new ImageFilesystem { IdentifyNativeCode = true };

        await fs.ApplyLayerAsync(new MemoryStream(gzip), gzip: true, default);
        fs.Apply(await fs.ReadLayerAsync(new MemoryStream(Gzip(Tar(files.Take(50_000)))), gzip: true, "sha256:again", default));

        Assert.IsTrue(fs.Count > 100_000);
        var native = ArchitectureScan.NativeFiles(fs);
        Assert.AreEqual("/srv/d7/tool", native.Single().Path);
        Assert.IsTrue(ArchitectureScan.IsForeign(native.Single(), OciPlatform.Parse("linux/arm64")));
    }

    [TestMethod]
    public async Task A_truncated_layer_is_an_unreadable_layer_and_the_validation_says_so()
    {
        var whole = Gzip(Tar([new TestFile("usr/bin/tool", [.. ArchitectureScanTests.Executable("arm64"), .. new byte[200_000].Select((_, i) => (byte)(i * 7919 % 251))])]));
        var truncated = whole[..(whole.Length / 2)];
        var fs = new ImageFilesystem { IdentifyNativeCode = true };

        var thrown = await ReadFailureAsync(fs, truncated);
        Assert.IsTrue(thrown is InvalidDataException or EndOfStreamException or FormatException, $"{thrown?.GetType()}: {thrown?.Message}");

        var report = await ValidateAsync(TestBlob.Of(truncated, MediaTypes.OciLayerGzip));
        CollectionAssert.Contains(Codes(report), "MULTIARCH5008");
        CollectionAssert.Contains(Codes(report), "MULTIARCH5065");
    }

    [TestMethod]
    public async Task Symlink_loops_end_in_a_coded_finding()
    {
        var layer = TestImages.Layer(
        [
            new TestFile("bin/a", null, "b"),
            new TestFile("bin/b", null, "/bin/a"),
            new TestFile("loop/self", null, "."),
            new TestFile("usr/bin/ok", ArchitectureScanTests.Executable("amd64")),
        ]);
        var fs = new ImageFilesystem();
        await fs.ApplyLayerAsync(new MemoryStream(layer.Content), gzip: true, default);
        Assert.IsNull(fs.Resolve("/bin/a"));
        Assert.IsNull(fs.Resolve("/loop/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/self/x"));

        var image = TestImages.Image("linux/amd64", "linux/amd64", [layer], ["/bin/a"]);
        await using var source = new InMemoryImageSource(TestImages.Index([image]));
        var report = await ManifestValidator.ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = [OciPlatform.Parse("linux/amd64")], ArchitectureScan = new ArchitectureScanOptions() }, default);

        Assert.IsTrue(report.Diagnostics.Any(d => d.Code is "MULTIARCH5008" or "MULTIARCH5027"), string.Join("\n", report.Diagnostics));
        Assert.AreEqual(1, report.Platforms[0].Scan!.Checked);
    }

    [TestMethod]
    public async Task A_gzip_bomb_is_stopped_early_and_reported()
    {
        var bomb = GzipBomb(TwoGiB);
        Assert.IsTrue(bomb.Length < 4 * 1024 * 1024, $"{bomb.Length} bytes");
        var fs = new ImageFilesystem { IdentifyNativeCode = true };

        var thrown = await ReadFailureAsync(fs, bomb);
        Assert.IsInstanceOfType<InvalidDataException>(thrown);
        StringAssert.Contains(thrown.Message, "gzip bomb");

        var report = await ValidateAsync(TestBlob.Of(bomb, MediaTypes.OciLayerGzip));
        CollectionAssert.Contains(Codes(report), "MULTIARCH5065");
        Assert.IsTrue(report.Diagnostics.Any(d => d.Message.Contains("gzip bomb", StringComparison.Ordinal)), string.Join("\n", report.Diagnostics));
    }

    private static async Task<Exception?> ReadFailureAsync(ImageFilesystem fs, byte[] gzip)
    {
        try
        {
            await fs.ReadLayerAsync(new MemoryStream(gzip), gzip: true, "sha256:bad", default);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private static async Task<ValidationReport> ValidateAsync(TestBlob layer)
    {
        var image = TestImages.Image("linux/amd64", "linux/amd64", [layer], ["/usr/bin/tool"]);
        await using var source = new InMemoryImageSource(TestImages.Index([image]));
        return await ManifestValidator.ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = [OciPlatform.Parse("linux/amd64")], ArchitectureScan = new ArchitectureScanOptions() }, default);
    }

    private static string[] Codes(ValidationReport report) => report.Diagnostics.Where(d => d.Code.Length > 0).Select(d => d.Code).Distinct().ToArray();

    private static byte[] Tar(IEnumerable<TestFile> files)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var file in files)
            {
                writer.WriteEntry(file.SymlinkTarget is not null
                    ? new PaxTarEntry(TarEntryType.SymbolicLink, file.Path) { LinkName = file.SymlinkTarget }
                    : new PaxTarEntry(TarEntryType.RegularFile, file.Path) { Mode = (UnixFileMode)file.Mode, DataStream = new MemoryStream(file.Content ?? []) });
            }
        }

        return tar.ToArray();
    }

    private static byte[] Gzip(byte[] data, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>
    /// A tar of one file of <paramref name="size"/> zero bytes as gzip: the header and the first 64 MiB in one gzip
    /// member, then the same 64 MiB member repeated (gzip streams may be concatenated), so it is made in a moment.
    /// </summary>
    private static byte[] GzipBomb(long size)
    {
        const int Chunk = 64 * 1024 * 1024;
        var first = Gzip([.. UstarHeader("zeros", size), .. new byte[Chunk - 512]], CompressionLevel.SmallestSize);
        var rest = Gzip(new byte[Chunk], CompressionLevel.SmallestSize);
        using var output = new MemoryStream();
        output.Write(first);
        for (long written = Chunk - 512; written < size; written += Chunk)
        {
            output.Write(rest);
        }

        return output.ToArray();
    }

    /// <summary>The tar header TarWriter writes for a file of <paramref name="size"/> zero bytes (its data is made and dropped, never kept).</summary>
    private static byte[] UstarHeader(string name, long size)
    {
        using var header = new FirstBytes(512);
        using (var writer = new TarWriter(header, TarEntryFormat.Ustar, leaveOpen: true))
        {
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0b110_100_100, DataStream = new ZeroStream(size) });
        }

        return header.Kept;
    }

    /// <summary>A write-only stream that keeps its first bytes and drops the rest.</summary>
    private sealed class FirstBytes(int count) : Stream
    {
        private readonly MemoryStream _kept = new();

        public byte[] Kept => _kept.ToArray();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var room = (int)Math.Max(0, count - _kept.Length);
            _kept.Write(buffer[..Math.Min(room, buffer.Length)]);
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Zeros, <c>length</c> of them, made as they are read.</summary>
    private sealed class ZeroStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => _position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            buffer[..n].Clear();
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin)
            => _position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _position + offset, _ => length + offset };

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
