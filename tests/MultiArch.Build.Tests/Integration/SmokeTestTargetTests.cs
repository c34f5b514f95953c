using System.Text.Json;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// `-t:ValidateContainerImage -p:ContainerSmokeTest=true` through the real dotnet CLI: each platform's image of
/// Debian's real packages is run once with podman (amd64 natively, arm64 under QEMU), and the program's real
/// output, exit code and duration reach the log, validation.json/.md and the step summary.
/// </summary>
[ServiceTestClass]
[Requires(RequiresAttribute.Registry, RequiresAttribute.Busybox, RequiresAttribute.DebianPackages, RequiresAttribute.Podman, RequiresAttribute.Emulation)]
public sealed class SmokeTestTargetTests
{
    private static async Task<ValidationRun> SmokeAsync(string tag, params string[] properties)
    {
        await DebianImages.PushAllAsync();
        var project = await ThrowAwayProject.SdkDoorAsync();
        return await ValidationRun.RunAsync(
            project,
            ["msbuild", project.ProjectFile, "-restore", "-t:ValidateContainerImage", "-nodeReuse:false", "-v:n", $"-p:ContainerImage={DebianImages.Reference(tag)}", "-p:ContainerPlatforms=\"linux/amd64;linux/arm64\"", "-p:ContainerSmokeTest=true", "-p:ContainerCli=podman", .. properties]);
    }

    private static JsonElement Smoke(JsonElement report, string platform) => ValidationRun.Smoke(report, platform);

    [TestMethod]
    public async Task Every_platform_runs_and_shows_the_programs_real_output()
    {
        var (result, report, summary) = await SmokeAsync("hello-glibc");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, "[linux/amd64] Hello, world!");
        StringAssert.Contains(result.Output, "[linux/arm64] Hello, world!");
        StringAssert.Contains(result.Output, "Smoke run linux/arm64 (emulated (qemu-aarch64 via binfmt_misc)): exit code 0");

        var amd64 = Smoke(report, "linux/amd64");
        var arm64 = Smoke(report, "linux/arm64");
        Assert.AreEqual("native", amd64.GetProperty("execution").GetString());
        StringAssert.StartsWith(arm64.GetProperty("execution").GetString(), "emulated (qemu-aarch64");
        foreach (var run in new[] { amd64, arm64 })
        {
            Assert.AreEqual(0, run.GetProperty("exitCode").GetInt32());
            Assert.IsTrue(run.GetProperty("passed").GetBoolean());
            Assert.AreEqual("Hello, world!", run.GetProperty("output")[0].GetString());
            Assert.IsTrue(run.GetProperty("durationSeconds").GetDouble() > 0);
            StringAssert.Contains(run.GetProperty("image").GetString(), "@sha256:");
        }

        StringAssert.Contains(summary, "| `linux/arm64` | emulated (qemu-aarch64 via binfmt_misc) | 0 (expected 0) |");
        StringAssert.Contains(summary, "<code>Hello, world!</code>");
    }

    [TestMethod]
    [Requires(RequiresAttribute.Docker)]
    public async Task The_docker_engine_runs_every_platform_by_digest_too()
    {
        var (result, report, _) = await SmokeAsync("hello-glibc", "-p:ContainerCli=docker");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, "Smoke run: 2 platform(s) with docker", result.Describe());
        StringAssert.Contains(result.Output, "[linux/amd64] Hello, world!", result.Describe());
        StringAssert.Contains(result.Output, "[linux/arm64] Hello, world!", result.Describe());
        foreach (var platform in new[] { "linux/amd64", "linux/arm64" })
        {
            var run = Smoke(report, platform);
            Assert.IsTrue(run.GetProperty("passed").GetBoolean(), platform);
            // The image docker pulled for the run is removed after it: nothing is left in the engine.
            var inspect = await MultiArch.Build.Processes.ProcessRunner.Instance.RunAsync(new MultiArch.Build.Processes.ProcessSpec("docker", ["image", "inspect", run.GetProperty("image").GetString()!]));
            Assert.AreNotEqual(0, inspect.ExitCode, $"{platform}: the pulled image was left in the engine");
        }
    }

    [TestMethod]
    public async Task A_platform_that_cannot_start_fails_with_its_real_output_and_the_other_passes()
    {
        var (result, report, summary) = await SmokeAsync("pigz-zlib-amd64-only");

        Assert.AreNotEqual(0, result.ExitCode, result.Describe());
        CollectionAssert.AreEquivalent(new[] { "MULTIARCH5024", "MULTIARCH5040" }, result.ErrorCodes.ToArray(), result.Describe());
        Assert.IsTrue(Smoke(report, "linux/amd64").GetProperty("passed").GetBoolean());
        StringAssert.StartsWith(Smoke(report, "linux/amd64").GetProperty("output")[0].GetString(), "pigz 2.6");
        var arm64 = Smoke(report, "linux/arm64");
        Assert.IsFalse(arm64.GetProperty("passed").GetBoolean());
        Assert.AreEqual(127, arm64.GetProperty("exitCode").GetInt32());
        StringAssert.Contains(string.Join("\n", arm64.GetProperty("output").EnumerateArray().Select(l => l.GetString())), "libz.so.1: cannot open shared object file");
        StringAssert.Contains(summary, "failed");
        Assert.IsFalse(report.GetProperty("passed").GetBoolean());
    }

    [TestMethod]
    public async Task The_command_replaces_cmd_and_a_run_past_its_timeout_is_stopped()
    {
        var (echo, report, _) = await SmokeAsync("busybox-static", "-p:ContainerSmokeTestCommand=\"echo 'static busybox says hi'\"");
        Assert.AreEqual(0, echo.ExitCode, echo.Describe());
        Assert.AreEqual("static busybox says hi", Smoke(report, "linux/arm64").GetProperty("output")[0].GetString());

        var (sleep, slow, _) = await SmokeAsync("busybox-static", "-p:ContainerSmokeTestCommand=\"sleep 60\"", "-p:ContainerSmokeTestTimeout=3");
        CollectionAssert.AreEqual(new[] { "MULTIARCH5041" }, sleep.ErrorCodes.Distinct().ToArray(), sleep.Describe());
        Assert.IsTrue(Smoke(slow, "linux/amd64").GetProperty("timedOut").GetBoolean());
        Assert.IsTrue(Smoke(slow, "linux/arm64").GetProperty("timedOut").GetBoolean());
        var leftovers = await DotnetCli.BashAsync(Path.GetTempPath(), "podman ps -a --filter name=multiarch-smoke- --format '{{.Names}} {{.Image}}' | grep " + DebianImages.Reference("x").Split(':')[1].Split('/')[^1] + " || true");
        Assert.AreEqual(string.Empty, leftovers.StandardOutput.Trim(), "a timed-out container was left behind");
    }
}
