using System.Diagnostics;
using System.Globalization;
using MultiArch.Build.Processes;

namespace MultiArch.Build.Tests.Unit.Processes;

[TestClass]
public sealed class ProcessRunnerTests
{
    [TestMethod]
    public async Task Streams_lines_from_both_streams_and_passes_arguments_verbatim()
    {
        var lines = new List<ProcessLine>();
        var result = await ProcessRunner.Instance.RunAsync(
            new ProcessSpec("sh", ["-c", "printf '%s\\n' \"$1\"; echo err >&2; exit 3", "sh", "a b; $(rm -rf /) 'q'"]),
            l => { lock (lines) { lines.Add(l); } });
        Assert.AreEqual(3, result.ExitCode);
        Assert.AreEqual("a b; $(rm -rf /) 'q'\n", result.StandardOutput);
        CollectionAssert.Contains(lines, new ProcessLine(ProcessStream.StandardError, "err"));
    }

    [TestMethod]
    public async Task Secrets_are_redacted_from_output_and_command_line()
    {
        var spec = new ProcessSpec("sh", ["-c", "echo token=hunter2-secret"]) { Secrets = ["hunter2-secret"] };
        var result = await ProcessRunner.Instance.RunAsync(spec);
        Assert.AreEqual("token=***\n", result.StandardOutput);
        Assert.IsFalse(spec.ToDisplayString().Contains("hunter2", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task Cancellation_kills_the_whole_process_tree()
    {
        var marker = Path.Combine(Infrastructure.TestDirectories.Create("tree"), "child.pid");
        using var cts = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        var run = ProcessRunner.Instance.RunAsync(new ProcessSpec("sh", ["-c", $"sleep 60 & echo $! > {marker}; wait"]), null, cts.Token);
        while (!File.Exists(marker) || new FileInfo(marker).Length == 0)
        {
            await Task.Delay(20);
        }

        cts.Cancel();
        await Assert.ThrowsExactlyAsync<OperationCanceledException>(() => run);
        Assert.IsTrue(watch.Elapsed < TimeSpan.FromSeconds(20));
        var child = int.Parse(File.ReadAllText(marker).Trim(), CultureInfo.InvariantCulture);
        await Task.Delay(200);
        Assert.IsFalse(Directory.Exists($"/proc/{child}") && !File.ReadAllText($"/proc/{child}/stat").Contains(" Z "), "the grandchild 'sleep 60' is still running");
    }

    [TestMethod]
    public async Task Missing_tool_is_a_coded_exception()
    {
        var ex = await Assert.ThrowsExactlyAsync<ToolNotFoundException>(() => ProcessRunner.Instance.RunAsync(new ProcessSpec("definitely-not-a-tool-xyz", [])));
        Assert.AreEqual("MULTIARCH3001", ex.Code);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("a \"quoted\" word")]
    [DataRow("back\\slash\\")]
    [DataRow("tab\tand\nnewline")]
    [DataRow("--build-arg=X=\"a b\" \\\"c\"")]
    [DataRow("'single' & | ; $HOME `id`")]
    public async Task Each_argument_reaches_the_tool_as_written(string argument)
    {
        var result = await ProcessRunner.Instance.RunAsync(new ProcessSpec("sh", ["-c", "printf '%s' \"$1\"; printf '|%s' \"$#\"", "sh", argument]));
        Assert.AreEqual(argument + "|1", result.StandardOutput.TrimEnd('\n'));
    }

    [TestMethod]
    public async Task Cancellation_interrupts_first_and_lets_the_tool_clean_up()
    {
        var dir = Infrastructure.TestDirectories.Create("sigint");
        var started = Path.Combine(dir, "started");
        var cleaned = Path.Combine(dir, "cleaned");
        var runner = new ProcessRunner(TimeSpan.FromSeconds(60));
        using var cts = new CancellationTokenSource();
        var run = runner.RunAsync(new ProcessSpec("sh", ["-c", $"trap 'sleep 0.5; echo interrupted > {cleaned}; exit 130' INT; touch {started}; while :; do sleep 0.1; done"]), null, cts.Token);
        await WaitForFileAsync(started);

        cts.Cancel();
        await Assert.ThrowsExactlyAsync<OperationCanceledException>(() => run);

        // The trap ran to its end: the tool got SIGINT and was not killed during its clean-up.
        Assert.AreEqual("interrupted", File.ReadAllText(cleaned).Trim());
    }

    [TestMethod]
    public async Task A_tool_that_ignores_the_interrupt_is_killed_with_its_tree_after_the_grace_period()
    {
        var dir = Infrastructure.TestDirectories.Create("sigkill");
        var marker = Path.Combine(dir, "child.pid");
        var grace = TimeSpan.FromSeconds(2);
        var runner = new ProcessRunner(grace);
        using var cts = new CancellationTokenSource();
        var run = runner.RunAsync(new ProcessSpec("sh", ["-c", $"trap '' INT; sleep 60 & echo $! > {marker}; wait"]), null, cts.Token);
        await WaitForFileAsync(marker);
        var child = int.Parse(File.ReadAllText(marker).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        var watch = Stopwatch.StartNew();
        cts.Cancel();
        await Assert.ThrowsExactlyAsync<OperationCanceledException>(() => run);

        // Not before the grace period (the interrupt was ignored), and then the whole tree: the grandchild too.
        Assert.IsTrue(watch.Elapsed >= grace - TimeSpan.FromMilliseconds(50), $"killed after {watch.Elapsed}, before the {grace} grace period");
        await WaitUntilGoneAsync(child);
    }

    [TestMethod]
    public async Task The_interrupt_reaches_children_that_outlive_their_parent()
    {
        // As the docker 20.10 CLI does with its buildx plugin: the parent dies on SIGINT, its child stays behind
        // (reparented to init, out of reach of "kill the tree"); it gets its own SIGINT and stops on it.
        var dir = Infrastructure.TestDirectories.Create("orphan");
        var started = Path.Combine(dir, "started");
        var interrupted = Path.Combine(dir, "interrupted");
        var runner = new ProcessRunner(TimeSpan.FromSeconds(60));
        using var cts = new CancellationTokenSource();
        const string script = """
            if (fork() == 0) {
                $SIG{INT} = sub { open(my $f, '>', $ARGV[1]); print $f "child"; close($f); exit 0 };
                open(my $s, '>', $ARGV[0]); close($s);
                sleep 60; exit 1;
            }
            sleep 60;
            """;
        var run = runner.RunAsync(new ProcessSpec("perl", ["-e", script, started, interrupted]), null, cts.Token);
        await WaitForFileAsync(started);

        cts.Cancel();
        await Assert.ThrowsExactlyAsync<OperationCanceledException>(() => run);
        await WaitForFileAsync(interrupted);
        Assert.AreEqual("child", File.ReadAllText(interrupted));
    }

    [TestMethod]
    public async Task A_child_that_outlives_its_parent_and_ignores_the_interrupt_is_killed_after_the_grace_period()
    {
        // sh dies on SIGINT; its background 'sleep 60' ignores SIGINT (as a non-interactive shell's jobs do).
        var marker = Path.Combine(Infrastructure.TestDirectories.Create("orphan-kill"), "child.pid");
        var runner = new ProcessRunner(TimeSpan.FromSeconds(1));
        using var cts = new CancellationTokenSource();
        var run = runner.RunAsync(new ProcessSpec("sh", ["-c", $"sleep 60 & echo $! > {marker}; wait"]), null, cts.Token);
        await WaitForFileAsync(marker);
        var child = int.Parse(File.ReadAllText(marker).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        cts.Cancel();
        await Assert.ThrowsExactlyAsync<OperationCanceledException>(() => run);

        // The runner returns only once the tree is gone.
        Assert.IsFalse(Alive(child), "the orphaned 'sleep 60' is still running after the runner returned");
    }

    /// <summary>Waits for the script to reach a point (a file it writes): on state, not on a guess at how busy the machine is.</summary>
    private static async Task WaitForFileAsync(string path)
    {
        var watch = Stopwatch.StartNew();
        while (!File.Exists(path) || (new FileInfo(path).Length == 0 && !path.EndsWith("started", StringComparison.Ordinal)))
        {
            Assert.IsTrue(watch.Elapsed < TimeSpan.FromMinutes(2), $"{path} was never written");
            await Task.Delay(20);
        }
    }

    private static async Task WaitUntilGoneAsync(int pid)
    {
        var watch = Stopwatch.StartNew();
        while (Alive(pid))
        {
            Assert.IsTrue(watch.Elapsed < TimeSpan.FromSeconds(30), $"process {pid} is still running");
            await Task.Delay(50);
        }
    }

    private static bool Alive(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].Equals("Z", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
