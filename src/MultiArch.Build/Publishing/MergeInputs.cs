using System.Text.RegularExpressions;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Oci;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Publishing;

/// <summary>One part of a merge: the image by digest, and what the user named to get it (a record file or the reference).</summary>
internal sealed record MergePart(string Source, ImageReference Reference, ImageRecord? Record);

/// <summary>
/// Turns what a user lists in <c>ContainerMergeInputs</c> into parts: a record file, a glob of record files
/// (<c>*</c>, <c>?</c>, <c>**</c>), or an image reference by digest. A tag is refused (it can move between the
/// fan-out and the merge); a glob that matches nothing is refused (a missing artifact must not shrink the index).
/// </summary>
internal static class MergeInputs
{
    public static IReadOnlyList<MergePart> Resolve(IEnumerable<string> entries, string baseDirectory)
    {
        var parts = new List<MergePart>();
        foreach (var entry in entries.Select(e => e.Trim()).Where(e => e.Length > 0))
        {
            if (entry.Contains('\0', StringComparison.Ordinal))
            {
                throw new MultiArchException(nameof(Strings.MergeInputNotFound), entry.Replace("\0", "\\0", StringComparison.Ordinal), "it holds a NUL character, which no file name or reference can");
            }

            if (entry.IndexOfAny(['*', '?']) >= 0)
            {
                var matches = Glob(entry, baseDirectory);
                if (matches.Count == 0)
                {
                    throw new MultiArchException(nameof(Strings.MergeInputNotFound), entry, "the pattern matches no file");
                }

                parts.AddRange(matches.Select(FromRecord));
                continue;
            }

            var path = Path.GetFullPath(entry, baseDirectory);
            if (File.Exists(path))
            {
                parts.Add(FromRecord(path));
                continue;
            }

            if (LooksLikeFile(entry) || !ImageReference.TryParse(entry, out var reference, out _))
            {
                throw new MultiArchException(nameof(Strings.MergeInputNotFound), entry, $"no file {path}, and it is not an image reference");
            }

            if (reference.Digest is null)
            {
                throw new MultiArchException(nameof(Strings.MergeInputNotByDigest), entry);
            }

            parts.Add(new MergePart(entry, reference, null));
        }

        return parts;
    }

    private static MergePart FromRecord(string path)
    {
        var record = ImageRecord.Read(path);
        return new MergePart(path, ImageReference.Parse(record.Image), record);
    }

    /// <summary>A record file name, not a reference: ends in .json or is a path with a separator the reference grammar has no use for.</summary>
    private static bool LooksLikeFile(string entry)
        => entry.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || entry.StartsWith('.') || entry.StartsWith('/') || entry.Contains('\\');

    /// <summary>Files matching a glob, sorted: <c>*</c> and <c>?</c> within one folder name, <c>**</c> across folders.</summary>
    public static IReadOnlyList<string> Glob(string pattern, string baseDirectory)
    {
        var full = Path.GetFullPath(pattern.Replace('\\', '/'), baseDirectory).Replace('\\', '/');
        var segments = full.Split('/');
        var fixedCount = segments.TakeWhile(s => s.IndexOfAny(['*', '?']) < 0).Count();
        var root = string.Join('/', segments.Take(fixedCount));
        if (root.Length == 0)
        {
            root = "/";
        }

        if (!Directory.Exists(root))
        {
            return [];
        }

        var rest = segments.Skip(fixedCount).ToList();
        var body = string.Concat(rest.Select((segment, i) => segment == "**"
            ? "(?:[^/]+/)*"
            : SegmentPattern(segment) + (i < rest.Count - 1 ? "/" : string.Empty)));
        var regex = new Regex("^" + Regex.Escape(root.TrimEnd('/') + "/") + body + "$", RegexOptions.CultureInvariant);
        return Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
            .Select(f => f.Replace('\\', '/'))
            .Where(f => regex.IsMatch(f))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static string SegmentPattern(string segment)
        => Regex.Escape(segment).Replace(@"\*", "[^/]*", StringComparison.Ordinal).Replace(@"\?", "[^/]", StringComparison.Ordinal);
}
