using System.Diagnostics;
using System.Text.Json;
using MultiArch.Build.Registry;
using System.Net.Sockets;
using MultiArch.Build.Processes;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// A buildx builder with two BuildKit nodes, one restricted to linux/amd64 and one to linux/arm64
/// (<c>buildkitd --oci-worker-platform</c>), joined with <c>buildx create --append</c>, each declaring its platform
/// (<c>--platform</c>: without it, real BuildKit lists every platform QEMU lets it run, and buildx sends both platforms
/// to the first node; BuilderPlanTests shows that on the captured output). Skipped, saying so, where buildx or
/// buildkitd is missing. The daemons and the builder are shared by the tests of this class and removed after.
/// </summary>
[ServiceTestClass]
[Requires(RequiresAttribute.Registry, RequiresAttribute.Buildx, RequiresAttribute.Buildkitd, RequiresAttribute.BaseImage, RequiresAttribute.Emulation, RequiresAttribute.Busybox)]
public sealed class MultiNodeBuilderTests
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly List<Process> Daemons = [];
    private static string? _builder;

    [TestMethod]
    public async Task Two_declared_nodes_build_natively_one_run_each_merged_by_digest_validated_then_tagged()
    {
        var builder = await TwoNodeBuilderAsync();
        var (project, repository) = await ProjectAsync(builder, """
            ARG BASE_IMAGE
            FROM ${BASE_IMAGE}
            RUN ["/bin/busybox", "sh", "-c", "/bin/busybox uname -m > /arch"]
            COPY --chmod=755 run.sh /run.sh
            ENTRYPOINT ["/run.sh"]
            """);
        project.WriteFile("run.sh", "#!/bin/busybox sh\necho hi\n");

        var result = await project.DotnetAsync("publish", project.ProjectFile, "-nodeReuse:false", "-v:n");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, $"Build plan of builder {builder} (remote driver, 2 node(s)):", result.Describe());
        StringAssert.Contains(result.Output, $"linux/amd64 -> node {builder}0 (native)", result.Describe());
        StringAssert.Contains(result.Output, $"linux/arm64 -> node {builder}1 (native)", result.Describe());
        Assert.IsFalse(result.Output.Contains("MULTIARCH2007", StringComparison.Ordinal), "no RUN step is planned under emulation on this builder (the check runs at -v:n, where its message would show): " + result.Describe());
        StringAssert.Contains(result.Output, $"The platforms go to 2 nodes of builder {builder}: one build per node ({builder}0: linux/amd64; {builder}1: linux/arm64)", result.Describe());
        StringAssert.Contains(result.Output, $"Pushed the part built on node {builder}1 (linux/arm64): {Environments.Registry}/{repository}@sha256:", result.Describe());
        StringAssert.Contains(result.Output, "Merged 2 parts into the index", result.Describe());
        StringAssert.Contains(result.Output, "2 platform(s) present, 2 entrypoint binaries verified", result.Describe());

        // Progress from both buildx runs: each node's steps, natively (the plan says so), and one time table.
        StringAssert.Matches(result.Output, new System.Text.RegularExpressions.Regex(@"\[linux/arm64\] RUN \[""/bin/busybox"".* \d+\.\ds\r?\n"), result.Describe());
        StringAssert.Matches(result.Output, new System.Text.RegularExpressions.Regex(@"linux/amd64 +\d+ step\(s\) in \d+\.\ds, emulated 0\.0s"), result.Describe());
        StringAssert.Matches(result.Output, new System.Text.RegularExpressions.Regex(@"linux/arm64 +\d+ step\(s\) in \d+\.\ds, emulated 0\.0s"), result.Describe());

        // The tag was moved by MultiArch.Build after validation; buildx's own merge (which pushes :latest) never ran.
        Assert.IsTrue(await Environments.TagExistsAsync(repository, "v1"), result.Describe());
        Assert.IsFalse(await Environments.TagExistsAsync(repository, "latest"), "buildx's multi-node merge pushes :latest; the per-node runs must not");
        using var client = new RegistryClient(Environments.Registry);
        var index = await client.GetManifestAsync(repository, "v1", default);
        using var json = JsonDocument.Parse(index.Content);
        var platforms = json.RootElement.GetProperty("manifests").EnumerateArray()
            .Select(m => m.GetProperty("platform")).Select(p => $"{p.GetProperty("os").GetString()}/{p.GetProperty("architecture").GetString()}").ToList();
        CollectionAssert.IsSubsetOf(new[] { "linux/amd64", "linux/arm64" }, platforms);
        Assert.IsTrue(platforms.Contains("unknown/unknown"), "the nodes' provenance attestations are carried into the merged index: " + string.Join(", ", platforms));
        Assert.AreEqual("multi-node", json.RootElement.GetProperty("annotations").GetProperty("org.opencontainers.image.description").GetString(), "an index annotation lands on the merged index");
    }

    [TestMethod]
    public async Task A_multi_node_build_that_fails_validation_moves_no_tag_at_all()
    {
        var builder = await TwoNodeBuilderAsync();
        // The amd64 busybox in both images: the arm64 entry holds an x86-64 binary (MULTIARCH5007).
        var (project, repository) = await ProjectAsync(builder, """
            FROM scratch
            COPY --chmod=755 busybox-amd64 /bin/busybox
            ENTRYPOINT ["/bin/busybox", "true"]
            """);
        File.WriteAllBytes(Path.Combine(project.Directory, "busybox-amd64"), Environments.Busybox("amd64"));

        var result = await project.DotnetAsync("publish", project.ProjectFile, "-nodeReuse:false");

        Assert.AreNotEqual(0, result.ExitCode, result.Describe());
        CollectionAssert.Contains(result.ErrorCodes.ToArray(), "MULTIARCH5007", result.Describe());
        StringAssert.Contains(result.Output, "Merged 2 parts into the index", result.Describe());
        Assert.IsFalse(await Environments.TagExistsAsync(repository, "v1"), "validation failed: no tag");
        Assert.IsFalse(await Environments.TagExistsAsync(repository, "latest"), "validation failed: not even buildx's :latest");
    }

    [TestMethod]
    public async Task An_archive_from_a_multi_node_builder_is_refused_before_building()
    {
        var builder = await TwoNodeBuilderAsync();
        var (project, _) = await ProjectAsync(builder, "FROM scratch\nCOPY run.sh /run.sh\n");
        project.WriteFile("run.sh", "#!/bin/sh\n");

        // dotnet build on the SDK door stays local: an OCI archive, which buildx cannot export from several nodes.
        var result = await project.DotnetAsync("build", project.ProjectFile, "-nodeReuse:false");

        Assert.AreNotEqual(0, result.ExitCode, result.Describe());
        CollectionAssert.AreEqual(new[] { "MULTIARCH3052" }, result.ErrorCodes.Distinct().ToArray(), result.Describe());
        StringAssert.Contains(result.Output, $"linux/amd64 -> {builder}0, linux/arm64 -> {builder}1", result.Describe());
    }

    [ClassCleanup]
    public static async Task StopBuilder()
    {
        if (_builder is not null)
        {
            await ProcessRunner.Instance.RunAsync(new ProcessSpec("docker", ["buildx", "rm", _builder]));
        }

        foreach (var daemon in Daemons)
        {
            daemon.Kill(entireProcessTree: true);
            await daemon.WaitForExitAsync();
        }
    }

    private static async Task<(ThrowAwayProject Project, string Repository)> ProjectAsync(string builder, string dockerfile)
    {
        var repository = $"it/multi{Guid.NewGuid():N}"[..20];
        var project = await ThrowAwayProject.SdkDoorAsync($"""
              <PropertyGroup>
                <ContainerPlatforms>linux/amd64;linux/arm64</ContainerPlatforms>
                <ContainerCli>docker</ContainerCli>
                <ContainerBuilder>{builder}</ContainerBuilder>
                <ContainerRegistry>{Environments.Registry}</ContainerRegistry>
                <ContainerRepository>{repository}</ContainerRepository>
                <ContainerImageTag>v1</ContainerImageTag>
              </PropertyGroup>
              <ItemGroup>
                <ContainerBuildArg Include="BASE_IMAGE" Value="{Environments.BaseImage}" />
                <ContainerAnnotation Include="index:org.opencontainers.image.description" Value="multi-node" />
              </ItemGroup>
            """);
        project.WriteFile("Dockerfile", dockerfile.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        return (project, repository);
    }

    /// <summary>Starts (once) two buildkitd daemons on loopback and joins them as one declared two-node builder.</summary>
    private static async Task<string> TwoNodeBuilderAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_builder is not null)
            {
                return _builder;
            }

            var builder = $"mab-multi-{Guid.NewGuid():N}"[..18];
            var state = TestDirectories.Create("buildkit");
            var config = Path.Combine(state, "buildkitd.toml");
            File.WriteAllText(config, $"[registry.\"{Environments.Registry}\"]\n  http = true\n  insecure = true\n");
            var addresses = new List<string>();
            foreach (var platform in new[] { "linux/amd64", "linux/arm64" })
            {
                var address = $"tcp://127.0.0.1:{FreePort()}";
                var root = Path.Combine(state, platform.Replace('/', '-'));
                Daemons.Add(Process.Start(new ProcessStartInfo(Environment.GetEnvironmentVariable("MULTIARCH_BUILDKITD") is { Length: > 0 } path ? path : "buildkitd")
                {
                    ArgumentList = { "--config", config, "--addr", address, "--root", root, "--oci-worker=true", "--containerd-worker=false", "--oci-worker-platform", platform },
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                })!);
                addresses.Add(address);
            }

            await Docker("buildx", "create", "--name", builder, "--driver", "remote", "--platform", "linux/amd64", addresses[0]);
            _builder = builder;
            await Docker("buildx", "create", "--append", "--name", builder, "--driver", "remote", "--platform", "linux/arm64", addresses[1]);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await ProcessRunner.Instance.RunAsync(new ProcessSpec("docker", ["buildx", "inspect", "--bootstrap", builder]))).ExitCode != 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000);
            }

            return builder;
        }
        finally
        {
            Gate.Release();
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
