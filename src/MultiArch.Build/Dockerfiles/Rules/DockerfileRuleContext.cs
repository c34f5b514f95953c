using MultiArch.Build.Diagnostics;

namespace MultiArch.Build.Dockerfiles;

/// <summary>What every rule reads (the document, its stage graph, the build's options) and where it reports.</summary>
internal sealed class DockerfileRuleContext(DockerfileDocument document, StageGraph graph, DockerfileCheckOptions options, List<Diagnostic> findings)
{
    public DockerfileDocument Document { get; } = document;

    public StageGraph Graph { get; } = graph;

    public DockerfileCheckOptions Options { get; } = options;

    /// <summary>The target platforms as the messages list them.</summary>
    public string TargetList { get; } = string.Join(", ", options.TargetPlatforms);

    /// <summary>True when $BUILDPLATFORM differs from some $TARGETPLATFORM: several targets, or one not native.</summary>
    public bool BuildsForeignPlatforms { get; } = options.TargetPlatforms.Count > 1 || options.TargetPlatforms.Any(t => !options.NativePlatforms.Contains(t));

    /// <summary>Whether a file or value for this architecture (any vocabulary: x86_64, aarch64) is wrong for some target platform.</summary>
    public bool ArchitectureConflicts(string architecture)
    {
        var archs = Options.TargetPlatforms.Select(p => p.Architecture).Distinct().ToList();
        return archs.Count > 1 || !archs.Contains(Toolchains.NormalizeArch(architecture));
    }

    /// <summary>The stages that feed the image and run on the target platform (their RUN steps run as each target).</summary>
    public IEnumerable<DockerfileStage> TargetStages => Graph.FeedingStages.Where(s => Graph.PlatformOf(s).Kind is StagePlatformKind.Target);

    /// <summary>The findings so far, of every rule that ran before.</summary>
    public IReadOnlyList<Diagnostic> Findings => findings;

    public void Add(Diagnostic diagnostic, Instruction at) => findings.Add(diagnostic.At(Document.Path, at.Line, 1));

    public void Add(Diagnostic diagnostic, int line) => findings.Add(diagnostic.At(Document.Path, line, 1));
}
