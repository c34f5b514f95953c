using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MultiArch.Build.Oci;
using MultiArch.Build.Processes;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// A build stopped in the middle of its image build: Ctrl+C stops the build tool and what it started, and says so with
/// a code; SIGKILL of the whole process tree leaves nothing that breaks the next build.
/// </summary>
[ServiceTestClass]
public sealed partial class CancellationTests
{
    /// <summary>
    /// How long a cancelled build may take to stop: the runner's grace period (SIGINT, then the process tree is killed)
    /// plus what MSBuild and podman need to wind down on a loaded 2-core machine. The RUN step sleeps an hour, so a
    /// build that was not cancelled cannot pass, however slow the machine.
    /// </summary>
    private static readonly TimeSpan StopBound = ProcessRunner.DefaultGracePeriod + TimeSpan.FromSeconds(115);

    /// <summary>How long the build may take to reach its RUN step: state, not speed, is what the test waits for.</summary>
    private static readonly TimeSpan StartBound = TimeSpan.FromMinutes(10);

    /// <summary>How long a SIGKILLed process tree may take to be gone (the kernel reaps it; a loaded machine is slow to).</summary>
    private static readonly TimeSpan KillBound = TimeSpan.FromSeconds(60);

    /// <summary>How long the publish after the killed one may take (its RUN step sleeps 30 s; then push, validation, tag).</summary>
    private static readonly TimeSpan RerunBound = TimeSpan.FromMinutes(15);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Requires(RequiresAttribute.Podman, RequiresAttribute.BaseImage)]
    public async Task Ctrl_c_stops_podman_and_its_run_step()
    {
        var seconds = Random.Shared.Next(3600, 7200).ToString(CultureInfo.InvariantCulture);
        var runStep = $"^/bin/busybox sleep {seconds}$";
        var project = await PodmanProjectAsync(string.Empty, $"RUN [\"/bin/busybox\", \"sleep\", \"{seconds}\"]\n");

        using var build = Process.Start(DotnetCli.StartInfo(project.Directory, "build", project.ProjectFile, "--no-restore", "-nodeReuse:false", "-m:1"))!;
        var output = build.StandardOutput.ReadToEndAsync();
        var errors = build.StandardError.ReadToEndAsync();
        try
        {
            var started = await WaitForRunStepAsync(build, runStep, output, errors);
            using (var interrupt = Process.Start("kill", ["-INT", build.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await interrupt!.WaitForExitAsync();
            }

            var interrupted = Stopwatch.StartNew();
            TimeSpan? runStepGone = null;
            while (!build.HasExited || runStepGone is null)
            {
                if (runStepGone is null && RunStep(runStep).Count == 0)
                {
                    runStepGone = interrupted.Elapsed;
                }

                Assert.IsTrue(
                    interrupted.Elapsed < StopBound,
                    $"{(build.HasExited ? "dotnet build stopped, but its RUN step 'sleep " + seconds + "' still runs" : "dotnet build did not stop")} within {StopBound} of Ctrl+C (grace period {ProcessRunner.DefaultGracePeriod}); processes: {Ps()}");
                await Task.Delay(200);
            }

            var stopped = interrupted.Elapsed;
            TestContext.WriteLine($"RUN step started after {started.TotalSeconds:F1} s; after Ctrl+C the RUN step was gone in {runStepGone!.Value.TotalSeconds:F1} s and dotnet build had exited in {stopped.TotalSeconds:F1} s (bound {StopBound.TotalSeconds:F0} s; load average {LoadAverage()})");
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

    /// <summary>
    /// `dotnet publish` SIGKILLed, with every process of its tree (MSBuild's, podman's, the RUN step's), while podman
    /// runs the Dockerfile's RUN step, as a CI job's time-out or the OOM killer would; then the same publish again. It
    /// must build (no stamp of the killed run says "up to date"), push, validate and tag as if the first had never run.
    /// The RUN step sleeps a bounded time, so the second run completes; the test waits for state (the RUN step's process
    /// under podman under dotnet), never a fixed time.
    /// </summary>
    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.BaseImage)]
    public async Task A_build_killed_in_its_run_step_leaves_nothing_that_breaks_the_next_one()
    {
        var marker = "killed-build-" + Guid.NewGuid().ToString("N")[..12];
        var repository = "h-trial/" + marker;
        // busybox sh keeps running (no exec of its last command) because of the "; true": its command line, with the
        // marker as $0, is what the test looks for.
        var project = await PodmanProjectAsync(
            $"""
                <ContainerRegistry>{Environments.Registry}</ContainerRegistry>
                <ContainerRepository>{repository}</ContainerRepository>
                <ContainerImageTag>v1</ContainerImageTag>
            """,
            $"RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox sleep 30; /bin/busybox true\", \"{marker}\"]\nENTRYPOINT [\"/bin/busybox\", \"true\"]\n");
        var state = Path.Combine(project.Directory, "obj", "multiarch");
        var stamp = Path.Combine(state, "build.stamp");
        string[] publish = ["publish", project.ProjectFile, "--no-restore", "-nodeReuse:false", "-v:n"];

        using var killed = Process.Start(DotnetCli.StartInfo(project.Directory, publish))!;
        var output = killed.StandardOutput.ReadToEndAsync();
        var errors = killed.StandardError.ReadToEndAsync();
        try
        {
            var started = await WaitForRunStepAsync(killed, $" {marker}$", output, errors);
            var root = ProcessTree.Descendants(Environment.ProcessId).Single(m => m.Pid == killed.Id);
            var tree = ProcessTree.Descendants(killed.Id).Prepend(root).ToList();
            var commands = tree.Select(m => Command(m.Pid)).ToList();
            Assert.IsTrue(commands.Any(c => c.StartsWith("podman ", StringComparison.Ordinal)), "podman runs under dotnet: " + string.Join("\n", commands));
            ProcessTree.Kill(tree);

            var watch = Stopwatch.StartNew();
            while (tree.Any(ProcessTree.IsAlive) || RunStep(marker).Count > 0)
            {
                Assert.IsTrue(watch.Elapsed < KillBound, $"not gone {KillBound} after SIGKILL: {string.Join(", ", tree.Where(ProcessTree.IsAlive).Select(m => Command(m.Pid)))}, RUN step {string.Join(",", RunStep(marker))}; processes: {Ps()}");
                await Task.Delay(200);
            }

            TestContext.WriteLine($"RUN step reached after {started.TotalSeconds:F1} s; SIGKILL to {tree.Count} processes ({string.Join("; ", commands)}), all gone in {watch.Elapsed.TotalSeconds:F1} s (load average {LoadAverage()})");
            await killed.WaitForExitAsync();
            var killedLog = await output + await errors;
            Assert.AreEqual(137, killed.ExitCode, killedLog);
            Assert.IsFalse(killedLog.Contains("Built ", StringComparison.Ordinal), "killed before the build ended: " + killedLog);
            TestContext.WriteLine("left in obj/multiarch by the killed run: " + string.Join(", ", Directory.GetFiles(state).Select(Path.GetFileName)));
            // What a later build reads: the stamp (and its .new), the archive it vouches for, the last validation and record.
            foreach (var file in new[] { "build.stamp", "build.stamp.new", "image.tar", "validation.json", "image-record.json" })
            {
                Assert.IsFalse(File.Exists(Path.Combine(state, file)), $"the killed build left obj/multiarch/{file}");
            }

            Assert.IsFalse(await Environments.TagExistsAsync(repository, "v1"), "the killed build moved a tag");

            CliResult again;
            using (var bound = new CancellationTokenSource(RerunBound))
            {
                try
                {
                    again = await DotnetCli.RunAsync(project.Directory, publish, null, bound.Token);
                }
                catch (OperationCanceledException) when (bound.IsCancellationRequested)
                {
                    throw new AssertFailedException($"the publish after the killed one had not finished after {RerunBound} (load average {LoadAverage()}); processes: {Ps()}");
                }
            }

            Assert.AreEqual(0, again.ExitCode, again.Describe());
            Assert.IsFalse(again.Output.Contains("Up to date", StringComparison.Ordinal), again.Describe());
            StringAssert.Contains(again.Output, "Building: no earlier build is recorded.", again.Describe());
            StringAssert.Contains(again.Output, "1 platform(s) present, 1 entrypoint binaries verified", again.Describe());
            var pushed = PushedTag().Match(again.Output);
            Assert.IsTrue(pushed.Success, "tagged: " + again.Describe());
            StringAssert.Contains(pushed.Value, $"{repository}:v1@", again.Describe());
            using var client = new RegistryClient(Environments.Registry);
            var tagged = await client.GetManifestAsync(repository, "v1", default);
            Assert.AreEqual(pushed.Groups["digest"].Value, Digest.Compute(tagged.Content).ToString(), "the tag names the digest the log claims");
            Assert.IsTrue(File.Exists(stamp), again.Describe());
            StringAssert.Contains(await File.ReadAllTextAsync(stamp), pushed.Groups["digest"].Value, "the new stamp records the validated digest");
            Assert.IsFalse(File.Exists(stamp + ".new"));
        }
        finally
        {
            if (!killed.HasExited)
            {
                killed.Kill(entireProcessTree: true);
            }

            // The killed podman left its manifest list in podman's storage (under a name no later build uses): remove it.
            foreach (var name in PodmanManifest().Matches(await output).Select(m => m.Value).Distinct())
            {
                using var rm = Process.Start(new ProcessStartInfo("podman", ["manifest", "rm", name]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
                await rm.WaitForExitAsync();
            }
        }
    }

    /// <summary>A throw-away SDK-door project that builds with podman for this machine's platform from the busybox base image.</summary>
    private static async Task<ThrowAwayProject> PodmanProjectAsync(string properties, string steps)
    {
        var project = await ThrowAwayProject.SdkDoorAsync($"""
              <PropertyGroup>
                <ContainerCli>podman</ContainerCli>
                <ContainerPlatforms>{MultiArch.Build.Platforms.OciPlatform.Host()}</ContainerPlatforms>
                <ContainerInsecureRegistries>{Environment.GetEnvironmentVariable("MULTIARCH_TEST_REGISTRY")}</ContainerInsecureRegistries>
            {properties}
              </PropertyGroup>
              <ItemGroup>
                <ContainerBuildArg Include="BASE_IMAGE" Value="{Environments.BaseImage}" />
              </ItemGroup>
            """);
        project.WriteFile("Dockerfile", "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n" + steps);
        var restore = await project.DotnetAsync("restore", project.ProjectFile);
        Assert.AreEqual(0, restore.ExitCode, restore.Describe());
        return project;
    }

    /// <summary>Waits (bounded, polling) until the RUN step's process runs; fails if the build ends first. Returns how long it took.</summary>
    private static async Task<TimeSpan> WaitForRunStepAsync(Process build, string runStep, Task<string> output, Task<string> errors)
    {
        var watch = Stopwatch.StartNew();

        // The RUN step's own process is the state that says the build is where the signal must reach.
        while (RunStep(runStep).Count == 0)
        {
            if (build.HasExited)
            {
                Assert.Fail("the build ended before its RUN step started: " + await output + await errors);
            }

            Assert.IsTrue(watch.Elapsed < StartBound, $"the RUN step had not started after {StartBound}; processes: {Ps()}");
            await Task.Delay(200);
        }

        return watch.Elapsed;
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim();

    private static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return $"{pid} (gone)";
        }
    }

    private static string Ps()
    {
        using var ps = Process.Start(new ProcessStartInfo("ps", ["-eo", "pid,ppid,stat,cmd"]) { RedirectStandardOutput = true })!;
        return ps.StandardOutput.ReadToEnd();
    }

    /// <summary>The RUN step's processes (a pgrep -f pattern), found with pgrep (reading every /proc/*/cmdline by hand can stall on busy processes).</summary>
    private static List<int> RunStep(string pattern)
    {
        using var pgrep = Process.Start(new ProcessStartInfo("pgrep", ["-f", pattern]) { RedirectStandardOutput = true })!;
        var text = pgrep.StandardOutput.ReadToEnd();
        pgrep.WaitForExit();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
    }

    [GeneratedRegex(@"Pushed \S+:v1@(?<digest>sha256:[0-9a-f]{64})")]
    private static partial Regex PushedTag();

    [GeneratedRegex(@"localhost/multiarch-build-[0-9a-f]{12}")]
    private static partial Regex PodmanManifest();
}
