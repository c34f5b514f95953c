using System.Globalization;
using System.Text;
using MultiArch.Build.Containers;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Validation;

/// <summary>How the opt-in smoke run runs each platform's image (<c>ContainerSmokeTest*</c> properties).</summary>
internal sealed record SmokeTestOptions
{
    /// <summary><c>podman</c> or <c>docker</c>.</summary>
    public required string Cli { get; init; }

    /// <summary>Arguments replacing the image's Cmd (its Entrypoint stays); null runs the image's own Entrypoint and Cmd.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    public int ExpectedExitCode { get; init; }

    public bool Network { get; init; }

    public IReadOnlyList<string> RunArgs { get; init; } = [];

    /// <summary>Registries reached over plain HTTP (loopback ones always are).</summary>
    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];

    /// <summary>How a platform's binaries run on this machine ("native", "emulated (qemu-aarch64 via binfmt_misc)").</summary>
    public Func<OciPlatform, string> DescribeExecution { get; init; } = p => Emulation.Describe(p, OciPlatform.Host());
}

/// <summary>One platform's smoke run, as reported.</summary>
internal sealed record SmokeTestResult(
    string Platform,
    string Image,
    string Execution,
    int? ExitCode,
    int ExpectedExitCode,
    bool TimedOut,
    double DurationSeconds,
    IReadOnlyList<string> Output,
    bool Passed,
    string Command);

/// <summary>
/// The smoke run: each platform's image, pinned by its manifest digest, started once (natively, or under
/// QEMU emulation through binfmt_misc when its CPU is not this machine's), isolated: no published port, no
/// mount, no network unless asked. A run that exits with another code than expected, or outlives its
/// time-out, is a coded error (and, as for every validation failure, no tag moves).
/// </summary>
internal static class SmokeTest
{
    /// <summary><c>run</c> options that would publish ports, mount host paths or choose a network: never passed through <c>ContainerSmokeTestRunArgs</c>.</summary>
    private static readonly string[] Refused = ["-p", "--publish", "-P", "--publish-all", "-v", "--volume", "--mount", "--volumes-from", "--network", "--net", "--privileged"];

    /// <summary>The first refused option of <paramref name="runArgs"/>, or null.</summary>
    public static string? RefusedOption(IEnumerable<string> runArgs)
        => runArgs.FirstOrDefault(a => Refused.Any(r => a == r || (r.StartsWith("--", StringComparison.Ordinal) && a.StartsWith(r + "=", StringComparison.Ordinal)) || (r.Length == 2 && a.StartsWith(r, StringComparison.Ordinal) && a.Length > 2 && !a.StartsWith("--", StringComparison.Ordinal))));

    /// <summary>Splits a command line as a POSIX shell splits words: blanks separate, quotes group, backslash escapes.</summary>
    public static IReadOnlyList<string> SplitCommand(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else if (c == '\\' && q == '"' && i + 1 < text.Length && text[i + 1] is '"' or '\\')
                {
                    word.Append(text[++i]);
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (c == '\\' && i + 1 < text.Length)
            {
                word.Append(text[++i]);
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (quote is not null)
        {
            throw new FormatException($"an unterminated {quote} quote");
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>
    /// Runs every platform of <paramref name="report"/> whose image came from a registry. Returns the results and
    /// the findings; <paramref name="onLine"/> receives each output line (for the log) as it comes.
    /// </summary>
    public static async Task<(IReadOnlyList<SmokeTestResult> Results, IReadOnlyList<Diagnostic> Diagnostics)> RunAsync(
        IContainerRunner runner,
        ValidationReport report,
        SmokeTestOptions options,
        Action<string, string>? onLine,
        CancellationToken cancellationToken)
    {
        var results = new List<SmokeTestResult>();
        var diagnostics = new List<Diagnostic>();
        if (!ImageReference.TryParse(report.Image, out var reference, out _) || report.Image.StartsWith('/') || File.Exists(report.Image) || Directory.Exists(report.Image))
        {
            diagnostics.Add(Diagnostic.Warning(nameof(Strings.SmokeTestNeedsRegistry), report.Image));
            return (results, diagnostics);
        }

        var insecure = IsLoopback(reference.Registry) || options.InsecureRegistries.Contains(reference.Registry, StringComparer.OrdinalIgnoreCase);
        var command = options.Command is null ? "(the image's Entrypoint and Cmd)" : string.Join(' ', options.Command);
        foreach (var platform in report.Platforms)
        {
            var oci = OciPlatform.Parse(platform.Platform);
            var image = Digest.TryParse(platform.ManifestDigest, out var digest) ? (reference with { Tag = null, Digest = digest }).ToString() : report.Image;
            var execution = options.DescribeExecution(oci);
            var request = new ContainerRunRequest(options.Cli, image, oci)
            {
                Command = options.Command,
                Timeout = options.Timeout,
                Network = options.Network,
                RunArgs = options.RunArgs,
                InsecureRegistry = insecure,
            };

            ContainerRunOutcome outcome;
            try
            {
                outcome = await runner.RunAsync(request, line => onLine?.Invoke(platform.Platform, line), cancellationToken).ConfigureAwait(false);
            }
            catch (ContainerPullException ex)
            {
                diagnostics.Add(ex.ToDiagnostic());
                results.Add(new SmokeTestResult(platform.Platform, image, execution, null, options.ExpectedExitCode, false, 0, [], false, command));
                continue;
            }

            var passed = !outcome.TimedOut && outcome.ExitCode == options.ExpectedExitCode;
            var seconds = Math.Round(outcome.Duration.TotalSeconds, 2);
            var firstLines = outcome.Output.Count == 0 ? "(no output)" : string.Join(" | ", outcome.Output.Take(5));
            if (outcome.TimedOut)
            {
                diagnostics.Add(Diagnostic.Error(nameof(Strings.SmokeTestTimedOut), platform.Platform, image, options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture), execution, firstLines));
            }
            else if (!passed)
            {
                diagnostics.Add(Diagnostic.Error(nameof(Strings.SmokeTestFailed), platform.Platform, image, outcome.ExitCode, options.ExpectedExitCode, execution, seconds.ToString(CultureInfo.InvariantCulture), firstLines));
            }
            else
            {
                diagnostics.Add(Diagnostic.Info(nameof(Strings.SmokeTestPassed), platform.Platform, execution, outcome.ExitCode, seconds.ToString(CultureInfo.InvariantCulture), firstLines));
            }

            if (outcome.ResourceLimits is not null && !diagnostics.Any(d => d.ResourceName == nameof(Strings.SmokeTestLimitsLowered)))
            {
                diagnostics.Add(Diagnostic.Info(nameof(Strings.SmokeTestLimitsLowered), options.Cli, outcome.ResourceLimits));
            }

            results.Add(new SmokeTestResult(platform.Platform, image, execution, outcome.ExitCode, options.ExpectedExitCode, outcome.TimedOut, seconds, outcome.Output, passed, command));
        }

        return (results, diagnostics);
    }

    private static bool IsLoopback(string registry)
    {
        var host = registry.StartsWith('[') ? registry[1..registry.IndexOf(']')] : registry.Split(':')[0];
        return host is "localhost" or "127.0.0.1" or "::1" || host.StartsWith("127.", StringComparison.Ordinal);
    }
}
