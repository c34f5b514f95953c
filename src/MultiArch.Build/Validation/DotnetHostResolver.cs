using System.Text.Json;
using MultiArch.Build.Images;
using MultiArch.Build.Oci;

namespace MultiArch.Build.Validation;

/// <summary>One framework a .NET app (or a framework it uses) asks for in its <c>runtimeconfig.json</c>.</summary>
internal sealed record FrameworkReference(string Name, string Version, string RollForward, bool ApplyPatches);

/// <summary>A framework found for a reference: the version chosen and its folder.</summary>
internal sealed record ResolvedFramework(FrameworkReference Reference, string Version, string Directory);

/// <summary>Why the host would stop before the runtime starts.</summary>
internal enum DotnetHostProblemKind
{
    /// <summary>No <c>host/fxr/&lt;version&gt;/libhostfxr.so</c> under the .NET root the host looks in.</summary>
    HostfxrMissing,

    /// <summary>A framework of the runtimeconfig (or of a framework it uses) has no compatible version.</summary>
    FrameworkMissing,

    /// <summary><c>dotnet app.dll</c>: the app is not in the image.</summary>
    AppMissing,

    /// <summary>The runtimeconfig is not JSON the host reads (or too large to have been kept).</summary>
    RuntimeConfigUnreadable,
}

internal sealed record DotnetHostProblem(DotnetHostProblemKind Kind, string Detail, FrameworkReference? Framework = null, string? Available = null);

/// <summary>The host's path from the entrypoint to the runtime: the .NET root, hostfxr, and each framework resolved.</summary>
internal sealed record DotnetHostResult(
    string App,
    string? DotnetRoot,
    string RootSource,
    string? Hostfxr,
    IReadOnlyList<ResolvedFramework> Frameworks,
    DotnetHostProblem? Problem)
{
    /// <summary>The <c>shared/Microsoft.NETCore.App/&lt;version&gt;</c> folder the runtime is loaded from, when resolved.</summary>
    public string? CoreRuntimeDirectory => Frameworks.FirstOrDefault(f => f.Reference.Name == DotnetHostResolver.CoreFramework)?.Directory;
}

/// <summary>
/// Follows a framework-dependent .NET app to the runtime it needs, as the real host (apphost, <c>dotnet</c>,
/// hostfxr) does on Linux, on the image's merged filesystem:
/// <list type="bullet">
/// <item>the apphost <c>/app/App</c> is framework-dependent when <c>App.runtimeconfig.json</c> is beside it and
/// no <c>libhostfxr.so</c> is (that one is self-contained); the .NET root is <c>DOTNET_ROOT_&lt;ARCH&gt;</c>, else
/// <c>DOTNET_ROOT</c> (from the image's environment; when set, nothing else is tried), else the folder in
/// <c>/etc/dotnet/install_location_&lt;arch&gt;</c> or <c>/etc/dotnet/install_location</c>, else <c>/usr/share/dotnet</c>;</item>
/// <item><c>dotnet App.dll</c>: the .NET root is the folder of the <c>dotnet</c> program (symlinks followed);</item>
/// <item>hostfxr is <c>host/fxr/&lt;highest version&gt;/libhostfxr.so</c> of that root;</item>
/// <item>each framework of <c>runtimeOptions.framework(s)</c> is looked up in <c>shared/&lt;name&gt;/&lt;version&gt;</c> of
/// that root with the roll-forward policy (<c>DOTNET_ROLL_FORWARD</c>, else the reference's or the file's
/// <c>rollForward</c>, else <c>Minor</c>; <c>applyPatches</c>), and the frameworks that framework asks for in its
/// own runtimeconfig in turn (ASP.NET Core asks for Microsoft.NETCore.App).</item>
/// </list>
/// </summary>
internal static class DotnetHostResolver
{
    public const string CoreFramework = "Microsoft.NETCore.App";
    public const string DefaultRoot = "/usr/share/dotnet";

    private const string RuntimeConfigSuffix = ".runtimeconfig.json";

    /// <summary>
    /// The host's resolution for <paramref name="program"/> (an ELF program of the image), or null when it is no
    /// framework-dependent .NET entry (not .NET, self-contained, or <c>dotnet</c> without an app argument).
    /// </summary>
    public static DotnetHostResult? Resolve(ImageFilesystem fs, string program, ElfFile elf, ImageConfig config)
    {
        var slash = program.LastIndexOf('/');
        var directory = program[..Math.Max(1, slash)];
        var name = program[(slash + 1)..];
        if (fs.Resolve(Join(directory, "libhostfxr.so")) is { Entry.Kind: FsEntryKind.File })
        {
            return null; // self-contained: the apphost's own hostfxr and runtime
        }

        string? root;
        string source;
        string app;
        if (name == "dotnet")
        {
            var argv = (config.Entrypoint.Count > 0 ? config.Entrypoint.Concat(config.Cmd) : config.Cmd).ToList();
            var dll = argv.Skip(1).SkipWhile(a => a == "exec" || a.StartsWith('-')).FirstOrDefault();
            if (dll is null || !dll.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            app = dll.StartsWith('/') ? ImageFilesystem.Normalize(dll) : Join(config.WorkingDir is { Length: > 0 } wd ? wd : "/", dll);
            root = directory;
            source = $"the folder of {program}";
            if (fs.Resolve(app) is not { Entry.Kind: FsEntryKind.File })
            {
                return new DotnetHostResult(app, root, source, null, [], new DotnetHostProblem(DotnetHostProblemKind.AppMissing, app));
            }
        }
        else
        {
            app = program;
            if (fs.Resolve(Join(directory, name + RuntimeConfigSuffix)) is not { Entry.Kind: FsEntryKind.File })
            {
                return null;
            }

            (root, source) = ApphostRoot(fs, elf, config.Env);
        }

        var runtimeConfig = (app.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? app[..^4] : app) + RuntimeConfigSuffix;
        var hostfxr = root is null ? null : LatestHostfxr(fs, root);
        if (hostfxr is null)
        {
            return new DotnetHostResult(app, root, source, null, [], new DotnetHostProblem(DotnetHostProblemKind.HostfxrMissing, runtimeConfig));
        }

        var references = ReadReferences(fs, runtimeConfig, config.Env, out var unreadable);
        if (unreadable is not null)
        {
            return new DotnetHostResult(app, root, source, hostfxr, [], new DotnetHostProblem(DotnetHostProblemKind.RuntimeConfigUnreadable, unreadable));
        }

        if (references.Count == 0)
        {
            return null; // no framework asked for: self-contained (includedFrameworks) or no .NET app
        }

        var resolved = new List<ResolvedFramework>();
        var pending = new Queue<FrameworkReference>(references);
        while (pending.TryDequeue(out var reference) && resolved.Count < 16)
        {
            var shared = $"{root}/shared/{reference.Name}";
            var available = fs.Resolve(shared) is { Entry.Kind: FsEntryKind.Directory } dir
                ? fs.Children(dir.Path).Where(v => fs.Resolve(v) is { Entry.Kind: FsEntryKind.Directory }).Select(v => v[(v.LastIndexOf('/') + 1)..]).ToList()
                : [];
            var chosen = RollForward(reference, available);
            if (chosen is null)
            {
                var have = available.Count == 0 ? "nothing" : string.Join(", ", available.OrderBy(v => v, StringComparer.Ordinal));
                return new DotnetHostResult(app, root, source, hostfxr, resolved, new DotnetHostProblem(DotnetHostProblemKind.FrameworkMissing, shared, reference, have));
            }

            if (resolved.Any(r => r.Reference.Name == reference.Name && r.Version == chosen))
            {
                continue;
            }

            var folder = $"{shared}/{chosen}";
            resolved.Add(new ResolvedFramework(reference, chosen, folder));
            foreach (var inner in ReadReferences(fs, $"{folder}/{reference.Name}{RuntimeConfigSuffix}", config.Env, out _))
            {
                pending.Enqueue(inner);
            }
        }

        return new DotnetHostResult(app, root, source, hostfxr, resolved, null);
    }

    /// <summary>Whether a file's text is kept while the layer streams past: runtimeconfig files and the install-location files.</summary>
    public static bool WantsText(string path)
        => path.EndsWith(RuntimeConfigSuffix, StringComparison.Ordinal) || path.StartsWith("/etc/dotnet/install_location", StringComparison.Ordinal);

    /// <summary>The apphost's .NET root: DOTNET_ROOT_&lt;ARCH&gt;, DOTNET_ROOT, the registered install location, the default.</summary>
    private static (string? Root, string Source) ApphostRoot(ImageFilesystem fs, ElfFile elf, IReadOnlyList<string> environment)
    {
        var arch = HostArchitecture(elf.Identity.Architecture);
        foreach (var variable in new[] { arch is null ? null : "DOTNET_ROOT_" + arch.ToUpperInvariant(), "DOTNET_ROOT" }.OfType<string>())
        {
            if (Variable(environment, variable) is { Length: > 0 } value)
            {
                return (value.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : "/", $"{variable} (image environment)");
            }
        }

        foreach (var file in new[] { arch is null ? null : "/etc/dotnet/install_location_" + arch, "/etc/dotnet/install_location" }.OfType<string>())
        {
            if (fs.Resolve(file) is { Entry.Text: { } text } && text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) is { } location)
            {
                return (location.TrimEnd('/'), file);
            }
        }

        return (DefaultRoot, "the default location");
    }

    /// <summary>The architecture names of the host (<c>DOTNET_ROOT_ARM64</c>, <c>install_location_x64</c>).</summary>
    private static string? HostArchitecture(string? ociArchitecture) => ociArchitecture switch
    {
        "amd64" => "x64",
        "arm64" => "arm64",
        "arm" => "arm",
        "386" => "x86",
        "s390x" => "s390x",
        "ppc64le" => "ppc64le",
        "riscv64" => "riscv64",
        "loong64" => "loongarch64",
        _ => null,
    };

    private static string? Variable(IReadOnlyList<string> environment, string name)
        => environment.LastOrDefault(e => e.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];

    /// <summary>hostfxr of the highest version under <c>host/fxr</c> (as the host picks it), if that folder has the library.</summary>
    private static string? LatestHostfxr(ImageFilesystem fs, string root)
    {
        if (fs.Resolve(root + "/host/fxr") is not { Entry.Kind: FsEntryKind.Directory } fxr)
        {
            return null;
        }

        var latest = fs.Children(fxr.Path)
            .Select(v => (Path: v, Version: FrameworkVersion.TryParse(v[(v.LastIndexOf('/') + 1)..])))
            .Where(v => v.Version is not null)
            .OrderBy(v => v.Version)
            .LastOrDefault();
        return latest.Path is not null && fs.Resolve(latest.Path + "/libhostfxr.so") is { Entry.Kind: FsEntryKind.File } lib ? lib.Path : null;
    }

    private static List<FrameworkReference> ReadReferences(ImageFilesystem fs, string path, IReadOnlyList<string> environment, out string? unreadable)
    {
        unreadable = null;
        if (fs.Resolve(path) is not { } file || file.Entry.Kind != FsEntryKind.File)
        {
            return [];
        }

        if (file.Entry.Text is not { } text)
        {
            unreadable = $"{file.Path} was not read (larger than {LinkerFiles.MaxTextBytes / 1024} KiB)";
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (!document.RootElement.TryGetProperty("runtimeOptions", out var options) || options.ValueKind != JsonValueKind.Object)
            {
                return [];
            }

            var fileRollForward = String(options, "rollForward");
            var fileApplyPatches = Bool(options, "applyPatches");
            var rollForwardOnNoCandidate = options.TryGetProperty("rollForwardOnNoCandidateFx", out var legacy) && legacy.ValueKind == JsonValueKind.Number ? legacy.GetInt32() : (int?)null;
            var environmentRollForward = Variable(environment, "DOTNET_ROLL_FORWARD");
            var frameworks = new List<JsonElement>();
            if (options.TryGetProperty("framework", out var single) && single.ValueKind == JsonValueKind.Object)
            {
                frameworks.Add(single);
            }

            if (options.TryGetProperty("frameworks", out var many) && many.ValueKind == JsonValueKind.Array)
            {
                frameworks.AddRange(many.EnumerateArray().Where(f => f.ValueKind == JsonValueKind.Object));
            }

            return frameworks
                .Select(f => (Name: String(f, "name"), Version: String(f, "version"), f))
                .Where(f => f.Name is { Length: > 0 } && f.Version is { Length: > 0 })
                .Select(f => new FrameworkReference(
                    f.Name!,
                    f.Version!,
                    environmentRollForward ?? String(f.f, "rollForward") ?? fileRollForward ?? LegacyRollForward(rollForwardOnNoCandidate) ?? "Minor",
                    Bool(f.f, "applyPatches") ?? fileApplyPatches ?? true))
                .ToList();
        }
        catch (JsonException e)
        {
            unreadable = $"{file.Path} is not valid JSON ({e.Message})";
            return [];
        }
    }

    /// <summary><c>rollForwardOnNoCandidateFx</c>: 0 is LatestPatch, 1 Minor, 2 Major.</summary>
    private static string? LegacyRollForward(int? value) => value switch { 0 => "LatestPatch", 1 => "Minor", 2 => "Major", _ => null };

    private static string? String(JsonElement element, string property)
        => element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool? Bool(JsonElement element, string property)
        => element.TryGetProperty(property, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    /// <summary>
    /// The version the host picks among <paramref name="available"/> for <paramref name="reference"/>, or null.
    /// Disable: the exact version. LatestPatch: the highest patch of the same major.minor. Minor (the default): the
    /// same major.minor if present, else the lowest higher minor of the same major. LatestMinor: the highest minor of
    /// the same major. Major: as Minor, else the lowest higher major. LatestMajor: the highest. Then the highest
    /// patch of the chosen major.minor (unless applyPatches is false, or Disable). Pre-release versions are
    /// candidates only for a pre-release reference.
    /// </summary>
    public static string? RollForward(FrameworkReference reference, IEnumerable<string> available)
    {
        if (FrameworkVersion.TryParse(reference.Version) is not { } wanted)
        {
            return null;
        }

        var candidates = available
            .Select(v => (Text: v, Version: FrameworkVersion.TryParse(v)))
            .Where(v => v.Version is not null && v.Version.CompareTo(wanted) >= 0 && (wanted.IsPrerelease || !v.Version.IsPrerelease || v.Version.Equals(wanted)))
            .Select(v => (v.Text, Version: v.Version!))
            .OrderBy(v => v.Version)
            .ToList();
        var policy = reference.RollForward.ToUpperInvariant();
        if (policy == "DISABLE")
        {
            return candidates.FirstOrDefault(c => c.Version.Equals(wanted)).Text;
        }

        var sameMinor = candidates.Where(c => c.Version.Major == wanted.Major && c.Version.Minor == wanted.Minor).ToList();
        var sameMajor = candidates.Where(c => c.Version.Major == wanted.Major).ToList();
        (string Text, FrameworkVersion Version)? pick = policy switch
        {
            "LATESTPATCH" => sameMinor.Count > 0 ? sameMinor[0] : null,
            "MINOR" => sameMinor.Count > 0 ? sameMinor[0] : sameMajor.Count > 0 ? sameMajor[0] : null,
            "LATESTMINOR" => sameMajor.Count > 0 ? sameMajor[^1] : null,
            "MAJOR" => sameMinor.Count > 0 ? sameMinor[0] : sameMajor.Count > 0 ? sameMajor[0] : candidates.Count > 0 ? candidates[0] : null,
            "LATESTMAJOR" => candidates.Count > 0 ? candidates[^1] : null,
            _ => null,
        };
        if (pick is not { } chosen)
        {
            return null;
        }

        if (!reference.ApplyPatches)
        {
            return chosen.Text;
        }

        // The highest patch of the chosen major.minor (a release, unless the chosen one is a pre-release).
        return candidates
            .Where(c => c.Version.Major == chosen.Version.Major && c.Version.Minor == chosen.Version.Minor && (chosen.Version.IsPrerelease || !c.Version.IsPrerelease))
            .Last().Text;
    }

    private static string Join(string directory, string name) => directory.EndsWith('/') ? directory + name : directory + "/" + name;
}

/// <summary>A framework or host version as the host orders them: major.minor.patch, a pre-release below its release.</summary>
internal sealed record FrameworkVersion(int Major, int Minor, int Patch, string Prerelease) : IComparable<FrameworkVersion>
{
    public bool IsPrerelease => Prerelease.Length > 0;

    public static FrameworkVersion? TryParse(string text)
    {
        var plus = text.IndexOf('+');
        var core = plus >= 0 ? text[..plus] : text;
        var dash = core.IndexOf('-');
        var numbers = (dash >= 0 ? core[..dash] : core).Split('.');
        return numbers.Length == 3
            && int.TryParse(numbers[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var major)
            && int.TryParse(numbers[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var minor)
            && int.TryParse(numbers[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var patch)
            ? new FrameworkVersion(major, minor, patch, dash >= 0 ? core[(dash + 1)..] : string.Empty)
            : null;
    }

    public int CompareTo(FrameworkVersion? other)
    {
        if (other is null)
        {
            return 1;
        }

        var numbers = (Major, Minor, Patch).CompareTo((other.Major, other.Minor, other.Patch));
        if (numbers != 0)
        {
            return numbers;
        }

        return (IsPrerelease, other.IsPrerelease) switch
        {
            (false, false) => 0,
            (true, false) => -1,
            (false, true) => 1,
            _ => string.CompareOrdinal(Prerelease, other.Prerelease),
        };
    }
}
