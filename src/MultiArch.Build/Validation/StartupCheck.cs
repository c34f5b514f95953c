using MultiArch.Build.Diagnostics;
using MultiArch.Build.Images;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Validation;

internal enum StartupVerdict
{
    /// <summary>The interpreter and every shared library resolve, for the program's machine.</summary>
    Ready,

    /// <summary>A static binary: it needs nothing from the image.</summary>
    Static,

    /// <summary>The container cannot start: something it needs is missing or for another machine.</summary>
    Fails,

    /// <summary>Nothing to judge (no entrypoint, a PE file, an unreadable ELF).</summary>
    Undetermined,

    /// <summary>The check was turned off, or the deep check was.</summary>
    Skipped,
}

/// <summary>What the start-up check found for one platform's image: the program, its interpreter and libraries, and why it cannot start.</summary>
internal sealed record StartupResult(
    StartupVerdict Verdict,
    string? Program,
    string? Interpreter,
    IReadOnlyList<string> Libraries,
    IReadOnlyList<string> Problems);

/// <summary>The platform-independent outcome (images with the same layers share it); findings get the platform when reported.</summary>
internal sealed record StartupAnalysis(StartupResult Result, IReadOnlyList<(string ResourceName, DiagnosticSeverity Severity, object?[] Arguments)> Findings)
{
    public IReadOnlyList<Diagnostic> DiagnosticsFor(OciPlatform platform)
        => Findings.Select(f => new Diagnostic(f.ResourceName, f.Severity, [platform, .. f.Arguments])).ToList();

    /// <summary>The result as reported for <paramref name="platform"/>: its problems as coded lines.</summary>
    public StartupResult ResultFor(OciPlatform platform)
        => Result with { Problems = DiagnosticsFor(platform).Where(d => d.Severity != DiagnosticSeverity.Message).Select(d => $"{d.Code}: {d.Message}").ToList() };
}

/// <summary>
/// The static start-up check: would the container's first process start? On the merged filesystem the deep
/// check already built, the entrypoint is followed (through PATH, symlinks and <c>#!</c> interpreters) to an
/// ELF file, and <see cref="DynamicLinker"/> resolves its interpreter and libraries as the image's own
/// dynamic linker would. Every reason it cannot start is a coded error naming the missing file and who needs
/// it; glibc programs on musl images (and the reverse) are named as such.
/// </summary>
internal static class StartupCheck
{
    public static StartupAnalysis Analyze(ResolvedExecutable resolved, ImageFilesystem fs, ImageConfig config)
    {
        var findings = new List<(string, DiagnosticSeverity, object?[])>();
        StartupAnalysis Result(StartupVerdict verdict, string? program, string? interpreter = null, IReadOnlyList<string>? libraries = null)
            => new(new StartupResult(verdict, program, interpreter, libraries ?? [], []), findings);
        void Error(string resource, params object?[] args) => findings.Add((resource, DiagnosticSeverity.Error, args));

        if (resolved.Chain.Count == 0)
        {
            return Result(StartupVerdict.Undetermined, null);
        }

        var last = resolved.Chain[^1];
        if (resolved.Identity is null)
        {
            var found = fs.Resolve(last);
            if (found is { Entry.Kind: FsEntryKind.File or FsEntryKind.Directory } present)
            {
                Error(nameof(Strings.StartupNotExecutable), present.Path, present.Entry.Kind == FsEntryKind.Directory ? "a directory" : "a file without execute permission");
            }
            else if (ScriptOf(resolved, fs) is { } script)
            {
                Error(nameof(Strings.StartupScriptInterpreterMissing), script.Path, script.Line, last);
            }
            else
            {
                var path = config.Env.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? EntrypointResolver.DefaultPath;
                Error(nameof(Strings.StartupEntrypointMissing), last, path);
            }

            return Result(StartupVerdict.Fails, last);
        }

        if (resolved.Identity.Kind != BinaryKind.Elf || fs.Resolve(last) is not { Entry.Elf: { } elf } program)
        {
            return Result(StartupVerdict.Undetermined, last);
        }

        if (elf.Problem is not null)
        {
            findings.Add((nameof(Strings.StartupUnreadable), DiagnosticSeverity.Warning, [program.Path, resolved.ChainText, elf.Problem]));
            return Result(StartupVerdict.Undetermined, program.Path);
        }

        if (elf.IsStatic)
        {
            findings.Add((nameof(Strings.StartupStatic), DiagnosticSeverity.Message, [program.Path]));
            return Result(StartupVerdict.Static, program.Path);
        }

        var host = DotnetHostResolver.Resolve(fs, program.Path, elf, config);
        var link = DynamicLinker.Link(fs, program.Path, elf, config.Env, DotnetRuntimeLibraries(fs, program.Path, elf, host));
        var interpreterProblem = link.Problems.FirstOrDefault(p => p.Kind is LinkProblemKind.InterpreterMissing or LinkProblemKind.InterpreterWrongMachine || (p.Kind == LinkProblemKind.Unreadable && p.File == link.InterpreterPath));
        if (interpreterProblem is not null)
        {
            ReportInterpreter(link, interpreterProblem, Error, findings);
        }
        else
        {
            foreach (var problem in link.Problems)
            {
                switch (problem.Kind)
                {
                    case LinkProblemKind.LibraryMissing:
                        Error(nameof(Strings.StartupLibraryMissing), problem.File, problem.NeededBy, problem.Detail);
                        break;
                    case LinkProblemKind.LibraryWrongMachine:
                        Error(nameof(Strings.StartupLibraryWrongMachine), problem.File, problem.NeededBy, problem.Detail, elf.Identity.Description);
                        break;
                    default:
                        findings.Add((nameof(Strings.StartupUnreadable), DiagnosticSeverity.Warning, [problem.File, problem.NeededBy, problem.Detail]));
                        break;
                }
            }
        }

        if (host is not null)
        {
            ReportHost(host, Error, findings);
        }

        var libraries = link.Libraries.Select(l => $"{l.Name} => {l.Path}").ToList();
        if (findings.All(f => f.Item2 == DiagnosticSeverity.Message))
        {
            findings.Add((nameof(Strings.StartupReady), DiagnosticSeverity.Message, [program.Path, link.InterpreterPath ?? "(none)", link.Libraries.Count]));
            return Result(StartupVerdict.Ready, program.Path, link.InterpreterPath, libraries);
        }

        var fails = findings.Any(f => f.Item2 == DiagnosticSeverity.Error);
        return Result(fails ? StartupVerdict.Fails : StartupVerdict.Undetermined, program.Path, link.InterpreterPath ?? elf.Interpreter, libraries);
    }

    private static void ReportInterpreter(LinkResult link, LinkProblem problem, Action<string, object?[]> error, List<(string, DiagnosticSeverity, object?[])> findings)
    {
        if (problem.Kind == LinkProblemKind.Unreadable)
        {
            findings.Add((nameof(Strings.StartupUnreadable), DiagnosticSeverity.Warning, [problem.File, problem.NeededBy, problem.Detail]));
        }
        else if (problem.Kind == LinkProblemKind.InterpreterMissing && link.ProgramLibc == LibcFlavor.Glibc && link.ImageLibc == LibcFlavor.Musl)
        {
            error(nameof(Strings.StartupGlibcOnMusl), [link.Program, problem.File, link.ImageLoader]);
        }
        else if (problem.Kind == LinkProblemKind.InterpreterMissing && link.ProgramLibc == LibcFlavor.Musl && link.ImageLibc == LibcFlavor.Glibc)
        {
            error(nameof(Strings.StartupMuslOnGlibc), [link.Program, problem.File, link.ImageLoader]);
        }
        else if (problem.Kind == LinkProblemKind.InterpreterMissing)
        {
            error(nameof(Strings.StartupInterpreterMissing), [link.Program, problem.File]);
        }
        else
        {
            error(nameof(Strings.StartupInterpreterWrongMachine), [problem.File, link.Program, problem.Detail, link.Elf.Identity.Description]);
        }
    }

    /// <summary>
    /// Runtime libraries the host loads only on demand and does without when they cannot load:
    /// <c>libcoreclrtraceptprovider.so</c> is the LTTng trace provider (DT_NEEDED <c>liblttng-ust.so.0</c>, which
    /// Microsoft's own runtime-deps images do not ship); coreclr dlopens it at start-up and goes on without tracing
    /// when that fails. Judging it would fail every self-contained app on a slim base.
    /// </summary>
    private static readonly HashSet<string> OptionalRuntimeLibraries = new(StringComparer.Ordinal) { "libcoreclrtraceptprovider.so" };

    /// <summary>
    /// For a .NET app started by its apphost or by <c>dotnet</c>: the libraries the host loads with dlopen (so no
    /// DT_NEEDED names them) and which need their own libraries (libstdc++, libgcc_s, ...). Self-contained: the
    /// runtime beside the program; framework-dependent: hostfxr and the <c>shared/Microsoft.NETCore.App</c> version
    /// <see cref="DotnetHostResolver"/> resolved.
    /// </summary>
    private static IReadOnlyList<ElfObject> DotnetRuntimeLibraries(ImageFilesystem fs, string program, ElfFile elf, DotnetHostResult? host)
    {
        var appDirectory = program[..Math.Max(1, program.LastIndexOf('/'))];
        var runtime = fs.Resolve(appDirectory + "/libcoreclr.so") is { Entry.Kind: FsEntryKind.File } ? appDirectory : host?.CoreRuntimeDirectory;
        var files = (runtime is null ? [] : fs.Children(runtime).Where(LinkerFiles.IsLibraryName)).ToList();
        if (host?.Hostfxr is { } hostfxr)
        {
            files.Add(hostfxr);
        }

        return files
            .Where(path => !OptionalRuntimeLibraries.Contains(path[(path.LastIndexOf('/') + 1)..]))
            .Select(path => fs.Resolve(path) is { Entry.Elf: { Problem: null } lib } hit && lib.SameMachineAs(elf) ? new ElfObject(hit.Path, lib, null) : null)
            .OfType<ElfObject>()
            .ToList();
    }

    /// <summary>The host's verdict on a framework-dependent app: a coded error for what stops it, else what it resolved.</summary>
    private static void ReportHost(DotnetHostResult host, Action<string, object?[]> error, List<(string, DiagnosticSeverity, object?[])> findings)
    {
        switch (host.Problem)
        {
            case null:
                var frameworks = string.Join(", ", host.Frameworks.Select(f => $"{f.Reference.Name} {f.Version} (asks {f.Reference.Version}, rollForward {f.Reference.RollForward})"));
                findings.Add((nameof(Strings.StartupDotnetResolved), DiagnosticSeverity.Message, [host.App, host.Hostfxr, frameworks, host.RootSource]));
                break;
            case { Kind: DotnetHostProblemKind.HostfxrMissing }:
                error(nameof(Strings.StartupDotnetHostMissing), [host.App, host.DotnetRoot ?? "(none)", host.RootSource]);
                break;
            case { Kind: DotnetHostProblemKind.FrameworkMissing, Framework: { } fx } problem:
                var image = fx.Name == "Microsoft.AspNetCore.App" ? "aspnet" : "runtime";
                var channel = FrameworkVersion.TryParse(fx.Version) is { } v ? $"{v.Major}.{v.Minor}" : fx.Version;
                error(nameof(Strings.StartupDotnetFrameworkMissing), [host.App, fx.Name, fx.Version, fx.RollForward, problem.Detail, problem.Available, $"dotnet/{image}:{channel}"]);
                break;
            case { Kind: DotnetHostProblemKind.AppMissing } problem:
                error(nameof(Strings.StartupDotnetAppMissing), [problem.Detail]);
                break;
            case { } problem:
                findings.Add((nameof(Strings.StartupDotnetUnreadable), DiagnosticSeverity.Warning, [host.App, problem.Detail]));
                break;
        }
    }

    /// <summary>The last script of the chain (whose <c>#!</c> named what is missing), with its <c>#!</c> line.</summary>
    private static (string Path, string Line)? ScriptOf(ResolvedExecutable resolved, ImageFilesystem fs)
    {
        for (var i = resolved.Chain.Count - 2; i >= 0; i--)
        {
            if (fs.Resolve(resolved.Chain[i]) is { Entry.Head: { } head } hit && BinaryInspector.Identify(head) is { Kind: BinaryKind.Script } script)
            {
                return (hit.Path, "#!" + script.Interpreter);
            }
        }

        return null;
    }
}
