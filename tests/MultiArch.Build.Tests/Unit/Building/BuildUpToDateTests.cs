using MultiArch.Build.Building;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Building;

/// <summary>
/// The up-to-date decision before any tool runs: real files for the stamp, the in-memory registry behind a real
/// <see cref="RegistryClient"/> for "is the image still there", and a scripted process runner behind the registry's
/// credential helper (asked only if a request is made), whose calls must stay empty where nothing is needed.
/// </summary>
[TestClass]
public sealed class BuildUpToDateTests
{
    private const string Registry = "registry.test";
    private const string Repository = "team/app";

    /// <summary>A project folder, its request and the fakes: a registry that wants credentials, a helper that would be a process.</summary>
    private sealed class Fixture
    {
        public Fixture(BuildOutputKind output)
        {
            Directory = TestDirectories.Create("uptodate");
            File.WriteAllText(Path.Combine(Directory, "Dockerfile"), "FROM scratch\nCOPY . /\n");
            File.WriteAllText(Path.Combine(Directory, "config.yaml"), "level: info\n");
            System.IO.Directory.CreateDirectory(Path.Combine(Directory, "obj", "multiarch"));
            Request = new BuildRequest
            {
                Platforms = [OciPlatform.Parse("linux/amd64"), OciPlatform.Parse("linux/arm64")],
                Dockerfile = Path.Combine(Directory, "Dockerfile"),
                Context = Directory,
                Output = output,
                Repository = output == BuildOutputKind.Push ? $"{Registry}/{Repository}" : Repository,
                ArchivePath = Path.Combine(Directory, "obj", "multiarch", "image.tar"),
                BuildArgs = [new("BASE", "busybox")],
            };
            var config = Path.Combine(Directory, "docker-config");
            System.IO.Directory.CreateDirectory(config);
            File.WriteAllText(Path.Combine(config, "config.json"), $$$"""{"credHelpers":{"{{{Registry}}}":"secretservice"}}""");
            Runner = new BuildPreflightTests.ScriptedRunner(new Dictionary<string, ProcessResult>
            {
                ["docker-credential-secretservice get"] = new(0, """{"Username":"u","Secret":"p"}""", string.Empty),
            });
            Client = new RegistryClient(Registry, new DockerConfigCredentialProvider(Runner, new Dictionary<string, string?> { ["DOCKER_CONFIG"] = config }), handler: Fake);
        }

        public string Directory { get; }

        public BuildRequest Request { get; set; }

        public InMemoryRegistry Fake { get; } = new() { BasicAuth = "u:p" };

        public BuildPreflightTests.ScriptedRunner Runner { get; }

        public RegistryClient Client { get; }

        public int ArchiveReads { get; private set; }

        public Digest ArchiveHolds { get; set; } = Digest.Compute("index"u8.ToArray());

        public BuildResultProbe Probe => new(
            (_, _) =>
            {
                ArchiveReads++;
                return Task.FromResult(ArchiveHolds);
            },
            (reference, cancellationToken) => Client.ResolveManifestAsync(Repository, reference, cancellationToken));

        public BuildStamp Describe(BuildStamp? previous = null, string? cli = null, string? builder = null, Dictionary<string, string?>? environment = null)
        {
            var stamp = BuildStamp.Describe(ContainerCliKind.Podman, Request, [Path.Combine(Directory, "obj", "multiarch")], [], previous);
            return stamp with { Inputs = [.. BuildUpToDate.Selection(cli, builder, false, v => environment?.GetValueOrDefault(v)), .. stamp.Inputs] };
        }

        /// <summary>What the last build left: the stamp with its result, and the archive it wrote.</summary>
        public BuildStamp Built(Digest digest)
        {
            File.WriteAllText(Request.ArchivePath!, "an archive");
            return Describe().WithResult(new StampResult(Request.Output, Request.Output == BuildOutputKind.Push ? $"{Request.Repository}@{digest}" : Request.ArchivePath!, digest.ToString(), [("linux/amd64", digest.ToString())], BuildUpToDate.ArchiveFingerprint(Request.ArchivePath), "linux/amd64"));
        }

        public Task<UpToDateDecision> DecideAsync(BuildStamp previous, IReadOnlyList<string>? tags = null, BuildStamp? now = null)
            => BuildUpToDate.DecideAsync(now ?? Describe(previous), previous, Request, tags ?? [], Probe, default);
    }

    /// <summary>An index in the fake registry under <paramref name="tag"/>; its digest.</summary>
    private static Digest Pushed(Fixture fixture, string tag, string content = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}""")
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(content);
        fixture.Fake.PutManifest(Repository, tag, bytes, MediaTypes.OciIndex);
        return Digest.Compute(bytes);
    }

    [TestMethod]
    public async Task An_unchanged_archive_build_reads_nothing_asks_no_registry_and_starts_no_process()
    {
        var fixture = new Fixture(BuildOutputKind.Archive);
        var previous = fixture.Built(fixture.ArchiveHolds);

        var decision = await fixture.DecideAsync(previous);

        Assert.IsTrue(decision.UpToDate, decision.Reason);
        Assert.AreEqual(0, fixture.ArchiveReads, "the archive's size and time are those the stamp recorded: not read");
        Assert.AreEqual(0, fixture.Fake.Requests.Count);
        Assert.AreEqual(0, fixture.Runner.Calls.Count, string.Join("\n", fixture.Runner.Calls));
    }

    [TestMethod]
    public async Task A_touched_archive_is_read_once_and_kept_when_it_holds_the_same_image()
    {
        var fixture = new Fixture(BuildOutputKind.Archive);
        var previous = fixture.Built(fixture.ArchiveHolds);
        File.SetLastWriteTimeUtc(fixture.Request.ArchivePath!, DateTime.UtcNow.AddMinutes(5));

        var decision = await fixture.DecideAsync(previous);

        Assert.IsTrue(decision.UpToDate, decision.Reason);
        Assert.AreEqual(1, fixture.ArchiveReads);
        Assert.AreEqual(BuildUpToDate.ArchiveFingerprint(fixture.Request.ArchivePath), decision.Result!.ArchiveFile, "the new time is recorded, so the next build reads nothing");
    }

    [TestMethod]
    public async Task A_lost_or_replaced_archive_rebuilds()
    {
        var fixture = new Fixture(BuildOutputKind.Archive);
        var previous = fixture.Built(fixture.ArchiveHolds);
        File.WriteAllText(fixture.Request.ArchivePath!, "another build's archive, longer");
        fixture.ArchiveHolds = Digest.Compute("other"u8.ToArray());

        var replaced = await fixture.DecideAsync(previous);
        File.Delete(fixture.Request.ArchivePath!);
        var lost = await fixture.DecideAsync(previous);

        Assert.IsFalse(replaced.UpToDate);
        StringAssert.Contains(replaced.Reason, $"holds {fixture.ArchiveHolds}");
        Assert.IsFalse(lost.UpToDate);
        StringAssert.Contains(lost.Reason, "is gone");
    }

    [TestMethod]
    public async Task An_unchanged_push_asks_one_head_per_tag_and_nothing_else()
    {
        var fixture = new Fixture(BuildOutputKind.Push);
        var digest = Pushed(fixture, "v1");
        var previous = fixture.Built(digest);

        var decision = await fixture.DecideAsync(previous, ["v1"]);

        Assert.IsTrue(decision.UpToDate, decision.Reason);
        CollectionAssert.AreEqual(new[] { "v1" }, decision.TagsInPlace.ToArray());
        Assert.AreEqual(0, decision.TagsToMove.Count);
        CollectionAssert.AreEqual(new[] { $"HEAD /v2/{Repository}/manifests/v1" }, fixture.Fake.Requests.Where(r => r != "GET /v2/").Distinct().ToArray(), string.Join("\n", fixture.Fake.Requests));
        Assert.AreEqual(0, fixture.ArchiveReads);
    }

    [TestMethod]
    public async Task A_moved_tag_is_left_to_move_and_the_digest_is_asked_once()
    {
        var fixture = new Fixture(BuildOutputKind.Push);
        var digest = Pushed(fixture, "v1");
        var previous = fixture.Built(digest);
        Pushed(fixture, "v1", """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"annotations":{"other":"build"}}""");

        var decision = await fixture.DecideAsync(previous, ["v1", "v2"]);

        Assert.IsTrue(decision.UpToDate, decision.Reason);
        CollectionAssert.AreEqual(new[] { "v1", "v2" }, decision.TagsToMove.ToArray());
        Assert.AreEqual(1, fixture.Fake.Requests.Count(r => r == $"HEAD /v2/{Repository}/manifests/{digest}"), string.Join("\n", fixture.Fake.Requests));
    }

    [TestMethod]
    public async Task A_digest_the_registry_lost_rebuilds_and_a_push_by_digest_only_asks_the_digest_alone()
    {
        var fixture = new Fixture(BuildOutputKind.Push);
        var kept = Pushed(fixture, "v1");
        var gone = Digest.Compute("never pushed"u8.ToArray());

        var lost = await fixture.DecideAsync(fixture.Built(gone), ["v1"]);
        var byDigest = await fixture.DecideAsync(fixture.Built(kept));

        Assert.IsFalse(lost.UpToDate);
        StringAssert.Contains(lost.Reason, $"no longer has {fixture.Request.Repository}@{gone}");
        Assert.IsTrue(byDigest.UpToDate, byDigest.Reason);
        Assert.AreEqual(0, fixture.Fake.Requests.Count(r => r.Contains("/manifests/v1", StringComparison.Ordinal) && r.StartsWith("GET", StringComparison.Ordinal)), "HEAD only");
    }

    [TestMethod]
    public async Task No_earlier_build_or_no_result_builds_without_asking_anything()
    {
        var fixture = new Fixture(BuildOutputKind.Push);
        var none = await fixture.DecideAsync(previous: null!, now: fixture.Describe());
        var noResult = await fixture.DecideAsync(fixture.Describe());

        StringAssert.Contains(none.Reason, "no earlier build");
        StringAssert.Contains(noResult.Reason, "recorded no image");
        Assert.AreEqual(0, fixture.Fake.Requests.Count);
        Assert.AreEqual(0, fixture.Runner.Calls.Count);
    }

    /// <summary>Every change that must rebuild is named, and nothing is asked of the registry or of a tool to find it.</summary>
    [TestMethod]
    [DataRow("ContainerCli", "tool ContainerCli")]
    [DataRow("ContainerBuilder", "tool ContainerBuilder")]
    [DataRow("BUILDX_BUILDER", "tool env BUILDX_BUILDER")]
    [DataRow("DOCKER_HOST", "tool env DOCKER_HOST")]
    [DataRow("CONTAINER_HOST", "tool env CONTAINER_HOST")]
    [DataRow("Dockerfile", "file ")]
    [DataRow("context", "context config.yaml")]
    [DataRow("build-arg", "build-arg BASE")]
    [DataRow("platforms", "platforms")]
    [DataRow("target", "target")]
    public async Task A_changed_input_rebuilds_and_names_it(string change, string named)
    {
        var fixture = new Fixture(BuildOutputKind.Push);
        var previous = fixture.Built(Pushed(fixture, "v1"));
        string? cli = null, builder = null;
        var environment = new Dictionary<string, string?>();
        switch (change)
        {
            case "ContainerCli": cli = "docker"; break;
            case "ContainerBuilder": builder = "remote"; break;
            case "Dockerfile": File.AppendAllText(fixture.Request.Dockerfile, "LABEL a=b\n"); break;
            case "context": File.WriteAllText(Path.Combine(fixture.Directory, "config.yaml"), "level: debug\n"); break;
            case "build-arg": fixture.Request = fixture.Request with { BuildArgs = [new("BASE", "alpine")] }; break;
            case "platforms": fixture.Request = fixture.Request with { Platforms = [OciPlatform.Parse("linux/amd64")] }; break;
            case "target": fixture.Request = fixture.Request with { Target = "final" }; break;
            default: environment[change] = "unix:///elsewhere.sock"; break;
        }

        var decision = await fixture.DecideAsync(previous, ["v1"], fixture.Describe(previous, cli, builder, environment));

        Assert.IsFalse(decision.UpToDate);
        StringAssert.Contains(decision.Reason, "changed since the last build: " + named);
        Assert.AreEqual(0, fixture.Fake.Requests.Count, "a changed input is found on this machine");
        Assert.AreEqual(0, fixture.Runner.Calls.Count);
    }

    [TestMethod]
    public void The_last_builds_cli_and_builder_are_read_back_from_its_stamp()
    {
        var fixture = new Fixture(BuildOutputKind.Archive);
        var written = Path.Combine(fixture.Directory, "obj", "multiarch", "build.stamp");
        fixture.Built(fixture.ArchiveHolds).Write(written);

        var read = BuildStamp.Read(written);

        Assert.AreEqual((ContainerCliKind.Podman, (string?)null), BuildUpToDate.Stamped(read));
        Assert.AreEqual("linux/amd64", read!.Result!.NativePlatforms);
        Assert.AreEqual(BuildUpToDate.ArchiveFingerprint(fixture.Request.ArchivePath), read.Result.ArchiveFile);
        Assert.IsNull(BuildUpToDate.Stamped(null));
    }
}
