using System.ComponentModel;
using System.Text;
using CliWrap;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Processes;

/// <summary>What to run. Arguments are a list, never one concatenated string.</summary>
internal sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables to set (a null value removes the variable) on top of this process's environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Text written to standard input, then closed. Null: standard input is closed at once.</summary>
    public string? StandardInput { get; init; }

    /// <summary>Values never to show in a logged command line or output line (passwords, tokens).</summary>
    public IReadOnlyCollection<string> Secrets { get; init; } = Array.Empty<string>();

    /// <summary>The command line as it may be logged: quoted, secrets replaced by <c>***</c>.</summary>
    public string ToDisplayString() => Redactor.Redact(
        string.Join(' ', new[] { FileName }.Concat(Arguments).Select(Quote)), Secrets);

    private static string Quote(string arg)
        => arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./:=,@%+".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''") + "'";
}

internal enum ProcessStream
{
    StandardOutput,
    StandardError,
}

/// <summary>One line of output, already redacted.</summary>
internal readonly record struct ProcessLine(ProcessStream Stream, string Text);

internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The last lines of standard error (or output when error is empty): what to quote in an error.</summary>
    public string Tail(int lines = 15)
    {
        var text = string.IsNullOrWhiteSpace(StandardError) ? StandardOutput : StandardError;
        var all = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(Environment.NewLine, all.Skip(Math.Max(0, all.Length - lines)));
    }
}

/// <summary>Runs external tools. The seam that lets the core be tested without processes.</summary>
internal interface IProcessRunner
{
    Task<ProcessResult> RunAsync(ProcessSpec spec, Action<ProcessLine>? onLine = null, CancellationToken cancellationToken = default);
}

/// <summary>
/// Runs a process through CliWrap with an argument list, streams its output line by line (redacted), keeps a
/// bounded copy, and on cancellation asks the tool to stop (SIGINT, as Ctrl+C does: buildx and podman then cancel
/// their build and clean up) before killing the whole process tree once <see cref="GracePeriod"/> has passed.
/// </summary>
internal sealed class ProcessRunner(TimeSpan gracePeriod) : IProcessRunner
{
    /// <summary>Output kept per stream; a tool that prints more is truncated from the front.</summary>
    public const int MaxCapturedChars = 8 * 1024 * 1024;

    /// <summary>How long a cancelled tool has, after SIGINT, to stop on its own before its process tree is killed.</summary>
    public static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromSeconds(5);

    public static ProcessRunner Instance { get; } = new(DefaultGracePeriod);

    public TimeSpan GracePeriod { get; } = gracePeriod;

    public async Task<ProcessResult> RunAsync(ProcessSpec spec, Action<ProcessLine>? onLine = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var stdout = new BoundedText(MaxCapturedChars);
        var stderr = new BoundedText(MaxCapturedChars);
        var command = Cli.Wrap(spec.FileName)
            .WithArguments(spec.Arguments)
            .WithEnvironmentVariables(spec.Environment)
            .WithStandardInputPipe(spec.StandardInput is null ? PipeSource.Null : PipeSource.FromString(spec.StandardInput, Encoding.UTF8))
            .WithStandardOutputPipe(Lines(ProcessStream.StandardOutput, stdout, spec.Secrets, onLine))
            .WithStandardErrorPipe(Lines(ProcessStream.StandardError, stderr, spec.Secrets, onLine))
            .WithValidation(CommandResultValidation.None);
        if (spec.WorkingDirectory is not null)
        {
            command = command.WithWorkingDirectory(spec.WorkingDirectory);
        }

        // Cancellation is graceful first, forceful after the grace period: the tree as it is when the cancellation
        // starts is interrupted (CliWrap sends the root its SIGINT; ProcessTree says why the rest need theirs), then
        // CliWrap kills the root's tree, and what was reparented away from it is killed here.
        using var forceful = new CancellationTokenSource();
        CommandTask<CommandResult> execution;
        try
        {
            execution = command.ExecuteAsync(forceful.Token, cancellationToken);
        }
        catch (Win32Exception ex)
        {
            // CliWrap wraps the start failure; the inner exception has the system's own words.
            throw new ToolNotFoundException(spec.FileName, ex.InnerException ?? ex);
        }

        var gate = new object();
        IReadOnlyList<ProcessTree.Member> tree = [];
        var deadline = DateTime.MaxValue;

        // Registered after CliWrap's own callback, so it runs before it: the tree is taken before the root can go.
        using (cancellationToken.Register(() =>
        {
            lock (gate)
            {
                deadline = DateTime.UtcNow + GracePeriod;
                tree = ProcessTree.Descendants(execution.ProcessId);
                ProcessTree.Interrupt(tree);
                forceful.CancelAfter(GracePeriod);
            }
        }))
        {
            try
            {
                var result = await execution.ConfigureAwait(false);
                return new ProcessResult(result.ExitCode, stdout.ToString(), stderr.ToString());
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException && cancellationToken.IsCancellationRequested)
            {
                // TimeoutException: CliWrap could not see the killed process exit; it was asked to stop either way.
                Task stopped;
                lock (gate)
                {
                    stopped = StopSurvivorsAsync(tree, deadline);
                }

                await stopped.ConfigureAwait(false);
                throw new OperationCanceledException(ex.Message, ex, cancellationToken);
            }
        }
    }

    /// <summary>Waits until the interrupted processes have stopped, or until the grace period ends and kills those left.</summary>
    private static async Task StopSurvivorsAsync(IReadOnlyList<ProcessTree.Member> tree, DateTime deadline)
    {
        while (tree.Any(ProcessTree.IsAlive) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        // SIGKILL is delivered asynchronously: return once the killed are gone (at most a few seconds more).
        ProcessTree.Kill(tree);
        for (var i = 0; i < 50 && tree.Any(ProcessTree.IsAlive); i++)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    private static PipeTarget Lines(ProcessStream stream, BoundedText sink, IReadOnlyCollection<string> secrets, Action<ProcessLine>? onLine)
        => PipeTarget.ToDelegate(
            line =>
            {
                var redacted = Redactor.Redact(line, secrets);
                sink.AppendLine(redacted);
                onLine?.Invoke(new ProcessLine(stream, redacted));
            },
            Encoding.UTF8);

    private sealed class BoundedText(int limit)
    {
        private readonly StringBuilder _builder = new();

        public void AppendLine(string line)
        {
            lock (_builder)
            {
                _builder.Append(line).Append('\n');
                if (_builder.Length > limit)
                {
                    _builder.Remove(0, _builder.Length - limit);
                }
            }
        }

        public override string ToString()
        {
            lock (_builder)
            {
                return _builder.ToString();
            }
        }
    }
}

/// <summary>Replaces secret values in text that is about to be logged.</summary>
internal static class Redactor
{
    public const string Mask = "***";

    public static string Redact(string text, IEnumerable<string> secrets)
    {
        foreach (var secret in secrets)
        {
            // Very short values would mask ordinary words; callers pass real secrets only.
            if (!string.IsNullOrEmpty(secret) && secret.Length >= 3)
            {
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }

        return text;
    }
}

/// <summary>The executable could not be started: it is not installed or not on PATH.</summary>
internal sealed class ToolNotFoundException(string tool, Exception inner)
    : MultiArchException(nameof(Strings.ToolNotFound), inner, tool, inner.Message)
{
    public string Tool { get; } = tool;
}
