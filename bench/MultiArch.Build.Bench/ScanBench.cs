using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MultiArch.Build.Images;
using MultiArch.Build.Platforms;
using MultiArch.Build.Validation;

/// <summary>
/// The whole-image architecture scan on a 500 MB image (bench/scan.sh): an OCI layout of two platforms (linux/amd64,
/// linux/arm64) with a 200 MB layer both share (data files) and a 150 MB layer each (busybox copies for the platform
/// and data), gzip. Validated with the deep check, with and without the scan: time, allocation, peak working set.
/// </summary>
internal static class ScanBench
{
    private static readonly string[] PlatformNames = ["linux/amd64", "linux/arm64"];

    private static readonly string[] Entrypoint = ["/bin/busybox"];

    public static async Task<int> RunAsync(string[] args)
    {
        var (directory, busyboxDir, iterations, output) = (args[0], args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args[3]);
        var size = Build(directory, busyboxDir);
        var platforms = PlatformNames.Select(OciPlatform.Parse).ToList();

        async Task<(double Median, long Allocated)> Measure(bool scan)
        {
            var times = new List<double>();
            long allocated = 0;
            for (var i = 0; i < iterations + 1; i++)
            {
                await using var source = OciLayoutSource.Open(directory);
                var before = GC.GetTotalAllocatedBytes(precise: true);
                var watch = Stopwatch.StartNew();
                var report = await ManifestValidator.ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = platforms, ArchitectureScan = scan ? new ArchitectureScanOptions() : null }, default);
                watch.Stop();
                if (i > 0)
                {
                    times.Add(watch.Elapsed.TotalMilliseconds);
                    allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
                }

                if (scan && report.Platforms.Any(p => p.Scan is null))
                {
                    throw new InvalidOperationException("the scan did not run");
                }
            }

            times.Sort();
            return (times[times.Count / 2], allocated);
        }

        var off = await Measure(scan: false);
        var on = await Measure(scan: true);
        using var process = Process.GetCurrentProcess();
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Image: {size / (1024 * 1024)} MiB of gzip layers on disk (OCI layout), 2 platforms; median of {iterations} runs after 1 warm-up.")
            .AppendLine()
            .AppendLine("| What | Median ms | Allocated per run | Peak working set of the process |")
            .AppendLine("|---|---:|---:|---:|")
            .AppendLine(CultureInfo.InvariantCulture, $"| deep check + start-up check, no scan | {off.Median:F0} | {off.Allocated / (1024.0 * 1024):F1} MiB | |")
            .AppendLine(CultureInfo.InvariantCulture, $"| deep check + start-up check + whole-image scan | {on.Median:F0} | {on.Allocated / (1024.0 * 1024):F1} MiB | {process.PeakWorkingSet64 / (1024 * 1024)} MiB |")
            .ToString();
        await File.WriteAllTextAsync(output, text);
        Console.Write(text);
        return 0;
    }

    /// <summary>Writes the layout once (kept between runs); returns the size of its layers.</summary>
    private static long Build(string directory, string busyboxDir)
    {
        var blobs = Path.Combine(directory, "blobs", "sha256");
        if (File.Exists(Path.Combine(directory, "index.json")))
        {
            return Directory.EnumerateFiles(blobs).Sum(f => new FileInfo(f).Length);
        }

        Directory.CreateDirectory(blobs);
        var random = new Random(18);
        string Blob(byte[] content)
        {
            var hex = Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant();
            File.WriteAllBytes(Path.Combine(blobs, hex), content);
            return "sha256:" + hex;
        }

        (string Digest, long Size, string DiffId) Layer(IEnumerable<(string Path, byte[] Data, int Mode)> files)
        {
            using var tar = new MemoryStream();
            using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
            {
                foreach (var (path, data, mode) in files)
                {
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, path) { Mode = (UnixFileMode)mode, DataStream = new MemoryStream(data), ModificationTime = DateTimeOffset.UnixEpoch });
                }
            }

            var diffId = "sha256:" + Convert.ToHexString(SHA256.HashData(tar.ToArray())).ToLowerInvariant();
            using var gz = new MemoryStream();
            using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
            {
                tar.Position = 0;
                tar.CopyTo(gzip);
            }

            var bytes = gz.ToArray();
            return (Blob(bytes), bytes.Length, diffId);
        }

        IEnumerable<(string, byte[], int)> Data(string prefix, int count, int bytes)
        {
            for (var i = 0; i < count; i++)
            {
                var data = new byte[bytes];
                random.NextBytes(data);
                yield return ($"{prefix}/file{i}.bin", data, 0b110_100_100);
            }
        }

        var shared = Layer(Data("srv/shared", 200, 1024 * 1024));
        var manifests = new List<object>();
        foreach (var (platform, arch) in new[] { ("linux/amd64", "amd64"), ("linux/arm64", "arm64") })
        {
            var busybox = File.ReadAllBytes(Path.Combine(busyboxDir, arch, "busybox"));
            var own = Layer(Enumerable.Range(0, 50).Select(i => ($"usr/bin/tool{i}", busybox, 0b111_101_101))
                .Prepend(("bin/busybox", busybox, 0b111_101_101))
                .Concat(Data($"srv/{arch}", 50, 1024 * 1024)));
            var layers = new[] { own, shared };
            var config = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["architecture"] = arch,
                ["os"] = "linux",
                ["config"] = new Dictionary<string, object> { ["Entrypoint"] = Entrypoint },
                ["rootfs"] = new { type = "layers", diff_ids = layers.Select(l => l.DiffId).ToArray() },
            });
            var manifest = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
                ["config"] = new { mediaType = "application/vnd.oci.image.config.v1+json", digest = Blob(config), size = config.Length },
                ["layers"] = layers.Select(l => new { mediaType = "application/vnd.oci.image.layer.v1.tar+gzip", digest = l.Digest, size = l.Size }).ToArray(),
            });
            manifests.Add(new { mediaType = "application/vnd.oci.image.manifest.v1+json", digest = Blob(manifest), size = manifest.Length, platform = new { architecture = arch, os = "linux" } });
        }

        var index = JsonSerializer.SerializeToUtf8Bytes(new { schemaVersion = 2, mediaType = "application/vnd.oci.image.index.v1+json", manifests });
        File.WriteAllText(Path.Combine(directory, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        File.WriteAllBytes(Path.Combine(directory, "index.json"), JsonSerializer.SerializeToUtf8Bytes(new
        {
            schemaVersion = 2,
            mediaType = "application/vnd.oci.image.index.v1+json",
            manifests = new[] { new { mediaType = "application/vnd.oci.image.index.v1+json", digest = Blob(index), size = index.Length } },
        }));
        return Directory.EnumerateFiles(blobs).Sum(f => new FileInfo(f).Length);
    }
}
