using System.Text.RegularExpressions;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// MULTIARCH2003: a $BUILDPLATFORM stage feeding the image compiles for the build machine: <c>go build</c> without
/// GOARCH, <c>dotnet publish/build/restore</c> without <c>-a</c>/<c>-r</c> (portable IL excepted), <c>cargo build</c>
/// without <c>--target</c>.
/// </summary>
internal sealed partial class BuildPlatformStageCompilesForBuildMachineRule : DockerfileRule
{
    public override string ResourceName => nameof(Strings.BuildPlatformStageCompilesForBuildMachine);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Warning;

    public override string Title => "a $BUILDPLATFORM stage compiles for the build machine";

    /// <summary><c>dotnet build -o /app/build</c> whose output no stage of the image copies (the publish output is what is copied).</summary>
    private static bool OutputNeverReachesImage(DockerfileRuleContext context, DockerfileStage stage, Instruction run, string command)
        => Toolchains.DotnetOutput(command) is { } output
            && StageFlow.Absolute(output, StageFlow.WorkdirAt(context.Graph, stage, run.Line)) is { } path
            && !StageFlow.ReachesImage(context.Graph, stage, path);

    public override void Check(DockerfileRuleContext context)
    {
        if (!context.BuildsForeignPlatforms)
        {
            return;
        }

        foreach (var stage in context.Graph.FeedingStages.Where(s => context.Graph.PlatformOf(s).Kind == StagePlatformKind.Build))
        {
            // xx-go --wrap makes every later 'go build' of the stage cross-compile for $TARGETPLATFORM (tonistiigi/xx).
            // So does the go wrapper of the older tonistiigi/xx:golang image (COPY --from=tonistiigi/xx:golang / /).
            var wrapped = stage.Instructions.Any(i => i.Is("COPY") && i.FlagValues("from").Any(f => f.Contains("tonistiigi/xx:golang", StringComparison.OrdinalIgnoreCase)));
            foreach (var run in stage.Instructions.Where(i => i.Is("RUN")))
            {
                var scope = context.Graph.ScopeAt(stage, run.Line);
                var shell = ShellScript.Of(run);
                wrapped |= XxGoWrap().IsMatch(shell);
                var bare = AssignmentNeverReachesCommandRule.BareAssignedNames(shell);
                bool Reaches(string command, string variable)
                    => command.Contains(variable + "=", StringComparison.Ordinal) || scope.ContainsKey(variable) || ShellScript.Exports(shell, variable)

                        // A statement of its own never reaches the command: MULTIARCH2020 says so, once.
                        || bare.Contains(variable);

                var reported = new HashSet<string>(StringComparer.Ordinal);
                foreach (var command in ShellScript.Commands(shell))
                {
                    if (Toolchains.GoBuild().Match(command) is { Success: true } go && !wrapped && !Reaches(command, "GOARCH") && reported.Add("go"))
                    {
                        context.Add(Finding(go.Value, stage.DisplayName, "set GOARCH=$TARGETARCH (and GOOS=$TARGETOS) on each go command, or export them, with 'ARG TARGETOS TARGETARCH' in the stage"), run);
                    }
                    else if (Toolchains.DotnetBuild().Match(command) is { Success: true } dotnet && Toolchains.DotnetArchitecture(command) is null && !Toolchains.DotnetIsPortable(command)
                        && !OutputNeverReachesImage(context, stage, run, command) && reported.Add("dotnet"))
                    {
                        context.Add(Finding(dotnet.Value, stage.DisplayName, "pass -a $TARGETARCH (with 'ARG TARGETARCH' in the stage); framework-dependent IL is portable, the apphost and RID-specific assets are not"), run);
                    }
                    else if (Toolchains.CargoBuild().Match(command) is { Success: true } cargo && !command.Contains("--target", StringComparison.Ordinal) && !Reaches(command, "CARGO_BUILD_TARGET") && reported.Add("cargo"))
                    {
                        context.Add(Finding(cargo.Value, stage.DisplayName, "pass --target with the Rust target triple for $TARGETARCH"), run);
                    }
                }
            }
        }
    }

    [GeneratedRegex(@"(?<![\w-])xx-go\s+--wrap\b")]
    private static partial Regex XxGoWrap();
}
