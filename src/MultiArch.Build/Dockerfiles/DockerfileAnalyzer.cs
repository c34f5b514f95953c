using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>What the build will do, as far as the checks need to know.</summary>
internal sealed record DockerfileCheckOptions
{
    /// <summary>The platforms being built (normalized).</summary>
    public required IReadOnlyList<OciPlatform> TargetPlatforms { get; init; }

    /// <summary>Platforms the builder runs natively (no emulation). Default: the build machine's.</summary>
    public IReadOnlyList<OciPlatform> NativePlatforms { get; init; } = [OciPlatform.Host()];

    /// <summary>The stage that becomes the image (<c>--target</c>); null: the last stage.</summary>
    public string? BuildTarget { get; init; }

    /// <summary><c>--build-arg</c> values.</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    /// <summary>Which checks run: in the pipeline, the ones that judge emulation wait for the builder's native platforms.</summary>
    public DockerfileCheckScope Scope { get; init; } = DockerfileCheckScope.All;
}

/// <summary>
/// The checks split by what they need to know. Those that judge emulation (MULTIARCH2007, 2008) need the
/// builder's native platforms, which only the preflight learns; all others need only the Dockerfile.
/// </summary>
internal enum DockerfileCheckScope
{
    All,

    /// <summary>Everything but the emulation checks (before the preflight).</summary>
    WithoutEmulation,

    /// <summary>Only the emulation checks (after the preflight, with the builder's native platforms).</summary>
    EmulationOnly,
}

/// <summary>
/// The multi-platform checks: each finds a Dockerfile line that makes a multi-arch image wrong, slow or fragile,
/// following BuildKit's ARG and platform semantics. Pure: a document in, diagnostics out. Each check is a rule of
/// its own in <c>Rules/</c> (<see cref="DockerfileRules.All"/>); this runs those the scope asks for.
/// </summary>
internal static class DockerfileAnalyzer
{
    public static IReadOnlyList<Diagnostic> Analyze(DockerfileDocument document, DockerfileCheckOptions options)
    {
        var findings = new List<Diagnostic>();
        if (document.Stages.Count == 0)
        {
            return findings;
        }

        var graph = new StageGraph(document, options.BuildArgs, options.BuildTarget);
        var context = new DockerfileRuleContext(document, graph, options, findings);
        var rules = DockerfileRules.All.Where(r => options.Scope switch
        {
            DockerfileCheckScope.WithoutEmulation => !r.JudgesEmulation,
            DockerfileCheckScope.EmulationOnly => r.JudgesEmulation,
            _ => true,
        }).ToList();

        // What BuildKit refuses whatever the target is reported also when the target names no stage.
        foreach (var rule in rules.Where(r => r.RunsWithoutImageStage))
        {
            rule.Check(context);
        }

        if (graph.ImageStage is null)
        {
            var stages = string.Join(", ", document.Stages.Select(s => s.DisplayName));
            findings.Add(Diagnostic.Error(nameof(Strings.DockerfileBuildTargetUnknown), options.BuildTarget, stages).At(document.Path, 1, 1));
            return findings;
        }

        foreach (var rule in rules.Where(r => !r.RunsWithoutImageStage))
        {
            rule.Check(context);
        }

        return findings
            .OrderBy(f => f.Line)
            .ThenBy(f => f.Code, StringComparer.Ordinal)
            .ToList();
    }
}
