using System.Text.RegularExpressions;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// MULTIARCH2019: a <c>--platform=$BUILDPLATFORM</c> stage that downloads a program (curl/wget of a URL, <c>ADD</c> of a
/// URL, an install script piped to a shell) without cross-compiling anything, and whose download a target-platform
/// stage of the image copies (<c>COPY --from</c>): the helm/kubectl/crictl that every platform then holds is the build
/// machine's. Reported at the step that downloads, naming the COPY. A stage that chooses from $TARGETARCH (or
/// $TARGETPLATFORM, ...) anywhere, or uses tonistiigi/xx (<c>xx-*</c>), cross-compiles: it is left alone. So is a
/// COPY that cannot carry the download: one of portable files (a JAR, scripts, static assets, node_modules, a frontend's
/// dist/, charts/, a framework-dependent publish folder) or of a path the download step does not write and that is no
/// program folder (bin, sbin, lib): the tool downloaded to build them ran on the build machine, as it should.
/// </summary>
internal sealed partial class BuildPlatformToolCopiedIntoImageRule : DockerfileRule
{
    public override string ResourceName => nameof(Strings.BuildPlatformToolCopiedIntoImage);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Warning;

    public override string Title => "a $BUILDPLATFORM stage's downloaded program copied into the image";

    public override void Check(DockerfileRuleContext context)
    {
        if (!context.BuildsForeignPlatforms)
        {
            return;
        }

        var reported = new HashSet<int>();
        foreach (var (copy, source) in CopiesIntoTargetStages(context))
        {
            // The copied stage and the stages it is FROM: all on the build machine, all in what is copied.
            var chain = new List<DockerfileStage>();
            for (var s = source; s is not null && context.Graph.PlatformOf(s).Kind == StagePlatformKind.Build && chain.Count <= context.Document.Stages.Count; s = context.Graph.ParentOf(s))
            {
                chain.Add(s);
            }

            if (chain.Count == 0 || chain.Any(CrossCompiles))
            {
                continue;
            }

            var sources = StageFlow.CopySources(copy).Where(p => !PortableSource().IsMatch(p.TrimEnd('/'))).Select(p => StageFlow.Normalize("/" + p.TrimStart('/'))).ToList();
            if (sources.Count == 0)
            {
                continue;
            }

            foreach (var stage in chain)
            {
                var download = stage.Instructions.FirstOrDefault(i => IsDownload(i) && Carries(context, stage, i, sources));
                if (download is not null && reported.Add(download.Line))
                {
                    var shown = download.Is("RUN") ? FirstDownloadCommand(ShellScript.Of(download)) : $"ADD {download.Arguments}";
                    var why = BuildMachineArchitecture().Match(ShellScript.UsageText(download)) is { Success: true } m ? $" (its URL takes the architecture from {m.Value})" : string.Empty;
                    context.Add(Finding(shown, stage.DisplayName, why, copy.Line, context.TargetList), download);
                }
            }
        }
    }

    /// <summary>Each COPY/ADD --from (and RUN --mount from=) in a target-platform stage feeding the image, with the stage it reads.</summary>
    private static IEnumerable<(Instruction Copy, DockerfileStage Source)> CopiesIntoTargetStages(DockerfileRuleContext context)
    {
        foreach (var stage in context.TargetStages)
        {
            foreach (var instruction in stage.Instructions.Where(i => i.Is("COPY") || i.Is("ADD")))
            {
                foreach (var from in instruction.FlagValues("from"))
                {
                    if (context.Document.FindStage(context.Graph.ExpandGlobal(from, markers: false), stage.Index) is { } source)
                    {
                        yield return (instruction, source);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Whether a copied path can hold what the download step fetched: it lies in a program folder (bin, sbin, lib, where
    /// installers put programs), or it overlaps a path the step names (an <c>-o</c> file, a <c>tar -C</c> or <c>mv</c>
    /// target, ADD's destination), or, for an install script piped to a shell, the working directory it runs in.
    /// </summary>
    private static bool Carries(DockerfileRuleContext context, DockerfileStage stage, Instruction download, IReadOnlyList<string> sources)
    {
        if (sources.Any(s => ProgramFolder().IsMatch(s) || s == "/"))
        {
            return true;
        }

        var workdir = StageFlow.WorkdirAt(context.Graph, stage, download.Line);
        var written = new List<string>();
        var text = download.Is("RUN") ? ShellScript.Of(download) : download.Arguments;
        foreach (var raw in ShellScript.Words(text))
        {
            var word = DockerfileParser.Unquote(raw);
            if (word.Contains("://", StringComparison.Ordinal) || word.StartsWith('-') || word.Contains('$') || word.Contains('`')
                || !(word.StartsWith('/') || word.Contains('/') || word.Contains('.')))
            {
                continue;
            }

            if (StageFlow.Absolute(word, workdir ?? "/") is { } path)
            {
                written.Add(path);
            }
        }

        if (download.Is("RUN") && PipedInstaller().IsMatch(ShellScript.Of(download)))
        {
            written.Add(workdir ?? "/");
        }

        return sources.Any(s => written.Any(w => w != "/" && StageFlow.Overlaps(w, s)));
    }

    private static bool CrossCompiles(DockerfileStage stage)
        => stage.Instructions.Any(i => TargetOrXx().IsMatch(ShellScript.UsageText(i)));

    private static bool IsDownload(Instruction instruction)
        => (instruction.Is("ADD") && instruction.Arguments.Contains("://", StringComparison.Ordinal))
            || (instruction.Is("RUN") && FirstDownloadCommand(ShellScript.Of(instruction)).Length > 0);

    /// <summary>The first command that fetches a program (curl/wget of a URL, or a script piped to a shell), or empty.</summary>
    private static string FirstDownloadCommand(string shell)
    {
        if (PipedInstaller().Match(shell) is { Success: true } piped)
        {
            return piped.Value.Trim();
        }

        return ShellScript.Commands(shell).FirstOrDefault(c => Fetch().IsMatch(c) && c.Contains("://", StringComparison.Ordinal) && !NotAProgram().IsMatch(c)) ?? string.Empty;
    }

    [GeneratedRegex(@"\$\{?TARGET(ARCH|PLATFORM|OS|VARIANT)\b|(?<![\w-])xx-[a-z-]+")]
    private static partial Regex TargetOrXx();

    [GeneratedRegex(@"(?<![\w-])(curl|wget)\b")]
    private static partial Regex Fetch();

    [GeneratedRegex(@"(?<![\w-])(curl|wget)\b[^|;&\n]*://[^|;&\n]*\|\s*(sudo\s+)?(ba|da)?sh\b")]
    private static partial Regex PipedInstaller();

    /// <summary>Downloads of sources, keys, checksums and data: not programs for a CPU.</summary>
    [GeneratedRegex(@"\.(asc|gpg|key|pub|sha256|sha512|sha256sum|txt|json|ya?ml|md|pem|crt)\b|\.(jar|war|ear|js|mjs|css|html?|xml|properties|sh|py|rb|php|wasm)(?=[?#""'\s]|$)|/archive/|\.git\b|/src/|-src\.|source", RegexOptions.IgnoreCase)]
    private static partial Regex NotAProgram();

    /// <summary>Folders where programs and their libraries go: what a COPY of a downloaded tool takes.</summary>
    [GeneratedRegex(@"^(/usr(/local)?|/opt/[^/]+|/root/\.local|/root/\.cargo|/usr/local/cargo|/root/go|/go)?/(s?bin|lib(64|exec)?)(/|$)|^/(usr|usr/local|opt)$")]
    private static partial Regex ProgramFolder();

    /// <summary>Copies that hold no program for a CPU: JARs, scripts, web assets, data, and a JavaScript or static build's folders.</summary>
    [GeneratedRegex(@"(^|/)(node_modules|dist|public|static|assets|www|html|charts|templates|\.next|site|_site|config|conf|scripts)$|\.(jar|war|ear|js|mjs|cjs|css|html?|json|ya?ml|xml|txt|md|properties|conf|toml|ini|sh|py|rb|php|svg|png|ico|wasm)$", RegexOptions.IgnoreCase)]
    private static partial Regex PortableSource();

    [GeneratedRegex(@"\$\{?(BUILDARCH|BUILDPLATFORM)\}?|\$\(\s*uname\s+-m\s*\)|`uname -m`")]
    private static partial Regex BuildMachineArchitecture();
}
