using MultiArch.Build.Building;
using MultiArch.Build.Platforms;

namespace MultiArch.Build.Tests.Unit.Building;

/// <summary>SOURCE_DATE_EPOCH reaches both tools: buildx as a build arg and BuildKit's rewrite-timestamp, podman as --timestamp.</summary>
[TestClass]
public sealed class ReproducibleBuildCommandsTests
{
    private static BuildRequest Request(BuildOutputKind output, long? epoch) => new()
    {
        Platforms = [OciPlatform.Parse("linux/amd64"), OciPlatform.Parse("linux/arm64")],
        Dockerfile = "/src/Dockerfile",
        Context = "/src/",
        Output = output,
        Repository = "reg.example/app",
        Tags = ["reg.example/app:v1"],
        ArchivePath = "/src/obj/image.tar",
        SourceDateEpoch = epoch,
    };

    private static string Line(IReadOnlyList<string> args) => string.Join(" ", args);

    [TestMethod]
    [DataRow("Push", false, "--output type=image,name=reg.example/app,push-by-digest=true,name-canonical=true,push=true,rewrite-timestamp=true /src/")]
    [DataRow("Push", true, "--tag reg.example/app:v1 --output type=image,push=true,rewrite-timestamp=true /src/")]
    [DataRow("Archive", false, "--output type=oci,dest=/src/obj/image.tar,rewrite-timestamp=true /src/")]
    [DataRow("Load", false, "--tag reg.example/app:v1 --output type=docker,rewrite-timestamp=true /src/")]
    public void Buildx_gets_the_build_arg_and_rewrites_timestamps_in_every_output(string output, bool tagAtBuild, string ending)
    {
        var line = Line(BuildxBuilder.Arguments(Request(Enum.Parse<BuildOutputKind>(output), 1700000000) with { TagAtBuild = tagAtBuild }));

        StringAssert.Contains(line, "--build-arg SOURCE_DATE_EPOCH=1700000000");
        StringAssert.EndsWith(line, ending);
    }

    [TestMethod]
    public void Without_an_epoch_buildx_is_unchanged()
    {
        var line = Line(BuildxBuilder.Arguments(Request(BuildOutputKind.Push, null) with { TagAtBuild = true }));

        Assert.IsFalse(line.Contains("SOURCE_DATE_EPOCH", StringComparison.Ordinal));
        Assert.IsFalse(line.Contains("rewrite-timestamp", StringComparison.Ordinal));
        StringAssert.EndsWith(line, "--tag reg.example/app:v1 --push /src/");
    }

    [TestMethod]
    public void A_users_own_source_date_epoch_build_arg_is_not_repeated()
    {
        var args = BuildxBuilder.Arguments(Request(BuildOutputKind.Archive, 5) with { BuildArgs = [new("SOURCE_DATE_EPOCH", "5")] });

        Assert.AreEqual(1, args.Count(a => a.StartsWith("SOURCE_DATE_EPOCH=", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void Podman_gets_timestamp_and_no_unused_build_arg()
    {
        var line = Line(PodmanBuilder.BuildArguments(Request(BuildOutputKind.Archive, 1700000000), "localhost/m"));

        StringAssert.Contains(line, "--layers=false --force-rm --timestamp 1700000000");
        Assert.IsFalse(line.Contains("SOURCE_DATE_EPOCH", StringComparison.Ordinal), "podman warns about build args no stage consumes");
        Assert.IsFalse(Line(PodmanBuilder.BuildArguments(Request(BuildOutputKind.Archive, null), "localhost/m")).Contains("--timestamp", StringComparison.Ordinal));
    }

    [TestMethod]
    public void The_created_label_is_left_out_without_a_time()
    {
        Assert.IsFalse(BuildCommands.StandardLabels("1.0", null, null, null, "app", null).Any(l => l.Key.EndsWith(".created", StringComparison.Ordinal)));
        Assert.AreEqual("2023-11-14T22:13:20Z", BuildCommands.StandardLabels(null, null, null, DateTimeOffset.FromUnixTimeSeconds(1700000000), null, null).Single().Value);
    }
}
