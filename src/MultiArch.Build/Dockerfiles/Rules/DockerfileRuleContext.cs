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

    /// <summary>The findings so far, of every rule that ran before.</summary>
    public IReadOnlyList<Diagnostic> Findings => findings;

    public void Add(Diagnostic diagnostic, Instruction at) => findings.Add(diagnostic.At(Document.Path, at.Line, 1));

    public void Add(Diagnostic diagnostic, int line) => findings.Add(diagnostic.At(Document.Path, line, 1));
}
