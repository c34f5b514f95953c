using Microsoft.Build.Framework;
using TaskItem = Microsoft.Build.Utilities.TaskItem;
using MultiArch.Build.Containers;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Tasks;
using MultiArch.Build.Tests.Infrastructure;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tests.Unit.Validation;

/// <summary>The smoke run's policy with an in-memory runner: isolation, verdicts, reports; and its inputs at the task boundary.</summary>
[TestClass]
public sealed class SmokeTestTests
{
    private const string Amd64Digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Arm64Digest = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    private static ValidationReport Report(string image) => new(
        image,
        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        "application/vnd.oci.image.index.v1+json",
        ["linux/amd64", "linux/arm64"],
        [new PlatformResult("linux/amd64", Amd64Digest, "linux/amd64", [], BinaryVerdict.Verified, null, null, null), new PlatformResult("linux/arm64", Arm64Digest, "linux/arm64", [], BinaryVerdict.Verified, null, null, null)],
        [],
        []);

    private static SmokeTestOptions Options(IReadOnlyList<string>? command = null) => new()
    {
        Cli = "podman",
        Command = command,
        DescribeExecution = p => p.Architecture == "amd64" ? "native" : "emulated (test)",
    };

    private sealed class FakeRunner(Func<ContainerRunRequest, ContainerRunOutcome> run) : IContainerRunner
    {
        public List<ContainerRunRequest> Requests { get; } = [];

        public Task<ContainerRunOutcome> RunAsync(ContainerRunRequest request, Action<string>? onLine, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            var outcome = run(request);
            foreach (var line in outcome.Output)
            {
                onLine?.Invoke(line);
            }

            return Task.FromResult(outcome);
        }
    }

    [TestMethod]
    public async Task Each_platform_runs_pinned_by_its_manifest_digest_and_failures_are_coded()
    {
        var runner = new FakeRunner(r => r.Platform.Architecture == "amd64"
            ? new ContainerRunOutcome(0, false, TimeSpan.FromSeconds(0.5), ["Hello, world!"], [], null)
            : new ContainerRunOutcome(127, false, TimeSpan.FromSeconds(1.2), ["exec /usr/bin/hello: no such file or directory"], [], "--ulimit nofile=1024:1024"));
        var lines = new List<string>();

        var (results, diagnostics) = await SmokeTest.RunAsync(runner, Report("127.0.0.1:5000/team/app:v1"), Options(["--version"]), (p, l) => lines.Add($"[{p}] {l}"), default);

        CollectionAssert.AreEqual(new[] { $"127.0.0.1:5000/team/app@{Amd64Digest}", $"127.0.0.1:5000/team/app@{Arm64Digest}" }, runner.Requests.Select(r => r.Image).ToArray());
        Assert.IsTrue(runner.Requests.All(r => r.InsecureRegistry && !r.Network && r.Command!.SequenceEqual(["--version"])));
        Assert.IsTrue(results[0].Passed);
        Assert.AreEqual("native", results[0].Execution);
        Assert.IsFalse(results[1].Passed);
        Assert.AreEqual("emulated (test)", results[1].Execution);
        var error = diagnostics.Single(d => d.Severity == DiagnosticSeverity.Error);
        Assert.AreEqual("MULTIARCH5040", error.Code);
        StringAssert.Contains(error.Message, "exited with 127, expected 0");
        StringAssert.Contains(error.Message, "no such file or directory");
        CollectionAssert.Contains(lines, "[linux/amd64] Hello, world!");
        Assert.AreEqual(1, diagnostics.Count(d => d.ResourceName == nameof(MultiArch.Build.Resources.Strings.SmokeTestLimitsLowered)));
    }

    [TestMethod]
    public async Task An_archive_is_not_run_and_says_so()
    {
        var archive = Path.Combine(TestDirectories.Create("smoke"), "image.tar");
        File.WriteAllText(archive, "x");
        var runner = new FakeRunner(_ => throw new AssertFailedException("must not run"));

        var (results, diagnostics) = await SmokeTest.RunAsync(runner, Report(archive), Options(), null, default);

        Assert.AreEqual(0, results.Count);
        Assert.AreEqual("MULTIARCH5044", diagnostics.Single().Code);
    }

    [TestMethod]
    public async Task A_time_out_is_its_own_error()
    {
        var runner = new FakeRunner(_ => new ContainerRunOutcome(null, true, TimeSpan.FromSeconds(60), [], [], null));
        var (results, diagnostics) = await SmokeTest.RunAsync(runner, Report("ghcr.io/team/app:v1"), Options(), null, default);

        Assert.IsTrue(results.All(r => r.TimedOut && !r.Passed));
        Assert.IsTrue(runner.Requests.All(r => !r.InsecureRegistry));
        CollectionAssert.AreEqual(new[] { "MULTIARCH5041", "MULTIARCH5041" }, diagnostics.Select(d => d.Code).ToArray());
    }

    [TestMethod]
    public void Run_arguments_isolate_the_container()
    {
        var request = new ContainerRunRequest("podman", "r/app@sha256:abc", OciPlatform.Parse("linux/arm/v7")) { Command = ["--version"], RunArgs = ["--memory", "256m"] };

        var args = ContainerRunner.RunArguments(request, "n1", "--ulimit nofile=1024:1024");

        CollectionAssert.AreEqual(
            new[] { "run", "--rm", "--name", "n1", "--platform", "linux/arm/v7", "--pull=never", "--network=none", "--ulimit", "nofile=1024:1024", "--memory", "256m", "r/app@sha256:abc", "--version" },
            args.ToArray());
        CollectionAssert.DoesNotContain(ContainerRunner.RunArguments(request with { Network = true }, "n1", null).ToArray(), "--network=none");
    }

    [TestMethod]
    [DataRow("-p 8080:80", "-p")]
    [DataRow("--publish=80:80", "--publish=80:80")]
    [DataRow("-v /:/host", "-v")]
    [DataRow("-v/:/host", "-v/:/host")]
    [DataRow("--mount type=bind,src=/,dst=/h", "--mount")]
    [DataRow("--network host", "--network")]
    [DataRow("--net=host", "--net=host")]
    [DataRow("--memory 1g --ulimit nofile=1024:1024", null)]
    public void Ports_mounts_and_networks_are_refused(string runArgs, string? refused)
        => Assert.AreEqual(refused, SmokeTest.RefusedOption(SmokeTest.SplitCommand(runArgs)));

    [TestMethod]
    [DataRow("--version", new[] { "--version" })]
    [DataRow("sh -c 'echo a  b'", new[] { "sh", "-c", "echo a  b" })]
    [DataRow("echo \"say \\\"hi\\\"\" x\\ y", new[] { "echo", "say \"hi\"", "x y" })]
    [DataRow("  ''  ", new[] { "" })]
    public void Commands_split_as_a_shell_splits_words(string text, string[] words)
        => CollectionAssert.AreEqual(words, SmokeTest.SplitCommand(text).ToArray());

    [TestMethod]
    [DataRow("SmokeTestRunArgs", "-v /:/host", "MULTIARCH5045")]
    [DataRow("SmokeTestTimeout", "soon", "MULTIARCH5046")]
    [DataRow("SmokeTestTimeout", "0", "MULTIARCH5046")]
    [DataRow("SmokeTestExitCode", "256", "MULTIARCH5046")]
    [DataRow("SmokeTestCommand", "echo 'unterminated", "MULTIARCH5046")]
    [DataRow("SmokeTestUrl", "https://localhost:8443/", "MULTIARCH5046")]
    [DataRow("SmokeTestUrl", "http://example.com/", "MULTIARCH5046")]
    [DataRow("SmokeTestReach", "bridge", "MULTIARCH5046")]
    [DataRow("SmokeTestParallel", "0", "MULTIARCH5046")]
    public void Bad_inputs_are_refused_before_the_image_is_read(string parameter, string value, string code)
    {
        var engine = new RecordingBuildEngine();
        var task = new ValidateContainerImage
        {
            BuildEngine = engine,
            Image = "127.0.0.1:1/never/read:v1",
            ExpectedPlatforms = [new TaskItem("linux/amd64")],
            SmokeTest = true,
        };
        typeof(ValidateContainerImage).GetProperty(parameter)!.SetValue(task, value);

        Assert.IsFalse(task.Execute());
        CollectionAssert.AreEqual(new[] { code }, engine.ErrorCodes.ToArray(), engine.AllText);
    }
}
