using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultiArch.Build.Building;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Publishing;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Publishing;

/// <summary>
/// In-process assembly against in-memory registries: the config, manifest and index exactly as a build tool would
/// make them from the generated Dockerfile, equal inputs giving equal digests, the apphost's mode kept, the base
/// layers mounted (same registry) or copied (another), registry faults as coded errors, and no tag anywhere.
/// </summary>
[TestClass]
public sealed class ImageAssemblerTests
{
    private const string Target = "registry.example";
    private const string Repository = "team/app";
    private static readonly DateTimeOffset Epoch = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private static readonly OciPlatform Amd64 = OciPlatform.Parse("linux/amd64");
    private static readonly OciPlatform Arm64 = OciPlatform.Parse("linux/arm64");

    public TestContext TestContext { get; set; } = null!;

    private string _work = "";

    [TestInitialize]
    public void Setup()
    {
        _work = Path.Combine(Path.GetTempPath(), "multiarch-assemble-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var (platform, machine) in new[] { ("linux/amd64", "x64"), ("linux/arm64", "arm64") })
        {
            var folder = Path.Combine(_work, "publish", platform);
            Directory.CreateDirectory(Path.Combine(folder, "runtimes", "native"));
            File.WriteAllBytes(Path.Combine(folder, "App"), Encoding.ASCII.GetBytes("apphost for " + machine));
            File.SetUnixFileMode(Path.Combine(folder, "App"), (UnixFileMode)0b111_101_101);
            File.WriteAllText(Path.Combine(folder, "App.dll"), "the IL");
            File.SetUnixFileMode(Path.Combine(folder, "App.dll"), (UnixFileMode)0b110_100_100);
            File.WriteAllText(Path.Combine(folder, "runtimes", "native", "libx.so"), "native " + machine);
        }
    }

    [TestCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [TestMethod]
    public async Task The_config_is_the_bases_with_the_generated_steps_applied_as_BuildKit_applies_them()
    {
        var registry = new InMemoryRegistry { PerRepositoryBlobs = true };
        var (baseIndex, baseConfigs) = await PushBaseAsync(registry, Target, appUid: "4242");
        using var session = Session(registry);

        var result = await new ImageAssembler(session.ClientFor).AssembleAsync(Request(Target), TestContext.CancellationToken);

        Assert.AreEqual($"{Target}/{Repository}@{result.Digest}", result.Image);
        var (config, layerDiffId) = await ReadConfigAsync(session, result, 1);
        Assert.AreEqual("arm64", config["architecture"]!.GetValue<string>(), "the base's platform fields are kept");
        Assert.AreEqual("2023-11-14T22:13:20Z", config["created"]!.GetValue<string>(), "created is SOURCE_DATE_EPOCH, never the wall clock");
        var c = config["config"]!.AsObject();
        CollectionAssert.AreEqual(new[] { "PATH=/usr/local/bin:/usr/bin:/bin", "APP_UID=4242", "DOTNET_RUNNING_IN_CONTAINER=true", "ASPNETCORE_HTTP_PORTS=8080" }, Strings(c["Env"]));
        Assert.AreEqual("4242", c["User"]!.GetValue<string>(), "${APP_UID:-1654} expands against the base's environment");
        Assert.AreEqual("/app", c["WorkingDir"]!.GetValue<string>());
        CollectionAssert.AreEqual(new[] { "./App" }, Strings(c["Entrypoint"]));
        Assert.IsFalse(c.ContainsKey("Cmd"), "an ENTRYPOINT resets the base's CMD");
        CollectionAssert.AreEquivalent(new[] { "8080/tcp" }, c["ExposedPorts"]!.AsObject().Select(p => p.Key).ToArray());
        Assert.AreEqual("base", c["Labels"]!["from"]!.GetValue<string>(), "the base's labels are kept");
        Assert.AreEqual("App", c["Labels"]!["org.opencontainers.image.title"]!.GetValue<string>());
        var baseDiffIds = Strings(JsonNode.Parse(baseConfigs[1])!["rootfs"]!["diff_ids"]);
        CollectionAssert.AreEqual(baseDiffIds.Append(layerDiffId.ToString()).ToArray(), Strings(config["rootfs"]!["diff_ids"]));
        var history = config["history"]!.AsArray();
        Assert.AreEqual(1 + 4, history.Count, "the base's one entry and one per step");
        Assert.AreEqual("COPY --from=publish ${TARGETPLATFORM}/ /app/", history[1]!["created_by"]!.GetValue<string>());
        Assert.IsNull(history[1]!["empty_layer"], "the COPY adds the layer");
        Assert.IsTrue(history.Skip(2).All(h => h!["empty_layer"]!.GetValue<bool>()), "the other steps add none");
        Assert.AreEqual(baseIndex, result.BaseDigest);
    }

    [TestMethod]
    public async Task A_base_without_APP_UID_gets_the_default_user()
    {
        var registry = new InMemoryRegistry { PerRepositoryBlobs = true };
        await PushBaseAsync(registry, Target, appUid: null);
        using var session = Session(registry);

        var result = await new ImageAssembler(session.ClientFor).AssembleAsync(Request(Target), TestContext.CancellationToken);

        var (config, _) = await ReadConfigAsync(session, result, 0);
        Assert.AreEqual("1654", config["config"]!["User"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task The_manifests_and_the_index_are_OCI_with_each_platform_and_the_annotations()
    {
        var registry = new InMemoryRegistry { PerRepositoryBlobs = true };
        await PushBaseAsync(registry, Target, appUid: null);
        using var session = Session(registry);
        var request = Request(Target) with
        {
            IndexAnnotations = [new("org.opencontainers.image.source", "https://example/app")],
            ManifestAnnotations = [BuildAnnotation.Parse("org.opencontainers.image.revision=abc"), BuildAnnotation.Parse("manifest[linux/arm64]:org.example.only-arm64=yes")],
        };

        var result = await new ImageAssembler(session.ClientFor).AssembleAsync(request, TestContext.CancellationToken);

        var client = session.ClientFor(Target);
        var index = await client.GetManifestAsync(Repository, result.Digest.ToString(), TestContext.CancellationToken);
        Assert.AreEqual(MediaTypes.OciIndex, index.MediaType);
        var parsed = OciJson.ReadIndex(index.Content, index.MediaType);
        CollectionAssert.AreEqual(new[] { "linux/amd64", "linux/arm64" }, parsed.Manifests.Select(m => m.Platform!.Normalized!.ToString()).ToArray());
        Assert.AreEqual("https://example/app", parsed.Annotations["org.opencontainers.image.source"]);
        foreach (var entry in parsed.Manifests)
        {
            Assert.AreEqual(MediaTypes.OciManifest, entry.MediaType);
            var manifest = OciJson.ReadManifest((await client.GetManifestAsync(Repository, entry.Digest.ToString(), TestContext.CancellationToken)).Content, MediaTypes.OciManifest);
            Assert.AreEqual(MediaTypes.OciConfig, manifest.Config.MediaType);
            Assert.AreEqual(2, manifest.Layers.Count, "the base's layer, then the app's");
            Assert.IsTrue(manifest.Layers.All(l => l.MediaType == MediaTypes.OciLayerGzip), "a Docker v2 base layer is described with its OCI type");
            Assert.AreEqual("abc", manifest.Annotations["org.opencontainers.image.revision"]);
            Assert.AreEqual(entry.Platform!.Normalized!.ToString() == "linux/arm64", manifest.Annotations.ContainsKey("org.example.only-arm64"), "a platform's annotation goes to that platform's manifest only: " + entry.Platform.Normalized);
        }

        CollectionAssert.AreEqual(result.Platforms.Select(p => p.ManifestDigest).ToArray(), parsed.Manifests.Select(m => m.Digest.ToString()).ToArray());
    }

    [TestMethod]
    public async Task Equal_inputs_give_the_same_digest()
    {
        var digests = new List<Digest>();
        for (var run = 0; run < 2; run++)
        {
            var registry = new InMemoryRegistry { PerRepositoryBlobs = true };
            await PushBaseAsync(registry, Target, appUid: null);
            using var session = Session(registry);
            var request = Request(Target) with { WorkFolder = Path.Combine(_work, "layers-" + run) };
            digests.Add((await new ImageAssembler(session.ClientFor).AssembleAsync(request, TestContext.CancellationToken)).Digest);

            // Other file times in the folder change nothing: every entry carries the fixed time.
            File.SetLastWriteTimeUtc(Path.Combine(_work, "publish", "linux", "amd64", "App.dll"), DateTime.UtcNow);
        }

        Assert.AreEqual(digests[0], digests[1]);
    }

    [TestMethod]
    public async Task A_folder_gives_the_same_layer_bytes_every_time()
    {
        var folder = Path.Combine(_work, "publish", "linux", "amd64");
        var first = await AppLayer.WriteAsync(folder, "/app", Epoch, Path.Combine(_work, "a.tar.gz"), TestContext.CancellationToken);
        File.SetLastWriteTimeUtc(Path.Combine(folder, "App.dll"), DateTime.UtcNow);
        var second = await AppLayer.WriteAsync(folder, "/app", Epoch, Path.Combine(_work, "b.tar.gz"), TestContext.CancellationToken);

        Assert.AreEqual(first.DiffId, second.DiffId, "the tar");
        Assert.AreEqual(first.Descriptor.Digest, second.Descriptor.Digest, "the gzip blob");
    }

    [TestMethod]
    public async Task The_app_layer_keeps_the_modes_and_is_owned_by_root_at_the_fixed_time()
    {
        var registry = new InMemoryRegistry { PerRepositoryBlobs = true };
        await PushBaseAsync(registry, Target, appUid: null);
        using var session = Session(registry);

        var result = await new ImageAssembler(session.ClientFor).AssembleAsync(Request(Target), TestContext.CancellationToken);

        var entries = await ReadAppLayerAsync(session, result, 0);
        CollectionAssert.AreEqual(new[] { "app/", "app/App", "app/App.dll", "app/runtimes/", "app/runtimes/native/", "app/runtimes/native/libx.so" }, entries.Select(e => e.Name).ToArray(), "the destination first, then every entry in ordinal order, folders included");
        Assert.AreEqual((UnixFileMode)0b111_101_101, entries.Single(e => e.Name == "app/App").Mode, "the apphost stays executable");
        Assert.AreEqual((UnixFileMode)0b110_100_100, entries.Single(e => e.Name == "app/App.dll").Mode);
        Assert.IsTrue(entries.All(e => e.Uid == 0 && e.Gid == 0 && e.ModificationTime == Epoch));
        Assert.AreEqual("apphost for x64", entries.Single(e => e.Name == "app/App").Content);
    }

    [TestMethod]
    public async Task Base_layers_on_the_same_registry_are_mounted_not_uploaded()
    {
        var registry = new InMemoryRegistry { PerRepositoryBlobs = true };
        await PushBaseAsync(registry, Target, appUid: null);
        using var session = Session(registry);
        var uploadsBefore = registry.UploadLengths.Count;

        var result = await new ImageAssembler(session.ClientFor).AssembleAsync(Request(Target), TestContext.CancellationToken);

        Assert.AreEqual(2, result.MountedBlobs, "one base layer per platform");
        Assert.AreEqual(2, registry.Mounts.Count);
        Assert.IsTrue(registry.Mounts.All(m => m.EndsWith(" from dotnet/runtime", StringComparison.Ordinal)));
        Assert.AreEqual(4, result.UploadedBlobs, "two app layers and two configs: nothing of the base");
        Assert.AreEqual(4, registry.UploadLengths.Count - uploadsBefore);

        var again = await new ImageAssembler(session.ClientFor).AssembleAsync(Request(Target), TestContext.CancellationToken);

        Assert.AreEqual(result.Digest, again.Digest);
        Assert.AreEqual((0, 0, 6), (again.MountedBlobs, again.UploadedBlobs, again.PresentBlobs), "a second push finds every blob in the repository");
    }

    [TestMethod]
    public async Task A_base_on_another_registry_is_copied_layer_by_layer()
    {
        var target = new InMemoryRegistry { PerRepositoryBlobs = true };
        var source = new InMemoryRegistry { PerRepositoryBlobs = true };
        using var router = new Router(new Dictionary<string, InMemoryRegistry> { [Target] = target, ["base.example"] = source });
        using var session = new RegistrySession(new RegistryOptions(), new NoCredentials(), router);
        var baseClient = session.ClientFor("base.example");
        await PushBaseAsync(source, "base.example", appUid: null, client: baseClient);

        var result = await new ImageAssembler(session.ClientFor).AssembleAsync(Request(Target) with { BaseImage = ImageReference.Parse("base.example/dotnet/runtime:10.0") }, TestContext.CancellationToken);

        Assert.AreEqual(0, result.MountedBlobs);
        Assert.AreEqual(0, target.Mounts.Count);
        Assert.AreEqual(6, result.UploadedBlobs, "two base layers, two app layers, two configs");
        var manifest = OciJson.ReadManifest((await session.ClientFor(Target).GetManifestAsync(Repository, result.Platforms[0].ManifestDigest, TestContext.CancellationToken)).Content, MediaTypes.OciManifest);
        Assert.IsTrue(manifest.Layers.All(l => target.HasBlob(Repository, l.Digest)), "every layer is in the target repository");
    }

    [TestMethod]
    public async Task Nothing_is_tagged()
    {
        var registry = new InMemoryRegistry { PerRepositoryBlobs = true };
        await PushBaseAsync(registry, Target, appUid: null);
        var before = registry.Requests.Count;
        using var session = Session(registry);

        await new ImageAssembler(session.ClientFor).AssembleAsync(Request(Target), TestContext.CancellationToken);

        var manifestPuts = registry.Requests.Skip(before).Where(r => r.StartsWith("PUT ", StringComparison.Ordinal) && r.Contains("/manifests/", StringComparison.Ordinal)).ToList();
        Assert.AreEqual(3, manifestPuts.Count, "two manifests and the index");
        Assert.IsTrue(manifestPuts.All(r => r.Contains("/manifests/sha256:", StringComparison.Ordinal)), string.Join("\n", manifestPuts));
        Assert.IsFalse(registry.HasManifest(Repository, "latest"));
    }

    [TestMethod]
    public async Task A_base_without_a_platform_is_a_coded_error_before_anything_is_pushed()
    {
        var registry = new InMemoryRegistry { PerRepositoryBlobs = true };
        await PushBaseAsync(registry, Target, appUid: null);
        using var session = Session(registry);
        var request = Request(Target) with { Platforms = [.. Request(Target).Platforms, new AssembledPlatform(OciPlatform.Parse("linux/s390x"), _work)] };
        var before = registry.Requests.Count;

        var ex = await Assert.ThrowsExactlyAsync<MultiArchException>(() => new ImageAssembler(session.ClientFor).AssembleAsync(request, TestContext.CancellationToken));

        StringAssert.StartsWith(ex.Message, "MULTIARCH3070: ");
        StringAssert.Contains(ex.Message, "linux/s390x");
        Assert.IsFalse(registry.Requests.Skip(before).Any(r => r.StartsWith("PUT", StringComparison.Ordinal) || r.StartsWith("POST", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task A_missing_publish_folder_is_a_coded_error()
    {
        var registry = new InMemoryRegistry { PerRepositoryBlobs = true };
        await PushBaseAsync(registry, Target, appUid: null);
        using var session = Session(registry);
        Directory.Delete(Path.Combine(_work, "publish", "linux", "arm64"), recursive: true);

        var ex = await Assert.ThrowsExactlyAsync<MultiArchException>(() => new ImageAssembler(session.ClientFor).AssembleAsync(Request(Target), TestContext.CancellationToken));

        StringAssert.StartsWith(ex.Message, "MULTIARCH3071: ");
    }

    [TestMethod]
    [DataRow("PUT", "/manifests/", HttpStatusCode.Forbidden, "MULTIARCH4")]
    [DataRow("POST", "/blobs/uploads/", HttpStatusCode.Unauthorized, "MULTIARCH4")]
    [DataRow("GET", "/blobs/", HttpStatusCode.NotFound, "MULTIARCH4")]
    public async Task Registry_faults_are_coded_errors(string method, string pathPart, HttpStatusCode status, string codePrefix)
    {
        var registry = new InMemoryRegistry { PerRepositoryBlobs = true };
        await PushBaseAsync(registry, Target, appUid: null);
        registry.Fault = (request, _) => Task.FromResult(request.Method.Method == method && request.RequestUri!.AbsolutePath.Contains(pathPart, StringComparison.Ordinal)
            ? new HttpResponseMessage(status)
            : null);
        using var session = Session(registry);

        var ex = await Assert.ThrowsAsync<MultiArchException>(() => new ImageAssembler(session.ClientFor).AssembleAsync(Request(Target), TestContext.CancellationToken));

        StringAssert.StartsWith(ex.Message, codePrefix);
        Assert.IsFalse(ex.Message.StartsWith("MULTIARCH9001", StringComparison.Ordinal));
    }

    [TestMethod]
    public void The_generated_Dockerfile_reads_back_as_a_copy_only_image()
    {
        var text = DotnetDockerfile.Generate(new DotnetDockerfileSpec
        {
            BaseImage = "127.0.0.1:5000/dotnet/aspnet:10.0",
            AppHost = true,
            AssemblyName = "App",
            TargetFileName = "App.dll",
            AspNetCore = true,
            Ports = [new ContainerPortSpec(8080, "tcp")],
        });

        var steps = CopyOnlyDockerfile.Read(DockerfileParser.Parse(text).Document, out var reason);

        Assert.IsNotNull(steps, reason);
        Assert.AreEqual("127.0.0.1:5000/dotnet/aspnet:10.0", steps.BaseImage);
        Assert.AreEqual("publish", steps.Context);
        Assert.AreEqual("/app", steps.Destination);
        Assert.AreEqual("/app", steps.WorkingDirectory);
        CollectionAssert.AreEqual(new[] { ("ASPNETCORE_HTTP_PORTS", "8080") }, steps.Env.ToArray());
        CollectionAssert.AreEqual(new[] { "8080/tcp" }, steps.ExposedPorts.ToArray());
        Assert.AreEqual("${APP_UID:-1654}", steps.User);
        CollectionAssert.AreEqual(new[] { "./App" }, steps.Entrypoint!.ToArray());
        Assert.AreEqual(1, steps.Steps.Count(s => s.AddsLayer));
    }

    [TestMethod]
    [DataRow("FROM base\nRUN echo hi\n", "RUN")]
    [DataRow("FROM base\nCOPY . /app/\n", "this COPY is not in the form assembled in process, one COPY --from=<named context> ${TARGETPLATFORM}/ /dir/")]
    [DataRow("FROM base\nARG TARGETPLATFORM\nCOPY ${TARGETPLATFORM}/ /app/\n", "line 3: this COPY is not in the form assembled in process")]
    [DataRow("FROM base\nCOPY --from=publish ${TARGETPLATFORM}/ /app/\nENTRYPOINT ./App\n", "line 3: this ENTRYPOINT is not in the form assembled in process, the exec form")]
    [DataRow("FROM base AS a\nFROM a\nCOPY --from=publish ${TARGETPLATFORM}/ /app/\n", "2 stages")]
    [DataRow("FROM base\nWORKDIR /app\n", "no COPY")]
    public void A_Dockerfile_that_does_more_than_copy_is_not_assembled(string text, string why)
    {
        Assert.IsNull(CopyOnlyDockerfile.Read(DockerfileParser.Parse(text).Document, out var reason));
        StringAssert.Contains(reason, why);
    }

    private AssemblyRequest Request(string registry) => new()
    {
        BaseImage = ImageReference.Parse($"{registry}/dotnet/runtime:10.0"),
        Platforms = [new AssembledPlatform(Amd64, Path.Combine(_work, "publish", "linux", "amd64")), new AssembledPlatform(Arm64, Path.Combine(_work, "publish", "linux", "arm64"))],
        Registry = Target,
        Repository = Repository,
        Dockerfile = new CopyOnlyDockerfile
        {
            BaseImage = $"{registry}/dotnet/runtime:10.0",
            Context = "publish",
            Destination = "/app",
            WorkingDirectory = "/app",
            Env = [("ASPNETCORE_HTTP_PORTS", "8080")],
            ExposedPorts = ["8080/tcp"],
            User = "${APP_UID:-" + DotnetDockerfile.AppUid + "}",
            Entrypoint = ["./App"],
            Steps = [new("COPY --from=publish ${TARGETPLATFORM}/ /app/", true), new("WORKDIR /app", false), new("ENV ASPNETCORE_HTTP_PORTS=8080", false), new("USER ${APP_UID:-1654}", false)],
        },
        Labels = [new("org.opencontainers.image.title", "App")],
        Created = Epoch,
        Expand = (text, lookup) => VariableExpander.Expand(text, lookup),
        WorkFolder = Path.Combine(_work, "layers"),
    };

    private static RegistrySession Session(InMemoryRegistry registry)
        => new(new RegistryOptions { MaxAttempts = 1, RetryDelay = TimeSpan.Zero }, new NoCredentials(), registry);

    /// <summary>A Docker v2 base index (amd64, arm64) with a Cmd, a label and optionally APP_UID, pushed as dotnet/runtime:10.0.</summary>
    private static async Task<(Digest Index, List<byte[]> Configs)> PushBaseAsync(InMemoryRegistry registry, string host, string? appUid, RegistryClient? client = null)
    {
        using var own = client is null ? new RegistrySession(new RegistryOptions(), new NoCredentials(), registry) : null;
        client ??= own!.ClientFor(host);
        var (index, configs) = BaseImage(appUid);
        await TestImages.PushAsync(client, "dotnet/runtime", "10.0", index);
        return (index.Index.Digest, configs);
    }

    /// <summary>One base per APP_UID, made once: its layer bytes (tar times) do not change between the pushes of a test.</summary>
    private static (TestIndex Index, List<byte[]> Configs) BaseImage(string? appUid)
    {
        lock (Bases)
        {
            if (Bases.TryGetValue(appUid ?? string.Empty, out var made))
            {
                return made;
            }
        }

        var images = new List<TestImage>();
        var configs = new List<byte[]>();
        foreach (var platform in new[] { "linux/amd64", "linux/arm64" })
        {
            var layer = TestImages.Layer([new TestFile("usr/share/dotnet/dotnet", Encoding.ASCII.GetBytes("host " + platform))], docker: true);
            var env = new List<string> { "PATH=/usr/local/bin:/usr/bin:/bin" };
            if (appUid is not null)
            {
                env.Add("APP_UID=" + appUid);
            }

            env.Add("DOTNET_RUNNING_IN_CONTAINER=true");
            var config = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["architecture"] = platform.Split('/')[1],
                ["os"] = "linux",
                ["config"] = new Dictionary<string, object> { ["Env"] = env, ["Cmd"] = new[] { "/bin/sh" }, ["Labels"] = new Dictionary<string, string> { ["from"] = "base" } },
                ["rootfs"] = new { type = "layers", diff_ids = new[] { DiffId(layer.Content) } },
                ["history"] = new[] { new { created_by = "base layer" } },
            });
            configs.Add(config);
            var configBlob = TestBlob.Of(config, MediaTypes.DockerConfig);
            var manifest = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = MediaTypes.DockerManifest,
                ["config"] = configBlob.Descriptor(),
                ["layers"] = new[] { layer.Descriptor() },
            });
            images.Add(new TestImage(platform, TestBlob.Of(manifest, MediaTypes.DockerManifest), configBlob, [layer]));
        }

        var index = TestImages.Index(images, docker: true);
        lock (Bases)
        {
            Bases[appUid ?? string.Empty] = (index, configs);
        }

        return (index, configs);
    }

    private static readonly Dictionary<string, (TestIndex, List<byte[]>)> Bases = [];

    private static string DiffId(byte[] gzip)
    {
        using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var tar = new MemoryStream();
        input.CopyTo(tar);
        return Digest.Compute(tar.ToArray()).ToString();
    }

    private async Task<(JsonObject Config, Digest LayerDiffId)> ReadConfigAsync(RegistrySession session, AssemblyResult result, int platform)
    {
        var client = session.ClientFor(Target);
        var manifest = OciJson.ReadManifest((await client.GetManifestAsync(Repository, result.Platforms[platform].ManifestDigest, TestContext.CancellationToken)).Content, MediaTypes.OciManifest);
        var config = JsonNode.Parse(await client.GetBlobBytesAsync(Repository, manifest.Config, 1 << 20, TestContext.CancellationToken))!.AsObject();
        var layer = await client.GetBlobBytesAsync(Repository, manifest.Layers[^1], 1 << 24, TestContext.CancellationToken);
        Assert.IsTrue(Digest.TryParse(DiffId(layer), out var diffId));
        return (config, diffId.Value);
    }

    private async Task<List<(string Name, UnixFileMode Mode, int Uid, int Gid, DateTimeOffset ModificationTime, string? Content)>> ReadAppLayerAsync(RegistrySession session, AssemblyResult result, int platform)
    {
        var client = session.ClientFor(Target);
        var manifest = OciJson.ReadManifest((await client.GetManifestAsync(Repository, result.Platforms[platform].ManifestDigest, TestContext.CancellationToken)).Content, MediaTypes.OciManifest);
        var layer = await client.GetBlobBytesAsync(Repository, manifest.Layers[^1], 1 << 24, TestContext.CancellationToken);
        using var reader = new TarReader(new GZipStream(new MemoryStream(layer), CompressionMode.Decompress));
        var entries = new List<(string, UnixFileMode, int, int, DateTimeOffset, string?)>();
        while (await reader.GetNextEntryAsync(copyData: true, TestContext.CancellationToken) is { } entry)
        {
            string? content = null;
            if (entry.DataStream is { } data)
            {
                using var text = new StreamReader(data);
                content = await text.ReadToEndAsync(TestContext.CancellationToken);
            }

            entries.Add((entry.Name, entry.Mode, entry.Uid, entry.Gid, entry.ModificationTime, content));
        }

        return entries;
    }

    private static string[] Strings(JsonNode? array) => array!.AsArray().Select(e => e!.GetValue<string>()).ToArray();

    private sealed class NoCredentials : ICredentialProvider
    {
        public Task<RegistryCredential?> GetAsync(string registry, CancellationToken cancellationToken) => Task.FromResult<RegistryCredential?>(null);
    }

    /// <summary>Several in-memory registries behind one transport, by host.</summary>
    private sealed class Router(Dictionary<string, InMemoryRegistry> registries) : HttpMessageHandler
    {
        private readonly Dictionary<string, HttpMessageInvoker> _invokers = registries.ToDictionary(r => r.Key, r => new HttpMessageInvoker(r.Value, disposeHandler: false));

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => _invokers[request.RequestUri!.Authority].SendAsync(request, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            foreach (var invoker in _invokers.Values)
            {
                invoker.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
