using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// MULTIARCH2016: two stages with one name; BuildKit compares names case-insensitively (it lower-cases them) and
/// refuses the Dockerfile. Reported at the second stage's FROM.
/// </summary>
internal sealed class DuplicateStageNameRule : DockerfileRule
{
    public override string ResourceName => nameof(Strings.DuplicateStageName);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Error;

    public override string Title => "two stages with one name";

    public override bool RunsWithoutImageStage => true;

    public override void Check(DockerfileRuleContext context)
    {
        var named = new Dictionary<string, DockerfileStage>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in context.Document.Stages)
        {
            if (stage.Name is { } name && !named.TryAdd(name, stage))
            {
                context.Add(Finding(name, named[name].From.Line), stage.From);
            }
        }
    }
}
