using MultiArch.Build.Building;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;

namespace MultiArch.Build.Tests.Unit.Building;

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
        var ex = await Assert.ThrowsExactlyAsync<BuildException>(() => new BuildPreflight(runner).RunAsync(request, default));
        return ex.Code;
    }

    [TestMethod]
    public async Task The_kuberay_failure_is_caught_before_any_build()
    {
        var runner = new ScriptedRunner(Docker(Data("inspect-docker-driver-v0.28.0.txt")));
        Assert.AreEqual("MULTIARCH3007", await CodeOf(runner, Request("linux/amd64,linux/arm64")));
        Assert.IsFalse(runner.Calls.Any(c => c.Contains("buildx build", StringComparison.Ordinal)));
    }

    /// <summary>Debian 13's docker-buildx 0.13.1 (build/env/install.sh) with Debian 12's engine: what a fresh machine has.</summary>
    private static Dictionary<string, ProcessResult> DebianBuildx(bool podman)
    {
        var answers = new Dictionary<string, ProcessResult>
        {
            ["docker buildx version"] = Ok(Data("version-v0.13.1.txt")),
            ["docker buildx inspect --bootstrap"] = Ok(Data("inspect-docker-driver-v0.13.1.txt")),
            ["docker info"] = Ok(ClassicStore),
        };
        if (podman)
        {
            answers["podman version"] = Ok("4.3.1");
        }

        return answers;
    }

    [TestMethod]
    public async Task With_buildx_installed_a_multi_platform_build_still_goes_to_podman_when_the_builder_has_the_docker_driver()
    {
        var runner = new ScriptedRunner(DebianBuildx(podman: true));
        var result = await new BuildPreflight(runner).RunAsync(Request("linux/amd64,linux/arm64") with { BinfmtDirectory = Binfmt("qemu-aarch64") }, default);
        Assert.AreEqual(ContainerCliKind.Podman, result.Cli);
        var why = result.Messages.Single(m => m.ResourceName == nameof(MultiArch.Build.Resources.Strings.ContainerCliDockerDriverFallback)).Message;
        StringAssert.Contains(why, "builder 'default' uses the docker driver, which cannot build 2 platform(s)");
        Assert.IsFalse(runner.Calls.Any(c => c.Contains("buildx build", StringComparison.Ordinal)));
    }

    [TestMethod]
    [DataRow("archive")]
    [DataRow("push")]
    public async Task With_buildx_installed_what_the_docker_driver_cannot_export_still_goes_to_podman(string output)
    {
        var result = await new BuildPreflight(new ScriptedRunner(DebianBuildx(podman: true))).RunAsync(Request("linux/amd64", BuildOutputs.Parse(output)), default);
        Assert.AreEqual(ContainerCliKind.Podman, result.Cli);
    }

    [TestMethod]
    public async Task Without_podman_the_docker_driver_refusal_names_both_fixes_and_buildx_real_words()
    {
        var ex = await Assert.ThrowsExactlyAsync<BuildException>(() => new BuildPreflight(new ScriptedRunner(DebianBuildx(podman: false))).RunAsync(Request("linux/amd64,linux/arm64"), default));
        Assert.AreEqual("MULTIARCH3007", ex.Code);
        StringAssert.Contains(ex.Message, "containerd-snapshotter");
        StringAssert.Contains(ex.Message, "--driver docker-container");

        // The words it quotes are buildx 0.13.1's own (captured from the real tool, see TestData/Buildx/README.md).
        var quoted = ex.Message[(ex.Message.IndexOf("buildx says: ", StringComparison.Ordinal) + "buildx says: ".Length)..];
        quoted = quoted[..quoted.IndexOf(')', StringComparison.Ordinal)];
        StringAssert.Contains(Data("build-docker-driver-multiplatform-error-v0.13.1.txt"), quoted);
    }

    [TestMethod]
    public async Task The_docker_driver_cannot_push_by_digest_so_a_validated_push_is_refused_before_building()
    {
        var ex = await Assert.ThrowsExactlyAsync<BuildException>(() => new BuildPreflight(new ScriptedRunner(DebianBuildx(podman: false))).RunAsync(Request("linux/amd64", cli: "docker"), default));
        Assert.AreEqual("MULTIARCH3030", ex.Code);
        StringAssert.Contains(ex.Message, "ContainerValidateBeforeTag=false");
        StringAssert.Contains(ex.Message, "ContainerCreateBuilder=true");
        StringAssert.Contains(ex.Message, "ContainerCli=podman");
    }

    [TestMethod]
    [DataRow("load", true)]
    [DataRow("push", false)]
    public async Task The_docker_driver_builds_one_platform_it_can_export(string output, bool pushByDigest)
    {
        var result = await new BuildPreflight(new ScriptedRunner(DebianBuildx(podman: true))).RunAsync(Request("linux/amd64", BuildOutputs.Parse(output)) with { PushByDigest = pushByDigest }, default);
        Assert.AreEqual(ContainerCliKind.Docker, result.Cli);
        Assert.AreEqual("docker", result.Builder!.Driver);
        Assert.AreEqual("0.13.1", result.BuildxVersion!.ToNormalizedString());
    }

    private static string Binfmt(params string[] handlers)
    {
        var dir = Infrastructure.TestDirectories.Create("binfmt");
        foreach (var handler in handlers)
        {
            File.WriteAllText(Path.Combine(dir, handler), "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n");
        }

        return dir;
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
        var result = await Assert.ThrowsExactlyAsync<BuildException>(() => new BuildPreflight(runner).RunAsync(Request("linux/amd64,linux/arm64", create: true), default));

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
        var ex = await Assert.ThrowsExactlyAsync<BuildException>(() => new BuildPreflight(runner).RunAsync(Request("linux/amd64,linux/riscv64,linux/loong64"), default));
        Assert.AreEqual("MULTIARCH3008", ex.Code);
        StringAssert.Contains(ex.Message, "linux/loong64");
        StringAssert.Contains(ex.Message, "binfmt");
    }

    [TestMethod]
    public async Task A_platform_only_a_compatible_node_runs_is_planned_not_refused()
    {
        // capdecl0 lists linux/amd64 but not linux/386 and capdecl1 is stopped in this run: buildx sends 386 to the amd64 node.
        var data = Data("inspect-remote-two-nodes-declared-v0.28.0.txt");
        var second = data.IndexOf("Name:             capdecl1", StringComparison.Ordinal);
        var runner = new ScriptedRunner(Docker(data[..second]));

        var result = await new BuildPreflight(runner).RunAsync(Request("linux/amd64,linux/386"), default);

        var planned = result.Plan!.Entries.Single(e => e.Platform.ToString() == "linux/386");
        Assert.AreEqual("capdecl0", planned.Node);
        Assert.AreEqual("linux/amd64", planned.CompatibleWith?.ToString());
        Assert.IsTrue(result.Messages.Any(m => m.Message.Contains("builds linux/386 in compatible mode", StringComparison.Ordinal)), string.Join("\n", result.Messages));
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
        var ex = await Assert.ThrowsExactlyAsync<BuildException>(() => new BuildPreflight(runner).RunAsync(Request($"{host},linux/s390x", cli: "podman") with { BinfmtDirectory = binfmt }, default));
        Assert.AreEqual("MULTIARCH3014", ex.Code);
        StringAssert.Contains(ex.Message, "qemu-s390x");
        Assert.IsFalse(ex.Message.Contains("docker", StringComparison.OrdinalIgnoreCase), "docker advice shown to a podman user: " + ex.Message);
    }

    /// <summary>The docker CLI with buildx, the daemon down: buildx inspect --bootstrap exits 0 and prints the complaint.</summary>
    private static Dictionary<string, ProcessResult> DaemonDown() => new()
    {
        ["docker buildx version"] = Ok(Data("version-v0.28.0.txt")),
        ["docker buildx inspect --bootstrap"] = new(0, "Name:   default\nDriver: docker\n\nNodes:\n", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"),
        ["docker info"] = Fail("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"),
    };

    [TestMethod]
    public async Task A_daemon_that_is_down_is_named_even_when_buildx_inspect_exits_0()
    {
        var ex = await Assert.ThrowsExactlyAsync<BuildException>(() => new BuildPreflight(new ScriptedRunner(DaemonDown())).RunAsync(Request("linux/amd64", cli: "docker"), default));
        Assert.AreEqual("MULTIARCH3004", ex.Code);
        StringAssert.Contains(ex.Message, "Cannot connect to the Docker daemon");
    }

    [TestMethod]
    public async Task The_column_padding_of_buildx_inspect_is_not_quoted_in_the_message()
    {
        var answers = DaemonDown();
        answers["docker buildx inspect --bootstrap"] = new(0, "Name:   default\nDriver: docker\n\nNodes:\nName:      default\nEndpoint:  default\nError:         Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n", string.Empty);

        var ex = await Assert.ThrowsExactlyAsync<BuildException>(() => new BuildPreflight(new ScriptedRunner(answers)).RunAsync(Request("linux/amd64", cli: "docker"), default));

        Assert.AreEqual("MULTIARCH3004", ex.Code);
        StringAssert.Contains(ex.Message, "(Error: Cannot connect to the Docker daemon at unix:///var/run/docker.sock.");
    }

    [TestMethod]
    public async Task In_auto_mode_a_daemon_that_is_down_falls_back_to_podman_and_says_so()
    {
        var answers = DaemonDown();
        answers["podman version"] = Ok("4.3.1");
        var result = await new BuildPreflight(new ScriptedRunner(answers)).RunAsync(Request(OciPlatform.Host().ToString()), default);

        Assert.AreEqual(ContainerCliKind.Podman, result.Cli);
        var said = result.Messages.Single().Message;
        StringAssert.Contains(said, "the docker daemon cannot be reached");
        StringAssert.Contains(said, "building with podman instead");
    }

    [TestMethod]
    public async Task In_auto_mode_a_daemon_that_is_down_without_podman_is_still_MULTIARCH3004()
    {
        var ex = await Assert.ThrowsExactlyAsync<BuildException>(() => new BuildPreflight(new ScriptedRunner(DaemonDown())).RunAsync(Request("linux/amd64"), default));
        Assert.AreEqual("MULTIARCH3004", ex.Code);
    }

    [TestMethod]
    [DataRow("podman", "darwin/arm64", "no builder makes a darwin image")]
    [DataRow("podman", "windows/amd64", "podman builds Linux images only")]
    [DataRow("podman", "linux/amd64/v3", "x86-64-v3 runs only on CPUs")]
    [DataRow("docker", "darwin/amd64", "no builder makes a darwin image")]
    [DataRow("docker", "windows/amd64", "QEMU cannot run Windows")]
    [DataRow("docker", "linux/amd64/v4", "x86-64-v4 runs only on CPUs")]
    public async Task Platforms_no_engine_here_can_build_have_advice_that_fits(string cli, string platform, string advice)
    {
        if (OciPlatform.Host().Architecture != "amd64" && platform.StartsWith("linux/amd64/", StringComparison.Ordinal))
        {
            Assert.Inconclusive("x86-64 levels are judged on an amd64 host");
        }

        var runner = new ScriptedRunner(cli == "docker" ? Docker(Data("inspect-docker-container-v0.12.txt")) : []);
        var request = Request(platform, cli: cli) with { CpuHasLevel = _ => false };
        var ex = await Assert.ThrowsExactlyAsync<BuildException>(() => new BuildPreflight(runner).RunAsync(request, default));

        Assert.AreEqual("MULTIARCH3015", ex.Code);
        StringAssert.Contains(ex.Message, advice);
        Assert.IsFalse(ex.Message.Contains("binfmt", StringComparison.Ordinal), "QEMU advice for a platform QEMU cannot help: " + ex.Message);
        if (cli == "podman")
        {
            Assert.IsFalse(ex.Message.Contains("docker", StringComparison.OrdinalIgnoreCase), "docker advice shown to a podman user: " + ex.Message);
        }
    }

    [TestMethod]
    public async Task An_x86_64_level_the_cpu_has_builds_natively_with_podman()
    {
        if (OciPlatform.Host().Architecture != "amd64")
        {
            Assert.Inconclusive("x86-64 levels are judged on an amd64 host");
        }

        var result = await new BuildPreflight(new ScriptedRunner([])).RunAsync(Request("linux/amd64/v2", cli: "podman") with { CpuHasLevel = l => l == "v2" }, default);

        CollectionAssert.Contains(result.NativePlatforms.Select(p => p.ToString()).ToArray(), "linux/amd64/v2");
    }

    [TestMethod]
    public async Task Podman_loads_several_platforms_as_a_manifest_list_so_MULTIARCH3009_is_never_its_error()
    {
        var binfmt = Infrastructure.TestDirectories.Create("binfmt");
        File.WriteAllText(Path.Combine(binfmt, "qemu-aarch64"), "enabled\n");
        var host = OciPlatform.Host();
        var result = await new BuildPreflight(new ScriptedRunner([])).RunAsync(Request($"{host},linux/arm64", BuildOutputKind.Load, cli: "podman") with { BinfmtDirectory = binfmt }, default);
        Assert.AreEqual(ContainerCliKind.Podman, result.Cli);
    }

    [TestMethod]
    [DataRow("v1", "", true)]
    [DataRow("v2", "cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3", true)]
    [DataRow("v3", "cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3", false)]
    [DataRow("v3", "cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3 avx avx2 bmi1 bmi2 f16c fma abm movbe xsave", true)]
    [DataRow("v9", "avx2", false)]
    public void X86_64_levels_from_cpu_flags(string level, string flags, bool has)
        => Assert.AreEqual(has, BuildPreflight.CpuHasLevel(level, flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet()));
}
