using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// MULTIARCH2003: a $BUILDPLATFORM stage feeding the image compiles for the build machine: <c>go build</c> without
/// GOARCH, <c>dotnet publish/build/restore</c> without <c>-a</c>/<c>-r</c> (portable IL excepted), <c>cargo build</c>
/// without <c>--target</c>.
/// </summary>
internal sealed class BuildPlatformStageCompilesForBuildMachineRule : DockerfileRule
{
    public override string ResourceName => nameof(Strings.BuildPlatformStageCompilesForBuildMachine);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Warning;

    public override string Title => "a $BUILDPLATFORM stage compiles for the build machine";

    public override void Check(DockerfileRuleContext context)
    {
        if (!context.BuildsForeignPlatforms)
        {
            return;
        }

        foreach (var stage in context.Graph.FeedingStages.Where(s => context.Graph.PlatformOf(s).Kind == StagePlatformKind.Build))
        {
            foreach (var run in stage.Instructions.Where(i => i.Is("RUN")))
            {
                var scope = context.Graph.ScopeAt(stage, run.Line);
                var shell = ShellScript.Of(run);
                foreach (var command in ShellScript.Commands(shell))
                {
                    if (Toolchains.GoBuild().Match(command) is { Success: true } go && !ShellScript.SetsVariable(shell, scope, "GOARCH"))
                    {
                        context.Add(Finding(go.Value, stage.DisplayName, "set GOARCH=$TARGETARCH (and GOOS=$TARGETOS), with 'ARG TARGETOS TARGETARCH' in the stage"), run);
                    }
                    else if (Toolchains.DotnetBuild().Match(command) is { Success: true } dotnet && Toolchains.DotnetArchitecture(command) is null && !Toolchains.DotnetIsPortable(command))
                    {
                        context.Add(Finding(dotnet.Value, stage.DisplayName, "pass -a $TARGETARCH (with 'ARG TARGETARCH' in the stage); framework-dependent IL is portable, the apphost and RID-specific assets are not"), run);
                    }
                    else if (Toolchains.CargoBuild().Match(command) is { Success: true } cargo && !command.Contains("--target", StringComparison.Ordinal) && !ShellScript.SetsVariable(shell, scope, "CARGO_BUILD_TARGET"))
                    {
                        context.Add(Finding(cargo.Value, stage.DisplayName, "pass --target with the Rust target triple for $TARGETARCH"), run);
                    }
                }
            }
        }
    }
}
