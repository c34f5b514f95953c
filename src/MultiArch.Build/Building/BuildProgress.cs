using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Building;

/// <summary>One finished build step of one platform.</summary>
/// <param name="Emulated">It ran under emulation: its platform is not native to the node that ran it (a cross step, <c>linux/amd64-&gt;arm64</c>, runs natively).</param>
/// <param name="Seconds">How long it took (buildx's own <c>DONE</c> time; for podman, from its line to the next one of that platform). 0 when cached.</param>
internal sealed record FinishedStep(OciPlatform Platform, string Step, double Seconds, bool Cached, bool Emulated, bool Failed)
{
    /// <summary>One log line: <c>[linux/arm64] RUN go build ./... 12.4s (emulated)</c>.</summary>
    public string ToLine()
    {
        var step = Step.Length > 100 ? Step[..97] + "..." : Step;
        var outcome = Failed ? "FAILED" : Cached ? "cached" : Seconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";
        return $"[{Platform}] {step} {outcome}{(Emulated && !Cached ? " (emulated)" : string.Empty)}";
    }
}

/// <summary>
/// Reads a build's output line by line, as it streams, and says which steps finished: buildx's
/// <c>--progress=plain</c> (<c>#7 [linux/arm64 2/3] RUN ...</c>, then <c>#7 DONE 12.4s</c> or <c>#7 CACHED</c> or
/// <c>#7 ERROR: ...</c>; a single-platform build leaves the platform out: <c>#7 [build 2/3] RUN ...</c>) and podman's
/// output (<c>[linux/arm64] STEP 2/3: RUN ...</c>, ended by the platform's next STEP, its <c>COMMIT</c> or <c>--&gt;</c>).
/// One instance per process: step numbers are unique within one buildx run only. Lines it does not know are
/// ignored. Safe to feed from the two threads that read stdout and stderr.
/// </summary>
internal sealed partial class BuildProgress
{
    private readonly IReadOnlyList<OciPlatform> _platforms;
    private readonly Func<OciPlatform, bool> _emulated;
    private readonly Func<double> _clock;
    private readonly Dictionary<string, (OciPlatform Platform, string Step, bool Cross)> _buildxSteps = new(StringComparer.Ordinal);
    private readonly HashSet<string> _buildxFinished = new(StringComparer.Ordinal);
    private readonly Dictionary<OciPlatform, (string Step, double Started)> _podmanOpen = [];
    private readonly List<FinishedStep> _finished = [];
    private readonly object _gate = new();

    /// <param name="platforms">The platforms of this build run (the one a step without a platform prefix belongs to).</param>
    /// <param name="emulated">Whether a platform runs under emulation on the node that builds it (the preflight's plan).</param>
    /// <param name="clock">Seconds since some start (tests give their own).</param>
    public BuildProgress(IReadOnlyList<OciPlatform> platforms, Func<OciPlatform, bool> emulated, Func<double>? clock = null)
    {
        _platforms = platforms;
        _emulated = emulated;
        if (clock is null)
        {
            var watch = Stopwatch.StartNew();
            clock = () => watch.Elapsed.TotalSeconds;
        }

        _clock = clock;
    }

    public IReadOnlyList<FinishedStep> Finished
    {
        get
        {
            lock (_gate)
            {
                return _finished.ToList();
            }
        }
    }

    /// <summary>The steps this line finishes (usually none).</summary>
    public IReadOnlyList<FinishedStep> Feed(string line)
    {
        lock (_gate)
        {
            var done = new List<FinishedStep>();
            line = line.TrimEnd('\r');
            if (BuildxHeader().Match(line) is { Success: true } header)
            {
                var id = header.Groups["id"].Value;
                if (!_buildxSteps.ContainsKey(id) && Step(header.Groups["inside"].Value) is { } step)
                {
                    _buildxSteps[id] = (step.Platform, header.Groups["text"].Value.Trim(), step.Cross);
                }
            }
            else if (BuildxEnd().Match(line) is { Success: true } end && _buildxSteps.TryGetValue(end.Groups["id"].Value, out var started) && _buildxFinished.Add(end.Groups["id"].Value))
            {
                var cached = end.Groups["what"].Value == "CACHED";
                var failed = end.Groups["what"].Value.StartsWith("ERROR", StringComparison.Ordinal);
                var seconds = double.TryParse(end.Groups["seconds"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 0;
                done.Add(new FinishedStep(started.Platform, started.Step, cached ? 0 : seconds, cached, !started.Cross && RunsImageCode(started.Step) && _emulated(started.Platform), failed));
            }
            else if (PodmanStep().Match(line) is { Success: true } podman)
            {
                var platform = PodmanPlatform(podman.Groups["platform"].Value);
                if (platform is not null)
                {
                    done.AddRange(ClosePodman(platform));
                    if (podman.Groups["text"].Success)
                    {
                        _podmanOpen[platform] = (podman.Groups["text"].Value.Trim(), _clock());
                    }
                }
            }
            else if (line.StartsWith("--> ", StringComparison.Ordinal))
            {
                foreach (var open in _podmanOpen.Keys.ToList())
                {
                    done.AddRange(ClosePodman(open));
                }
            }

            _finished.AddRange(done);
            return done;
        }
    }

    private IEnumerable<FinishedStep> ClosePodman(OciPlatform platform)
    {
        if (_podmanOpen.Remove(platform, out var open))
        {
            yield return new FinishedStep(platform, open.Step, Math.Max(0, _clock() - open.Started), false, RunsImageCode(open.Step) && _emulated(platform), false);
        }
    }

    /// <summary>
    /// Only a RUN step runs the image's own programs, so only a RUN step of a platform the node does not run natively
    /// is emulated. FROM, COPY, ADD and WORKDIR are file operations of the build tool itself (BuildKit's file op,
    /// buildah's copier), and LABEL, ENV, USER, ENTRYPOINT and the like (podman's LABEL step for <c>--label</c>
    /// included) change the config only: none of them runs under QEMU, whatever the platform.
    /// </summary>
    private static bool RunsImageCode(string step)
        => string.Equals(step.TrimStart().Split(' ', 2)[0], "RUN", StringComparison.OrdinalIgnoreCase);

    private OciPlatform? PodmanPlatform(string prefix)
        => prefix.Length > 0 ? (OciPlatform.TryParse(prefix, out var p, out _) ? p : null) : _platforms.Count == 1 ? _platforms[0] : null;

    /// <summary>
    /// The bracket of a buildx step: <c>linux/arm64 2/3</c>, <c>linux/amd64-&gt;arm64 build 2/4</c> (a cross step: runs on
    /// the build platform for the arm64 image), <c>build 2/3</c> (one platform). <c>internal</c> and the like are no steps.
    /// </summary>
    private (OciPlatform Platform, bool Cross)? Step(string inside)
    {
        var parts = inside.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !StepCount().IsMatch(parts[^1]))
        {
            return null;
        }

        var first = parts[0];
        if (parts.Length > 1 && first.Contains('/', StringComparison.Ordinal))
        {
            var arrow = first.IndexOf("->", StringComparison.Ordinal);
            if (arrow < 0)
            {
                return OciPlatform.TryParse(first, out var p, out _) ? (p, false) : null;
            }

            // linux/amd64->arm64: the target is the build platform's OS with the architecture after the arrow.
            var execution = first[..arrow];
            var os = execution.Split('/')[0];
            return OciPlatform.TryParse($"{os}/{first[(arrow + 2)..]}", out var target, out _) ? (target, true) : null;
        }

        return _platforms.Count == 1 ? (_platforms[0], false) : null;
    }

    [GeneratedRegex(@"^#(?<id>\d+) \[(?<inside>[^\]]+)\] (?<text>.+)$")]
    private static partial Regex BuildxHeader();

    [GeneratedRegex(@"^#(?<id>\d+) (?<what>DONE (?<seconds>[0-9.]+)s|CACHED|ERROR\b.*)$")]
    private static partial Regex BuildxEnd();

    [GeneratedRegex(@"^(?:\[(?<platform>[a-z0-9]+/[^\]\s]+)\] )?(?:\[\d+/\d+\] )?(?:STEP \d+/\d+: (?<text>.+)|COMMIT\b.*)$")]
    private static partial Regex PodmanStep();

    [GeneratedRegex(@"^\d+/\d+$")]
    private static partial Regex StepCount();
}

/// <summary>Where a build's time went, per platform: steps, time, the part under emulation, cached steps. Pure.</summary>
internal sealed record BuildTimeTable(IReadOnlyList<BuildTimeRow> Rows)
{
    public static BuildTimeTable From(IEnumerable<FinishedStep> steps)
        => new(steps.GroupBy(s => s.Platform)
            .Select(g => new BuildTimeRow(g.Key, g.Count(), g.Sum(s => s.Seconds), g.Where(s => s.Emulated).Sum(s => s.Seconds), g.Count(s => s.Cached), g.Any(s => s.Emulated && !s.Cached)))
            .ToList());

    public IEnumerable<string> Lines()
    {
        yield return DiagnosticText.Format(nameof(Strings.BuildTimeHeader), []);
        foreach (var row in Rows)
        {
            var share = row.Seconds > 0 ? (row.EmulatedSeconds / row.Seconds).ToString("P0", CultureInfo.InvariantCulture) : "0 %";
            yield return DiagnosticText.Format(nameof(Strings.BuildTimeLine), [row.Platform.ToString().PadRight(16), row.Steps, Seconds(row.Seconds), Seconds(row.EmulatedSeconds), share, row.Cached]);
        }
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("### Build time per platform").AppendLine();
        text.AppendLine("| Platform | Steps | Time | Emulated | Cached |").AppendLine("|---|---:|---:|---:|---:|");
        foreach (var row in Rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| `{row.Platform}` | {row.Steps} | {Seconds(row.Seconds)} | {Seconds(row.EmulatedSeconds)} | {row.Cached} |");
        }

        return text.ToString();
    }

    private static string Seconds(double seconds) => seconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";
}

/// <summary>One platform's row of <see cref="BuildTimeTable"/>.</summary>
internal sealed record BuildTimeRow(OciPlatform Platform, int Steps, double Seconds, double EmulatedSeconds, int Cached, bool RanEmulated);
