using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>MULTIARCH2005: an automatic platform ARG declared with a default (<c>ARG TARGETARCH=amd64</c>), globally or in a stage: every platform sees that value.</summary>
internal sealed class AutomaticArgHasDefaultRule : DockerfileRule
{
    public override string ResourceName => nameof(Strings.AutomaticArgHasDefault);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Warning;

    public override string Title => "an automatic platform ARG with a default value";

    public override void Check(DockerfileRuleContext context)
    {
        foreach (var global in context.Document.GlobalArgs.Where(a => StageGraph.AutomaticArgs.Contains(a.Name) && a.DefaultValue is not null))
        {
            context.Add(Finding(global.Name, global.DefaultValue), global.Line);
        }

        foreach (var instruction in context.Document.Stages.SelectMany(s => s.Instructions).Where(i => i.Is("ARG")))
        {
            foreach (var arg in DockerfileParser.ParseArgs(instruction).Where(a => StageGraph.AutomaticArgs.Contains(a.Name) && a.DefaultValue is not null))
            {
                context.Add(Finding(arg.Name, arg.DefaultValue), instruction);
            }
        }
    }
}
