using System.ComponentModel;
using System.Diagnostics;
using System.Text;
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
/// Runs a process with an argument list, streams its output line by line (redacted), keeps a bounded
/// copy, and kills the whole process tree when cancelled.
/// </summary>
internal sealed class ProcessRunner : IProcessRunner
{
    /// <summary>Output kept per stream; a tool that prints more is truncated from the front.</summary>
    public const int MaxCapturedChars = 8 * 1024 * 1024;

    public static ProcessRunner Instance { get; } = new();

    public async Task<ProcessResult> RunAsync(ProcessSpec spec, Action<ProcessLine>? onLine = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var startInfo = new ProcessStartInfo(spec.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in spec.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (spec.WorkingDirectory is not null)
        {
            startInfo.WorkingDirectory = spec.WorkingDirectory;
        }

        foreach (var (name, value) in spec.Environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new ToolNotFoundException(spec.FileName, ex);
        }

        var stdout = new BoundedText(MaxCapturedChars);
        var stderr = new BoundedText(MaxCapturedChars);
        var readOut = PumpAsync(process.StandardOutput, ProcessStream.StandardOutput, stdout, spec.Secrets, onLine);
        var readErr = PumpAsync(process.StandardError, ProcessStream.StandardError, stderr, spec.Secrets, onLine);

        using (cancellationToken.Register(() => KillTree(process)))
        {
            try
            {
                if (spec.StandardInput is not null)
                {
                    await process.StandardInput.WriteAsync(spec.StandardInput).ConfigureAwait(false);
                }

                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The tool exited without reading its input; its exit code tells the rest.
            }

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await Task.WhenAll(readOut, readErr).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    private static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static async Task PumpAsync(StreamReader reader, ProcessStream stream, BoundedText sink, IReadOnlyCollection<string> secrets, Action<ProcessLine>? onLine)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            var redacted = Redactor.Redact(line, secrets);
            sink.AppendLine(redacted);
            onLine?.Invoke(new ProcessLine(stream, redacted));
        }
    }

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
