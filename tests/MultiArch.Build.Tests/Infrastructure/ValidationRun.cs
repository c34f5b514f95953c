using System.Text.Json;

namespace MultiArch.Build.Tests.Infrastructure;

/// <summary>
/// A real dotnet run that validates (and smoke-runs) an image, with what it leaves for a reader: its log, the report
/// (<c>obj/multiarch/validation.json</c>; <c>default</c> when none was written) and the GitHub step summary
/// (<c>GITHUB_STEP_SUMMARY</c> pointed into the project; empty when nothing was written).
/// </summary>
public sealed record ValidationRun(CliResult Result, JsonElement Report, string Summary)
{
    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> in the project's folder and reads what it wrote.</summary>
    public static async Task<ValidationRun> RunAsync(ThrowAwayProject project, IReadOnlyList<string> arguments)
    {
        var summary = Path.Combine(project.Directory, "step-summary.md");
        var result = await DotnetCli.RunAsync(project.Directory, arguments, new Dictionary<string, string?> { ["GITHUB_STEP_SUMMARY"] = summary });
        var reportPath = Path.Combine(project.Directory, "obj", "multiarch", "validation.json");
        var report = File.Exists(reportPath) ? JsonDocument.Parse(await File.ReadAllTextAsync(reportPath)).RootElement.Clone() : default;
        return new ValidationRun(result, report, File.Exists(summary) ? await File.ReadAllTextAsync(summary) : string.Empty);
    }

    /// <summary>The report's smoke run of <paramref name="platform"/>.</summary>
    public static JsonElement Smoke(JsonElement report, string platform)
        => report.GetProperty("smokeTests").EnumerateArray().Single(s => s.GetProperty("platform").GetString() == platform);
}
