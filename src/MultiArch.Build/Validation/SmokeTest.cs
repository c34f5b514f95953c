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

    /// <summary><c>ContainerSmokeTestUrl</c>: the server's URL (host <c>localhost</c>: the container), asked until it answers 2xx.</summary>
    public Uri? Url { get; init; }

    /// <summary><c>ContainerSmokeTestReach</c>: how the URL's port is reached.</summary>
    public ContainerReach Reach { get; init; } = ContainerReach.Auto;

    /// <summary>How many platforms run at once (<c>ContainerSmokeTestParallel</c>; default: this machine's processor count).</summary>
    public int Parallel { get; init; } = Environment.ProcessorCount;
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
    string Command)
{
    /// <summary>The HTTP status the server's URL answered with (a server run).</summary>
    public int? HttpStatus { get; init; }

    /// <summary>The URL asked (a server run).</summary>
    public string? Url { get; init; }

    /// <summary>The sockets the container listened on, as last seen ("0.0.0.0:8080").</summary>
    public IReadOnlyList<string> Listening { get; init; } = [];

    /// <summary>It was a server (listening, still running) stopped without a URL to ask: a finding, not a failure.</summary>
    public bool ServerWithoutUrl { get; init; }

    /// <summary>The platform's line at the default verbosity: how it ran, its result, seconds and first line of output.</summary>
    public string Summary()
    {
        var result = HttpStatus is { } status ? $"HTTP {status.ToString(CultureInfo.InvariantCulture)} from {Url}"
            : Url is not null && ExitCode is null ? $"no answer from {Url}"
            : ServerWithoutUrl ? "a server, still running: stopped (no ContainerSmokeTestUrl to ask)"
            : TimedOut ? "timed out"
            : ExitCode is { } code ? $"exit code {code.ToString(CultureInfo.InvariantCulture)}" + (Url is null && code != ExpectedExitCode ? $" (expected {ExpectedExitCode.ToString(CultureInfo.InvariantCulture)})" : string.Empty)
            : "not run";
        var first = FirstLine(Output);
        return $"{result} in {DurationSeconds.ToString(CultureInfo.InvariantCulture)} s, {(Passed ? "passed" : ServerWithoutUrl ? "not judged" : "failed")}: {first}";
    }

    /// <summary>
    /// The first line of output; a .NET console-logger header (<c>info: Microsoft.Hosting.Lifetime[14]</c>) is joined
    /// with its indented message line, so that the line says something ("... Now listening on: http://[::]:8080").
    /// </summary>
    public static string FirstLine(IReadOnlyList<string> output)
    {
        var index = output.ToList().FindIndex(l => !string.IsNullOrWhiteSpace(l));
        if (index < 0)
        {
            return "(no output)";
        }

        var first = output[index].Trim();
        return index + 1 < output.Count && output[index + 1].StartsWith("      ", StringComparison.Ordinal)
            && System.Text.RegularExpressions.Regex.IsMatch(first, @"^(trce|dbug|info|warn|fail|crit): \S+\[\d+\]$")
            ? first + " " + output[index + 1].Trim()
            : first;
    }
}

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
    /// Runs every platform of <paramref name="report"/> whose image came from a registry, side by side (at most
    /// <see cref="SmokeTestOptions.Parallel"/> at once). Returns the results in platform order and the findings;
    /// <paramref name="onLine"/> receives each output line (for the log) as it comes, from any thread.
    /// </summary>
    public static async Task<(IReadOnlyList<SmokeTestResult> Results, IReadOnlyList<Diagnostic> Diagnostics)> RunAsync(
        IContainerRunner runner,
        ValidationReport report,
        SmokeTestOptions options,
        Action<string, string>? onLine,
        CancellationToken cancellationToken)
    {
        if (!ImageReference.TryParse(report.Image, out var reference, out _) || report.Image.StartsWith('/') || File.Exists(report.Image) || Directory.Exists(report.Image))
        {
            return ([], [Diagnostic.Warning(nameof(Strings.SmokeTestNeedsRegistry), report.Image)]);
        }

        var insecure = IsLoopback(reference.Registry) || options.InsecureRegistries.Contains(reference.Registry, StringComparer.OrdinalIgnoreCase);
        using var gate = new SemaphoreSlim(Math.Max(1, options.Parallel));
        var runs = report.Platforms.Select(async platform =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await RunPlatformAsync(runner, reference, platform, insecure, options, onLine, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        var done = await Task.WhenAll(runs).ConfigureAwait(false);
        var diagnostics = done.SelectMany(d => d.Diagnostics).ToList();
        if (done.Select(d => d.Limits).FirstOrDefault(l => l is not null) is { } limits)
        {
            diagnostics.Add(Diagnostic.Info(nameof(Strings.SmokeTestLimitsLowered), options.Cli, limits));
        }

        return (done.Select(d => d.Result).ToList(), diagnostics);
    }

    private static async Task<(SmokeTestResult Result, IReadOnlyList<Diagnostic> Diagnostics, string? Limits)> RunPlatformAsync(
        IContainerRunner runner,
        ImageReference reference,
        PlatformResult platform,
        bool insecure,
        SmokeTestOptions options,
        Action<string, string>? onLine,
        CancellationToken cancellationToken)
    {
        var command = options.Command is null ? "(the image's Entrypoint and Cmd)" : string.Join(' ', options.Command);
        var oci = OciPlatform.Parse(platform.Platform);
        var image = Digest.TryParse(platform.ManifestDigest, out var digest) ? (reference with { Tag = null, Digest = digest }).ToString() : reference.ToString();
        var execution = options.DescribeExecution(oci);
        var request = new ContainerRunRequest(options.Cli, image, oci)
        {
            Command = options.Command,
            Timeout = options.Timeout,
            Network = options.Network,
            RunArgs = options.RunArgs,
            InsecureRegistry = insecure,
            Probe = options.Url is null ? null : new ContainerHttpProbe(options.Url),
            Reach = options.Reach,

            // Without a URL or a command of its own, an image may be a server: seen listening, it is told how to test.
            WatchListening = options.Url is null && options.Command is null,
        };

        ContainerRunOutcome outcome;
        try
        {
            outcome = await runner.RunAsync(request, line => onLine?.Invoke(platform.Platform, line), cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerPullException ex)
        {
            return (new SmokeTestResult(platform.Platform, image, execution, null, options.ExpectedExitCode, false, 0, [], false, command) { Url = options.Url?.ToString() }, [ex.ToDiagnostic()], null);
        }

        var seconds = Math.Round(outcome.Duration.TotalSeconds, 2);
        var secondsText = seconds.ToString(CultureInfo.InvariantCulture);
        var firstLines = outcome.Output.Count == 0 ? "(no output)" : string.Join(" | ", outcome.Output.Take(5));
        var lastLines = outcome.LastLines.Count == 0 ? firstLines : string.Join(" | ", outcome.LastLines);
        var server = outcome.Server;
        var listening = server?.Listening ?? [];
        var listeningText = listening.Count == 0 ? "no listening socket seen" : "listening on " + string.Join(", ", listening);
        var result = new SmokeTestResult(platform.Platform, image, execution, outcome.ExitCode, options.ExpectedExitCode, outcome.TimedOut, seconds, outcome.Output, false, command)
        {
            HttpStatus = server?.Status,
            Url = options.Url?.ToString(),
            Listening = listening.Select(l => l.ToString()).ToList(),
        };
        Diagnostic? finding = null;
        if (options.Url is { } url)
        {
            var port = url.Port;
            var onPort = listening.Where(l => l.Port == port).ToList();
            if (server?.Unreachable is { } why)
            {
                finding = Diagnostic.Error(nameof(Strings.SmokeTestUrlUnreachable), platform.Platform, url, why);
            }
            else if (server?.Status is { } status and >= 200 and < 300)
            {
                if (onPort.Count > 0 && onPort.All(l => l.LoopbackOnly))
                {
                    // Asked from inside its namespace it answers, but from outside the container nothing would.
                    finding = Diagnostic.Error(nameof(Strings.SmokeTestLoopbackOnly), platform.Platform, url, string.Join(", ", onPort), port);
                }
                else
                {
                    result = result with { Passed = true };
                }
            }
            else if (server?.Status is { } bad)
            {
                finding = Diagnostic.Error(nameof(Strings.SmokeTestHttpStatus), platform.Platform, url, bad, execution, secondsText, lastLines);
            }
            else if (!outcome.TimedOut && !outcome.Stopped)
            {
                finding = Diagnostic.Error(nameof(Strings.SmokeTestServerExited), platform.Platform, url, outcome.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "-", execution, secondsText, lastLines);
            }
            else
            {
                var hint = listening.Count > 0 && onPort.Count == 0
                    ? $"it listens on {string.Join(", ", listening)}, not on port {port}"
                    : server?.Error ?? "no connection";
                finding = Diagnostic.Error(nameof(Strings.SmokeTestNoAnswer), platform.Platform, url, options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture), execution, hint, listeningText, lastLines);
            }
        }
        else if (outcome.Stopped && listening.Count > 0)
        {
            var port = listening.FirstOrDefault(l => !l.LoopbackOnly)?.Port ?? listening[0].Port;
            result = result with { ServerWithoutUrl = true };
            finding = Diagnostic.Warning(nameof(Strings.SmokeTestServerWithoutUrl), platform.Platform, execution, listeningText, port);
        }
        else if (outcome.TimedOut)
        {
            finding = Diagnostic.Error(nameof(Strings.SmokeTestTimedOut), platform.Platform, image, options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture), execution, lastLines);
        }
        else if (outcome.ExitCode != options.ExpectedExitCode)
        {
            finding = Diagnostic.Error(nameof(Strings.SmokeTestFailed), platform.Platform, image, outcome.ExitCode, options.ExpectedExitCode, execution, secondsText, lastLines);
        }
        else
        {
            result = result with { Passed = true };
        }

        return (result, finding is null ? [] : [finding], outcome.ResourceLimits);
    }

    /// <summary>
    /// A server's URL: <c>http</c>, a host that names the container itself (<c>localhost</c>, <c>127.0.0.1</c>,
    /// <c>[::1]</c>), the container's port (80 when none is given); null when it is not one.
    /// </summary>
    public static Uri? ParseUrl(string text)
        => Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url)
           && url.Scheme == Uri.UriSchemeHttp
           && (url.IsLoopback || url.Host == "localhost")
           && url.UserInfo.Length == 0
            ? url
            : null;

    private static bool IsLoopback(string registry)
    {
        var host = registry.StartsWith('[') ? registry[1..registry.IndexOf(']')] : registry.Split(':')[0];
        return host is "localhost" or "127.0.0.1" or "::1" || host.StartsWith("127.", StringComparison.Ordinal);
    }
}
