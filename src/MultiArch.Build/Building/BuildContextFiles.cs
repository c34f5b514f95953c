using System.Text;
using System.Text.RegularExpressions;

namespace MultiArch.Build.Building;

/// <summary>
/// The files of a build context as the builder receives them: every file and folder under the context folder
/// except what <c>.dockerignore</c> excludes (BuildKit reads <c>&lt;Dockerfile&gt;.dockerignore</c> first, else
/// <c>&lt;context&gt;/.dockerignore</c>). Patterns follow moby/patternmatcher: <c>#</c> comments, <c>!</c>
/// exceptions, <c>*</c> and <c>?</c> within one path element, <c>**</c> across elements, a leading <c>/</c>
/// ignored; a pattern that matches a folder matches everything below it; the last matching pattern wins.
/// </summary>
internal sealed class BuildContextFiles
{
    private readonly List<(Regex Pattern, bool Exception)> _patterns = [];

    private BuildContextFiles(string? ignoreFileText)
    {
        foreach (var raw in (ignoreFileText ?? string.Empty).Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var exception = line.StartsWith('!');
            if (exception)
            {
                line = line[1..].Trim();
            }

            line = Clean(line);
            if (line.Length > 0)
            {
                _patterns.Add((new Regex(ToRegex(line), RegexOptions.CultureInvariant), exception));
            }
        }
    }

    /// <summary>The ignore rules BuildKit would apply for this Dockerfile and context.</summary>
    public static BuildContextFiles For(string context, string dockerfile)
    {
        var specific = dockerfile + ".dockerignore";
        var general = Path.Combine(context, ".dockerignore");
        var file = File.Exists(specific) ? specific : File.Exists(general) ? general : null;
        return new BuildContextFiles(file is null ? null : File.ReadAllText(file));
    }

    public static BuildContextFiles FromText(string? ignoreFileText) => new(ignoreFileText);

    /// <summary>Whether <paramref name="relativePath"/> ('/'-separated, relative to the context) is left out.</summary>
    public bool IsExcluded(string relativePath)
    {
        var path = relativePath.Replace('\\', '/').Trim('/');
        var excluded = false;
        foreach (var (pattern, exception) in _patterns)
        {
            if (MatchesOrParentMatches(pattern, path))
            {
                excluded = !exception;
            }
        }

        return excluded;
    }

    /// <summary>
    /// Every entry of the context ('/'-separated relative paths, ordinal order): files, symbolic links and folders,
    /// without excluded ones and without <paramref name="skipPaths"/> (the build's own outputs: folders or files).
    /// </summary>
    public IReadOnlyList<(string RelativePath, FileSystemInfo Entry)> Enumerate(string context, IReadOnlyCollection<string> skipPaths)
    {
        var root = Path.GetFullPath(context);
        var skip = skipPaths.Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d))).ToHashSet(StringComparer.Ordinal);
        var hasExceptions = _patterns.Any(p => p.Exception);
        var result = new List<(string, FileSystemInfo)>();
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(root));
        while (pending.Count > 0)
        {
            foreach (var entry in pending.Pop().EnumerateFileSystemInfos())
            {
                var relative = Path.GetRelativePath(root, entry.FullName).Replace('\\', '/');
                var isDirectory = entry is DirectoryInfo && entry.LinkTarget is null;
                if (skip.Contains(Path.TrimEndingDirectorySeparator(entry.FullName)))
                {
                    continue;
                }

                var excluded = IsExcluded(relative);
                if (!excluded)
                {
                    result.Add((relative, entry));
                }

                // An excluded folder may still hold an exception ("!keep/this"): walk it only then.
                if (isDirectory && (!excluded || hasExceptions))
                {
                    pending.Push((DirectoryInfo)entry);
                }
            }
        }

        result.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return result;
    }

    private static bool MatchesOrParentMatches(Regex pattern, string path)
    {
        if (pattern.IsMatch(path))
        {
            return true;
        }

        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            if (pattern.IsMatch(path[..slash]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>filepath.Clean for a '/'-separated pattern, without the leading '/' (patterns are relative to the context).</summary>
    private static string Clean(string pattern)
    {
        var parts = new List<string>();
        foreach (var part in pattern.Replace('\\', '/').Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == ".." && parts.Count > 0 && parts[^1] != "..")
            {
                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    /// <summary>A pattern as moby/patternmatcher compiles it.</summary>
    private static string ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*':
                    i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        i++;
                    }

                    regex.Append(i + 1 == pattern.Length ? ".*" : "(.*/)?");
                    break;
                case '*':
                    regex.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '\\' when i + 1 < pattern.Length:
                    regex.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                case '[':
                    var close = pattern.IndexOf(']', i + 1);
                    if (close > i + 1)
                    {
                        var set = pattern[(i + 1)..close];
                        regex.Append('[').Append(set.StartsWith('^') || set.StartsWith('!') ? "^" + set[1..].Replace("\\", "\\\\") : set.Replace("\\", "\\\\")).Append(']');
                        i = close;
                    }
                    else
                    {
                        regex.Append("\\[");
                    }

                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return regex.Append('$').ToString();
    }
}
