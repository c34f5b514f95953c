using System.Text.Json;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// The smoke run of a server through the real dotnet CLI and real engines: busybox's httpd (Debian's static busybox
/// for amd64, and for arm64 under QEMU) serving a file, asked at <c>ContainerSmokeTestUrl</c> inside each container's
/// network namespace (the docker engine here has no bridge network) or at a port podman publishes on 127.0.0.1.
/// Both platforms run side by side; every container is gone afterwards.
/// </summary>
[ServiceTestClass]
[Requires(RequiresAttribute.Registry, RequiresAttribute.Busybox, RequiresAttribute.Podman, RequiresAttribute.Emulation)]
public sealed class ServerSmokeTestTests
{
    private static readonly Lazy<Task<string>> Repository = new(PushServersAsync);

    /// <summary>Pushes h-smoke/servers:httpd (listens on 8080, all interfaces) and :httpd-loopback (127.0.0.1:8080 only).</summary>
    private static async Task<string> PushServersAsync()
    {
        var repository = $"h-smoke/servers{Guid.NewGuid():N}"[..26];
        using var client = new RegistryClient(Environments.Registry);
        foreach (var (tag, address) in new[] { ("httpd", "8080"), ("httpd-loopback", "127.0.0.1:8080") })
        {
            var images = DebianImages.Platforms.Select(p => TestImages.Image(
                p.ToString(),
                p.ToString(),
                [TestImages.Layer([new TestFile("bin/busybox", Environments.Busybox(TestImages.DebianArch(p))), new TestFile("www/healthz", "ok\n"u8.ToArray(), Mode: 0b110_100_100)])],
                ["/bin/busybox", "httpd", "-f", "-v", "-p", address, "-h", "/www"])).ToList();
            await TestImages.PushAsync(client, repository, tag, TestImages.Index(images));
        }

        return repository;
    }

    private static async Task<ValidationRun> SmokeAsync(string tag, string cli, params string[] properties)
    {
        var repository = await Repository.Value;
        var project = await ThrowAwayProject.SdkDoorAsync();

        // -v:m: what a user sees at the default verbosity of dotnet build.
        return await ValidationRun.RunAsync(
            project,
            ["msbuild", project.ProjectFile, "-restore", "-t:ValidateContainerImage", "-nodeReuse:false", "-v:m", $"-p:ContainerImage={Environments.Registry}/{repository}:{tag}", "-p:ContainerPlatforms=\"linux/amd64;linux/arm64\"", $"-p:ContainerCli={cli}", .. properties]);
    }

    private static JsonElement Smoke(JsonElement report, string platform) => ValidationRun.Smoke(report, platform);

    /// <summary>No container of this test's images is left in the engine, running or stopped.</summary>
    private static async Task AssertNoContainerLeftAsync(string cli, string? repository = null)
    {
        repository ??= await Repository.Value;
        var left = await DotnetCli.BashAsync(Path.GetTempPath(), $"{cli} ps -a --format '{{{{.Names}}}} {{{{.Image}}}}' | grep multiarch-smoke- | grep {repository.Split('/')[1]} || true");
        Assert.AreEqual(string.Empty, left.StandardOutput.Trim(), $"{cli} kept a container of the smoke run");
    }

    [TestMethod]
    public async Task A_server_answers_on_both_platforms_side_by_side_and_each_platform_has_its_line_at_the_default_verbosity()
    {
        var (result, report, summary) = await SmokeAsync("httpd", "podman", "-p:ContainerSmokeTestUrl=http://localhost:8080/healthz", "-p:ContainerSmokeTestTimeout=30");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, "Smoke run: 2 platform(s) with podman, 2 at a time", result.Describe());
        StringAssert.Contains(result.Output, "Smoke run linux/amd64 (native): HTTP 200 from http://localhost:8080/healthz in ", result.Describe());
        StringAssert.Contains(result.Output, "Smoke run linux/arm64 (emulated (qemu-aarch64 via binfmt_misc)): HTTP 200 from http://localhost:8080/healthz in ", result.Describe());
        foreach (var platform in new[] { "linux/amd64", "linux/arm64" })
        {
            var run = Smoke(report, platform);
            Assert.IsTrue(run.GetProperty("passed").GetBoolean(), platform);
            Assert.AreEqual(200, run.GetProperty("httpStatus").GetInt32(), platform);
            Assert.IsTrue(run.GetProperty("listening").EnumerateArray().Any(l => l.GetString()!.EndsWith(":8080", StringComparison.Ordinal)), platform);
        }

        StringAssert.Contains(summary, "| `linux/arm64` | emulated (qemu-aarch64 via binfmt_misc) | HTTP 200 (expected 2xx) |", summary);
        StringAssert.Contains(summary, "| `linux/amd64` | native | HTTP 200 (expected 2xx) |", summary);
        await AssertNoContainerLeftAsync("podman");
    }

    [TestMethod]
    public async Task A_port_the_server_does_not_listen_on_is_a_coded_error_with_its_output_and_the_container_is_removed()
    {
        var (result, report, _) = await SmokeAsync("httpd", "podman", "-p:ContainerSmokeTestUrl=http://localhost:9090/healthz", "-p:ContainerSmokeTestTimeout=6");

        Assert.AreNotEqual(0, result.ExitCode, result.Describe());
        CollectionAssert.AreEqual(new[] { "MULTIARCH5048" }, result.ErrorCodes.Distinct().ToArray(), result.Describe());
        StringAssert.Contains(result.Output, "http://localhost:9090/healthz did not answer within 6 s", result.Describe());
        StringAssert.Contains(result.Output, ":8080, not on port 9090", result.Describe());
        StringAssert.Contains(result.Output, "Smoke run linux/arm64 (emulated (qemu-aarch64 via binfmt_misc)): no answer from http://localhost:9090/healthz", result.Describe());
        Assert.IsFalse(Smoke(report, "linux/amd64").GetProperty("passed").GetBoolean());
        await AssertNoContainerLeftAsync("podman");
    }

    [TestMethod]
    public async Task A_server_listening_on_its_loopback_only_fails_though_it_answers_inside_the_container()
    {
        var (result, _, _) = await SmokeAsync("httpd-loopback", "podman", "-p:ContainerSmokeTestUrl=http://localhost:8080/healthz", "-p:ContainerSmokeTestTimeout=30", "-p:ContainerSmokeTestReach=namespace");

        CollectionAssert.AreEqual(new[] { "MULTIARCH5053" }, result.ErrorCodes.Distinct().ToArray(), result.Describe());
        StringAssert.Contains(result.Output, "the app listens on 127.0.0.1:8080, its loopback", result.Describe());
        await AssertNoContainerLeftAsync("podman");
    }

    [TestMethod]
    public async Task A_server_without_a_url_is_told_how_to_test_it_and_does_not_fail()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (result, report, _) = await SmokeAsync("httpd", "podman", "-p:ContainerSmokeTest=true", "-p:ContainerSmokeTestTimeout=60");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        CollectionAssert.AreEqual(new[] { "MULTIARCH5050" }, result.WarningCodes.Distinct().ToArray(), result.Describe());
        StringAssert.Contains(result.Output, "Set ContainerSmokeTestUrl=http://localhost:8080/", result.Describe());
        StringAssert.Contains(result.Output, "Smoke run linux/arm64 (emulated (qemu-aarch64 via binfmt_misc)): a server, still running: stopped", result.Describe());
        Assert.IsTrue(Smoke(report, "linux/arm64").GetProperty("serverWithoutUrl").GetBoolean());
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(55), $"seen listening, the server is stopped at once, not after the 60 s time-out ({clock.Elapsed})");
        await AssertNoContainerLeftAsync("podman");
    }

    [TestMethod]
    public async Task Podman_publishes_the_port_on_the_loopback_when_asked_to()
    {
        var (result, report, _) = await SmokeAsync("httpd", "podman", "-p:ContainerSmokeTestUrl=http://localhost:8080/healthz", "-p:ContainerSmokeTestTimeout=30", "-p:ContainerSmokeTestReach=publish");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, "the port published on 127.0.0.1 only", result.Describe());
        Assert.AreEqual(200, Smoke(report, "linux/arm64").GetProperty("httpStatus").GetInt32());
        await AssertNoContainerLeftAsync("podman");
    }

    [TestMethod]
    [Requires(RequiresAttribute.Docker)]
    public async Task The_docker_engine_without_a_bridge_is_reached_through_the_namespace_and_cannot_publish()
    {
        var (result, report, _) = await SmokeAsync("httpd", "docker", "-p:ContainerSmokeTestUrl=http://localhost:8080/healthz", "-p:ContainerSmokeTestTimeout=30");
        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, "network none (the URL is asked inside the container's network namespace)", result.Describe());
        Assert.AreEqual(200, Smoke(report, "linux/amd64").GetProperty("httpStatus").GetInt32());
        Assert.AreEqual(200, Smoke(report, "linux/arm64").GetProperty("httpStatus").GetInt32());
        await AssertNoContainerLeftAsync("docker");

        // This engine runs with --bridge=none: asked to publish, it publishes nothing, and says so.
        var (published, _, _) = await SmokeAsync("httpd", "docker", "-p:ContainerSmokeTestUrl=http://localhost:8080/healthz", "-p:ContainerSmokeTestTimeout=30", "-p:ContainerSmokeTestReach=publish");
        CollectionAssert.AreEqual(new[] { "MULTIARCH5051" }, published.ErrorCodes.Distinct().ToArray(), published.Describe());
        StringAssert.Contains(published.Output, "docker published no port for 8080/tcp", published.Describe());
        await AssertNoContainerLeftAsync("docker");
    }

    [TestMethod]
    [Requires(RequiresAttribute.DebianPackages)]
    public async Task A_self_contained_aspnet_core_app_on_a_base_without_aspnet_settings_answers_on_both_platforms()
    {
        // The repository's ASP.NET Core sample, published self-contained for linux-x64 and linux-arm64 (the served
        // runtime and ASP.NET Core packs) onto Debian 12's libraries: a base that, like runtime-deps, sets no
        // ASPNETCORE_HTTP_PORTS. The generated Dockerfile makes Kestrel listen on the exposed 8080 on all interfaces,
        // and each platform's container answers /healthz, arm64 under QEMU.
        var baseImage = await DebianImages.DotnetDepsBaseAsync($"h-smoke/dotnet-deps{Guid.NewGuid():N}"[..30]);
        var repository = $"h-smoke/aspnet{Guid.NewGuid():N}"[..26];
        var project = await ThrowAwayProject.SampleAsync("aspnet-app");
        var (result, report, table) = await ValidationRun.RunAsync(
            project,
            [
                "publish", project.ProjectFile, "-c", "Release", "-nodeReuse:false", "-v:m",
                "-p:ContainerPlatforms=\"linux/amd64;linux/arm64\"", "-p:SelfContained=true", "-p:UseAppHost=true", "-p:InvariantGlobalization=true",
                $"-p:ContainerBaseImage={baseImage}", $"-p:ContainerRegistry={Environments.Registry}", $"-p:ContainerInsecureRegistries={Environments.Registry}",
                $"-p:ContainerRepository={repository}", "-p:ContainerCli=podman",
                "-p:ContainerSmokeTestUrl=http://localhost:8080/healthz", "-p:ContainerSmokeTestTimeout=120",
            ]);

        Assert.AreEqual(0, result.ExitCode, result.Describe());

        // The lines a user sees at the default verbosity, kept in the test log as evidence.
        Console.WriteLine(string.Join('\n', result.Output.Split('\n').Where(l => l.Contains("Smoke run", StringComparison.Ordinal))));
        StringAssert.Contains(File.ReadAllText(Path.Combine(project.Directory, "obj", "multiarch", "Dockerfile")), "ENV ASPNETCORE_HTTP_PORTS=8080\nEXPOSE 8080/tcp\n");
        StringAssert.Contains(result.Output, "Smoke run linux/amd64 (native): HTTP 200 from http://localhost:8080/healthz in ", result.Describe());
        StringAssert.Contains(result.Output, "Smoke run linux/arm64 (emulated (qemu-aarch64 via binfmt_misc)): HTTP 200 from http://localhost:8080/healthz in ", result.Describe());
        foreach (var platform in new[] { "linux/amd64", "linux/arm64" })
        {
            // Kestrel listens on the port the image exposes, on all interfaces (not http://localhost:5000).
            var listening = Smoke(report, platform).GetProperty("listening").EnumerateArray().Select(l => l.GetString()).ToList();
            CollectionAssert.Contains(listening, "[::]:8080", platform);
        }

        StringAssert.Contains(table, "| `linux/arm64` | emulated (qemu-aarch64 via binfmt_misc) | HTTP 200 (expected 2xx) |", table);
        await AssertNoContainerLeftAsync("podman", repository);

        // The base podman build pulled is this test's own: leave the engine as it was.
        await DotnetCli.BashAsync(Path.GetTempPath(), $"podman rmi {baseImage} || true");
    }
}
