using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using System.Text;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Registry;

namespace MultiArch.Build.Tests.Infrastructure;

internal sealed record TestFile(string Path, byte[]? Content, string? SymlinkTarget = null, int Mode = 0b111_101_101);

internal sealed record TestBlob(byte[] Content, Digest Digest, string MediaType)
{
    public static TestBlob Of(byte[] content, string mediaType) => new(content, Digest.Compute(content), mediaType);

    public object Descriptor(object? platform = null, Dictionary<string, string>? annotations = null)
        => new Dictionary<string, object?>
        {
            ["mediaType"] = MediaType,
            ["digest"] = Digest.ToString(),
            ["size"] = Content.Length,
            ["platform"] = platform,
            ["annotations"] = annotations,
        }.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value);
}

/// <summary>One image of an index: manifest, config and layers, plus the platform its descriptor claims.</summary>
internal sealed record TestImage(string ClaimedPlatform, TestBlob Manifest, TestBlob Config, IReadOnlyList<TestBlob> Layers);

internal sealed record TestIndex(TestBlob Index, IReadOnlyList<TestImage> Images, IReadOnlyList<(TestBlob Manifest, TestBlob Layer)> Attestations);

/// <summary>
/// Builds real OCI (or Docker v2) images, with layers holding real per-architecture busybox binaries,
/// and pushes them to a registry through the product's own RegistryClient or writes them as OCI layouts.
/// </summary>
internal static class TestImages
{
    public static string DebianArch(OciPlatform platform) => platform.ToString() switch
    {
        "linux/amd64" => "amd64",
        "linux/arm64" => "arm64",
        "linux/arm/v7" => "armhf",
        "linux/s390x" => "s390x",
        "linux/ppc64le" => "ppc64el",
        var p => throw new ArgumentException($"no busybox for {p}"),
    };

    /// <summary>A busybox image for the platform: /bin/busybox, /bin/sh -> busybox, and an entrypoint script run by /bin/sh.</summary>
    public static TestImage BusyboxImage(OciPlatform platform, byte[]? binaryOverride = null, bool docker = false, string? claimed = null, string? configPlatform = null)
    {
        var binary = binaryOverride ?? Environments.Busybox(DebianArch(platform));
        var layer = Layer(
        [
            new TestFile("bin/busybox", binary),
            new TestFile("bin/sh", null, "busybox"),
            new TestFile("app/run.sh", Encoding.ASCII.GetBytes("#!/bin/sh\necho hello from $(uname -m)\n")),
        ], docker);
        return Image(claimed ?? platform.ToString(), configPlatform ?? platform.ToString(), [layer], ["/app/run.sh"], docker);
    }

    public static TestBlob Layer(IEnumerable<TestFile> files, bool docker = false)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var dirs = new HashSet<string>();
            foreach (var file in files)
            {
                var dir = Path.GetDirectoryName(file.Path)?.Replace('\\', '/');
                if (!string.IsNullOrEmpty(dir) && dirs.Add(dir))
                {
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, dir + "/") { Mode = (UnixFileMode)0b111_101_101 });
                }

                if (file.SymlinkTarget is not null)
                {
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, file.Path) { LinkName = file.SymlinkTarget, Mode = (UnixFileMode)0b111_111_111 });
                    continue;
                }

                var entry = new PaxTarEntry(TarEntryType.RegularFile, file.Path) { Mode = (UnixFileMode)file.Mode, DataStream = new MemoryStream(file.Content ?? []) };
                writer.WriteEntry(entry);
            }
        }

        using var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            tar.Position = 0;
            tar.CopyTo(gzip);
        }

        return TestBlob.Of(gz.ToArray(), docker ? MediaTypes.DockerLayerGzip : MediaTypes.OciLayerGzip);
    }

    public static TestImage Image(string claimedPlatform, string configPlatform, IReadOnlyList<TestBlob> layers, string[] entrypoint, bool docker = false, IReadOnlyList<string>? history = null)
    {
        var parts = configPlatform.Split('/');
        var config = new Dictionary<string, object?>
        {
            ["architecture"] = parts[1],
            ["os"] = parts[0],
            ["config"] = new Dictionary<string, object> { ["Entrypoint"] = entrypoint, ["Env"] = new[] { "PATH=/usr/local/bin:/usr/bin:/bin" }, ["WorkingDir"] = "/" },
            ["rootfs"] = new { type = "layers", diff_ids = layers.Select(l => DiffId(l.Content).ToString()).ToArray() },
        };
        if (history is not null)
        {
            // One created_by per layer, as an image config's history has it (empty_layer entries left out).
            config["history"] = history.Select(h => new Dictionary<string, object> { ["created_by"] = h }).ToArray();
        }

        if (parts.Length > 2)
        {
            config["variant"] = parts[2];
        }

        var configBlob = TestBlob.Of(JsonSerializer.SerializeToUtf8Bytes(config), docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig);
        var manifestType = docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest;
        var manifest = new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = manifestType,
            ["config"] = configBlob.Descriptor(),
            ["layers"] = layers.Select(l => l.Descriptor()).ToArray(),
        };
        return new TestImage(claimedPlatform, TestBlob.Of(JsonSerializer.SerializeToUtf8Bytes(manifest), manifestType), configBlob, layers);
    }

    public static TestIndex Index(IReadOnlyList<TestImage> images, bool withAttestations = false, bool docker = false, string? orphanAttestationTarget = null)
    {
        var attestations = new List<(TestBlob, TestBlob)>();
        var descriptors = images.Select(i => i.Manifest.Descriptor(PlatformObject(i.ClaimedPlatform))).ToList();
        if (withAttestations)
        {
            foreach (var image in images)
            {
                var subject = orphanAttestationTarget ?? image.Manifest.Digest.ToString();
                var attestation = Attestation(subject);
                attestations.Add(attestation);
                descriptors.Add(attestation.Manifest.Descriptor(
                    new Dictionary<string, string> { ["architecture"] = "unknown", ["os"] = "unknown" },
                    new Dictionary<string, string> { [Descriptor.ReferenceTypeAnnotation] = Descriptor.AttestationManifest, [Descriptor.ReferenceDigestAnnotation] = subject }));
            }
        }

        var indexType = docker ? MediaTypes.DockerManifestList : MediaTypes.OciIndex;
        var index = new Dictionary<string, object> { ["schemaVersion"] = 2, ["mediaType"] = indexType, ["manifests"] = descriptors };
        return new TestIndex(TestBlob.Of(JsonSerializer.SerializeToUtf8Bytes(index), indexType), images, attestations);
    }

    /// <summary>An attestation manifest as buildx writes it: an in-toto layer, platform unknown/unknown.</summary>
    public static (TestBlob Manifest, TestBlob Layer) Attestation(string subject)
    {
        var layer = TestBlob.Of(Encoding.UTF8.GetBytes($$$"""{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://slsa.dev/provenance/v0.2","subject":[{"name":"x","digest":{"sha256":"{{{subject[7..]}}}"}}]}"""), MediaTypes.InTotoLayer);
        var config = TestBlob.Of(Encoding.UTF8.GetBytes("{\"architecture\":\"unknown\",\"os\":\"unknown\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"), MediaTypes.OciConfig);
        var manifest = new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciManifest,
            ["config"] = config.Descriptor(),
            ["layers"] = new[] { layer.Descriptor(annotations: new Dictionary<string, string> { ["in-toto.io/predicate-type"] = "https://slsa.dev/provenance/v0.2" }) },
        };
        return (TestBlob.Of(JsonSerializer.SerializeToUtf8Bytes(manifest), MediaTypes.OciManifest), layer);
    }

    public static async Task PushAsync(RegistryClient client, string repository, string tag, TestIndex index)
    {
        foreach (var image in index.Images)
        {
            await PushImageAsync(client, repository, image);
        }

        foreach (var (manifest, layer) in index.Attestations)
        {
            var config = OciJson.ReadManifest(manifest.Content, manifest.MediaType).Config;
            await client.PushBlobAsync(repository, config.Digest, Encoding.UTF8.GetBytes("{\"architecture\":\"unknown\",\"os\":\"unknown\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"), default);
            await client.PushBlobAsync(repository, layer.Digest, layer.Content, default);
            await client.PutManifestAsync(repository, manifest.Digest.ToString(), manifest.Content, manifest.MediaType, default);
        }

        await client.PutManifestAsync(repository, tag, index.Index.Content, index.Index.MediaType, default);
    }

    public static async Task PushImageAsync(RegistryClient client, string repository, TestImage image, string? tag = null)
    {
        foreach (var layer in image.Layers)
        {
            await client.PushBlobAsync(repository, layer.Digest, layer.Content, default);
        }

        await client.PushBlobAsync(repository, image.Config.Digest, image.Config.Content, default);
        await client.PutManifestAsync(repository, tag ?? image.Manifest.Digest.ToString(), image.Manifest.Content, image.Manifest.MediaType, default);
    }

    /// <summary>Every blob of the index (manifests, configs, layers, attestations and their configs, the index itself) by digest.</summary>
    public static IEnumerable<(Digest Digest, byte[] Content)> Blobs(TestIndex index)
    {
        foreach (var image in index.Images)
        {
            foreach (var blob in image.Layers.Prepend(image.Config).Prepend(image.Manifest))
            {
                yield return (blob.Digest, blob.Content);
            }
        }

        foreach (var (manifest, layer) in index.Attestations)
        {
            yield return (manifest.Digest, manifest.Content);
            yield return (layer.Digest, layer.Content);
            var config = OciJson.ReadManifest(manifest.Content, manifest.MediaType).Config;
            yield return (config.Digest, Encoding.UTF8.GetBytes("{\"architecture\":\"unknown\",\"os\":\"unknown\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"));
        }

        yield return (index.Index.Digest, index.Index.Content);
    }

    /// <summary>Writes an OCI image layout directory whose index.json points at the image index (as buildx writes it).</summary>
    public static void WriteLayout(string directory, TestIndex index)
    {
        Directory.CreateDirectory(Path.Combine(directory, "blobs", "sha256"));
        foreach (var (digest, content) in Blobs(index))
        {
            File.WriteAllBytes(Path.Combine(directory, "blobs", digest.Algorithm, digest.Hex), content);
        }

        File.WriteAllText(Path.Combine(directory, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        var top = new { schemaVersion = 2, mediaType = MediaTypes.OciIndex, manifests = new[] { index.Index.Descriptor() } };
        File.WriteAllBytes(Path.Combine(directory, "index.json"), JsonSerializer.SerializeToUtf8Bytes(top));
    }

    /// <summary>The same layout as a tar archive.</summary>
    public static void WriteLayoutArchive(string archivePath, TestIndex index)
    {
        var dir = archivePath + ".d";
        WriteLayout(dir, index);
        TarFile.CreateFromDirectory(dir, archivePath, includeBaseDirectory: false);
        Directory.Delete(dir, recursive: true);
    }

    private static Dictionary<string, string> PlatformObject(string platform)
    {
        var parts = platform.Split('/');
        var result = new Dictionary<string, string> { ["architecture"] = parts[1], ["os"] = parts[0] };
        if (parts.Length > 2)
        {
            result["variant"] = parts[2];
        }

        return result;
    }

    private static Digest DiffId(byte[] gzip)
    {
        if (gzip.Length < 2 || gzip[0] != 0x1f || gzip[1] != 0x8b)
        {
            return Digest.Compute(gzip);
        }

        // A broken or hostile layer (truncated, a gzip bomb) gets the digest of its bytes: what matters is that it is read.
        using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        try
        {
            for (var n = input.Read(buffer); n > 0; n = input.Read(buffer))
            {
                output.Write(buffer, 0, n);
                if (output.Length > 64 * 1024 * 1024)
                {
                    return Digest.Compute(gzip);
                }
            }
        }
        catch (InvalidDataException)
        {
            return Digest.Compute(gzip);
        }

        return Digest.Compute(output.ToArray());
    }
}
