using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using MultiArch.Build.Oci;
using MultiArch.Build.Registry;

/// <summary>
/// Pushes one large layer (default 1 GiB of random bytes, written to a temporary file first) to a registry through
/// RegistryClient, sampling the managed heap while it streams: the blob must never be held whole in memory.
/// Usage: MultiArch.Build.Bench push-blob REGISTRY SIZE_MIB OUTPUT.md
/// </summary>
internal static class PushBlobBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: MultiArch.Build.Bench push-blob REGISTRY SIZE_MIB OUTPUT.md");
            return 2;
        }

        var registry = args[0];
        var sizeMiB = int.Parse(args[1], CultureInfo.InvariantCulture);
        var output = args[2];
        var size = sizeMiB * 1024L * 1024L;
        var file = Path.Combine(Path.GetTempPath(), $"multiarch-bench-layer-{Environment.ProcessId}.bin");
        try
        {
            var digest = WriteRandomLayer(file, size);
            using var client = new RegistryClient(registry);
            await client.PingAsync(default);

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            long peakHeap = heapBefore;
            using var stop = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: false));
                    try
                    {
                        await Task.Delay(5, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            });

            var watch = Stopwatch.StartNew();
            await client.PushBlobAsync(
                $"bench/blob{Environment.ProcessId}",
                digest,
                size,
                _ => Task.FromResult<Stream>(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.SequentialScan | FileOptions.Asynchronous)),
                default,
                skipIfPresent: false);
            watch.Stop();
            stop.Cancel();
            await sampler;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var growth = peakHeap - heapBefore;
            var exists = await client.BlobExistsAsync($"bench/blob{Environment.ProcessId}", digest, default);

            var mib = 1024.0 * 1024.0;
            var row = $"| {sizeMiB} MiB layer, monolithic PUT streamed from a file | {watch.Elapsed.TotalSeconds:0.0} | {size / mib / watch.Elapsed.TotalSeconds:0} | {growth / mib:0.0} | {allocated / mib:0.0} | {(exists ? "yes" : "NO")} |";
            var markdown = string.Join(Environment.NewLine,
                "| Push | Seconds | MiB/s | Peak managed heap growth (MiB) | Allocated in all (MiB) | Registry has the blob (HEAD) |",
                "|---|---|---|---|---|---|",
                row,
                string.Empty,
                $"Peak managed heap growth is the largest `GC.GetTotalMemory` sampled every 5 ms during the push, minus the heap after a full collection before it; the target is under 64 MiB. Digest {digest}.");
            File.WriteAllText(output, markdown + Environment.NewLine);
            Console.WriteLine(markdown);
            return exists && growth < 64 * mib ? 0 : 1;
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Writes <paramref name="size"/> random bytes (incompressible, as a real layer is) and returns their digest.</summary>
    private static Digest WriteRandomLayer(string path, long size)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var buffer = new byte[1 << 20];
        for (long written = 0; written < size; written += buffer.Length)
        {
            RandomNumberGenerator.Fill(buffer);
            var n = (int)Math.Min(buffer.Length, size - written);
            stream.Write(buffer, 0, n);
            hash.AppendData(buffer, 0, n);
        }

        return Digest.TryParse("sha256:" + Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant(), out var digest) ? digest.Value : throw new InvalidOperationException("digest");
    }
}
