using System.Diagnostics;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>Ctrl+C on `dotnet build` stops the build tool and what it started, and says so with a code.</summary>
[ServiceTestClass]
public sealed class CancellationTests
{
    /// <summary>
    /// How long a cancelled build may take to stop: the runner's grace period (SIGINT, then the process tree is killed)
    /// plus what MSBuild and podman need to wind down on a loaded 2-core machine. The RUN step sleeps an hour, so a
    /// build that was not cancelled cannot pass, however slow the machine.
    /// </summary>
    private static readonly TimeSpan StopBound = MultiArch.Build.Processes.ProcessRunner.DefaultGracePeriod + TimeSpan.FromSeconds(115);

    /// <summary>How long the build may take to reach its RUN step: state, not speed, is what the test waits for.</summary>
    private static readonly TimeSpan StartBound = TimeSpan.FromMinutes(10);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Requires(RequiresAttribute.Podman, RequiresAttribute.BaseImage)]
    public async Task Ctrl_c_stops_podman_and_its_run_step()
    {
        var seconds = Random.Shared.Next(3600, 7200).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var project = await ThrowAwayProject.SdkDoorAsync($"""
              <PropertyGroup>
                <ContainerCli>podman</ContainerCli>
                <ContainerPlatforms>{MultiArch.Build.Platforms.OciPlatform.Host()}</ContainerPlatforms>
                <ContainerInsecureRegistries>{Environment.GetEnvironmentVariable("MULTIARCH_TEST_REGISTRY")}</ContainerInsecureRegistries>
              </PropertyGroup>
              <ItemGroup>
                <ContainerBuildArg Include="BASE_IMAGE" Value="{Environments.BaseImage}" />
              </ItemGroup>
            """);
        project.WriteFile("Dockerfile", $"ARG BASE_IMAGE\nFROM ${{BASE_IMAGE}}\nRUN [\"/bin/busybox\", \"sleep\", \"{seconds}\"]\n");
        Assert.AreEqual(0, (await project.DotnetAsync("restore", project.ProjectFile)).ExitCode);

        var start = new ProcessStartInfo("dotnet", ["build", project.ProjectFile, "--no-restore", "-nodeReuse:false", "-m:1"])
        {
            WorkingDirectory = project.Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        var watch = Stopwatch.StartNew();
        using var build = Process.Start(start)!;
        var output = build.StandardOutput.ReadToEndAsync();
        var errors = build.StandardError.ReadToEndAsync();
        try
        {
            // The RUN step's own process is the state that says the build is where Ctrl+C must reach.
            while (RunStep(seconds).Count == 0)
            {
                if (build.HasExited)
                {
                    Assert.Fail("the build ended before its RUN step started: " + await output + await errors);
                }

                Assert.IsTrue(watch.Elapsed < StartBound, $"the RUN step had not started after {StartBound}; processes: {Ps()}");
                await Task.Delay(200);
            }

            var started = watch.Elapsed;
            using (var interrupt = Process.Start("kill", ["-INT", build.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await interrupt!.WaitForExitAsync();
            }

            var interrupted = Stopwatch.StartNew();
            TimeSpan? runStepGone = null;
            while (!build.HasExited || runStepGone is null)
            {
                if (runStepGone is null && RunStep(seconds).Count == 0)
                {
                    runStepGone = interrupted.Elapsed;
                }

                Assert.IsTrue(
                    interrupted.Elapsed < StopBound,
                    $"{(build.HasExited ? "dotnet build stopped, but its RUN step 'sleep " + seconds + "' still runs" : "dotnet build did not stop")} within {StopBound} of Ctrl+C (grace period {MultiArch.Build.Processes.ProcessRunner.DefaultGracePeriod}); processes: {Ps()}");
                await Task.Delay(200);
            }

            var stopped = interrupted.Elapsed;
            TestContext.WriteLine($"RUN step started after {started.TotalSeconds:F1} s; after Ctrl+C the RUN step was gone in {runStepGone!.Value.TotalSeconds:F1} s and dotnet build had exited in {stopped.TotalSeconds:F1} s (bound {StopBound.TotalSeconds:F0} s; load average {File.ReadAllText("/proc/loadavg").Trim()})");
            var text = await output + await errors;
            Assert.AreNotEqual(0, build.ExitCode, text);
            StringAssert.Contains(text, "MULTIARCH9002", text);
        }
        finally
        {
            if (!build.HasExited)
            {
                build.Kill(entireProcessTree: true);
            }
        }
    }

    private static string Ps()
    {
        using var ps = Process.Start(new ProcessStartInfo("ps", ["-eo", "pid,ppid,stat,cmd"]) { RedirectStandardOutput = true })!;
        return ps.StandardOutput.ReadToEnd();
    }

    /// <summary>The RUN step's processes, found with pgrep (reading every /proc/*/cmdline by hand can stall on busy processes).</summary>
    private static List<int> RunStep(string seconds)
    {
        using var pgrep = Process.Start(new ProcessStartInfo("pgrep", ["-f", $"^/bin/busybox sleep {seconds}$"]) { RedirectStandardOutput = true })!;
        var text = pgrep.StandardOutput.ReadToEnd();
        pgrep.WaitForExit();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
    }
}
