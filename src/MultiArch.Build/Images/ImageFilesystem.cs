using System.Formats.Tar;
using System.IO.Compression;

namespace MultiArch.Build.Images;

internal enum FsEntryKind
{
    File,
    Directory,
    Symlink,
}

/// <summary>One path of the merged image filesystem; executable files keep their first bytes.</summary>
internal sealed record FsEntry(FsEntryKind Kind, string? LinkTarget, bool Executable, byte[]? Head)
{
    /// <summary>The dynamic-linking facts of an ELF program or library (with <see cref="ImageFilesystem.ReadLinkerFiles"/>).</summary>
    public ElfFile? Elf { get; init; }

    /// <summary>The text of a dynamic-linker configuration file (with <see cref="ImageFilesystem.ReadLinkerFiles"/>).</summary>
    public string? Text { get; init; }

    /// <summary>The machine code the file holds, if any (with <see cref="ImageFilesystem.IdentifyNativeCode"/>).</summary>
    public NativeCode? Native { get; init; }

    /// <summary>The layer that put the entry there (as named to <see cref="ImageFilesystem.ReadLayerAsync"/>).</summary>
    public string? Layer { get; init; }
}

/// <summary>One layer as read by <see cref="ImageFilesystem.ReadLayerAsync"/>: its entries, hard links, whiteouts and opaque directories.</summary>
internal sealed class LayerContent(string? name)
{
    public string? Name { get; } = name;

    public List<(string Path, FsEntry Entry)> Added { get; } = [];

    public List<(string Path, string Target)> HardLinks { get; } = [];

    public List<string> Whiteouts { get; } = [];

    public List<string> Opaque { get; } = [];
}

/// <summary>
/// The image's root filesystem as the runtime would see it, built by applying the layers in order:
/// whiteouts (<c>.wh.name</c>) delete, opaque markers (<c>.wh..wh..opq</c>) hide the lower layers'
/// content of a directory, hard links share their target's content. Only the first bytes of
/// executable files are kept, so memory stays bounded whatever the image's size. Files under
/// <paramref name="keepHeadsUnder"/> (a .NET app's folder, whose native libraries are rarely executable)
/// keep their first bytes too.
/// </summary>
internal sealed class ImageFilesystem(string? keepHeadsUnder = null)
{
    private readonly string? _headsPrefix = keepHeadsUnder is null ? null : Normalize(keepHeadsUnder).TrimEnd('/') + "/";

    /// <summary>Entries kept at most; an image with more paths is read partially (and said so).</summary>
    public const int MaxEntries = 500_000;

    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";

    private readonly Dictionary<string, FsEntry> _entries = new(StringComparer.Ordinal) { ["/"] = new FsEntry(FsEntryKind.Directory, null, false, null) };

    public int Count => _entries.Count;

    public bool Truncated { get; private set; }

    /// <summary>Identify the machine code of every regular file, whatever its mode or name (<see cref="FsEntry.Native"/>): the whole-image scan.</summary>
    public bool IdentifyNativeCode { get; init; }

    /// <summary>Also keep what the dynamic linker reads: ELF headers and dynamic sections, and its configuration files (<see cref="LinkerFiles"/>).</summary>
    public bool ReadLinkerFiles { get; init; }

    public FsEntry? this[string path] => _entries.GetValueOrDefault(Normalize(path));

    /// <summary>The regular files under <paramref name="directory"/> (any depth), in ordinal path order.</summary>
    public IEnumerable<(string Path, FsEntry Entry)> FilesUnder(string directory)
    {
        var prefix = Normalize(directory).TrimEnd('/') + "/";
        return _entries.Where(e => e.Value.Kind == FsEntryKind.File && e.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => (e.Key, e.Value));
    }

    /// <summary>Applies one layer given as an uncompressed or gzip-compressed tar stream.</summary>
    public async Task ApplyLayerAsync(Stream layer, bool gzip, CancellationToken cancellationToken)
        => Apply(await ReadLayerAsync(layer, gzip, null, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Reads one layer (uncompressed or gzip-compressed tar) into what <see cref="Apply"/> needs, keeping what this
    /// filesystem's options ask for; <paramref name="layerName"/> is recorded on every entry (<see cref="FsEntry.Layer"/>).
    /// The same content can be applied to the filesystems of several platforms that share the layer, so each layer
    /// is read once. A gzip stream that expands beyond <see cref="LayerLimits"/> stops with an <see cref="InvalidDataException"/> (<see cref="LayerLimits.GzipBomb"/>).
    /// </summary>
    public async Task<LayerContent> ReadLayerAsync(Stream layer, bool gzip, string? layerName, CancellationToken cancellationToken)
    {
        var compressed = gzip ? new CountingStream(layer, null) : null;
        await using var decompressed = compressed is null ? null : new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        await using var counted = decompressed is null ? null : new CountingStream(decompressed, compressed);
        var reader = new TarReader(counted ?? layer, leaveOpen: true);
        var content = new LayerContent(layerName);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            var path = Normalize(entry.Name);
            var name = path[(path.LastIndexOf('/') + 1)..];
            var dir = path[..Math.Max(1, path.LastIndexOf('/'))];
            if (name == OpaqueMarker)
            {
                content.Opaque.Add(dir);
                continue;
            }

            if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                content.Whiteouts.Add(Normalize(dir + "/" + name[WhiteoutPrefix.Length..]));
                continue;
            }

            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    content.Added.Add((path, new FsEntry(FsEntryKind.Directory, null, false, null) { Layer = layerName }));
                    break;
                case TarEntryType.SymbolicLink:
                    content.Added.Add((path, new FsEntry(FsEntryKind.Symlink, entry.LinkName, false, null) { Layer = layerName }));
                    break;
                case TarEntryType.HardLink:
                    content.HardLinks.Add((path, Normalize(entry.LinkName)));
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    var executable = ((int)entry.Mode & 0b001_001_001) != 0;
                    var keepHead = executable || (_headsPrefix is not null && path.StartsWith(_headsPrefix, StringComparison.Ordinal));
                    byte[]? head = null;
                    if ((keepHead || IdentifyNativeCode) && entry.DataStream is { } data)
                    {
                        head = await ReadHeadAsync(data, cancellationToken).ConfigureAwait(false);
                    }

                    var file = new FsEntry(FsEntryKind.File, null, executable, head) { Layer = layerName, Native = IdentifyNativeCode && head is not null ? NativeCode.Of(head) : null };
                    if (ReadLinkerFiles && entry.DataStream is { } rest && LinkerFiles.Wanted(path, executable))
                    {
                        file = await LinkerFiles.CaptureAsync(path, file, rest, entry.Length, cancellationToken).ConfigureAwait(false);
                    }

                    // Read for identification only: the head is not kept (memory stays a few bytes per file).
                    content.Added.Add((path, keepHead ? file : file with { Head = null }));
                    break;
            }
        }

        return content;
    }

    /// <summary>Applies a layer read by <see cref="ReadLayerAsync"/> on top of what is there.</summary>
    public void Apply(LayerContent layer)
    {
        // Opaque directories and whiteouts hide what lower layers had; this layer's own entries stay.
        foreach (var dir in layer.Opaque)
        {
            RemoveTree(dir, keepRoot: true);
        }

        foreach (var path in layer.Whiteouts)
        {
            RemoveTree(path, keepRoot: false);
        }

        foreach (var (path, entry) in layer.Added)
        {
            Add(path, entry);
        }

        foreach (var (path, target) in layer.HardLinks)
        {
            // A hard link names a path of this or a lower layer; it shares that file's content.
            var source = layer.Added.LastOrDefault(a => a.Path == target).Entry ?? _entries.GetValueOrDefault(target);
            Add(path, source ?? new FsEntry(FsEntryKind.File, null, false, null) { Layer = layer.Name });
        }
    }

    /// <summary>
    /// Follows symbolic links in every component of the path (absolute and relative targets), as the
    /// kernel would inside the container. Returns the final path and its entry, or null when missing.
    /// </summary>
    public (string Path, FsEntry Entry)? Resolve(string path, int maxLinks = 40)
    {
        var pending = new Queue<string>(Normalize(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = "/";
        var hops = 0;
        while (pending.Count > 0)
        {
            var part = pending.Dequeue();
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = current == "/" ? "/" : current[..Math.Max(1, current.LastIndexOf('/'))];
                continue;
            }

            var next = current == "/" ? "/" + part : current + "/" + part;
            if (!_entries.TryGetValue(next, out var entry))
            {
                return null;
            }

            if (entry.Kind == FsEntryKind.Symlink)
            {
                if (++hops > maxLinks || string.IsNullOrEmpty(entry.LinkTarget))
                {
                    return null;
                }

                var rest = pending.ToList();
                pending.Clear();
                var target = entry.LinkTarget!;
                if (target.StartsWith('/'))
                {
                    current = "/";
                }

                foreach (var p in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(rest))
                {
                    pending.Enqueue(p);
                }

                continue;
            }

            current = next;
        }

        return _entries.TryGetValue(current, out var final) ? (current, final) : null;
    }

    /// <summary>The paths directly inside <paramref name="directory"/> (not following symlinks), sorted.</summary>
    public IReadOnlyList<string> Children(string directory)
    {
        var prefix = Normalize(directory) is "/" ? "/" : Normalize(directory) + "/";
        return _entries.Keys.Where(k => k.Length > prefix.Length && k.StartsWith(prefix, StringComparison.Ordinal) && k.IndexOf('/', prefix.Length) < 0)
            .Order(StringComparer.Ordinal).ToList();
    }

    public static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(part);
        }

        return "/" + string.Join('/', parts);
    }

    private static Task<byte[]> ReadHeadAsync(Stream data, CancellationToken cancellationToken)
        => LinkerFiles.ReadAsync(data, BinaryInspector.HeaderBytes, cancellationToken);

    private void Add(string path, FsEntry entry)
    {
        if (_entries.Count >= MaxEntries && !_entries.ContainsKey(path))
        {
            Truncated = true;
            return;
        }

        // Parent directories exist implicitly, as tar files often omit them.
        for (var dir = Parent(path); dir != "/" && !_entries.ContainsKey(dir); dir = Parent(dir))
        {
            _entries[dir] = new FsEntry(FsEntryKind.Directory, null, false, null);
        }

        // A file or link replacing a directory hides the directory's tree; replacing a file there is nothing below it
        // (so a layer of 100,000 files is not 100,000 scans of every path).
        if (entry.Kind != FsEntryKind.Directory && _entries.TryGetValue(path, out var old) && old.Kind == FsEntryKind.Directory)
        {
            RemoveTree(path, keepRoot: false);
        }

        _entries[path] = entry;
    }

    private void RemoveTree(string path, bool keepRoot)
    {
        // Every entry's parent directories exist (Add makes them), so a path that is absent or not a directory has
        // nothing below it: no scan of every path for each whiteout of a file.
        if (!_entries.TryGetValue(path, out var existing) || existing.Kind != FsEntryKind.Directory)
        {
            if (!keepRoot && existing is not null)
            {
                _entries.Remove(path);
            }

            return;
        }

        var prefix = path == "/" ? "/" : path + "/";
        foreach (var key in _entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k != "/").ToList())
        {
            _entries.Remove(key);
        }

        if (!keepRoot && path != "/")
        {
            _entries.Remove(path);
        }
    }

    private static string Parent(string path) => path.LastIndexOf('/') <= 0 ? "/" : path[..path.LastIndexOf('/')];
}
