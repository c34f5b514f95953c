using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>MULTIARCH2004: an automatic platform ARG used in a stage that does not declare it (<c>ARG TARGETARCH</c>): it is empty there.</summary>
internal sealed class AutomaticArgNotDeclaredRule : DockerfileRule
{
    public override string ResourceName => nameof(Strings.AutomaticArgNotDeclared);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Warning;

    public override string Title => "an automatic platform ARG used without being declared in the stage";

    public override void Check(DockerfileRuleContext context)
    {
        foreach (var stage in context.Document.Stages)
        {
            var reported = new HashSet<string>(StringComparer.Ordinal);
            foreach (var instruction in stage.Instructions)
            {
                // CMD, ENTRYPOINT and HEALTHCHECK run in the container, where build ARGs never exist.
                if (instruction.Is("CMD") || instruction.Is("ENTRYPOINT") || instruction.Is("HEALTHCHECK") || instruction.Is("ARG"))
                {
                    continue;
                }

                var text = ShellScript.UsageText(instruction);
                var scope = context.Graph.ScopeAt(stage, instruction.Line);
                foreach (var name in VariableExpander.ReferencedNames(text, context.Document.EscapeCharacter).Distinct())
                {
                    if (StageGraph.AutomaticArgs.Contains(name) && !scope.ContainsKey(name) && !ShellScript.AssignsVariable(text, name) && reported.Add(name))
                    {
                        context.Add(Finding(name, stage.DisplayName), instruction);
                    }
                }
            }
        }
    }
}
