using System.Text.RegularExpressions;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>What the build will do, as far as the checks need to know.</summary>
internal sealed record DockerfileCheckOptions
{
    /// <summary>The platforms being built (normalized).</summary>
    public required IReadOnlyList<OciPlatform> TargetPlatforms { get; init; }

    /// <summary>Platforms the builder runs natively (no emulation). Default: the build machine's.</summary>
    public IReadOnlyList<OciPlatform> NativePlatforms { get; init; } = [OciPlatform.Host()];

    /// <summary>The stage that becomes the image (<c>--target</c>); null: the last stage.</summary>
    public string? BuildTarget { get; init; }

    /// <summary><c>--build-arg</c> values.</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    /// <summary>Which checks run: in the pipeline, the ones that judge emulation wait for the builder's native platforms.</summary>
    public DockerfileCheckScope Scope { get; init; } = DockerfileCheckScope.All;
}

/// <summary>
/// The checks split by what they need to know. Those that judge emulation (MULTIARCH2007, 2008) need the
/// builder's native platforms, which only the preflight learns; all others need only the Dockerfile.
/// </summary>
internal enum DockerfileCheckScope
{
    All,

    /// <summary>Everything but the emulation checks (before the preflight).</summary>
    WithoutEmulation,

    /// <summary>Only the emulation checks (after the preflight, with the builder's native platforms).</summary>
    EmulationOnly,
}

/// <summary>
/// The multi-platform checks: each finds a Dockerfile line that makes a multi-arch image wrong, slow
/// or fragile, following BuildKit's ARG and platform semantics. Pure: a document in, diagnostics out.
/// </summary>
internal static partial class DockerfileAnalyzer
{
    /// <summary>
    /// What BuildKit refuses before it builds anything, reported at the line: two stages with one name (names are
    /// compared case-insensitively, as BuildKit lower-cases them), and a FROM whose variables the global scope
    /// leaves empty (only ARGs before the first FROM, and build args for them, reach a FROM line).
    /// </summary>
    private static void CheckStagesBuildKitRefuses(DockerfileDocument document, StageGraph graph, List<Diagnostic> findings)
    {
        var named = new Dictionary<string, DockerfileStage>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in document.Stages)
        {
            if (stage.Name is { } name && !named.TryAdd(name, stage))
            {
                findings.Add(Diagnostic.Error(nameof(Strings.DuplicateStageName), name, named[name].From.Line).At(document.Path, stage.From.Line, 1));
            }

            var (undefined, expanded) = graph.ExpandFrom(stage.BaseImage);
            var unusable = string.IsNullOrWhiteSpace(expanded) || expanded.StartsWith('/') || expanded.StartsWith(':') || expanded.EndsWith(':') || expanded.Contains("//", StringComparison.Ordinal);
            if (undefined.Count > 0 && unusable)
            {
                findings.Add(Diagnostic.Error(nameof(Strings.FromVariableUndefined), stage.BaseImage, undefined[0], expanded).At(document.Path, stage.From.Line, 1));
            }
        }
    }

    public static IReadOnlyList<Diagnostic> Analyze(DockerfileDocument document, DockerfileCheckOptions options)
    {
        var findings = new List<Diagnostic>();
        if (document.Stages.Count == 0)
        {
            return findings;
        }

        var graph = new StageGraph(document, options.BuildArgs, options.BuildTarget);
        if (options.Scope != DockerfileCheckScope.EmulationOnly)
        {
            CheckStagesBuildKitRefuses(document, graph, findings);
        }

        if (graph.ImageStage is null)
        {
            var stages = string.Join(", ", document.Stages.Select(s => s.DisplayName));
            findings.Add(Diagnostic.Error(nameof(Strings.DockerfileBuildTargetUnknown), options.BuildTarget, stages).At(document.Path, 1, 1));
            return findings;
        }

        var context = new Context(document, graph, options, findings);
        if (options.Scope != DockerfileCheckScope.EmulationOnly)
        {
            CheckImageStagePlatform(context);
            CheckBuildPlatformCompiles(context);
            CheckAutomaticArgs(context);
            CheckHardCodedArchitectures(context);
            CheckListenPort(context);
        }

        if (options.Scope != DockerfileCheckScope.WithoutEmulation)
        {
            CheckEmulatedRunSteps(context);
        }

        return findings
            .OrderBy(f => f.Line)
            .ThenBy(f => f.Code, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Check 1: the image stage must follow $TARGETPLATFORM (the Helm/Ansible operator failure).</summary>
    private static void CheckImageStagePlatform(Context c)
    {
        var image = c.Graph.ImageStage!;
        var platform = c.Graph.PlatformOf(image);
        var targets = c.TargetList;
        switch (platform.Kind)
        {
            case StagePlatformKind.Build when c.BuildsForeignPlatforms:
                c.Add(Diagnostic.Error(nameof(Strings.ImageStagePinnedToBuildPlatform), image.DisplayName, targets), platform.DecidedAt);
                break;
            case StagePlatformKind.Constant when c.Options.TargetPlatforms.Any(t => !t.Equals(platform.Constant)):
                c.Add(Diagnostic.Error(nameof(Strings.ImageStagePinnedToConstantPlatform), image.DisplayName, platform.Constant, targets, platform.Raw), platform.DecidedAt);
                break;
        }
    }

    /// <summary>Check 2: a $BUILDPLATFORM stage feeding the image compiles for the target, not for the build machine.</summary>
    private static void CheckBuildPlatformCompiles(Context c)
    {
        if (!c.BuildsForeignPlatforms)
        {
            return;
        }

        foreach (var stage in c.Graph.FeedingStages.Where(s => c.Graph.PlatformOf(s).Kind == StagePlatformKind.Build))
        {
            foreach (var run in stage.Instructions.Where(i => i.Is("RUN")))
            {
                var scope = c.Graph.ScopeAt(stage, run.Line);
                var shell = ShellText(run);
                foreach (var command in ShellCommands(shell))
                {
                    if (GoBuild().Match(command) is { Success: true } go && !SetsVariable(shell, scope, "GOARCH"))
                    {
                        c.Add(Diagnostic.Warning(nameof(Strings.BuildPlatformStageCompilesForBuildMachine), go.Value, stage.DisplayName, "set GOARCH=$TARGETARCH (and GOOS=$TARGETOS), with 'ARG TARGETOS TARGETARCH' in the stage"), run);
                    }
                    else if (DotnetBuild().Match(command) is { Success: true } dotnet && DotnetArchitecture(command) is null && !DotnetIsPortable(command))
                    {
                        c.Add(Diagnostic.Warning(nameof(Strings.BuildPlatformStageCompilesForBuildMachine), dotnet.Value, stage.DisplayName, "pass -a $TARGETARCH (with 'ARG TARGETARCH' in the stage); framework-dependent IL is portable, the apphost and RID-specific assets are not"), run);
                    }
                    else if (CargoBuild().Match(command) is { Success: true } cargo && !command.Contains("--target", StringComparison.Ordinal) && !SetsVariable(shell, scope, "CARGO_BUILD_TARGET"))
                    {
                        c.Add(Diagnostic.Warning(nameof(Strings.BuildPlatformStageCompilesForBuildMachine), cargo.Value, stage.DisplayName, "pass --target with the Rust target triple for $TARGETARCH"), run);
                    }
                }
            }
        }
    }

    /// <summary>Check 3: automatic platform ARGs used without 'ARG NAME' in the stage, or given a default.</summary>
    private static void CheckAutomaticArgs(Context c)
    {
        foreach (var global in c.Document.GlobalArgs.Where(a => StageGraph.AutomaticArgs.Contains(a.Name) && a.DefaultValue is not null))
        {
            c.Add(Diagnostic.Warning(nameof(Strings.AutomaticArgHasDefault), global.Name, global.DefaultValue), global.Line);
        }

        foreach (var stage in c.Document.Stages)
        {
            var reported = new HashSet<string>(StringComparer.Ordinal);
            foreach (var instruction in stage.Instructions)
            {
                if (instruction.Is("ARG"))
                {
                    foreach (var arg in DockerfileParser.ParseArgs(instruction).Where(a => StageGraph.AutomaticArgs.Contains(a.Name) && a.DefaultValue is not null))
                    {
                        c.Add(Diagnostic.Warning(nameof(Strings.AutomaticArgHasDefault), arg.Name, arg.DefaultValue), instruction);
                    }
                }

                // CMD, ENTRYPOINT and HEALTHCHECK run in the container, where build ARGs never exist.
                if (instruction.Is("CMD") || instruction.Is("ENTRYPOINT") || instruction.Is("HEALTHCHECK") || instruction.Is("ARG"))
                {
                    continue;
                }

                var text = UsageText(instruction);
                var scope = c.Graph.ScopeAt(stage, instruction.Line);
                foreach (var name in VariableExpander.ReferencedNames(text, c.Document.EscapeCharacter).Distinct())
                {
                    if (StageGraph.AutomaticArgs.Contains(name) && !scope.ContainsKey(name) && !AssignsShellVariable(text, name) && reported.Add(name))
                    {
                        c.Add(Diagnostic.Warning(nameof(Strings.AutomaticArgNotDeclared), name, stage.DisplayName), instruction);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Check 4: constant architectures in stages that feed the image of a multi-platform build: written as literals
    /// (<c>GOARCH=amd64</c>, <c>-r linux-x64</c>, <c>--target aarch64-unknown-linux-gnu</c>, <c>CC=aarch64-linux-gnu-gcc</c>)
    /// or reaching the compiler through ARG/ENV defaults and substitutions (<c>ARG GOARCH=amd64</c> then
    /// <c>go build</c>, which sees it in its environment, or <c>GOARCH=${ARCH}</c> with <c>ARG ARCH=amd64</c>).
    /// Values derived from the automatic TARGET* args, from --build-arg values, from shell variables or
    /// command substitutions, or mapped from $TARGETARCH in a case/test, are not hard-coding.
    /// </summary>
    private static void CheckHardCodedArchitectures(Context c)
    {
        var targets = c.Options.TargetPlatforms;
        var archs = targets.Select(p => p.Architecture).Distinct().ToList();
        bool ArchConflicts(string arch) => archs.Count > 1 || !archs.Contains(NormalizeArch(arch));

        // Whether a constant value of a cross-compile variable contradicts the platforms built.
        bool Conflicts(string variable, string value) => variable switch
        {
            "GOARCH" => ArchConflicts(value),
            "GOOS" => targets.Any(t => !t.Os.Equals(value, StringComparison.OrdinalIgnoreCase)),
            // GOARM matters only for 32-bit arm: several variants, or another one than the value.
            "GOARM" => targets.Where(t => t.Architecture == "arm").Select(t => t.Variant ?? "v7").Distinct().ToList() is { Count: > 0 } arm
                && (arm.Count > 1 || arm[0] != "v" + value.Split(',')[0]),
            "CC" or "CXX" or "CARGO_BUILD_TARGET" => TripleArchitecture(value) is { } triple && ArchConflicts(triple),
            _ => false,
        };

        foreach (var stage in c.Graph.FeedingStages)
        {
            var platform = c.Graph.PlatformOf(stage);
            if (stage != c.Graph.ImageStage && stage.PlatformFlag is not null && platform.Kind == StagePlatformKind.Constant
                && platform.DecidedAt == stage.From && targets.Any(t => !t.Equals(platform.Constant)))
            {
                c.Add(Diagnostic.Warning(nameof(Strings.HardCodedArchitecture), $"'--platform={stage.PlatformFlag}'", platform.Constant, c.TargetList, "--platform=$BUILDPLATFORM for a cross-compiling stage, or no --platform"), stage.From);
            }

            var namedReported = new HashSet<string>(StringComparer.Ordinal);
            void CheckArchitectureNamedVariables(Instruction instruction, IReadOnlyDictionary<string, ScopedVariable> scope)
            {
                // ARG GOARCH=amd64 (or ARCH=...) then curl .../linux-$GOARCH.tgz or COPY bin/linux/$ARCH/app: the same
                // constant for every platform, whatever uses it. Once per variable and stage, at its first use.
                foreach (var name in VariableExpander.ReferencedNames(UsageText(instruction), c.Document.EscapeCharacter).Distinct().Where(IsArchitectureName))
                {
                    if (c.Graph.Resolve("$" + name, scope) is { Origin: ValueOrigin.Constant, Value: { Length: > 0 } constant } resolved
                        && KnownArchitectures.Contains(NormalizeArch(constant)) && ArchConflicts(constant) && namedReported.Add(name))
                    {
                        c.Add(Diagnostic.Warning(nameof(Strings.HardCodedArchitecture), Shown("$" + name, null, resolved), constant, c.TargetList, $"$TARGETARCH (or 'ARG {name}' without a value, set from $TARGETARCH)"), instruction);
                    }
                }
            }

            foreach (var instruction in stage.Instructions)
            {
                var scope = c.Graph.ScopeAt(stage, instruction.Line);
                if (instruction.Is("COPY") || instruction.Is("ADD"))
                {
                    CheckArchitectureNamedVariables(instruction, scope);
                }

                if (instruction.Is("ENV"))
                {
                    foreach (var (name, value) in DockerfileParser.ParseEnv(instruction).Where(e => CrossCompileVariables.Contains(e.Name)))
                    {
                        var resolved = c.Graph.Resolve(value, scope);
                        if (resolved is { Origin: ValueOrigin.Constant, Value: { Length: > 0 } constant } && Conflicts(name, constant))
                        {
                            c.Add(Diagnostic.Warning(nameof(Strings.HardCodedArchitecture), Shown($"{name}={value}", name, resolved), constant, c.TargetList, Advice(name)), instruction);
                        }
                    }
                }

                if (!instruction.Is("RUN"))
                {
                    continue;
                }

                var shell = ShellText(instruction);
                if (MapsTargetArchitecture(shell))
                {
                    // case "$TARGETARCH" in amd64) GOARCH=amd64 ;; ...: literals that map, not hard-coding.
                    continue;
                }

                var reported = new HashSet<string>(StringComparer.Ordinal);
                foreach (var command in ShellCommands(shell))
                {
                    // VAR=value before a command, with export, or as a make variable.
                    foreach (Match m in CrossCompileAssignment().Matches(command))
                    {
                        var name = m.Groups["name"].Value;
                        var resolved = c.Graph.Resolve(DockerfileParser.Unquote(m.Groups["value"].Value), scope);
                        if (resolved is { Origin: ValueOrigin.Constant, Value: { Length: > 0 } constant } && Conflicts(name, constant) && reported.Add(name))
                        {
                            c.Add(Diagnostic.Warning(nameof(Strings.HardCodedArchitecture), Shown(m.Value.Trim(), name, resolved), constant, c.TargetList, Advice(name)), instruction);
                        }
                    }

                    // A compiler that takes the variable from its environment: an ARG's constant default is there too.
                    if (GoBuild().IsMatch(command))
                    {
                        foreach (var name in new[] { "GOARCH", "GOOS", "GOARM" })
                        {
                            if (!reported.Contains(name) && !Regex.IsMatch(shell, $@"(?<![\w$]){name}=", RegexOptions.CultureInvariant)
                                && scope.TryGetValue(name, out var variable) && variable.IsArg && variable.Value is not null
                                && c.Graph.Resolve("$" + name, scope) is { Origin: ValueOrigin.Constant, Value: { Length: > 0 } constant } resolved && Conflicts(name, constant))
                            {
                                reported.Add(name);
                                c.Add(Diagnostic.Warning(nameof(Strings.HardCodedArchitecture), Shown(GoBuild().Match(command).Value, name, resolved), constant, c.TargetList, $"'ARG {name}' without a value and {name}=$TARGETARCH, or no {name} ARG"), instruction);
                            }
                        }
                    }

                    if (DotnetBuild().IsMatch(command) && DotnetArchitecture(command) is { } arch)
                    {
                        var resolved = c.Graph.Resolve(arch.Value, scope);
                        if (resolved is { Origin: ValueOrigin.Constant, Value: { Length: > 0 } rid })
                        {
                            var platformOfValue = arch.IsRid && RuntimeIdentifierMap.TryGetPlatform(rid, out var p) ? p.Architecture : NormalizeArch(rid);
                            if (ArchConflicts(platformOfValue))
                            {
                                c.Add(Diagnostic.Warning(nameof(Strings.HardCodedArchitecture), Shown(arch.Text, null, resolved), rid, c.TargetList, "-a $TARGETARCH"), instruction);
                            }
                        }
                    }

                    if ((CargoBuild().IsMatch(command) || RustcCommand().IsMatch(command)) && RustTarget().Match(command) is { Success: true } target)
                    {
                        var resolved = c.Graph.Resolve(DockerfileParser.Unquote(target.Groups["value"].Value), scope);
                        if (resolved is { Origin: ValueOrigin.Constant, Value: { Length: > 0 } triple } && TripleArchitecture(triple) is { } tripleArch && ArchConflicts(tripleArch))
                        {
                            c.Add(Diagnostic.Warning(nameof(Strings.HardCodedArchitecture), Shown(target.Value.Trim(), null, resolved), triple, c.TargetList, "a --target mapped from $TARGETARCH (case \"$TARGETARCH\" in amd64) T=x86_64-unknown-linux-gnu ;; arm64) T=aarch64-unknown-linux-gnu ;; esac)"), instruction);
                        }
                    }
                }

                if (reported.Count == 0 && !c.Findings.Any(f => f.Line == instruction.Line && f.Code == "MULTIARCH2006"))
                {
                    CheckArchitectureNamedVariables(instruction, scope);
                }
            }
        }
    }

    /// <summary>Architecture names a constant must be one of to count as hard-coding through an architecture-named variable.</summary>
    private static readonly IReadOnlySet<string> KnownArchitectures = new HashSet<string>(StringComparer.Ordinal) { "amd64", "386", "arm64", "arm", "s390x", "ppc64le", "riscv64", "loong64", "mips64le" };

    /// <summary>GOARCH, ARCH, ARCHITECTURE, *_ARCH (not the automatic TARGETARCH/BUILDARCH).</summary>
    private static bool IsArchitectureName(string name)
        => !StageGraph.AutomaticArgs.Contains(name) && (name is "GOARCH" or "ARCH" or "ARCHITECTURE" || name.EndsWith("_ARCH", StringComparison.Ordinal));

    /// <summary>The variables that choose what a compiler targets, checked wherever they get a constant.</summary>
    private static readonly IReadOnlySet<string> CrossCompileVariables = new HashSet<string>(StringComparer.Ordinal) { "GOARCH", "GOOS", "GOARM", "CC", "CXX", "CARGO_BUILD_TARGET" };

    /// <summary>The text as written, and where a constant reached through variables was set ("'GOARCH=${ARCH}' (ARCH is 'amd64', from line 3)").</summary>
    private static string Shown(string text, string? variable, ResolvedValue resolved)
    {
        var source = resolved.Source;
        if (source is null || (variable is not null && text == $"{variable}={resolved.Value}"))
        {
            return $"'{text}'";
        }

        var kind = source.IsArg ? "ARG" : "ENV";
        return $"'{text}' ({source.Name} is '{source.Value}', from the {kind} at line {source.DefaultLine ?? source.Line})";
    }

    private static string Advice(string variable) => variable switch
    {
        "GOARCH" => "GOARCH=$TARGETARCH",
        "GOOS" => "GOOS=$TARGETOS",
        "GOARM" => "GOARM from $TARGETVARIANT (v7 -> 7)",
        "CARGO_BUILD_TARGET" => "a target triple mapped from $TARGETARCH",
        _ => $"a {variable} chosen from $TARGETARCH (case \"$TARGETARCH\" in arm64) {variable}=aarch64-linux-gnu-gcc ;; ... esac)",
    };

    /// <summary>The Go architecture of a target triple or a cross compiler's name (aarch64-linux-gnu-gcc: arm64), or null.</summary>
    private static string? TripleArchitecture(string value)
    {
        var name = value.Trim().Split('/')[^1];
        var first = name.Split('-')[0];
        if (!name.Contains('-'))
        {
            return null;
        }

        return first switch
        {
            "x86_64" or "amd64" => "amd64",
            "i386" or "i586" or "i686" => "386",
            "aarch64" or "arm64" => "arm64",
            "arm" or "armv7" or "armv7l" or "armv6" or "thumbv7neon" => "arm",
            "s390x" => "s390x",
            "powerpc64le" or "ppc64le" => "ppc64le",
            "riscv64" or "riscv64gc" => "riscv64",
            "loongarch64" => "loong64",
            _ => null,
        };
    }

    /// <summary>Check 5: RUN steps of target-platform stages run under QEMU for non-native platforms; .NET must not.</summary>
    private static void CheckEmulatedRunSteps(Context c)
    {
        var emulated = c.Options.TargetPlatforms.Where(t => !c.Options.NativePlatforms.Contains(t)).ToList();
        if (emulated.Count == 0)
        {
            return;
        }

        var list = string.Join(", ", emulated);
        foreach (var stage in c.Graph.FeedingStages.Where(s => c.Graph.PlatformOf(s).Kind == StagePlatformKind.Target))
        {
            var runs = stage.Instructions.Where(i => i.Is("RUN")).ToList();
            if (runs.Count == 0)
            {
                continue;
            }

            c.Add(Diagnostic.Info(nameof(Strings.EmulatedRunSteps), stage.DisplayName, list, runs.Count), runs[0]);
            foreach (var run in runs)
            {
                if (DotnetAny().Match(ShellText(run)) is { Success: true } dotnet)
                {
                    c.Add(Diagnostic.Warning(nameof(Strings.DotnetUnderEmulation), dotnet.Value.Trim(), list), run);
                }
            }
        }
    }

    /// <summary>The shell text of a RUN: its command plus the heredocs that are its script.</summary>
    private static string ShellText(Instruction run)
        => run.Heredocs.Count == 0 ? run.CommandText : run.CommandText + "\n" + string.Join("\n", run.Heredocs.Where(h => IsScript(run, h)).Select(h => h.Body));

    /// <summary>
    /// Text whose variables BuildKit or the build shell expands: arguments, flag values, RUN heredoc scripts,
    /// and unquoted heredocs (data heredocs with a quoted delimiter stay literal).
    /// </summary>
    private static string UsageText(Instruction instruction)
    {
        var parts = new List<string> { instruction.Arguments };
        parts.AddRange(instruction.Flags.Select(f => f.Value ?? string.Empty));
        parts.AddRange(instruction.Heredocs.Where(h => h.Expand || (instruction.Is("RUN") && IsScript(instruction, h))).Select(h => h.Body));
        return string.Join("\n", parts);
    }

    /// <summary><c>RUN &lt;&lt;EOF</c> (or <c>RUN &lt;&lt;EOF bash</c>): the heredoc is the script the shell runs, not data for a command.</summary>
    private static bool IsScript(Instruction run, Heredoc heredoc)
        => run.Is("RUN") && ShellOnly().IsMatch(HeredocMarker().Replace(run.Arguments, string.Empty));

    /// <summary>Splits a shell script into simple commands at &amp;&amp;, ||, ;, | and newlines.</summary>
    private static IEnumerable<string> ShellCommands(string script)
        => CommandSeparator().Split(script).Select(s => s.Trim()).Where(s => s.Length > 0);

    /// <summary>
    /// Whether the RUN (anywhere, <c>export GOARCH=...</c> included) or the stage's ARG/ENV scope sets the variable.
    /// A literal value is check 4's finding, a value from TARGETARCH or a --build-arg is right: either way the
    /// author chose the architecture, so check 2 stays quiet.
    /// </summary>
    private static bool SetsVariable(string shell, IReadOnlyDictionary<string, ScopedVariable> scope, string variable)
        => Regex.IsMatch(shell, $@"(?<![\w$]){variable}=", RegexOptions.CultureInvariant) || scope.ContainsKey(variable);

    private sealed record DotnetArch(string Text, string Value, bool IsRid);

    /// <summary>The architecture a dotnet command line selects (-a, --arch, -r, --runtime, -p:RuntimeIdentifier=), or null.</summary>
    private static DotnetArch? DotnetArchitecture(string command)
    {
        var m = DotnetArchOption().Match(command);
        if (!m.Success)
        {
            return null;
        }

        var option = m.Groups["opt"].Value;
        var isRid = option is "-r" or "--runtime" || option.Contains("RuntimeIdentifier", StringComparison.OrdinalIgnoreCase);
        return new DotnetArch(m.Value.Trim(), DockerfileParser.Unquote(m.Groups["value"].Value), isRid);
    }

    /// <summary>Framework-dependent output without an apphost is portable IL: no architecture to choose.</summary>
    private static bool DotnetIsPortable(string command)
        => UseAppHostFalse().IsMatch(command) && !command.Contains("--self-contained", StringComparison.Ordinal) && !command.Contains("--sc", StringComparison.Ordinal);

    private static bool AssignsShellVariable(string text, string name)
        => Regex.IsMatch(text, $@"(^|[\s;&|(]){name}=", RegexOptions.CultureInvariant) || Regex.IsMatch(text, $@"\bexport\s+{name}\b", RegexOptions.CultureInvariant);

    private static bool MapsTargetArchitecture(string shell)
        => TargetMapping().IsMatch(shell);

    private static bool IsLiteral(string value) => value.Length > 0 && !value.Contains('$') && !value.Contains('`');

    private static string NormalizeArch(string arch)
        => arch.ToLowerInvariant() switch
        {
            "x64" or "x86_64" => "amd64",
            "x86" => "386",
            "aarch64" => "arm64",
            "loongarch64" => "loong64",
            var a => a,
        };

    [GeneratedRegex(@"\bgo\s+(build|install)\b")]
    private static partial Regex GoBuild();

    [GeneratedRegex(@"\bdotnet\s+(publish|build|restore)\b")]
    private static partial Regex DotnetBuild();

    [GeneratedRegex(@"\bdotnet(\s+[\w.-]+)?")]
    private static partial Regex DotnetAny();

    [GeneratedRegex(@"\bcargo\s+(build|install)\b")]
    private static partial Regex CargoBuild();

    [GeneratedRegex(@"(?<![\w$])(?<name>GOARCH|GOOS|GOARM|CC|CXX|CARGO_BUILD_TARGET)=(?<value>""[^""]*""|'[^']*'|[^\s;&|]*)")]
    private static partial Regex CrossCompileAssignment();

    [GeneratedRegex(@"\brustc\b")]
    private static partial Regex RustcCommand();

    [GeneratedRegex(@"--target[=\s]+(?<value>""[^""]*""|'[^']*'|[^\s;&|]+)")]
    private static partial Regex RustTarget();

    [GeneratedRegex(@"(?:^|\s)(?<opt>-a|--arch|-r|--runtime|[-/]p(?:roperty)?:RuntimeIdentifier)(?:[=\s]+)(?<value>""[^""]*""|'[^']*'|[^\s;&|]+)", RegexOptions.IgnoreCase)]
    private static partial Regex DotnetArchOption();

    [GeneratedRegex(@"[-/]p(?:roperty)?:UseAppHost=false", RegexOptions.IgnoreCase)]
    private static partial Regex UseAppHostFalse();

    [GeneratedRegex(@"(\bcase\b[^\n]*\$\{?TARGET(ARCH|PLATFORM|VARIANT))|((\[\[?|\btest)\s[^\n]*\$\{?TARGET(ARCH|PLATFORM|VARIANT))")]
    private static partial Regex TargetMapping();

    [GeneratedRegex(@"^\s*((/usr)?/bin/)?(ba|da|a)?sh(\s+-\S+)*\s*$|^\s*$")]
    private static partial Regex ShellOnly();

    [GeneratedRegex(@"<<-?([""']?)[A-Za-z_][A-Za-z0-9_]*\1")]
    private static partial Regex HeredocMarker();

    [GeneratedRegex(@"&&|\|\||;|\||\n")]
    private static partial Regex CommandSeparator();

    private sealed class Context(DockerfileDocument document, StageGraph graph, DockerfileCheckOptions options, List<Diagnostic> findings)
    {
        public DockerfileDocument Document { get; } = document;

        public StageGraph Graph { get; } = graph;

        public DockerfileCheckOptions Options { get; } = options;

        public string TargetList { get; } = string.Join(", ", options.TargetPlatforms);

        /// <summary>True when $BUILDPLATFORM differs from some $TARGETPLATFORM: several targets, or one not native.</summary>
        public bool BuildsForeignPlatforms { get; } = options.TargetPlatforms.Count > 1 || options.TargetPlatforms.Any(t => !options.NativePlatforms.Contains(t));

        public IReadOnlyList<Diagnostic> Findings => findings;

        public void Add(Diagnostic diagnostic, Instruction at) => findings.Add(diagnostic.At(Document.Path, at.Line, 1));

        public void Add(Diagnostic diagnostic, int line) => findings.Add(diagnostic.At(Document.Path, line, 1));
    }
}
