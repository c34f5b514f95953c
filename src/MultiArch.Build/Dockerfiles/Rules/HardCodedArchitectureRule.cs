using System.Text.RegularExpressions;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// MULTIARCH2006: constant architectures in stages that feed the image of a multi-platform build: written as literals
/// (<c>GOARCH=amd64</c>, <c>-r linux-x64</c>, <c>--target aarch64-unknown-linux-gnu</c>, <c>CC=aarch64-linux-gnu-gcc</c>)
/// or reaching the compiler through ARG/ENV defaults and substitutions (<c>ARG GOARCH=amd64</c> then
/// <c>go build</c>, which sees it in its environment, or <c>GOARCH=${ARCH}</c> with <c>ARG ARCH=amd64</c>).
/// Values derived from the automatic TARGET* args, from --build-arg values, from shell variables or
/// command substitutions, or mapped from $TARGETARCH in a case/test, are not hard-coding.
/// </summary>
internal sealed class HardCodedArchitectureRule : DockerfileRule
{
    public override string ResourceName => nameof(Strings.HardCodedArchitecture);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Warning;

    public override string Title => "a hard-coded architecture in a multi-platform build";

    public override void Check(DockerfileRuleContext context)
    {
        var c = context;
        var targets = c.Options.TargetPlatforms;
        bool ArchConflicts(string arch) => c.ArchitectureConflicts(arch);

        // Whether a constant value of a cross-compile variable contradicts the platforms built.
        bool Conflicts(string variable, string value) => variable switch
        {
            "GOARCH" => ArchConflicts(value),
            "GOOS" => targets.Any(t => !t.Os.Equals(value, StringComparison.OrdinalIgnoreCase)),
            // GOARM matters only for 32-bit arm: several variants, or another one than the value.
            "GOARM" => targets.Where(t => t.Architecture == "arm").Select(t => t.Variant ?? "v7").Distinct().ToList() is { Count: > 0 } arm
                && (arm.Count > 1 || arm[0] != "v" + value.Split(',')[0]),
            "CC" or "CXX" or "CARGO_BUILD_TARGET" => Toolchains.TripleArchitecture(value) is { } triple && ArchConflicts(triple),
            _ => false,
        };

        foreach (var stage in c.Graph.FeedingStages)
        {
            var platform = c.Graph.PlatformOf(stage);
            if (stage != c.Graph.ImageStage && stage.PlatformFlag is not null && platform.Kind == StagePlatformKind.Constant
                && platform.DecidedAt == stage.From && targets.Any(t => !t.Equals(platform.Constant)))
            {
                c.Add(Finding($"'--platform={stage.PlatformFlag}'", platform.Constant, c.TargetList, "--platform=$BUILDPLATFORM for a cross-compiling stage, or no --platform"), stage.From);
            }

            var namedReported = new HashSet<string>(StringComparer.Ordinal);
            void CheckArchitectureNamedVariables(Instruction instruction, IReadOnlyDictionary<string, ScopedVariable> scope)
            {
                // ARG GOARCH=amd64 (or ARCH=...) then curl .../linux-$GOARCH.tgz or COPY bin/linux/$ARCH/app: the same
                // constant for every platform, whatever uses it. Once per variable and stage, at its first use.
                foreach (var name in VariableExpander.ReferencedNames(ShellScript.UsageText(instruction), c.Document.EscapeCharacter).Distinct().Where(Toolchains.IsArchitectureName))
                {
                    if (c.Graph.Resolve("$" + name, scope) is { Origin: ValueOrigin.Constant, Value: { Length: > 0 } constant } resolved
                        && Toolchains.KnownArchitectures.Contains(Toolchains.NormalizeArch(constant)) && ArchConflicts(constant) && namedReported.Add(name))
                    {
                        c.Add(Finding(Shown("$" + name, null, resolved), constant, c.TargetList, $"$TARGETARCH (or 'ARG {name}' without a value, set from $TARGETARCH)"), instruction);
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
                    foreach (var (name, value) in DockerfileParser.ParseEnv(instruction).Where(e => Toolchains.CrossCompileVariables.Contains(e.Name)))
                    {
                        // ENV CARGO_BUILD_TARGET=...: reported at the cargo command that reads it (below), where the build goes wrong.
                        var readLater = name == "CARGO_BUILD_TARGET" && stage.Instructions.Any(i => i.Is("RUN") && i.Line > instruction.Line && Toolchains.CargoBuild().IsMatch(ShellScript.Of(i)));
                        var resolved = c.Graph.Resolve(value, scope);
                        if (!readLater && resolved is { Origin: ValueOrigin.Constant, Value: { Length: > 0 } constant } && Conflicts(name, constant))
                        {
                            c.Add(Finding(Shown($"{name}={value}", name, resolved), constant, c.TargetList, Advice(name)), instruction);
                        }
                    }
                }

                if (!instruction.Is("RUN"))
                {
                    continue;
                }

                var shell = ShellScript.Of(instruction);
                if (ShellScript.MapsTargetArchitecture(shell))
                {
                    // case "$TARGETARCH" in amd64) GOARCH=amd64 ;; ...: literals that map, not hard-coding.
                    continue;
                }

                var reported = new HashSet<string>(StringComparer.Ordinal);
                foreach (var command in ShellScript.Commands(shell))
                {
                    // VAR=value before a command, with export, or as a make variable.
                    foreach (Match m in Toolchains.CrossCompileAssignment().Matches(command))
                    {
                        var name = m.Groups["name"].Value;
                        var resolved = c.Graph.Resolve(DockerfileParser.Unquote(m.Groups["value"].Value), scope);
                        if (resolved is { Origin: ValueOrigin.Constant, Value: { Length: > 0 } constant } && Conflicts(name, constant) && reported.Add(name))
                        {
                            c.Add(Finding(Shown(m.Value.Trim(), name, resolved), constant, c.TargetList, Advice(name)), instruction);
                        }
                    }

                    // A compiler that takes the variable from its environment: an ARG's constant default is there too.
                    if (Toolchains.GoBuild().IsMatch(command))
                    {
                        foreach (var name in new[] { "GOARCH", "GOOS", "GOARM" })
                        {
                            if (!reported.Contains(name) && !Regex.IsMatch(shell, $@"(?<![\w$]){name}=", RegexOptions.CultureInvariant)
                                && scope.TryGetValue(name, out var variable) && variable.IsArg && variable.Value is not null
                                && c.Graph.Resolve("$" + name, scope) is { Origin: ValueOrigin.Constant, Value: { Length: > 0 } constant } resolved && Conflicts(name, constant))
                            {
                                reported.Add(name);
                                c.Add(Finding(Shown(Toolchains.GoBuild().Match(command).Value, name, resolved), constant, c.TargetList, $"'ARG {name}' without a value and {name}=$TARGETARCH, or no {name} ARG"), instruction);
                            }
                        }
                    }

                    // cargo reads CARGO_BUILD_TARGET from its environment, where an ENV (or ARG) with a constant put it.
                    if (Toolchains.CargoBuild().Match(command) is { Success: true } cargo && !command.Contains("--target", StringComparison.Ordinal)
                        && !command.Contains("CARGO_BUILD_TARGET=", StringComparison.Ordinal) && !reported.Contains("CARGO_BUILD_TARGET")
                        && scope.TryGetValue("CARGO_BUILD_TARGET", out var cargoTarget) && cargoTarget.Value is not null
                        && c.Graph.Resolve("$CARGO_BUILD_TARGET", scope) is { Origin: ValueOrigin.Constant, Value: { Length: > 0 } cargoTriple } cargoResolved
                        && Conflicts("CARGO_BUILD_TARGET", cargoTriple))
                    {
                        reported.Add("CARGO_BUILD_TARGET");
                        c.Add(Finding(Shown(cargo.Value, "CARGO_BUILD_TARGET", cargoResolved), cargoTriple, c.TargetList, Advice("CARGO_BUILD_TARGET")), instruction);
                    }

                    if (Toolchains.DotnetBuild().IsMatch(command) && Toolchains.DotnetArchitecture(command) is { } arch)
                    {
                        var resolved = c.Graph.Resolve(arch.Value, scope);
                        if (resolved is { Origin: ValueOrigin.Constant, Value: { Length: > 0 } rid })
                        {
                            var platformOfValue = arch.IsRid && RuntimeIdentifierMap.TryGetPlatform(rid, out var p) ? p.Architecture : Toolchains.NormalizeArch(rid);
                            if (ArchConflicts(platformOfValue))
                            {
                                c.Add(Finding(Shown(arch.Text, null, resolved), rid, c.TargetList, "-a $TARGETARCH"), instruction);
                            }
                        }
                    }

                    if ((Toolchains.CargoBuild().IsMatch(command) || Toolchains.RustcCommand().IsMatch(command)) && Toolchains.RustTarget().Match(command) is { Success: true } target)
                    {
                        var resolved = c.Graph.Resolve(DockerfileParser.Unquote(target.Groups["value"].Value), scope);
                        if (resolved is { Origin: ValueOrigin.Constant, Value: { Length: > 0 } triple } && Toolchains.TripleArchitecture(triple) is { } tripleArch && ArchConflicts(tripleArch))
                        {
                            c.Add(Finding(Shown(target.Value.Trim(), null, resolved), triple, c.TargetList, "a --target mapped from $TARGETARCH (case \"$TARGETARCH\" in amd64) T=x86_64-unknown-linux-gnu ;; arm64) T=aarch64-unknown-linux-gnu ;; esac)"), instruction);
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
}
