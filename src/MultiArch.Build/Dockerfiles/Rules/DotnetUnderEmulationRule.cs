using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>MULTIARCH2008: a RUN step runs <c>dotnet</c> in a target-platform stage feeding the image, under QEMU for a non-native platform; .NET is not supported there.</summary>
internal sealed class DotnetUnderEmulationRule : DockerfileRule
{
    public override string ResourceName => nameof(Strings.DotnetUnderEmulation);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Warning;

    public override string Title => ".NET under emulation";

    public override bool JudgesEmulation => true;

    public override void Check(DockerfileRuleContext context)
    {
        if (EmulatedRunStepsRule.EmulatedPlatforms(context) is not { Length: > 0 } list)
        {
            return;
        }

        foreach (var stage in context.Graph.FeedingStages.Where(s => context.Graph.PlatformOf(s).Kind == StagePlatformKind.Target))
        {
            foreach (var run in stage.Instructions.Where(i => i.Is("RUN")))
            {
                if (Toolchains.DotnetAny().Match(ShellScript.Of(run)) is { Success: true } dotnet)
                {
                    context.Add(Finding(dotnet.Value.Trim(), list), run);
                }
            }
        }
    }
}
