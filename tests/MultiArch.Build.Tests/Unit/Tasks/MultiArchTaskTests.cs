using System.Collections;
using Microsoft.Build.Framework;
using MultiArch.Build.Tasks;

namespace MultiArch.Build.Tests.Unit.Tasks;

/// <summary>Every line a task logs reaches MSBuild on the task's own thread, in order, whatever thread produced it.</summary>
[TestClass]
public sealed class MultiArchTaskTests
{
    [TestMethod]
    public void Output_from_other_threads_is_logged_on_the_task_thread_in_order()
    {
        var engine = new ThreadRecordingEngine();
        var task = new ChattyTask { BuildEngine = engine };

        var executeThread = Environment.CurrentManagedThreadId;
        Assert.IsTrue(task.Execute(), string.Join("\n", engine.Lines));

        Assert.AreEqual(202, engine.Lines.Count);
        Assert.IsTrue(engine.Threads.All(t => t == executeThread), "logged from threads " + string.Join(",", engine.Threads.Distinct()));
        CollectionAssert.AreEqual(Enumerable.Range(0, 200).Select(i => $"pump {i}").ToArray(), engine.Lines.Where(l => l.StartsWith("pump", StringComparison.Ordinal)).ToArray());
        Assert.AreEqual("after await", engine.Lines[^1]);
        Assert.IsTrue(task.PumpThread != executeThread, "the lines really came from another thread");
    }

    [TestMethod]
    public void A_failing_body_still_logs_what_it_queued_first()
    {
        var engine = new ThreadRecordingEngine();
        var task = new ChattyTask { BuildEngine = engine, FailAfterPump = true };

        Assert.IsFalse(task.Execute());
        Assert.AreEqual(200, engine.Lines.Count(l => l.StartsWith("pump", StringComparison.Ordinal)));
        Assert.AreEqual(1, engine.Errors, "the unexpected failure is one coded error");
    }

    public sealed class ChattyTask : MultiArchTask
    {
        public bool FailAfterPump { get; set; }

        public int PumpThread { get; private set; }

        protected override async System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
        {
            var log = LogFromAnyThread(MessageImportance.High);
            await System.Threading.Tasks.Task.Run(() =>
            {
                PumpThread = Environment.CurrentManagedThreadId;
                for (var i = 0; i < 200; i++)
                {
                    log($"pump {i}");
                }
            }, cancellationToken);
            Log.LogMessage(MessageImportance.High, "between");
            await System.Threading.Tasks.Task.Delay(10, cancellationToken);
            if (FailAfterPump)
            {
                throw new InvalidOperationException("boom");
            }

            Log.LogMessage(MessageImportance.High, "after await");
        }
    }

    private sealed class ThreadRecordingEngine : IBuildEngine
    {
        public List<string> Lines { get; } = [];

        public List<int> Threads { get; } = [];

        public int Errors { get; private set; }

        public bool ContinueOnError => false;

        public int LineNumberOfTaskNode => 0;

        public int ColumnNumberOfTaskNode => 0;

        public string ProjectFileOfTaskNode => "test.proj";

        public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) => false;

        public void LogCustomEvent(CustomBuildEventArgs e)
        {
        }

        public void LogErrorEvent(BuildErrorEventArgs e)
        {
            Errors++;
            Threads.Add(Environment.CurrentManagedThreadId);
        }

        public void LogMessageEvent(BuildMessageEventArgs e)
        {
            if (e.Importance == MessageImportance.High)
            {
                Lines.Add(e.Message!);
                Threads.Add(Environment.CurrentManagedThreadId);
            }
        }

        public void LogWarningEvent(BuildWarningEventArgs e) => Threads.Add(Environment.CurrentManagedThreadId);
    }
}
