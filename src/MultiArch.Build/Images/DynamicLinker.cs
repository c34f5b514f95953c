namespace MultiArch.Build.Images;

/// <summary>Which C library's dynamic linker a program asks for, or an image offers.</summary>
internal enum LibcFlavor
{
    None,
    Glibc,
    Musl,
    Other,
}

internal enum LinkProblemKind
{
    /// <summary>The PT_INTERP path does not exist in the image.</summary>
    InterpreterMissing,

    /// <summary>The PT_INTERP path exists but is not an ELF file of the program's machine.</summary>
    InterpreterWrongMachine,

    /// <summary>No directory searched holds the DT_NEEDED library.</summary>
    LibraryMissing,

    /// <summary>Files of that name exist, but only for another machine or class (the linker skips them).</summary>
    LibraryWrongMachine,

    /// <summary>The ELF file could not be read far enough to tell (its <see cref="ElfFile.Problem"/>).</summary>
    Unreadable,
}

/// <summary>One reason the program cannot start: <paramref name="File"/> is what is missing or wrong, <paramref name="NeededBy"/> who asked for it.</summary>
internal sealed record LinkProblem(LinkProblemKind Kind, string File, string NeededBy, string Detail);

/// <summary>What the dynamic linker would do with one program in one image.</summary>
internal sealed record LinkResult(
    string Program,
    ElfFile Elf,
    LibcFlavor ProgramLibc,
    LibcFlavor ImageLibc,
    string? ImageLoader,
    string? InterpreterPath,
    IReadOnlyList<(string Name, string Path, string NeededBy)> Libraries,
    IReadOnlyList<LinkProblem> Problems);

/// <summary>
/// Resolves a program's interpreter and shared libraries inside an image the way ld.so (glibc) or musl's
/// loader would, never on the host: <c>PT_INTERP</c>; then, breadth first, every <c>DT_NEEDED</c> through
/// <c>DT_RPATH</c> (glibc: of the object and the program, only when the object has no <c>DT_RUNPATH</c>),
/// <c>LD_LIBRARY_PATH</c> from the image config, <c>DT_RUNPATH</c> (with <c>$ORIGIN</c>), the directories of
/// <c>/etc/ld.so.conf</c> and its includes (as ldconfig would have cached them), and the default and
/// Debian/Ubuntu multiarch directories; musl: <c>LD_LIBRARY_PATH</c>, <c>DT_RPATH</c>/<c>DT_RUNPATH</c> of
/// the object and the objects that loaded it, then <c>/etc/ld-musl-ARCH.path</c> or its default. A
/// candidate of another machine or class is skipped, as the linkers skip it; names already loaded (by
/// file name or <c>DT_SONAME</c>) are not searched again.
/// </summary>
internal static class DynamicLinker
{
    /// <summary>Libraries followed at most (a real program loads tens, a .NET runtime about twenty).</summary>
    public const int MaxLibraries = 2000;

    /// <summary>musl's libc answers for these names itself (its reserved names).</summary>
    private static readonly string[] MuslBuiltins = ["libc.so", "libpthread.so", "librt.so", "libm.so", "libdl.so", "libutil.so", "libxnet.so", "libcrypt.so", "libresolv.so"];

    public static LinkResult Link(ImageFilesystem fs, string program, ElfFile elf, IReadOnlyList<string> environment, IReadOnlyList<ElfObject>? extraRoots = null)
    {
        var problems = new List<LinkProblem>();
        var libraries = new List<(string Name, string Path, string NeededBy)>();
        var (imageLibc, imageLoader) = ImageLibc(fs);
        var programLibc = LibcOf(elf.Interpreter);
        string? interpreterPath = null;
        var loaded = new HashSet<string>(StringComparer.Ordinal);

        if (elf.Interpreter is { } interp)
        {
            var found = fs.Resolve(interp);
            if (found is not { Entry.Kind: FsEntryKind.File } hit)
            {
                problems.Add(new LinkProblem(LinkProblemKind.InterpreterMissing, interp, program, found is null ? "no such file" : $"a {found.Value.Entry.Kind.ToString().ToLowerInvariant()}"));
            }
            else if (hit.Entry.Elf is not { } interpElf)
            {
                problems.Add(new LinkProblem(LinkProblemKind.InterpreterWrongMachine, interp, program, hit.Entry.Head is { } h ? BinaryInspector.Identify(h).Description : "not an ELF file"));
            }
            else if (interpElf.Problem is not null)
            {
                problems.Add(new LinkProblem(LinkProblemKind.Unreadable, hit.Path, program, interpElf.Problem));
            }
            else if (!interpElf.SameMachineAs(elf))
            {
                problems.Add(new LinkProblem(LinkProblemKind.InterpreterWrongMachine, interp, program, interpElf.Identity.Description));
            }
            else
            {
                interpreterPath = hit.Path;
                loaded.Add(Name(interp));
                loaded.Add(Name(hit.Path));
                if (interpElf.SoName is { } soname)
                {
                    loaded.Add(soname);
                }
            }
        }

        // musl's loader is its libc: the reserved names are answered by it, never searched.
        var musl = programLibc == LibcFlavor.Musl;
        var search = new SearchPaths(fs, elf, environment, musl, interp: elf.Interpreter);
        var queue = new Queue<(string Path, ElfFile Elf, ElfObject? Loader)>();
        var root = new ElfObject(program, elf, null);
        queue.Enqueue((program, elf, null));
        foreach (var extra in extraRoots ?? [])
        {
            queue.Enqueue((extra.Path, extra.Elf, null));
        }

        while (queue.Count > 0 && libraries.Count < MaxLibraries)
        {
            var (path, obj, loader) = queue.Dequeue();
            var self = new ElfObject(path, obj, loader);
            foreach (var name in obj.Needed)
            {
                if (loaded.Contains(name) || (musl && IsMuslBuiltin(name)))
                {
                    continue;
                }

                var (hit, wrong, searched) = search.Find(name, self, root);
                if (hit is { } lib)
                {
                    loaded.Add(name);
                    if (lib.Elf.SoName is { } soname)
                    {
                        loaded.Add(soname);
                    }

                    libraries.Add((name, lib.Path, path));
                    queue.Enqueue((lib.Path, lib.Elf, self));
                }
                else if (wrong.Count > 0)
                {
                    loaded.Add(name);
                    problems.Add(new LinkProblem(LinkProblemKind.LibraryWrongMachine, name, path, string.Join(", ", wrong)));
                }
                else
                {
                    loaded.Add(name);
                    problems.Add(new LinkProblem(LinkProblemKind.LibraryMissing, name, path, string.Join(":", searched)));
                }
            }
        }

        return new LinkResult(program, elf, programLibc, imageLibc, imageLoader, interpreterPath, libraries, problems);
    }

    /// <summary>glibc or musl, from the interpreter a program names (<c>/lib/ld-musl-aarch64.so.1</c>, <c>/lib64/ld-linux-x86-64.so.2</c>).</summary>
    public static LibcFlavor LibcOf(string? interpreter)
    {
        if (interpreter is null)
        {
            return LibcFlavor.None;
        }

        var name = Name(interpreter);
        return name.StartsWith("ld-musl-", StringComparison.Ordinal) ? LibcFlavor.Musl
            : name.StartsWith("ld-linux", StringComparison.Ordinal) || name.StartsWith("ld64.so", StringComparison.Ordinal) || name.StartsWith("ld.so", StringComparison.Ordinal) ? LibcFlavor.Glibc
            : LibcFlavor.Other;
    }

    /// <summary>Where the dynamic loaders live.</summary>
    private static readonly string[] LoaderDirectories = ["/lib", "/lib64"];

    /// <summary>The C library an image offers, by the loaders in <c>/lib</c> and <c>/lib64</c> (glibc wins when both are there, as with gcompat).</summary>
    public static (LibcFlavor Flavor, string? Loader) ImageLibc(ImageFilesystem fs)
    {
        var loaders = LoaderDirectories
            .SelectMany(d => fs.Resolve(d) is { Entry.Kind: FsEntryKind.Directory } dir ? fs.Children(dir.Path).Select(c => "/" + d.Trim('/') + c[dir.Path.Length..]) : [])
            .Where(p => LibcOf(p) is LibcFlavor.Glibc or LibcFlavor.Musl && fs.Resolve(p) is { Entry.Kind: FsEntryKind.File })
            .ToList();
        var glibc = loaders.FirstOrDefault(p => LibcOf(p) == LibcFlavor.Glibc);
        var musl = loaders.FirstOrDefault(p => LibcOf(p) == LibcFlavor.Musl);
        return glibc is not null ? (LibcFlavor.Glibc, glibc) : musl is not null ? (LibcFlavor.Musl, musl) : (LibcFlavor.None, null);
    }

    /// <summary>The Debian/Ubuntu multiarch tuple of a GOARCH, as in <c>/usr/lib/aarch64-linux-gnu</c>.</summary>
    public static IReadOnlyList<string> MultiarchTuples(string? architecture) => architecture switch
    {
        "amd64" => ["x86_64-linux-gnu"],
        "arm64" => ["aarch64-linux-gnu"],
        "arm" => ["arm-linux-gnueabihf", "arm-linux-gnueabi"],
        "386" => ["i386-linux-gnu", "i686-linux-gnu"],
        "s390x" => ["s390x-linux-gnu"],
        "ppc64le" => ["powerpc64le-linux-gnu"],
        "ppc64" => ["powerpc64-linux-gnu"],
        "riscv64" => ["riscv64-linux-gnu"],
        "loong64" => ["loongarch64-linux-gnu"],
        "mips64le" => ["mips64el-linux-gnuabi64"],
        "mipsle" => ["mipsel-linux-gnu"],
        _ => [],
    };

    private static bool IsMuslBuiltin(string name) => MuslBuiltins.Any(b => name == b || name.StartsWith(b + ".", StringComparison.Ordinal));

    private static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    /// <summary>The directories each linker searches, read once per program from the image.</summary>
    private sealed class SearchPaths
    {
        private readonly ImageFilesystem _fs;
        private readonly bool _musl;
        private readonly IReadOnlyList<string> _libraryPath;
        private readonly IReadOnlyList<string> _system;

        public SearchPaths(ImageFilesystem fs, ElfFile program, IReadOnlyList<string> environment, bool musl, string? interp)
        {
            _fs = fs;
            _musl = musl;
            var ldLibraryPath = environment.LastOrDefault(e => e.StartsWith("LD_LIBRARY_PATH=", StringComparison.Ordinal))?["LD_LIBRARY_PATH=".Length..] ?? string.Empty;

            // Both linkers split on ':'; glibc also on ';'. An empty element means the working directory: not followed.
            _libraryPath = ldLibraryPath.Split([':', ';'], StringSplitOptions.RemoveEmptyEntries);
            _system = musl ? MuslSystem(fs, interp) : GlibcSystem(fs, program.Identity.Architecture, program.Identity.Bits);
        }

        public ((string Path, ElfFile Elf)? Hit, List<string> Wrong, List<string> Searched) Find(string name, ElfObject needing, ElfObject program)
        {
            var wrong = new List<string>();
            var searched = new List<string>();
            if (name.Contains('/'))
            {
                return (Try(name.StartsWith('/') ? name : "/" + name), wrong, searched);
            }

            foreach (var dir in Directories(needing, program))
            {
                searched.Add(dir);
                if (Try(dir.TrimEnd('/') + "/" + name) is { } hit)
                {
                    return (hit, wrong, searched);
                }
            }

            return (null, wrong, searched);

            (string Path, ElfFile Elf)? Try(string candidate)
            {
                if (_fs.Resolve(candidate) is not { Entry.Kind: FsEntryKind.File } file)
                {
                    return null;
                }

                var elf = file.Entry.Elf;
                if (elf is null || elf.Problem is not null)
                {
                    wrong.Add($"{file.Path} ({elf?.Problem ?? "not an ELF file"})");
                    return null;
                }

                if (!elf.SameMachineAs(program.Elf))
                {
                    wrong.Add($"{file.Path} ({elf.Identity.Description})");
                    return null;
                }

                return (file.Path, elf);
            }
        }

        private IEnumerable<string> Directories(ElfObject needing, ElfObject program)
        {
            var dirs = new List<string>();
            if (_musl)
            {
                dirs.AddRange(_libraryPath);
                for (var o = needing; o is not null; o = o.Loader)
                {
                    dirs.AddRange(Expand(o.Elf.RPath.Concat(o.Elf.RunPath), o, program));
                }
            }
            else
            {
                if (needing.Elf.RunPath.Count == 0)
                {
                    // DT_RPATH of the object, then of each object that loaded it, up to the program.
                    for (var o = needing; o is not null; o = o.Loader)
                    {
                        if (o.Elf.RunPath.Count == 0)
                        {
                            dirs.AddRange(Expand(o.Elf.RPath, o, program));
                        }
                    }

                    if (needing.Loader is not null && program.Elf.RunPath.Count == 0)
                    {
                        dirs.AddRange(Expand(program.Elf.RPath, program, program));
                    }
                }

                dirs.AddRange(_libraryPath);
                dirs.AddRange(Expand(needing.Elf.RunPath, needing, program));
            }

            dirs.AddRange(_system);
            return dirs.Select(ImageFilesystem.Normalize).Distinct(StringComparer.Ordinal);
        }

        /// <summary>$ORIGIN (the object's directory), $LIB and $PLATFORM, as the linkers expand them.</summary>
        private static IEnumerable<string> Expand(IEnumerable<string> dirs, ElfObject owner, ElfObject program)
        {
            var origin = owner.Path[..Math.Max(1, owner.Path.LastIndexOf('/'))];
            var tuple = MultiarchTuples(program.Elf.Identity.Architecture) is [var first, ..] ? first : null;
            foreach (var dir in dirs)
            {
                var d = dir.Replace("${ORIGIN}", origin, StringComparison.Ordinal).Replace("$ORIGIN", origin, StringComparison.Ordinal);
                if (d.Contains("$LIB", StringComparison.Ordinal) || d.Contains("${LIB}", StringComparison.Ordinal))
                {
                    foreach (var lib in new[] { tuple is null ? null : "lib/" + tuple, "lib64", "lib" }.OfType<string>())
                    {
                        yield return d.Replace("${LIB}", lib, StringComparison.Ordinal).Replace("$LIB", lib, StringComparison.Ordinal);
                    }

                    continue;
                }

                if (d.StartsWith('/'))
                {
                    yield return d;
                }
            }
        }

        private static List<string> GlibcSystem(ImageFilesystem fs, string? architecture, int bits)
        {
            var dirs = new List<string>();
            var visited = new HashSet<string>(StringComparer.Ordinal);
            if (fs["/etc/ld.so.conf"] is not null)
            {
                ReadConf(fs, "/etc/ld.so.conf", dirs, visited);
            }
            else
            {
                // No ld.so.conf (a distroless or hand-made image): the .d files still say what ldconfig would cache.
                foreach (var conf in ConfFiles(fs, "/etc/ld.so.conf.d/*.conf"))
                {
                    ReadConf(fs, conf, dirs, visited);
                }
            }

            foreach (var tuple in MultiarchTuples(architecture))
            {
                dirs.Add("/lib/" + tuple);
                dirs.Add("/usr/lib/" + tuple);
            }

            if (bits == 64)
            {
                dirs.Add("/lib64");
                dirs.Add("/usr/lib64");
            }

            dirs.Add("/lib");
            dirs.Add("/usr/lib");
            return dirs;
        }

        private static void ReadConf(ImageFilesystem fs, string path, List<string> dirs, HashSet<string> visited)
        {
            if (!visited.Add(path) || fs.Resolve(path) is not { Entry.Text: { } text })
            {
                return;
            }

            foreach (var raw in text.Split('\n'))
            {
                var line = (raw.IndexOf('#') is var hash and >= 0 ? raw[..hash] : raw).Trim();
                if (line.StartsWith("include", StringComparison.Ordinal) && line.Length > 7 && char.IsWhiteSpace(line[7]))
                {
                    foreach (var pattern in line[8..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                    {
                        var absolute = pattern.StartsWith('/') ? pattern : path[..path.LastIndexOf('/')] + "/" + pattern;
                        foreach (var conf in ConfFiles(fs, absolute))
                        {
                            ReadConf(fs, conf, dirs, visited);
                        }
                    }

                    continue;
                }

                if (line.StartsWith("hwcap", StringComparison.Ordinal))
                {
                    continue;
                }

                dirs.AddRange(line.Split([' ', '\t', ':', ','], StringSplitOptions.RemoveEmptyEntries).Where(d => d.StartsWith('/')));
            }
        }

        /// <summary>The files a glob with <c>*</c> in its last component matches, sorted as glob(3) sorts them.</summary>
        private static List<string> ConfFiles(ImageFilesystem fs, string pattern)
        {
            var slash = pattern.LastIndexOf('/');
            var directory = pattern[..Math.Max(1, slash)];
            var glob = pattern[(slash + 1)..];
            if (!glob.Contains('*'))
            {
                return [pattern];
            }

            if (fs.Resolve(directory) is not { Entry.Kind: FsEntryKind.Directory } dir)
            {
                return [];
            }

            var star = glob.IndexOf('*');
            var (prefix, suffix) = (glob[..star], glob[(star + 1)..].Replace("*", string.Empty, StringComparison.Ordinal));
            return fs.Children(dir.Path)
                .Select(c => c[(c.LastIndexOf('/') + 1)..])
                .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(suffix, StringComparison.Ordinal) && n.Length >= prefix.Length + suffix.Length)
                .Select(n => directory.TrimEnd('/') + "/" + n)
                .ToList();
        }

        private static List<string> MuslSystem(ImageFilesystem fs, string? interp)
        {
            // /lib/ld-musl-aarch64.so.1 reads /etc/ld-musl-aarch64.path: directories separated by newlines or ':'.
            var name = interp is null ? string.Empty : Name(interp);
            var arch = name.StartsWith("ld-musl-", StringComparison.Ordinal) && name.EndsWith(".so.1", StringComparison.Ordinal) ? name[8..^5] : null;
            if (arch is not null && fs.Resolve($"/etc/ld-musl-{arch}.path") is { Entry.Text: { } text })
            {
                return text.Split(['\n', ':'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(d => d.StartsWith('/')).ToList();
            }

            return ["/lib", "/usr/local/lib", "/usr/lib"];
        }
    }
}

/// <summary>A loaded object and the one that loaded it (for DT_RPATH inheritance and $ORIGIN).</summary>
internal sealed record ElfObject(string Path, ElfFile Elf, ElfObject? Loader);
