using System.Collections.Concurrent;
using System.Text.Json;
using MultiArch.Build.Building;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;
using MultiArch.Build.Publishing;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Publishing;

/// <summary>
/// The multi-node fan-out and merge (<see cref="MultiNodeBuild"/>) with no buildkitd: the real
/// <see cref="BuildxBuilder"/> runs against a scripted <c>docker buildx build</c> that answers as buildx does (it
/// pushes the part by digest into an in-memory registry, prints captured progress, writes the metadata file in the
/// captured shape of buildx v0.28.0, or fails with buildx's captured output), and the real <see cref="ImageMerger"/>
/// merges through <see cref="RegistryClient"/> over <see cref="InMemoryRegistry"/>. The live two-node builder is
/// Integration/MultiNodeBuilderTests.
/// </summary>
[TestClass]
public sealed class MultiNodeBuildTests
{
    private const string Host = "registry.test:5000";
    private const string Repository = Host + "/h-building/app";
    private static readonly RegistryOptions Fast = new() { InsecureRegistries = [Host], MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(5), RequestTimeout = TimeSpan.FromSeconds(10) };
    private static readonly OciPlatform Amd64 = OciPlatform.Parse("linux/amd64");
    private static readonly OciPlatform Arm64 = OciPlatform.Parse("linux/arm64");

    public TestContext TestContext { get; set; } = null!;

    private static string Data(string folder, string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", folder, name));

    /// <summary>What one node's <c>buildx build</c> does once every node's run has started.</summary>
    private enum Node
    {
        /// <summary>Pushes an index of the platforms it was given (with provenance attestations) by digest.</summary>
        Builds,

        /// <summary>Pushes an image for a platform it was not given (a node that ignores --platform).</summary>
        BuildsAmd64Only,

        /// <summary>Exits 1 with the output of a failing RUN step.</summary>
        Fails,

        /// <summary>Runs until it is cancelled (at most 30 s).</summary>
        Hangs,
    }

    /// <summary>
    /// <c>docker buildx build</c> as each node answers it. Every run first waits until all expected runs have started,
    /// so runs made one after the other would never get past the first (the wait gives up after 30 s).
    /// </summary>
    private sealed class ScriptedBuildx(InMemoryRegistry registry, int expectedRuns, Func<string, Node> behaviour) : IProcessRunner
    {
        private readonly TaskCompletionSource _allStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _started;

        public ConcurrentQueue<IReadOnlyList<string>> Builds { get; } = new();

        public ConcurrentQueue<string> Cancelled { get; } = new();

        /// <summary>Digests of the manifests the nodes pushed (images, attestations, their indexes).</summary>
        public ConcurrentBag<string> Pushed { get; } = [];

        public async Task<ProcessResult> RunAsync(ProcessSpec spec, Action<ProcessLine>? onLine = null, CancellationToken cancellationToken = default)
        {
            Assert.AreEqual("docker", spec.FileName);
            var args = spec.Arguments.ToList();
            Assert.AreEqual("buildx build", string.Join(" ", args.Take(2)), "only builds are expected: " + string.Join(" ", args));
            Builds.Enqueue(args);
            if (Interlocked.Increment(ref _started) == expectedRuns)
            {
                _allStarted.SetResult();
            }

            var platforms = Value(args, "--platform");
            try
            {
                await _allStarted.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                switch (behaviour(platforms))
                {
                    case Node.Fails:
                        var failure = Data("Buildx", "build-run-fails-v0.13.1.txt");
                        foreach (var line in failure.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                        {
                            onLine?.Invoke(new ProcessLine(ProcessStream.StandardError, line));
                        }

                        return new ProcessResult(1, string.Empty, failure);
                    case Node.Hangs:
                        // Until cancelled; a run nobody stops ends after 30 s as a failure the test sees (no hang).
                        await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
                        return new ProcessResult(1, string.Empty, "the scripted build was never stopped");
                    case Node.BuildsAmd64Only:
                        return await PushAsync(args, "linux/amd64", onLine, cancellationToken);
                    default:
                        return await PushAsync(args, platforms, onLine, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // What ProcessRunner throws once it has stopped the process tree.
                Cancelled.Enqueue(platforms);
                throw new OperationCanceledException(cancellationToken);
            }
        }

        /// <summary>A push by digest as buildx does it: the index and its images, no tag; progress on stderr; the metadata file.</summary>
        private async Task<ProcessResult> PushAsync(List<string> args, string platforms, Action<ProcessLine>? onLine, CancellationToken cancellationToken)
        {
            var output = Value(args, "--output");
            StringAssert.Contains(output, "push-by-digest=true", "each node's part is pushed by digest");
            var repository = output.Split(',').Single(f => f.StartsWith("name=", StringComparison.Ordinal))["name=".Length..];
            var reference = ImageReference.Parse(repository);
            var index = TestImages.Index(platforms.Split(',').Select(p => FakeImages.Image(p)).ToList(), withAttestations: true);
            using (var session = Session(registry))
            {
                await TestImages.PushAsync(session.ClientFor(reference.Registry), reference.Repository, index.Index.Digest.ToString(), index);
            }

            foreach (var digest in index.Images.Select(i => i.Manifest.Digest).Concat(index.Attestations.Select(a => a.Manifest.Digest)).Append(index.Index.Digest))
            {
                Pushed.Add(digest.ToString());
            }

            foreach (var line in Data("Progress", "buildx-v0.28.0-one-platform-two-stages.txt").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                onLine?.Invoke(new ProcessLine(ProcessStream.StandardError, line));
            }

            // The captured metadata file of a push by digest, with this part's index in it.
            using var captured = JsonDocument.Parse(Data("Buildx", "metadata-push-by-digest-v0.28.0.json"));
            var metadata = new Dictionary<string, object?>
            {
                ["buildx.build.ref"] = captured.RootElement.GetProperty("buildx.build.ref").GetString(),
                ["containerimage.descriptor"] = new Dictionary<string, object> { ["mediaType"] = index.Index.MediaType, ["digest"] = index.Index.Digest.ToString(), ["size"] = index.Index.Content.Length },
                ["containerimage.digest"] = index.Index.Digest.ToString(),
                ["image.name"] = repository,
            };
            CollectionAssert.AreEquivalent(captured.RootElement.EnumerateObject().Select(p => p.Name).ToList(), metadata.Keys.ToList(), "the fields buildx writes");
            await File.WriteAllTextAsync(Value(args, "--metadata-file"), JsonSerializer.Serialize(metadata), cancellationToken);
            return new ProcessResult(0, string.Empty, string.Empty);
        }
    }

    private static string Value(IReadOnlyList<string> args, string option)
    {
        var at = args.ToList().IndexOf(option);
        Assert.IsTrue(at >= 0 && at + 1 < args.Count, $"{option} missing: {string.Join(" ", args)}");
        return args[at + 1];
    }

    private BuildRequest Request(params string[] annotations)
    {
        var platforms = new[] { Amd64, Arm64 };
        var cache = new CacheSpecs(["type=registry,ref=registry.test:5000/h-building/cache"], [], PerPlatform: true);
        return new BuildRequest
        {
            Platforms = platforms,
            Dockerfile = "/src/Dockerfile",
            Context = Path.GetTempPath(),
            Builder = "mb",
            Annotations = annotations,
            Cache = cache,
            CacheFrom = cache.FromFor(platforms),
            Output = BuildOutputKind.Push,
            Repository = Repository,
            Tags = [Repository + ":v1"],
            MetadataFile = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"h-building-{Guid.NewGuid():N}", "buildx-metadata.json"),
        };
    }

    private static readonly IReadOnlyList<NodeInvocation> TwoNodes = [new("mb0", [Amd64]), new("mb1", [Arm64])];

    /// <summary>A registry that asks for no credentials.</summary>
    private sealed class Anonymous : ICredentialProvider
    {
        public Task<RegistryCredential?> GetAsync(string registry, CancellationToken cancellationToken) => Task.FromResult<RegistryCredential?>(null);
    }

    private static RegistrySession Session(InMemoryRegistry registry) => new(Fast, new Anonymous(), registry);

    /// <summary>The unit as the task makes it, over the build's registry session (each client asked for is listed in <paramref name="asked"/>).</summary>
    private static MultiNodeBuild Build(RegistrySession session, ScriptedBuildx buildx, List<string> asked, ConcurrentQueue<string>? lines = null, ConcurrentQueue<string>? pushed = null)
        => new(new BuildxBuilder(buildx), host =>
        {
            asked.Add(host);
            return session.ClientFor(host);
        })
        {
            OutputOf = invocation => line => lines?.Enqueue($"[{invocation.Node}] {line.Text}"),
            PartPushed = (invocation, part) => pushed?.Enqueue($"{invocation.Node}: {part}"),
        };

    /// <summary>Manifest PUTs by tag (not by digest): what would make an image reachable by a name.</summary>
    private static List<string> TagPuts(InMemoryRegistry registry)
        => registry.Requests.Where(r => r.StartsWith("PUT ", StringComparison.Ordinal) && r.Contains("/manifests/", StringComparison.Ordinal) && !r.Contains("/manifests/sha256:", StringComparison.Ordinal)).ToList();

    [TestMethod]
    public async Task Two_nodes_build_at_once_each_by_digest_and_merge_into_one_index_with_attestations_and_index_annotations()
    {
        var registry = new InMemoryRegistry();
        var buildx = new ScriptedBuildx(registry, expectedRuns: 2, _ => Node.Builds);
        var asked = new List<string>();
        using var session = Session(registry);
        var lines = new ConcurrentQueue<string>();
        var pushed = new ConcurrentQueue<string>();
        var request = Request("index:org.opencontainers.image.description=multi-node", "manifest:org.example.kind=part");
        Directory.CreateDirectory(Path.GetDirectoryName(request.MetadataFile)!);

        var merged = await Build(session, buildx, asked, lines, pushed).BuildAsync(request, TwoNodes, TestContext.CancellationToken);

        // Two buildx runs, one per node, each for its own platform, pushed by digest, untagged, with its own
        // metadata file and cache, the index annotation kept for the merged index.
        var builds = buildx.Builds.Select(b => string.Join(" ", b)).OrderBy(b => b, StringComparer.Ordinal).ToList();
        Assert.HasCount(2, builds);
        StringAssert.Contains(builds[0], "--builder mb --platform linux/amd64 ");
        StringAssert.Contains(builds[1], "--builder mb --platform linux/arm64 ");
        foreach (var (build, n) in builds.Select((b, n) => (b, n)))
        {
            var platform = n == 0 ? "linux-amd64" : "linux-arm64";
            StringAssert.Contains(build, $"--output type=image,name={Repository},push-by-digest=true,name-canonical=true,push=true ");
            Assert.IsFalse(build.Contains("--tag", StringComparison.Ordinal) || build.Contains("--push", StringComparison.Ordinal), build);
            StringAssert.Contains(build, "--annotation manifest:org.example.kind=part ");
            Assert.IsFalse(build.Contains("index:", StringComparison.Ordinal), "an index annotation is the merged index's: " + build);
            StringAssert.Contains(build, $"--cache-from type=registry,ref=registry.test:5000/h-building/cache:latest-{platform} ");
            Assert.AreEqual(1, build.Split("--cache-from").Length - 1, "one cache per node's platform: " + build);
        }

        CollectionAssert.AreEquivalent(
            new[] { Path.ChangeExtension(request.MetadataFile, null) + "-0.json", Path.ChangeExtension(request.MetadataFile, null) + "-1.json" },
            buildx.Builds.Select(b => Value(b, "--metadata-file")).ToList());

        // The parts, pushed by digest and reported; their output streamed per node (the command line first).
        Assert.HasCount(2, pushed);
        Assert.IsTrue(pushed.All(p => p.Contains($": {Repository}@sha256:", StringComparison.Ordinal)), string.Join("\n", pushed));
        Assert.IsTrue(lines.Any(l => l.StartsWith("[mb1] docker buildx build ", StringComparison.Ordinal)), "the command line");
        Assert.IsTrue(lines.Any(l => l.StartsWith("[mb0] #", StringComparison.Ordinal)) && lines.Any(l => l.StartsWith("[mb1] #", StringComparison.Ordinal)), "both nodes' progress");

        // One index by digest: both platforms in the order asked, both parts' attestations carried, the annotation on it.
        Assert.AreEqual($"{Repository}@{merged.Digest}", merged.Image);
        CollectionAssert.AreEqual(new[] { Amd64, Arm64 }, merged.Images.Select(i => i.Platform).ToList());
        Assert.AreEqual(2, merged.Attestations);
        var root = await session.ClientFor(Host).GetManifestAsync("h-building/app", merged.Digest.ToString(), TestContext.CancellationToken);
        Assert.AreEqual(MediaTypes.OciIndex, root.MediaType);
        var index = OciJson.ReadIndex(root.Content, root.MediaType);
        var images = index.Manifests.Where(m => !m.IsAttestation).ToList();
        var attestations = index.Manifests.Where(m => m.IsAttestation).ToList();
        CollectionAssert.AreEqual(new[] { "linux/amd64", "linux/arm64" }, images.Select(m => m.Platform!.Normalized!.ToString()).ToList());
        CollectionAssert.AreEquivalent(images.Select(m => m.Digest.ToString()).ToList(), attestations.Select(a => a.Annotations[Descriptor.ReferenceDigestAnnotation]).ToList(), "each image's provenance comes along");
        using (var json = JsonDocument.Parse(root.Content))
        {
            Assert.AreEqual("multi-node", json.RootElement.GetProperty("annotations").GetProperty("org.opencontainers.image.description").GetString());
        }

        Assert.HasCount(0, TagPuts(registry), "nothing is tagged: " + string.Join("\n", TagPuts(registry)));
        Assert.IsFalse(registry.HasManifest("h-building/app", "v1") || registry.HasManifest("h-building/app", "latest"));
    }

    [TestMethod]
    public async Task One_node_failing_is_the_coded_build_failure_the_other_node_is_stopped_and_nothing_is_merged_or_tagged()
    {
        var registry = new InMemoryRegistry();
        var buildx = new ScriptedBuildx(registry, expectedRuns: 2, platforms => platforms == "linux/arm64" ? Node.Fails : Node.Hangs);
        var asked = new List<string>();
        using var session = Session(registry);
        var request = Request();

        var ex = await Assert.ThrowsExactlyAsync<BuildFailedException>(() => Build(session, buildx, asked).BuildAsync(request, TwoNodes, TestContext.CancellationToken));

        Assert.AreEqual("MULTIARCH3012", ex.Code, "the failing run's error, not the cancelled sibling's");
        StringAssert.Contains(ex.Message, "executor failed running [/bin/busybox false]: exit code: 1");
        CollectionAssert.AreEqual(new[] { "linux/amd64" }, buildx.Cancelled.ToList(), "the other node's run is stopped");
        Assert.HasCount(0, asked, "no merge: the registry is not even asked");
        Assert.HasCount(0, registry.Requests.Where(r => r.StartsWith("PUT ", StringComparison.Ordinal)).ToList());
    }

    [TestMethod]
    public async Task Cancellation_stops_both_nodes_runs_and_merges_nothing()
    {
        var registry = new InMemoryRegistry();
        var buildx = new ScriptedBuildx(registry, expectedRuns: 2, _ => Node.Hangs);
        var asked = new List<string>();
        using var session = Session(registry);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var lines = new ConcurrentQueue<string>();
        var build = Build(session, buildx, asked, lines).BuildAsync(Request(), TwoNodes, cancel.Token);

        // Both command lines are out (each run has started: at once, or never) before the build is cancelled.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (lines.Count(l => l.Contains("docker buildx build", StringComparison.Ordinal)) < 2)
        {
            Assert.IsTrue(DateTime.UtcNow < deadline, "both nodes' runs start at once: " + string.Join("\n", lines));
            await Task.Delay(10, TestContext.CancellationToken);
        }

        await cancel.CancelAsync();
        await Assert.ThrowsExactlyAsync<OperationCanceledException>(() => build);

        CollectionAssert.AreEquivalent(new[] { "linux/amd64", "linux/arm64" }, buildx.Cancelled.ToList());
        Assert.HasCount(0, asked);
        Assert.HasCount(0, registry.Requests);
    }

    [TestMethod]
    public async Task Parts_that_do_not_form_the_requested_index_are_refused_with_the_merge_errors_and_nothing_is_pushed_or_tagged()
    {
        var registry = new InMemoryRegistry();
        // The arm64 node hands back an amd64 image: amd64 twice, arm64 missing.
        var buildx = new ScriptedBuildx(registry, expectedRuns: 2, _ => Node.BuildsAmd64Only);
        var asked = new List<string>();
        using var session = Session(registry);
        var request = Request("index:org.opencontainers.image.description=multi-node");
        Directory.CreateDirectory(Path.GetDirectoryName(request.MetadataFile)!);

        var ex = await Assert.ThrowsExactlyAsync<MultiNodeMergeRefusedException>(() => Build(session, buildx, asked).BuildAsync(request, TwoNodes, TestContext.CancellationToken));

        Assert.AreEqual("MULTIARCH3053", ex.Code);
        StringAssert.Contains(ex.Message, "builder mb");
        // MergePlatformTwice (linux/amd64 from both nodes), MergePlatformMissing (linux/arm64).
        CollectionAssert.AreEqual(new[] { "MULTIARCH7006", "MULTIARCH7007" }, ex.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Code).ToList(), string.Join("\n", ex.Diagnostics.Select(d => d.Message)));
        StringAssert.Contains(ex.Diagnostics[1].Message, "linux/arm64");
        var manifestPuts = registry.Requests.Where(r => r.StartsWith("PUT /v2/h-building/app/manifests/", StringComparison.Ordinal)).Select(r => r[(r.LastIndexOf('/') + 1)..]).ToList();
        Assert.IsTrue(manifestPuts.Count > 0 && manifestPuts.All(buildx.Pushed.Contains), "only the parts' own manifests, no merged index: " + string.Join("\n", manifestPuts));
        Assert.HasCount(0, TagPuts(registry));
    }

    [TestMethod]
    [DataRow("index:org.opencontainers.image.description=d", "org.opencontainers.image.description=d", "")]
    [DataRow("index,manifest:org.example.a=1", "org.example.a=1", "manifest:org.example.a=1")]
    [DataRow("manifest-descriptor,index[linux/amd64]:k=v", "k=v", "manifest-descriptor[linux/amd64]:k=v")]
    [DataRow("manifest:k=v", "", "manifest:k=v")]
    [DataRow("org.example.plain=1", "", "org.example.plain=1")]
    [DataRow("https://example.com/k=v", "", "https://example.com/k=v")]
    [DataRow("index:k", "k=", "")]
    public void Index_annotations_are_split_from_what_each_node_still_gets(string annotation, string index, string other)
    {
        var (indexAnnotations, others) = MultiNodeBuild.SplitIndexAnnotations([annotation]);

        Assert.AreEqual(index, string.Join(";", indexAnnotations.Select(a => $"{a.Key}={a.Value}")));
        Assert.AreEqual(other, string.Join(";", others));
    }

    [TestMethod]
    public void A_plan_is_one_run_per_invocation_and_only_a_multi_node_push_by_digest_is_split()
    {
        var planned = new List<PlannedPlatform> { new(Amd64, "mb0", true, 0), new(Arm64, "mb1", true, 1) };
        var runs = NodeInvocation.Of(planned, [Amd64, Arm64]);
        Assert.AreEqual("mb0: linux/amd64; mb1: linux/arm64", string.Join("; ", runs.Select(r => $"{r.Node}: {string.Join(",", r.Platforms)}")));

        // A plan for other platforms (or none: podman) is one run, as buildx routes it.
        var riscv = OciPlatform.Parse("linux/riscv64");
        Assert.AreEqual(": linux/amd64,linux/riscv64", string.Join("; ", NodeInvocation.Of(planned, [Amd64, riscv]).Select(r => $"{r.Node}: {string.Join(",", r.Platforms)}")));
        Assert.HasCount(1, NodeInvocation.Of([], [Amd64, Arm64]));

        var request = Request();
        Assert.IsTrue(MultiNodeBuild.Applies(ContainerCliKind.Docker, request, runs));
        Assert.IsFalse(MultiNodeBuild.Applies(ContainerCliKind.Podman, request, runs), "podman builds every platform itself");
        Assert.IsFalse(MultiNodeBuild.Applies(ContainerCliKind.Docker, request with { TagAtBuild = true }, runs), "tags pushed with the build: buildx merges");
        Assert.IsFalse(MultiNodeBuild.Applies(ContainerCliKind.Docker, request, [new("mb0", [Amd64, Arm64])]), "one run");
    }
}
