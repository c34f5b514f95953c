using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>MULTIARCH2007: RUN steps of a target-platform stage feeding the image run under QEMU for the non-native platforms. One message per stage, at its first RUN.</summary>
internal sealed class EmulatedRunStepsRule : DockerfileRule
{
    public override string ResourceName => nameof(Strings.EmulatedRunSteps);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Message;

    public override string Title => "RUN steps under emulation";

    public override bool JudgesEmulation => true;

    public override void Check(DockerfileRuleContext context)
    {
        if (EmulatedPlatforms(context) is not { Length: > 0 } list)
        {
            return;
        }

        foreach (var stage in context.Graph.FeedingStages.Where(s => context.Graph.PlatformOf(s).Kind == StagePlatformKind.Target))
        {
            var runs = stage.Instructions.Where(i => i.Is("RUN")).ToList();
            if (runs.Count > 0)
            {
                context.Add(Finding(stage.DisplayName, list, runs.Count), runs[0]);
            }
        }
    }

    /// <summary>The target platforms the builder does not run natively, listed for a message; empty when none.</summary>
    public static string EmulatedPlatforms(DockerfileRuleContext context)
        => string.Join(", ", context.Options.TargetPlatforms.Where(t => !context.Options.NativePlatforms.Contains(t)));
}
