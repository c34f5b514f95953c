using System.Diagnostics;
using System.Net.Sockets;
using MultiArch.Build.Processes;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// A buildx builder with two BuildKit nodes, one restricted to linux/amd64 and one to linux/arm64
/// (<c>buildkitd --oci-worker-platform</c>), joined with <c>buildx create --append</c>: the preflight reads both
/// nodes and prints the plan (each platform on its own node, natively), and the build pushes, validates and tags
/// the two-platform index. Skipped, saying so, where buildx or buildkitd is missing.
/// </summary>
[ServiceTestClass]
[Requires(RequiresAttribute.Registry, RequiresAttribute.Buildx, RequiresAttribute.Buildkitd, RequiresAttribute.BaseImage, RequiresAttribute.Emulation)]
public sealed class MultiNodeBuilderTests
{
    [TestMethod]
    public async Task Two_nodes_one_per_platform_build_natively_and_the_plan_says_so()
    {
        var builder = $"mab-multi-{Guid.NewGuid():N}"[..18];
        var state = TestDirectories.Create("buildkit");
        var config = Path.Combine(state, "buildkitd.toml");
        File.WriteAllText(config, $"[registry.\"{Environments.Registry}\"]\n  http = true\n  insecure = true\n");
        var daemons = new List<Process>();
        try
        {
            var addresses = new List<string>();
            foreach (var platform in new[] { "linux/amd64", "linux/arm64" })
            {
                var address = $"tcp://127.0.0.1:{FreePort()}";
                var root = Path.Combine(state, platform.Replace('/', '-'));
                daemons.Add(Process.Start(new ProcessStartInfo(Environment.GetEnvironmentVariable("MULTIARCH_BUILDKITD") is { Length: > 0 } path ? path : "buildkitd")
                {
                    ArgumentList = { "--config", config, "--addr", address, "--root", root, "--oci-worker=true", "--containerd-worker=false", "--oci-worker-platform", platform },
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                })!);
                addresses.Add(address);
            }

            await Docker("buildx", "create", "--name", builder, "--driver", "remote", addresses[0]);
            await Docker("buildx", "create", "--append", "--name", builder, "--driver", "remote", addresses[1]);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await ProcessRunner.Instance.RunAsync(new ProcessSpec("docker", ["buildx", "inspect", "--bootstrap", builder]))).ExitCode != 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000);
            }

            var repository = $"it/multi{Guid.NewGuid():N}"[..20];
            var project = await ThrowAwayProject.SdkDoorAsync($"""
                  <PropertyGroup>
                    <ContainerPlatforms>linux/amd64;linux/arm64</ContainerPlatforms>
                    <ContainerCli>docker</ContainerCli>
                    <ContainerBuilder>{builder}</ContainerBuilder>
                    <ContainerRegistry>{Environments.Registry}</ContainerRegistry>
                    <ContainerRepository>{repository}</ContainerRepository>
                    <ContainerImageTag>v1</ContainerImageTag>
                    <ContainerProvenance>false</ContainerProvenance>
                  </PropertyGroup>
                  <ItemGroup>
                    <ContainerBuildArg Include="BASE_IMAGE" Value="{Environments.BaseImage}" />
                  </ItemGroup>
                """);
            project.WriteFile("Dockerfile", "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox uname -m > /arch\"]\nCOPY --chmod=755 run.sh /run.sh\nENTRYPOINT [\"/run.sh\"]\n");
            project.WriteFile("run.sh", "#!/bin/busybox sh\necho hi\n");

            var result = await project.MSBuildAsync("MultiArchContainerImage");

            Assert.AreEqual(0, result.ExitCode, result.Describe());
            StringAssert.Contains(result.Output, $"Build plan of builder {builder} (remote driver, 2 node(s)):", result.Describe());
            StringAssert.Contains(result.Output, $"linux/amd64 -> node {builder}0 (native)", result.Describe());
            StringAssert.Contains(result.Output, $"linux/arm64 -> node {builder}1 (native)", result.Describe());
            Assert.IsFalse(result.Output.Contains("MULTIARCH2007", StringComparison.Ordinal), "no RUN step is emulated on this builder: " + result.Describe());
            StringAssert.Contains(result.Output, "2 platform(s) present, 2 entrypoint binaries verified", result.Describe());
        }
        finally
        {
            await ProcessRunner.Instance.RunAsync(new ProcessSpec("docker", ["buildx", "rm", builder]));
            foreach (var daemon in daemons)
            {
                daemon.Kill(entireProcessTree: true);
                await daemon.WaitForExitAsync();
            }
        }
    }

    private static async Task Docker(params string[] args)
    {
        var result = await ProcessRunner.Instance.RunAsync(new ProcessSpec("docker", args));
        Assert.AreEqual(0, result.ExitCode, $"docker {string.Join(' ', args)}: {result.Tail(5)}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The plan through the real CLI: printed at high importance and written to the CI step summary.</summary>
[ServiceTestClass]
public sealed class BuildPlanOutputTests
{
    [TestMethod]
    [Requires(RequiresAttribute.Podman, RequiresAttribute.Emulation)]
    public async Task The_preflight_prints_the_plan_and_writes_it_to_the_step_summary()
    {
        var project = await ThrowAwayProject.SdkDoorAsync("<PropertyGroup><ContainerCli>podman</ContainerCli><ContainerPlatforms>linux/amd64;linux/arm64</ContainerPlatforms></PropertyGroup>");
        var summary = Path.Combine(project.Directory, "summary.md");

        var result = await DotnetCli.RunAsync(project.Directory, ["msbuild", project.ProjectFile, "-t:PreflightContainerBuild", "-nodeReuse:false", "-v:m"], new Dictionary<string, string?> { ["GITHUB_STEP_SUMMARY"] = summary });

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        var host = MultiArch.Build.Platforms.OciPlatform.Host().ToString();
        StringAssert.Contains(result.Output, "Build plan of builder podman (local driver, 1 node(s)):", result.Describe());
        StringAssert.Contains(result.Output, $"{host} -> node this machine (native)", result.Describe());
        StringAssert.Contains(result.Output, $"{(host == "linux/amd64" ? "linux/arm64" : "linux/amd64")} -> node this machine (emulated)", result.Describe());
        StringAssert.Contains(File.ReadAllText(summary), $"| `{host}` | this machine | native |");
    }
}
