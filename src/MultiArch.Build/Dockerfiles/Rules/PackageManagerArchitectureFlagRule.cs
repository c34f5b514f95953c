using System.Text.RegularExpressions;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// MULTIARCH2021: a package manager told to fetch native packages for one constant architecture in a stage that feeds
/// the image of a multi-platform build: <c>npm install/ci/rebuild --arch=x64</c> (also yarn, pnpm, <c>--cpu</c>,
/// <c>--target_arch</c>), <c>npm_config_arch=x64</c> in <c>ENV</c> or a RUN, <c>pip download/install --platform
/// manylinux2014_x86_64</c>, and a platform package installed by name (<c>npm install lightningcss-linux-x64-gnu</c>,
/// <c>@img/sharp-linux-x64</c>). Values from $TARGETARCH, and steps that map it, are not reported.
/// </summary>
internal sealed partial class PackageManagerArchitectureFlagRule : DockerfileRule
{
    private const string NodeFix = "Drop the flag (npm fetches for the CPU it runs on, in a stage that runs on each target platform) or pass the architecture mapped from $TARGETARCH (amd64: x64, arm64: arm64).";
    private const string PackageFix = "Pick the package from $TARGETARCH (case \"$TARGETARCH\" in amd64) P=NAME-linux-x64 ;; arm64) P=NAME-linux-arm64 ;; esac), or let npm install the optional dependency for the CPU it runs on, in a stage that runs on each target platform.";
    private const string PipFix = "Take the platform tag from $TARGETARCH (amd64: x86_64, arm64: aarch64), or let pip choose in a stage that runs on each target platform.";

    public override string ResourceName => nameof(Strings.PackageManagerArchitectureFlag);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Warning;

    public override string Title => "a package manager's architecture flag";

    public override void Check(DockerfileRuleContext context)
    {
        foreach (var stage in context.Graph.FeedingStages)
        {
            foreach (var instruction in stage.Instructions)
            {
                var scope = context.Graph.ScopeAt(stage, instruction.Line);
                if (instruction.Is("ENV"))
                {
                    foreach (var (name, value) in DockerfileParser.ParseEnv(instruction).Where(e => NpmConfigVariable().IsMatch(e.Name)))
                    {
                        Report(context, stage, instruction, scope, $"{name}={value}", value, NodeFix);
                    }

                    continue;
                }

                if (!instruction.Is("RUN"))
                {
                    continue;
                }

                var shell = ShellScript.Of(instruction);
                if (ShellScript.MapsTargetArchitecture(shell))
                {
                    continue;
                }

                foreach (var command in ShellScript.Commands(shell))
                {
                    var found = NodeFlag().Match(command) is { Success: true } node && NodePackageManager().IsMatch(command) ? (node, NodeFix)
                        : NpmConfigAssignment().Match(command) is { Success: true } config ? (config, NodeFix)
                        : PipPlatform().Match(command) is { Success: true } pip && PipCommand().IsMatch(command) ? (pip, PipFix)
                        : NodeInstall().IsMatch(command) && PlatformPackage().Match(command) is { Success: true } package ? (package, PackageFix)
                        : default;
                    if (found.Item1 is { } match && Report(context, stage, instruction, scope, match.Value.Trim(), match.Groups["value"].Value, found.Item2))
                    {
                        break;
                    }
                }
            }
        }
    }

    /// <summary>Whether the command installs an npm platform package by name (MULTIARCH2021's, not an architecture literal of MULTIARCH2018).</summary>
    public static bool InstallsPlatformPackage(string command)
        => NodeInstall().IsMatch(command) && PlatformPackage().IsMatch(command);

    private bool Report(DockerfileRuleContext context, DockerfileStage stage, Instruction at, IReadOnlyDictionary<string, ScopedVariable> scope, string shown, string value, string fix)
    {
        if (context.Graph.Resolve(DockerfileParser.Unquote(value), scope) is not { Origin: ValueOrigin.Constant, Value: { Length: > 0 } constant }
            || Toolchains.ArchitectureToken().Match(constant) is not { Success: true } arch || !context.ArchitectureConflicts(arch.Value))
        {
            return false;
        }

        context.Add(Finding(shown, arch.Value, stage.DisplayName, context.TargetList, fix), at);
        return true;
    }

    [GeneratedRegex(@"(?<![\w-])(npm|npx|yarn|pnpm|node-gyp|prebuild-install)\b")]
    private static partial Regex NodePackageManager();

    [GeneratedRegex(@"--(arch|cpu|target_arch|target-arch)[=\s]+(?<value>""[^""]*""|'[^']*'|[^\s;&|]+)")]
    private static partial Regex NodeFlag();

    [GeneratedRegex(@"^npm_config_(arch|target_arch|cpu)$", RegexOptions.IgnoreCase)]
    private static partial Regex NpmConfigVariable();

    [GeneratedRegex(@"(?<![\w$])npm_config_(arch|target_arch|cpu)=(?<value>""[^""]*""|'[^']*'|[^\s;&|]+)", RegexOptions.IgnoreCase)]
    private static partial Regex NpmConfigAssignment();

    [GeneratedRegex(@"(?<![\w-])pip[0-9.]*\s+(download|install|wheel)\b|python[0-9.]*\s+-m\s+pip\s+(download|install|wheel)\b")]
    private static partial Regex PipCommand();

    [GeneratedRegex(@"--platform[=\s]+(?<value>""[^""]*""|'[^']*'|[^\s;&|]+)")]
    private static partial Regex PipPlatform();

    [GeneratedRegex(@"(?<![\w-])(npm|pnpm|yarn|bun)\s+(.*\s)?(install|i|add|pack)\b")]
    private static partial Regex NodeInstall();

    /// <summary>An npm package built for one platform, named for it: lightningcss-linux-x64-gnu@1.32.0, @img/sharp-linuxmusl-arm64, @esbuild/linux-x64.</summary>
    [GeneratedRegex(@"(?<=[\s""'])(?<value>(@[\w.-]+/)?([\w.-]*-)?linux(musl)?-(x64|arm64|ia32|arm|s390x|ppc64|riscv64|loong64)(-(gnu|musl|gnueabihf|musleabihf|msvc))?(@[\w.^~-]+)?)(?=[\s""';&|]|$)")]
    private static partial Regex PlatformPackage();

}
