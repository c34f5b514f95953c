using System.Collections.Concurrent;
using Microsoft.Build.Framework;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Processes;
using MultiArch.Build.Registry;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Tasks;

/// <summary>
/// The boundary between the library and MSBuild, and the only composition root: runs the task body, turns
/// domain exceptions into coded diagnostics, and logs <see cref="Diagnostic"/>s with their code, file and line.
/// Tasks that run processes or use the network cancel through <see cref="CancellationToken"/>.
/// </summary>
/// <remarks>
/// The body runs under a single-threaded synchronization context on the thread MSBuild gave the task: its
/// continuations come back to that thread, and so does everything posted by <see cref="Post"/> (tool output
/// from process pump threads, request lines from the HTTP stack). All logging therefore happens on the task's
/// own thread, in order.
/// </remarks>
public abstract class MultiArchTask : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private const string RegistrySessionKey = "MultiArch.Build.RegistrySession";
    private readonly CancellationTokenSource _cancellation = new();
    private TaskThreadContext? _context;

    protected MultiArchTask()
        : base(Strings.ResourceManager)
    {
    }

    /// <summary>
    /// The project being built (<c>$(MSBuildProjectFullPath)</c>): diagnostics about its properties
    /// point here rather than into this package's targets file.
    /// </summary>
    public string ProjectFullPath { get; set; } = "";

    protected CancellationToken CancellationToken => _cancellation.Token;

    public void Cancel() => _cancellation.Cancel();

    public sealed override bool Execute()
    {
        var previous = SynchronizationContext.Current;
        using var context = new TaskThreadContext();
        _context = context;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            var body = ExecuteCoreAsync(CancellationToken);
            context.RunUntil(body);
            body.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            LogDiagnostic(Diagnostic.Error(nameof(Strings.TaskCanceled), GetType().Name));
        }
        catch (MultiArchException ex)
        {
            LogDiagnostic(ex.ToDiagnostic());
            Log.LogMessage(MessageImportance.Low, Masked(ex.ToString()));
        }
        catch (Exception ex)
        {
            LogDiagnostic(Diagnostic.Error(nameof(Strings.TaskUnexpectedError), GetType().Name, ex.Message));
            Log.LogMessage(MessageImportance.Low, Masked(ex.ToString()));
        }
        finally
        {
            context.Drain();
            WriteFailureSummary();
            SynchronizationContext.SetSynchronizationContext(previous);
            _context = null;
            _ownSession?.Dispose();
            _ownSession = null;
        }

        return !Log.HasLoggedErrors;
    }

    protected abstract System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="action"/> on the task's thread (from any thread); at once when already there.</summary>
    protected void Post(Action action)
    {
        if (_context is { } context && !context.IsCurrentThread)
        {
            context.Post(_ => action(), null);
        }
        else
        {
            action();
        }
    }

    /// <summary>A line logger that may be called from any thread; the line is logged on the task's thread, secrets masked.</summary>
    protected Action<string> LogFromAnyThread(MessageImportance importance) => line => Post(() => Log.LogMessage(importance, Redactor.Redact(line, _secrets)));

    private readonly List<string> _secrets = [];

    /// <summary>Values that are never logged by this task at any verbosity (build-arg values whose names say they are secret).</summary>
    private protected void KeepOutOfLogs(IEnumerable<string> values) => _secrets.AddRange(values.Where(v => !string.IsNullOrEmpty(v)));

    /// <summary>Text as it may be logged: the values of <see cref="KeepOutOfLogs"/> masked.</summary>
    private protected string Masked(string text) => Redactor.Redact(text, _secrets);

    /// <summary>
    /// This build's registry session (one per build and set of registry options, shared by every task of the
    /// build through MSBuild's registered task objects; disposed by MSBuild when the build ends). Without an
    /// engine that keeps such objects (a task run by hand), a session for this task alone.
    /// </summary>
    internal RegistrySession RegistrySession(RegistryOptions options)
    {
        var key = $"{RegistrySessionKey}|{string.Join(",", options.InsecureRegistries.Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase))}|{options.RequestTimeout.TotalSeconds}";
        RegistrySession session;
        if (BuildEngine is IBuildEngine4 engine)
        {
            lock (typeof(MultiArchTask))
            {
                if (engine.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) is not RegistrySession shared)
                {
                    shared = new RegistrySession(options);
                    engine.RegisterTaskObject(key, shared, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
                }

                session = shared;
            }
        }
        else
        {
            _ownSession ??= new RegistrySession(options);
            session = _ownSession;
        }

        session.Log = LogFromAnyThread(MessageImportance.Low);
        return session;
    }

    private RegistrySession? _ownSession;

    private readonly List<Diagnostic> _errors = [];
    private bool _summaryWritten;

    /// <summary>
    /// Appends to the GitHub Actions step summary (<c>GITHUB_STEP_SUMMARY</c>) when it is set; secrets masked.
    /// A task that writes its own summary (validation's report) is not summarized again when it fails.
    /// </summary>
    private protected void AppendStepSummary(string markdown)
    {
        var summary = Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY");
        if (string.IsNullOrEmpty(summary))
        {
            return;
        }

        try
        {
            File.AppendAllText(summary, Masked(markdown) + Environment.NewLine);
            _summaryWritten = true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            Log.LogMessage(MessageImportance.Low, $"GITHUB_STEP_SUMMARY '{summary}' could not be written: {ex.Message}");
        }
    }

    /// <summary>Every failure reaches the step summary, not only validation's: a check or build that failed says why there too.</summary>
    private void WriteFailureSummary()
    {
        if (_errors.Count == 0 || _summaryWritten)
        {
            return;
        }

        var markdown = new System.Text.StringBuilder();
        markdown.AppendLine($"### MultiArch.Build: {GetType().Name} failed").AppendLine();
        markdown.AppendLine("| Code | Where | Message |").AppendLine("|---|---|---|");
        foreach (var error in _errors)
        {
            var where = error.File is { } file ? (error.Line > 0 ? $"{file}:{error.Line}" : file) : ProjectFullPath;
            markdown.AppendLine($"| {error.Code} | `{where}` | {error.Message.Replace("|", "\\|", StringComparison.Ordinal).Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", "<br>", StringComparison.Ordinal)} |");
        }

        AppendStepSummary(markdown.ToString());
    }

    private protected void LogDiagnostics(IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            LogDiagnostic(diagnostic);
        }
    }

    /// <summary>Logs one diagnostic in canonical form so IDEs and CI annotate the right file and line.</summary>
    private protected void LogDiagnostic(Diagnostic diagnostic)
    {
        var message = Masked(diagnostic.Message);
        var code = diagnostic.Code;
        var file = diagnostic.File ?? ProjectFullPath;
        switch (diagnostic.Severity)
        {
            case DiagnosticSeverity.Error:
                _errors.Add(diagnostic);
                Log.LogError(null, code, null, file, diagnostic.Line, diagnostic.Column, 0, 0, message);
                break;
            case DiagnosticSeverity.Warning:
                Log.LogWarning(null, code, null, file, diagnostic.Line, diagnostic.Column, 0, 0, message);
                break;
            default:
                Log.LogMessage(null, code, null, file, diagnostic.Line, diagnostic.Column, 0, 0, MessageImportance.Normal, message);
                break;
        }
    }

    /// <summary>A synchronization context whose work runs on the one thread that pumps it.</summary>
    private sealed class TaskThreadContext : SynchronizationContext, IDisposable
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = new();
        private readonly int _threadId = Environment.CurrentManagedThreadId;

        public bool IsCurrentThread => Environment.CurrentManagedThreadId == _threadId;

        public override void Post(SendOrPostCallback d, object? state)
        {
            try
            {
                _queue.Add((d, state));
            }
            catch (InvalidOperationException)
            {
                // The task has ended: nothing is pumped any more, and nothing may log.
            }
        }

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException();

        /// <summary>Runs posted work until <paramref name="task"/> has completed.</summary>
        public void RunUntil(System.Threading.Tasks.Task task)
        {
            _ = task.ContinueWith(_ => _queue.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            foreach (var (callback, state) in _queue.GetConsumingEnumerable())
            {
                callback(state);
            }
        }

        /// <summary>Runs what is still queued (work posted while the body was ending).</summary>
        public void Drain()
        {
            _queue.CompleteAdding();
            while (_queue.TryTake(out var work))
            {
                work.Callback(work.State);
            }
        }

        public void Dispose() => _queue.Dispose();
    }
}
