using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// MULTIARCH2017: a FROM whose variables the global scope leaves empty (only ARGs before the first FROM, and build
/// args for them, reach a FROM line), so the image name is empty or broken and BuildKit refuses it.
/// </summary>
internal sealed class FromVariableUndefinedRule : DockerfileRule
{
    public override string ResourceName => nameof(Strings.FromVariableUndefined);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Error;

    public override string Title => "a FROM whose variable has no value";

    public override bool RunsWithoutImageStage => true;

    public override void Check(DockerfileRuleContext context)
    {
        foreach (var stage in context.Document.Stages)
        {
            var (undefined, expanded) = context.Graph.ExpandFrom(stage.BaseImage);
            var unusable = string.IsNullOrWhiteSpace(expanded) || expanded.StartsWith('/') || expanded.StartsWith(':') || expanded.EndsWith(':') || expanded.Contains("//", StringComparison.Ordinal);
            if (undefined.Count > 0 && unusable)
            {
                context.Add(Finding(stage.BaseImage, undefined[0], expanded), stage.From);
            }
        }
    }
}
