using System.Text.RegularExpressions;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// MULTIARCH2018: a URL, a file name or a path with a constant architecture (<c>linux/amd64/kubectl</c>,
/// <c>helm-linux-arm64.tar.gz</c>, <c>/usr/lib/x86_64-linux-gnu</c>) or the build machine's (<c>$BUILDARCH</c>,
/// <c>$BUILDPLATFORM</c>) in a stage that runs on the target platform and feeds the image of a multi-platform build:
/// every platform gets the same file. Quiet when the step chooses from the target (a <c>case</c>/<c>if</c> on
/// <c>$TARGETARCH</c>, <c>$(uname -m)</c> or xx-info, which run as the target there), and for a build whose platforms
/// all have that architecture. Downloads in <c>$BUILDPLATFORM</c> stages are MULTIARCH2019's.
/// </summary>
internal sealed partial class ArchitectureLiteralInDownloadRule : DockerfileRule
{
    public override string ResourceName => nameof(Strings.ArchitectureLiteralInDownload);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Warning;

    public override string Title => "an architecture literal in a download or a path";

    public override void Check(DockerfileRuleContext context)
    {
        foreach (var stage in context.TargetStages)
        {
            foreach (var instruction in stage.Instructions.Where(i => i.Is("RUN") || i.Is("ADD") || i.Is("COPY")))
            {
                var text = instruction.Is("RUN") ? ShellScript.Of(instruction) : instruction.Arguments;
                if (instruction.Is("RUN") && ShellScript.ChoosesByArchitecture(text))
                {
                    continue;
                }

                // npm install lightningcss-linux-x64-gnu: a platform package, MULTIARCH2021's.
                if (instruction.Is("RUN"))
                {
                    text = string.Join("\n", ShellScript.Commands(text).Where(c => !PackageManagerArchitectureFlagRule.InstallsPlatformPackage(c)));
                }

                if (Find(text, context, anyWord: !instruction.Is("RUN")) is { } found)
                {
                    context.Add(Finding($"'{found.Word}'", found.Architecture, stage.DisplayName, context.TargetList), instruction);
                }
            }
        }
    }

    /// <summary>The first URL, path or file name (any word, for COPY/ADD) of the text that names an architecture wrong for some target, and that architecture as the message says it.</summary>
    private static (string Word, string Architecture)? Find(string text, DockerfileRuleContext context, bool anyWord)
    {
        foreach (var raw in ShellScript.Words(text))
        {
            var word = raw.Trim('\'', '"');
            // Every word of a COPY/ADD is a file (busybox-amd64); in a RUN only URLs, paths and downloaded file names are.
            if (!(anyWord || IsLocation(word)) || SedExpression().IsMatch(word))
            {
                continue;
            }

            if (BuildMachineArg().Match(word) is { Success: true } build)
            {
                return (word, $"the build machine's architecture (${build.Groups["name"].Value})");
            }

            // ${TARGETARCH:-amd64}, ${ARCH}: what a substitution stands for is not a literal of this word.
            var literal = Substitution().Replace(word, "$");
            if (Toolchains.ArchitectureToken().Match(literal) is { Success: true } token && context.ArchitectureConflicts(token.Value))
            {
                return (word, token.Value);
            }
        }

        return null;
    }

    /// <summary>A URL, a path, or a file name of something downloaded or installed (an archive, a package, a library).</summary>
    private static bool IsLocation(string word)
        => word.Contains("://", StringComparison.Ordinal) || word.Contains('/') || FileName().IsMatch(word);


    [GeneratedRegex(@"\$\{?(?<name>BUILDARCH|BUILDPLATFORM)\b")]
    private static partial Regex BuildMachineArg();

    /// <summary><c>s/x86_64/amd64/</c>: a mapping written for sed or tr, not a location.</summary>
    [GeneratedRegex(@"^[sy]([/|#,]).*\1")]
    private static partial Regex SedExpression();

    [GeneratedRegex(@"\$\{[^}]*\}")]
    private static partial Regex Substitution();

    [GeneratedRegex(@"\.(tar\.gz|tgz|tar\.xz|tar\.bz2|tar|zip|deb|rpm|apk|whl|so(\.\d+)*|gz|xz|AppImage|bin|run)$", RegexOptions.IgnoreCase)]
    private static partial Regex FileName();
}
