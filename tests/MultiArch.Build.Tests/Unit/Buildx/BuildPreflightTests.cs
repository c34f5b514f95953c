using MultiArch.Build.Buildx;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;

namespace MultiArch.Build.Tests.Unit.Buildx;

/// <summary>The preflight's decisions over scripted tool answers (real captured outputs where they exist).</summary>
[TestClass]
public sealed class BuildPreflightTests
{
    internal static string Data(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "Buildx", name));

    private const string ClassicStore = "[[\"Backing Filesystem\",\"extfs\"],[\"Supports d_type\",\"true\"]]";
    private const string ContainerdStore = "[[\"driver-type\",\"io.containerd.snapshotter.v1\"]]";

    /// <summary>Answers by command line; a missing entry means the tool is not installed.</summary>
    internal sealed class ScriptedRunner(Dictionary<string, ProcessResult> answers) : IProcessRunner
    {
        public List<string> Calls { get; } = [];

        public Task<ProcessResult> RunAsync(ProcessSpec spec, Action<ProcessLine>? onLine = null, CancellationToken cancellationToken = default)
        {
            var line = spec.FileName + " " + string.Join(" ", spec.Arguments);
            Calls.Add(line);
            var match = answers.Where(a => line.StartsWith(a.Key, StringComparison.Ordinal)).OrderByDescending(a => a.Key.Length).FirstOrDefault();
            return match.Key is null ? throw new ToolNotFoundException(spec.FileName, new System.ComponentModel.Win32Exception(2)) : Task.FromResult(match.Value);
        }
    }

    internal static ProcessResult Ok(string stdout) => new(0, stdout, string.Empty);

    private static ProcessResult Fail(string stderr) => new(1, string.Empty, stderr);

    private static Dictionary<string, ProcessResult> Docker(string inspect, string driverStatus = ClassicStore) => new()
    {
        ["docker buildx version"] = Ok(Data("version-v0.28.0.txt")),
        ["docker buildx inspect --bootstrap"] = Ok(inspect),
        ["docker info"] = Ok(driverStatus),
    };

    private static PreflightRequest Request(string platforms, BuildOutputKind output = BuildOutputKind.Push, string? cli = null, bool create = false, string? builder = null) => new()
    {
        Cli = cli,
        Builder = builder,
        CreateBuilder = create,
        Platforms = platforms.Split(',').Select(OciPlatform.Parse).ToList(),
        Output = output,
    };

    private static async Task<string> CodeOf(ScriptedRunner runner, PreflightRequest request)
    {
        var ex = await Assert.ThrowsExceptionAsync<BuildException>(() => new BuildPreflight(runner).RunAsync(request, default));
        return ex.Code;
    }

    [TestMethod]
    public async Task The_kuberay_failure_is_caught_before_any_build()
    {
        var runner = new ScriptedRunner(Docker(Data("inspect-docker-driver-v0.28.0.txt")));
        Assert.AreEqual("MULTIARCH3007", await CodeOf(runner, Request("linux/amd64,linux/arm64")));
        Assert.IsFalse(runner.Calls.Any(c => c.Contains("buildx build", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task Docker_driver_with_the_containerd_store_may_build_several_platforms()
    {
        var runner = new ScriptedRunner(Docker(Data("inspect-docker-driver-v0.28.0.txt"), ContainerdStore));
        var result = await new BuildPreflight(runner).RunAsync(Request("linux/amd64,linux/arm64", BuildOutputKind.Load), default);
        Assert.IsTrue(result.ContainerdImageStore);
        Assert.AreEqual(ContainerCliKind.Docker, result.Cli);
    }

    [TestMethod]
    public async Task Docker_driver_single_native_platform_is_fine()
    {
        var runner = new ScriptedRunner(Docker(Data("inspect-docker-driver-v0.28.0.txt")));
        var result = await new BuildPreflight(runner).RunAsync(Request("linux/amd64", BuildOutputKind.Load), default);
        Assert.AreEqual("default", result.Builder!.Name);
        Assert.IsNull(result.BuilderName, "no --builder: buildx's current one");
        Assert.AreEqual(1, runner.Calls.Count(c => c == "docker buildx version"), "choosing the CLI and checking the version share one launch");
    }

    [TestMethod]
    public async Task Create_builder_makes_a_docker_container_builder_once_and_never_removes_one()
    {
        var answers = Docker(Data("inspect-docker-driver-v0.28.0.txt"));
        answers["docker buildx inspect --bootstrap multiarch-build"] = Fail("ERROR: no builder \"multiarch-build\" found");
        answers["docker buildx create"] = Ok("multiarch-build");
        var runner = new ScriptedRunner(answers);

        // The scripted inspect of the new builder keeps failing, so the preflight ends in MULTIARCH3006: the point is what was called.
        var result = await Assert.ThrowsExceptionAsync<BuildException>(() => new BuildPreflight(runner).RunAsync(Request("linux/amd64,linux/arm64", create: true), default));

        Assert.IsTrue(runner.Calls.Any(c => c.StartsWith("docker buildx create --name multiarch-build --driver docker-container --bootstrap", StringComparison.Ordinal)), string.Join("\n", runner.Calls));
        Assert.IsFalse(runner.Calls.Any(c => c.Contains(" rm ", StringComparison.Ordinal) || c.Contains("--use", StringComparison.Ordinal)), "never removes or switches builders");
        Assert.AreEqual("MULTIARCH3006", result.Code);
    }

    [TestMethod]
    public async Task Existing_created_builder_is_reused()
    {
        var answers = Docker(Data("inspect-docker-driver-v0.28.0.txt"));
        answers["docker buildx inspect --bootstrap multiarch-build"] = Ok(Data("inspect-docker-container-v0.12.txt"));
        var runner = new ScriptedRunner(answers);
        var result = await new BuildPreflight(runner).RunAsync(Request("linux/amd64,linux/arm64", create: true), default);
        Assert.AreEqual("multiarch-build", result.BuilderName);
        Assert.IsFalse(runner.Calls.Any(c => c.Contains("buildx create", StringComparison.Ordinal)));
        Assert.IsTrue(result.Messages.Any(m => m.Message.StartsWith("Created the docker-container builder 'multiarch-build'", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task Platform_no_node_can_build()
    {
        var runner = new ScriptedRunner(Docker(Data("inspect-docker-container-v0.12.txt")));
        var ex = await Assert.ThrowsExceptionAsync<BuildException>(() => new BuildPreflight(runner).RunAsync(Request("linux/amd64,linux/riscv64,linux/loong64"), default));
        Assert.AreEqual("MULTIARCH3008", ex.Code);
        StringAssert.Contains(ex.Message, "linux/loong64");
        StringAssert.Contains(ex.Message, "binfmt");
    }

    [TestMethod]
    public async Task Multi_platform_load_into_the_classic_store()
    {
        var runner = new ScriptedRunner(Docker(Data("inspect-remote-driver-v0.28.0.txt")));
        Assert.AreEqual("MULTIARCH3009", await CodeOf(runner, Request("linux/amd64,linux/arm64", BuildOutputKind.Load)));
    }

    [TestMethod]
    public async Task Missing_tools_daemon_and_builders_each_have_their_code()
    {
        Assert.AreEqual("MULTIARCH3001", await CodeOf(new ScriptedRunner([]), Request("linux/amd64", cli: "docker")));
        Assert.AreEqual("MULTIARCH3002", await CodeOf(new ScriptedRunner(new() { ["docker buildx version"] = Fail("docker: 'buildx' is not a docker command.") }), Request("linux/amd64", cli: "docker")));
        Assert.AreEqual("MULTIARCH3003", await CodeOf(new ScriptedRunner(new() { ["docker buildx version"] = Ok("github.com/docker/buildx v0.9.1 ed00243") }), Request("linux/amd64", cli: "docker")));
        var down = Docker(Data("inspect-docker-driver-v0.28.0.txt"));
        down["docker info"] = Fail("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?");
        Assert.AreEqual("MULTIARCH3004", await CodeOf(new ScriptedRunner(down), Request("linux/amd64")));
        Assert.AreEqual("MULTIARCH3005", await CodeOf(new ScriptedRunner([]), Request("linux/amd64")));
        var stopped = Docker(Data("inspect-stopped-v0.12.txt"));
        Assert.AreEqual("MULTIARCH3006", await CodeOf(new ScriptedRunner(stopped), Request("linux/amd64")));
        var missingBuilder = Docker(Data("inspect-docker-driver-v0.28.0.txt"));
        missingBuilder["docker buildx inspect --bootstrap nope"] = Fail("ERROR: no builder \"nope\" found");
        Assert.AreEqual("MULTIARCH3006", await CodeOf(new ScriptedRunner(missingBuilder), Request("linux/amd64", builder: "nope")));
        Assert.AreEqual("MULTIARCH3011", await CodeOf(new ScriptedRunner([]), Request("linux/amd64", cli: "nerdctl")));
    }

    [TestMethod]
    public async Task Without_buildx_podman_is_chosen_and_said_so()
    {
        var runner = new ScriptedRunner(new() { ["docker buildx version"] = Fail("docker: 'buildx' is not a docker command."), ["podman version"] = Ok("4.3.1") });
        var result = await new BuildPreflight(runner).RunAsync(Request(OciPlatform.Host().ToString()), default);
        Assert.AreEqual(ContainerCliKind.Podman, result.Cli);
        StringAssert.Contains(result.Messages.Single(m => m.Severity == DiagnosticSeverity.Message).Message, "podman (docker buildx is not available)");
    }

    [TestMethod]
    public async Task Podman_needs_an_emulator_for_foreign_platforms()
    {
        var binfmt = Infrastructure.TestDirectories.Create("binfmt");
        File.WriteAllText(Path.Combine(binfmt, "qemu-aarch64"), "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n");
        File.WriteAllText(Path.Combine(binfmt, "qemu-s390x"), "disabled\n");
        var runner = new ScriptedRunner([]);
        var host = OciPlatform.Host();
        var ok = await new BuildPreflight(runner).RunAsync(Request($"{host},linux/arm64", cli: "podman") with { BinfmtDirectory = binfmt }, default);
        Assert.AreEqual(ContainerCliKind.Podman, ok.Cli);
        var ex = await Assert.ThrowsExceptionAsync<BuildException>(() => new BuildPreflight(runner).RunAsync(Request($"{host},linux/s390x", cli: "podman") with { BinfmtDirectory = binfmt }, default));
        Assert.AreEqual("MULTIARCH3008", ex.Code);
    }
}
