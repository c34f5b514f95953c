using MultiArch.Build.Building;
using MultiArch.Build.Platforms;

namespace MultiArch.Build.Tests.Unit.Building;

/// <summary>
/// The progress reader over real buildx v0.28 and podman 4.3 output (TestData/Progress/README.md): which steps
/// finished, per platform, how long they took, whether cached, whether emulated (arm64 is, on this amd64 plan).
/// </summary>
[TestClass]
public sealed class BuildProgressTests
{
    private static readonly OciPlatform Amd64 = OciPlatform.Parse("linux/amd64");
    private static readonly OciPlatform Arm64 = OciPlatform.Parse("linux/arm64");

    private static string[] Feed(string file, IReadOnlyList<OciPlatform> platforms, Func<double>? clock = null)
    {
        var progress = new BuildProgress(platforms, p => !p.Equals(Amd64), clock);
        var lines = new List<string>();
        foreach (var line in File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "Progress", file)))
        {
            lines.AddRange(progress.Feed(line).Select(s => s.ToLine()));
        }

        CollectionAssert.AreEqual(lines, progress.Finished.Select(s => s.ToLine()).ToList());
        return [.. lines];
    }

    [TestMethod]
    public void Buildx_steps_of_two_platforms_each_with_buildx_time_and_only_the_emulated_platforms_run_step_marked()
    {
        var lines = Feed("buildx-v0.28.0-two-platforms.txt", [Amd64, Arm64]);

        Assert.AreEqual(6, lines.Length, string.Join("\n", lines));
        // Long step texts are cut at 100 characters.
        StringAssert.StartsWith(lines[0], "[linux/arm64] FROM 127.0.0.1:5000/multiarch/busybox:1.35@sha256:ef0c0398");
        StringAssert.EndsWith(lines[0], "... 0.2s", "FROM is BuildKit's own work, never emulated");
        StringAssert.EndsWith(lines[1], "... 0.2s");
        CollectionAssert.AreEqual(
            new[]
            {
                "[linux/amd64] RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox uname -m > /arch\"] 0.1s",
                "[linux/arm64] RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox uname -m > /arch\"] 0.2s (emulated)",
                "[linux/amd64] COPY a.txt /a.txt 0.0s",
                "[linux/arm64] COPY a.txt /a.txt 0.0s",
            },
            lines[2..]);
    }

    [TestMethod]
    public void Cached_steps_say_so_and_count_no_time()
    {
        var lines = Feed("buildx-v0.28.0-two-platforms-cached.txt", [Amd64, Arm64]);

        CollectionAssert.Contains(lines, "[linux/arm64] RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox uname -m > /arch\"] cached");
        CollectionAssert.Contains(lines, "[linux/amd64] COPY a.txt /a.txt cached");
    }

    [TestMethod]
    public void A_one_platform_build_names_no_platform_in_its_steps_and_they_are_that_platforms()
    {
        var lines = Feed("buildx-v0.28.0-one-platform-two-stages.txt", [Arm64]);

        Assert.AreEqual(3, lines.Length, string.Join("\n", lines));
        Assert.IsTrue(lines.All(l => l.StartsWith("[linux/arm64] ", StringComparison.Ordinal)), string.Join("\n", lines));
        StringAssert.EndsWith(lines[1], "0.1s (emulated)");
    }

    [TestMethod]
    public void A_cross_step_on_the_build_platform_counts_for_its_target_and_runs_natively()
    {
        var lines = Feed("buildx-v0.28.0-cross-stage.txt", [Amd64, Arm64]);

        CollectionAssert.Contains(lines, "[linux/arm64] RUN [\"/bin/busybox\", \"sh\", \"-c\", \"echo arm64 > /t\"] 0.1s");
        CollectionAssert.Contains(lines, "[linux/arm64] RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox uname -m > /arch\"] 0.2s (emulated)");
    }

    [TestMethod]
    public void Podmans_label_and_copy_steps_run_nothing_of_the_image_and_are_never_emulated()
    {
        var lines = Feed("podman-4.3.1-label.txt", [Arm64]);

        Assert.AreEqual(3, lines.Length, string.Join("\n", lines));
        StringAssert.StartsWith(lines[2], "[linux/arm64] LABEL \"org.example\"=\"1\"");
        Assert.IsFalse(lines[2].EndsWith("(emulated)", StringComparison.Ordinal), lines[2]);
        Assert.IsFalse(lines[1].EndsWith("(emulated)", StringComparison.Ordinal), "a COPY is buildah's own file operation, not run under QEMU: " + lines[1]);
    }

    [TestMethod]
    public void Podman_steps_end_at_the_platforms_next_step_or_commit_and_take_the_time_between()
    {
        var now = 0.0;
        var lines = Feed("podman-4.3.1-two-platforms.txt", [Amd64, Arm64], () => now += 0.5);

        // Each line fed advances the clock by 0.5 s in this test: durations follow the lines in between.
        CollectionAssert.AreEqual(
            new[] { "[linux/arm64] FROM 127.0.0.1:5000/multiarch/busybox:1.35", "[linux/arm64] RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox uname -m > /arch\"]", "[linux/arm64] COPY a.txt /a.txt", "[linux/amd64] FROM 127.0.0.1:5000/multiarch/busybox:1.35", "[linux/amd64] RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox uname -m > /arch\"]", "[linux/amd64] COPY a.txt /a.txt" },
            lines.Select(l => l[..l.LastIndexOf(' ', l.Contains("(emulated)", StringComparison.Ordinal) ? l.LastIndexOf(' ') - 1 : l.Length - 1)]).ToArray(),
            string.Join("\n", lines));
        Assert.AreEqual(1, lines.Count(l => l.EndsWith("(emulated)", StringComparison.Ordinal)), "only the arm64 RUN step runs under QEMU");
        StringAssert.StartsWith(lines.Single(l => l.EndsWith("(emulated)", StringComparison.Ordinal)), "[linux/arm64] RUN ");
    }

    [TestMethod]
    public void The_time_table_sums_per_platform_and_shows_the_emulated_share()
    {
        var progress = new BuildProgress([Amd64, Arm64], p => p.Equals(Arm64));
        foreach (var line in File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "Progress", "buildx-v0.28.0-cross-stage.txt")))
        {
            progress.Feed(line);
        }

        var table = BuildTimeTable.From(progress.Finished);

        var arm64 = table.Rows.Single(r => r.Platform.Equals(Arm64));
        Assert.AreEqual(0.3, arm64.Seconds, 1e-9);
        Assert.AreEqual(0.2, arm64.EmulatedSeconds, 1e-9, "the cross RUN ran natively; only the final stage's RUN was emulated");
        Assert.AreEqual(1, arm64.Cached);
        var lines = table.Lines().ToList();
        StringAssert.StartsWith(lines[0], "Build time per platform");
        Assert.IsTrue(lines.Any(l => l.Contains("linux/arm64", StringComparison.Ordinal) && l.Contains("emulated 0.2s (67 %)", StringComparison.Ordinal)), string.Join("\n", lines));
        StringAssert.Contains(table.ToMarkdown(), "| `linux/arm64` | 4 | 0.3s | 0.2s | 1 |");
    }

    [TestMethod]
    [DataRow("#7 [internal] load build definition from Dockerfile")]
    [DataRow("#7 DONE 0.1s")]
    [DataRow("Getting image source signatures")]
    [DataRow("[Warning] one or more build args were not consumed: [TARGETARCH]")]
    [DataRow("")]
    public void Lines_that_finish_no_known_step_finish_nothing(string line)
    {
        Assert.AreEqual(0, new BuildProgress([Amd64, Arm64], _ => false).Feed(line).Count);
    }
}
