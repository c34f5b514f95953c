using MultiArch.Build.Building;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;

namespace MultiArch.Build.Tests.Unit.Building;

[TestClass]
public sealed class BuildCommandsTests
{
    private static BuildRequest Request(BuildOutputKind output = BuildOutputKind.Push) => new()
    {
        Platforms = [OciPlatform.Parse("linux/amd64"), OciPlatform.Parse("linux/arm/v7")],
        Dockerfile = "/src/Dockerfile",
        Context = "/src/",
        Output = output,
        Repository = "reg.example/team/app",
        Tags = ["reg.example/team/app:v1", "reg.example/team/app:latest"],
        ArchivePath = "/src/obj/image.tar",
        MetadataFile = "/src/obj/meta.json",
    };

    private static string Line(IReadOnlyList<string> args) => string.Join(" ", args);

    [TestMethod]
    public void Minimal_push_goes_by_digest_without_tags()
    {
        var args = BuildxBuilder.Arguments(Request());
        Assert.AreEqual(
            "buildx build --platform linux/amd64,linux/arm/v7 --file /src/Dockerfile --progress plain --metadata-file /src/obj/meta.json --output type=image,name=reg.example/team/app,push-by-digest=true,name-canonical=true,push=true /src/",
            Line(args));
        Assert.IsFalse(args.Contains("--tag"));
    }

    [TestMethod]
    public void Every_option_in_order()
    {
        var request = Request() with
        {
            Builder = "multi",
            Target = "release",
            BuildArgs = [new("GO_VERSION", "1.22"), new("EMPTY", "")],
            Labels = [new("org.opencontainers.image.version", "1.2.3")],
            Annotations = ["index:org.opencontainers.image.source=https://x"],
            CacheFrom = ["type=registry,ref=reg.example/cache:amd64"],
            CacheTo = ["type=registry,ref=reg.example/cache:amd64,mode=max"],
            Provenance = false,
            Sbom = true,
            Secrets = [new BuildSecret("npmrc", "/home/u/.npmrc", null), new BuildSecret("token", null, "GH_TOKEN")],
            TagAtBuild = true,
        };
        var args = BuildxBuilder.Arguments(request);
        CollectionAssert.AreEqual(
            new[]
            {
                "buildx", "build", "--builder", "multi", "--platform", "linux/amd64,linux/arm/v7", "--file", "/src/Dockerfile", "--progress", "plain", "--target", "release",
                "--build-arg", "GO_VERSION=1.22", "--build-arg", "EMPTY=", "--label", "org.opencontainers.image.version=1.2.3",
                "--annotation", "index:org.opencontainers.image.source=https://x",
                "--secret", "id=npmrc,src=/home/u/.npmrc", "--secret", "id=token,env=GH_TOKEN",
                "--cache-from", "type=registry,ref=reg.example/cache:amd64", "--cache-to", "type=registry,ref=reg.example/cache:amd64,mode=max",
                "--provenance=false", "--sbom=true", "--metadata-file", "/src/obj/meta.json",
                "--tag", "reg.example/team/app:v1", "--tag", "reg.example/team/app:latest", "--push", "/src/",
            },
            args.ToArray());
    }

    [TestMethod]
    [DataRow(nameof(BuildOutputKind.Archive), "--output type=oci,dest=/src/obj/image.tar /src/")]
    [DataRow(nameof(BuildOutputKind.Load), "--tag reg.example/team/app:v1 --tag reg.example/team/app:latest --load /src/")]
    public void Archive_and_load_outputs(string output, string tail)
    {
        StringAssert.EndsWith(Line(BuildxBuilder.Arguments(Request(Enum.Parse<BuildOutputKind>(output)))), tail);
    }

    [TestMethod]
    public void Podman_builds_one_manifest_list_and_exports_an_oci_archive()
    {
        var request = Request() with { Target = "t", BuildArgs = [new("A", "1")], Annotations = ["index:x=y"], InsecureRegistries = ["127.0.0.1:5000"] };
        Assert.AreEqual(
            "build --platform linux/amd64,linux/arm/v7 --manifest localhost/m --file /src/Dockerfile --layers=false --force-rm --target t --build-arg A=1 /src/",
            Line(PodmanBuilder.BuildArguments(request, "localhost/m")));
        Assert.AreEqual("manifest push --all localhost/m oci-archive:/x.tar", Line(PodmanBuilder.PushArchiveArguments("localhost/m", "/x.tar")));
    }

    [TestMethod]
    public void Publish_context_reaches_both_tools()
    {
        var request = Request() with { NamedContexts = [new("publish", "/src/obj/multiarch/publish-context/")] };
        StringAssert.Contains(Line(BuildxBuilder.Arguments(request)), " --build-context publish=/src/obj/multiarch/publish-context/ ");
        StringAssert.Contains(Line(PodmanBuilder.BuildArguments(request, "localhost/m")), " --build-context publish=/src/obj/multiarch/publish-context/ ");
    }

    [TestMethod]
    public void Network_mode_reaches_both_tools_only_when_set()
    {
        // An engine without a bridge (dockerd --bridge=none) runs a RUN step only with a network mode it has.
        var request = Request() with { Target = "t", Network = "host" };
        StringAssert.Contains(Line(BuildxBuilder.Arguments(request)), " --target t --network host ");
        StringAssert.Contains(Line(PodmanBuilder.BuildArguments(request, "localhost/m")), " --target t --network host ");
        Assert.IsFalse(Line(BuildxBuilder.Arguments(Request())).Contains("--network", StringComparison.Ordinal));
        Assert.IsFalse(Line(PodmanBuilder.BuildArguments(Request(), "localhost/m")).Contains("--network", StringComparison.Ordinal));
    }

    [TestMethod]
    public void Secret_build_args_are_redacted_from_the_logged_command_line()
    {
        var request = Request() with { BuildArgs = [new("NPM_TOKEN", "npm_s3cretvalue"), new("VERSION", "1.0")] };
        var shown = new ProcessSpec("docker", BuildxBuilder.Arguments(request)) { Secrets = request.SensitiveValues }.ToDisplayString();
        Assert.IsFalse(shown.Contains("npm_s3cretvalue", StringComparison.Ordinal), shown);
        StringAssert.Contains(shown, "NPM_TOKEN=***");
        StringAssert.Contains(shown, "VERSION=1.0");
    }

    [TestMethod]
    public void Standard_labels_skip_empty_values()
    {
        var labels = BuildCommands.StandardLabels("1.2.3", "", "abc123", new DateTimeOffset(2026, 11, 22, 5, 0, 0, TimeSpan.Zero), null, null);
        CollectionAssert.AreEqual(
            new[] { "org.opencontainers.image.version=1.2.3", "org.opencontainers.image.revision=abc123", "org.opencontainers.image.created=2026-11-22T05:00:00Z" },
            labels.Select(l => $"{l.Key}={l.Value}").ToArray());
    }
}
