using System.Diagnostics;
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
        var child = int.Parse(File.ReadAllText(marker).Trim());
        await Task.Delay(200);
        Assert.IsFalse(Directory.Exists($"/proc/{child}") && !File.ReadAllText($"/proc/{child}/stat").Contains(" Z "), "the grandchild 'sleep 60' is still running");
    }

    [TestMethod]
    public async Task Missing_tool_is_a_coded_exception()
    {
        var ex = await Assert.ThrowsExactlyAsync<ToolNotFoundException>(() => ProcessRunner.Instance.RunAsync(new ProcessSpec("definitely-not-a-tool-xyz", [])));
        Assert.AreEqual("MULTIARCH3001", ex.Code);
    }
}
