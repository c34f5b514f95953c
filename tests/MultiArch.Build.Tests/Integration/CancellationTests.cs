using System.Diagnostics;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>Ctrl+C on `dotnet build` stops the build tool and what it started, and says so with a code.</summary>
[ServiceTestClass]
public sealed class CancellationTests
{
    [TestMethod]
    [Requires(RequiresAttribute.Podman, RequiresAttribute.BaseImage)]
    public async Task Ctrl_c_stops_podman_and_its_run_step()
    {
        var seconds = Random.Shared.Next(400, 999).ToString(System.Globalization.CultureInfo.InvariantCulture);
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
        using var build = Process.Start(start)!;
        var output = build.StandardOutput.ReadToEndAsync();
        var errors = build.StandardError.ReadToEndAsync();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (RunStep(seconds).Count == 0)
        {
            if (build.HasExited)
            {
                Assert.Fail("the build ended before its RUN step started: " + await output + await errors);
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("the RUN step never started; processes: " + Ps());
            }

            await Task.Delay(200);
        }

        using (var interrupt = Process.Start("kill", ["-INT", build.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await interrupt!.WaitForExitAsync();
        }

        var exited = build.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.IsTrue(exited, "dotnet build did not stop within 60 s of Ctrl+C");
        var text = await output + await errors;
        Assert.AreNotEqual(0, build.ExitCode, text);
        StringAssert.Contains(text, "MULTIARCH9002", text);
        await Task.Delay(1000);
        Assert.AreEqual(0, RunStep(seconds).Count, $"the RUN step 'sleep {seconds}' is still running after cancellation");
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
