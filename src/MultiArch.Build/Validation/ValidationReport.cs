using System.Text.Json.Serialization;
using System.Text.Json;
using System.Text;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Oci;

namespace MultiArch.Build.Validation;

internal enum BinaryVerdict
{
    /// <summary>The entrypoint binary is for the platform's CPU.</summary>
    Verified,

    /// <summary>The entrypoint binary is for another CPU.</summary>
    Mismatch,

    /// <summary>No binary could be judged (a script without a binary interpreter, no entrypoint, zstd layers).</summary>
    Undetermined,

    /// <summary>The deep check was turned off.</summary>
    Skipped,
}

/// <summary>What was found for one image of the index.</summary>
internal sealed record PlatformResult(
    string Platform,
    string ManifestDigest,
    string? ConfigPlatform,
    IReadOnlyList<string> Layers,
    BinaryVerdict Binary,
    string? Executable,
    string? BinaryDescription,
    string? Note)
{
    /// <summary>The static start-up check (<see cref="StartupCheck"/>); null when it did not run.</summary>
    public StartupResult? Startup { get; init; }

    /// <summary>The whole-image architecture scan (<see cref="ArchitectureScan"/>); null when it did not run.</summary>
    public ArchitectureScanResult? Scan { get; init; }
}

/// <summary>An attestation manifest: listed, never counted as a platform.</summary>
internal sealed record AttestationResult(string Digest, string? References, bool ReferencesImageInIndex);

/// <summary>The verdict on an image index, with every finding; serializes to the JSON report and a Markdown summary.</summary>
internal sealed record ValidationReport(
    string Image,
    string Digest,
    string MediaType,
    IReadOnlyList<string> Expected,
    IReadOnlyList<PlatformResult> Platforms,
    IReadOnlyList<AttestationResult> Attestations,
    [property: JsonIgnore] IReadOnlyList<Diagnostic> Diagnostics)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public bool Passed => Diagnostics.All(d => d.Severity != DiagnosticSeverity.Error);

    /// <summary>The opt-in smoke run (<see cref="SmokeTest"/>), one result per platform; null when it did not run.</summary>
    public IReadOnlyList<SmokeTestResult>? SmokeTests { get; init; }

    public string ToJson()
    {
        var findings = Diagnostics.Select(d => new { code = d.Code, severity = d.Severity.ToString().ToLowerInvariant(), message = d.Message }).ToList();
        var shape = new { image = Image, digest = Digest, mediaType = MediaType, passed = Passed, expected = Expected, platforms = Platforms, attestations = Attestations, smokeTests = SmokeTests, findings };
        return JsonSerializer.Serialize(shape, JsonOptions);
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine($"### {(Passed ? "✅" : "❌")} Multi-platform image {Escape(Image)}");
        md.AppendLine();
        md.AppendLine($"Index `{Digest}`; expected: {string.Join(", ", Expected.Select(e => $"`{e}`"))}.");
        md.AppendLine();
        md.AppendLine("| Platform | Manifest | Config | Entrypoint binary | Verdict |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var p in Platforms)
        {
            md.AppendLine($"| `{p.Platform}` | `{Short(p.ManifestDigest)}` | `{p.ConfigPlatform ?? "?"}` | {Escape(p.Executable ?? "-")} {Escape(p.BinaryDescription ?? string.Empty)} | {p.Binary.ToString().ToLowerInvariant()}{(p.Note is null ? string.Empty : ": " + Escape(p.Note))} |");
        }

        AppendStartup(md);
        AppendSmokeTests(md);

        if (Attestations.Count > 0)
        {
            md.AppendLine();
            md.AppendLine($"Attestation manifests (not platforms): {string.Join(", ", Attestations.Select(a => $"`{Short(a.Digest)}`"))}.");
        }

        if (Diagnostics.Count > 0)
        {
            md.AppendLine();
            foreach (var d in Diagnostics.Where(d => d.Severity != DiagnosticSeverity.Message))
            {
                md.AppendLine($"- **{d.Severity.ToString().ToLowerInvariant()} {d.Code}**: {Escape(d.Message)}");
            }
        }

        return md.ToString();
    }

    /// <summary>The start-up check's table: what each platform would run and what it lacks.</summary>
    private void AppendStartup(StringBuilder md)
    {
        if (Platforms.All(p => p.Startup is null))
        {
            return;
        }

        md.AppendLine();
        md.AppendLine("| Platform | Start-up | Program | Interpreter | Shared libraries |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var p in Platforms.Where(p => p.Startup is not null))
        {
            var s = p.Startup!;
            var verdict = s.Verdict.ToString().ToLowerInvariant() + (s.Problems.Count == 0 ? string.Empty : ": " + string.Join("<br>", s.Problems.Select(Escape)));
            md.AppendLine($"| `{p.Platform}` | {verdict} | {Escape(s.Program ?? "-")} | {Escape(s.Interpreter ?? "-")} | {s.Libraries.Count} |");
        }
    }

    /// <summary>The smoke run's table: how each platform ran, its exit code, time and first lines.</summary>
    private void AppendSmokeTests(StringBuilder md)
    {
        if (SmokeTests is null || SmokeTests.Count == 0)
        {
            return;
        }

        md.AppendLine();
        md.AppendLine($"Smoke run: `{Escape(SmokeTests[0].Command)}`");
        md.AppendLine();
        md.AppendLine("| Platform | Ran | Exit code | Seconds | First lines of output | Verdict |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var s in SmokeTests)
        {
            var exit = s.TimedOut ? "timed out" : s.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-";
            var output = s.Output.Count == 0 ? "-" : "<code>" + string.Join("<br>", s.Output.Take(5).Select(l => System.Net.WebUtility.HtmlEncode(Escape(l)))) + "</code>";
            md.AppendLine($"| `{s.Platform}` | {s.Execution} | {exit} (expected {s.ExpectedExitCode}) | {s.DurationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} | {output} | {(s.Passed ? "passed" : "failed")} |");
        }
    }

    private static string Short(string digest) => digest.Length > 19 ? digest[..19] : digest;

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
