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
    {
        await using var decompressed = gzip ? new GZipStream(layer, CompressionMode.Decompress, leaveOpen: true) : null;
        var reader = new TarReader(decompressed ?? layer, leaveOpen: true);
        var added = new List<(string Path, FsEntry Entry)>();
        var hardLinks = new List<(string Path, string Target)>();
        var whiteouts = new List<string>();
        var opaque = new List<string>();
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            var path = Normalize(entry.Name);
            var name = path[(path.LastIndexOf('/') + 1)..];
            var dir = path[..Math.Max(1, path.LastIndexOf('/'))];
            if (name == OpaqueMarker)
            {
                opaque.Add(dir);
                continue;
            }

            if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                whiteouts.Add(Normalize(dir + "/" + name[WhiteoutPrefix.Length..]));
                continue;
            }

            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    added.Add((path, new FsEntry(FsEntryKind.Directory, null, false, null)));
                    break;
                case TarEntryType.SymbolicLink:
                    added.Add((path, new FsEntry(FsEntryKind.Symlink, entry.LinkName, false, null)));
                    break;
                case TarEntryType.HardLink:
                    hardLinks.Add((path, Normalize(entry.LinkName)));
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    var executable = ((int)entry.Mode & 0b001_001_001) != 0;
                    byte[]? head = null;
                    if ((executable || (_headsPrefix is not null && path.StartsWith(_headsPrefix, StringComparison.Ordinal))) && entry.DataStream is { } data)
                    {
                        head = await ReadHeadAsync(data, cancellationToken).ConfigureAwait(false);
                    }

                    var file = new FsEntry(FsEntryKind.File, null, executable, head);
                    if (ReadLinkerFiles && entry.DataStream is { } rest && LinkerFiles.Wanted(path, executable))
                    {
                        file = await LinkerFiles.CaptureAsync(path, file, rest, entry.Length, cancellationToken).ConfigureAwait(false);
                    }

                    added.Add((path, file));
                    break;
            }
        }

        // Opaque directories and whiteouts hide what lower layers had; this layer's own entries stay.
        foreach (var dir in opaque)
        {
            RemoveTree(dir, keepRoot: true);
        }

        foreach (var path in whiteouts)
        {
            RemoveTree(path, keepRoot: false);
        }

        foreach (var (path, entry) in added)
        {
            Add(path, entry);
        }

        foreach (var (path, target) in hardLinks)
        {
            // A hard link names a path of this or a lower layer; it shares that file's content.
            var source = added.LastOrDefault(a => a.Path == target).Entry ?? _entries.GetValueOrDefault(target);
            Add(path, source ?? new FsEntry(FsEntryKind.File, null, false, null));
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

        if (entry.Kind != FsEntryKind.Directory)
        {
            RemoveTree(path, keepRoot: false);
        }

        _entries[path] = entry;
    }

    private void RemoveTree(string path, bool keepRoot)
    {
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
