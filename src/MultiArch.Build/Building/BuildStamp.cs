using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MultiArch.Build.Building;

/// <summary>One input of a build: a key (<c>platforms</c>, <c>context/watches.yaml</c>) and the value it had.</summary>
internal sealed record StampInput(string Key, string Value);

/// <summary>
/// What a build made: where the image is and, per platform, its manifest digest; for an archive, its size and time
/// when written (<see cref="BuildUpToDate.ArchiveFingerprint"/>); the platforms the preflight found native.
/// </summary>
internal sealed record StampResult(BuildOutputKind Output, string Image, string Digest, IReadOnlyList<(string Platform, string ManifestDigest)> Platforms, string? ArchiveFile = null, string? NativePlatforms = null);

/// <summary>
/// What the last build was made of and what it made (<c>obj/multiarch/build.stamp</c>): every input that can
/// change the image (the Dockerfile, every file of the build context that .dockerignore lets through, with its
/// content hash and mode, the platforms, build arguments, labels, target, output, ...) and the resulting digest.
/// A build whose inputs equal the stamp's, and whose result is still where the stamp says, is not run again.
/// Secret values (build arguments named like secrets, secret files) appear only as hashes.
/// </summary>
internal sealed record BuildStamp(IReadOnlyList<StampInput> Inputs, StampResult? Result)
{
    private const string Header = "# MultiArch.Build build stamp v1: the inputs of the last build and what it made. Delete it to force a build.";

    /// <summary>
    /// The stamp's last line: a stamp without it was cut short (a copy or a write that did not finish) and is not read,
    /// so that no partial stamp (its inputs complete, its result lines not) can say "up to date".
    /// </summary>
    private const string Trailer = "end";

    /// <summary>
    /// The inputs of <paramref name="request"/>; <paramref name="outputs"/> (folders or files the build writes) are
    /// never inputs, even inside the context. File hashes are reused from <paramref name="previous"/> when a file's
    /// size and modification time are unchanged (as git's index does), so an unchanged context is not read again.
    /// </summary>
    public static BuildStamp Describe(ContainerCliKind cli, BuildRequest request, IReadOnlyCollection<string> outputs, IReadOnlyList<string> additionalInputs, BuildStamp? previous)
    {
        var known = previous?.Inputs.Where(i => i.Key.StartsWith("file ", StringComparison.Ordinal) || i.Key.StartsWith("context ", StringComparison.Ordinal))
            .ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal) ?? [];
        var inputs = new List<StampInput>();
        void Add(string key, string? value) => inputs.Add(new StampInput(key, value ?? string.Empty));

        Add("cli", cli == ContainerCliKind.Podman ? "podman" : "docker");
        Add("builder", request.Builder);
        Add("platforms", string.Join(",", request.Platforms));
        Add("output", request.Output.ToString().ToLowerInvariant());
        Add("repository", request.Repository);
        Add("archive", request.ArchivePath is null ? null : Path.GetFullPath(request.ArchivePath));
        if (request.TagAtBuild || request.Output == BuildOutputKind.Load)
        {
            // Only then do the tags reach the build; otherwise they follow validation and never rebuild anything.
            Add("tags", string.Join(",", request.Tags));
        }

        Add("target", request.Target);
        if (request.Network is not null)
        {
            // Only when set, so that the stamps of builds without it stay as they were.
            Add("network", request.Network);
        }

        Add("source-date-epoch", request.SourceDateEpoch?.ToString(CultureInfo.InvariantCulture));
        Add("provenance", request.Provenance?.ToString());
        Add("sbom", request.Sbom?.ToString());
        foreach (var (key, value) in request.BuildArgs)
        {
            Add("build-arg " + key, BuildRequest.IsSensitiveName(key) ? "sha256:" + Hash(value) : value);
        }

        foreach (var (key, value) in request.Labels)
        {
            Add("label " + key, value);
        }

        foreach (var annotation in request.Annotations)
        {
            Add("annotation", annotation);
        }

        foreach (var spec in request.CacheFrom)
        {
            Add("cache-from", spec);
        }

        foreach (var spec in request.CacheTo)
        {
            Add("cache-to", spec);
        }

        foreach (var secret in request.Secrets)
        {
            Add("secret " + secret.Id, secret.Source is { Length: > 0 } source
                ? "file:" + (File.Exists(source) ? HashFile(source) : "missing")
                : "env:" + secret.Environment + "=" + Hash(Environment.GetEnvironmentVariable(secret.Environment ?? string.Empty) ?? string.Empty));
        }

        Add("dockerfile", Path.GetFullPath(request.Dockerfile));
        inputs.Add(FileInput("file " + Path.GetFullPath(request.Dockerfile), new FileInfo(request.Dockerfile), known));

        var context = BuildContextFiles.For(request.Context, request.Dockerfile);
        Add("context", Path.GetFullPath(request.Context));
        foreach (var (relative, entry) in context.Enumerate(request.Context, outputs))
        {
            inputs.Add(FileInput("context " + relative, entry, known));
        }

        foreach (var (name, directory) in request.NamedContexts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            // Every file hashed afresh: a staged publish output has one timestamp for every file (by design), so size
            // and time cannot tell a changed file from an unchanged one.
            Add("named-context " + name, Path.GetFullPath(directory));
            foreach (var (relative, entry) in BuildContextFiles.FromText(null).Enumerate(directory, outputs))
            {
                inputs.Add(FileInput("named-context " + name + " " + relative, entry, new Dictionary<string, string>(StringComparer.Ordinal)));
            }
        }

        foreach (var extra in additionalInputs.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (Directory.Exists(extra))
            {
                foreach (var (relative, entry) in BuildContextFiles.FromText(null).Enumerate(extra, outputs))
                {
                    inputs.Add(FileInput("file " + Path.Combine(extra, relative), entry, known));
                }
            }
            else
            {
                inputs.Add(FileInput("file " + extra, new FileInfo(extra), known));
            }
        }

        return new BuildStamp(inputs, null);
    }

    /// <summary>The inputs that differ from <paramref name="previous"/>'s (at most three named), or null when none does.</summary>
    public string? Difference(BuildStamp previous)
    {
        var before = previous.Inputs.GroupBy(i => i.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => string.Join("\n", g.Select(i => ValueOf(i.Value))), StringComparer.Ordinal);
        var now = Inputs.GroupBy(i => i.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => string.Join("\n", g.Select(i => ValueOf(i.Value))), StringComparer.Ordinal);
        var changed = now.Where(kv => !before.TryGetValue(kv.Key, out var old) || old != kv.Value).Select(kv => kv.Key)
            .Concat(before.Keys.Where(k => !now.ContainsKey(k)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (changed.Count == 0)
        {
            return null;
        }

        var named = string.Join(", ", changed.Take(3));
        return changed.Count > 3 ? $"{named} and {changed.Count - 3} more" : named;
    }

    public BuildStamp WithResult(StampResult result) => this with { Result = result };

    public string Format()
    {
        var text = new StringBuilder(Header).Append('\n');
        foreach (var input in Inputs)
        {
            text.Append("input\t").Append(Escape(input.Key)).Append('\t').Append(Escape(input.Value)).Append('\n');
        }

        if (Result is { } result)
        {
            text.Append("result\toutput\t").Append(result.Output.ToString().ToLowerInvariant()).Append('\n');
            text.Append("result\timage\t").Append(Escape(result.Image)).Append('\n');
            text.Append("result\tdigest\t").Append(result.Digest).Append('\n');
            foreach (var (platform, manifest) in result.Platforms)
            {
                text.Append("result\tplatform\t").Append(platform).Append('\t').Append(manifest).Append('\n');
            }

            if (result.ArchiveFile is { } archiveFile)
            {
                text.Append("result\tarchive-file\t").Append(archiveFile).Append('\n');
            }

            if (result.NativePlatforms is { } native)
            {
                text.Append("result\tnative\t").Append(native).Append('\n');
            }
        }

        return text.Append(Trailer).Append('\n').ToString();
    }

    /// <summary>Reads a stamp; null when the file is missing, cut short, or not a stamp this version wrote (then the build runs).</summary>
    public static BuildStamp? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var lines = File.ReadAllLines(path);
        if (lines.Length < 2 || lines[0] != Header || lines[^1] != Trailer)
        {
            return null;
        }

        var inputs = new List<StampInput>();
        BuildOutputKind? output = null;
        string? image = null, digest = null, archiveFile = null, native = null;
        var platforms = new List<(string, string)>();
        foreach (var line in lines[1..^1])
        {
            var parts = line.Split('\t');
            switch (parts)
            {
                case ["input", var key, var value]:
                    inputs.Add(new StampInput(Unescape(key), Unescape(value)));
                    break;
                case ["result", "output", var kind] when Enum.TryParse<BuildOutputKind>(kind, ignoreCase: true, out var parsed):
                    output = parsed;
                    break;
                case ["result", "image", var value]:
                    image = Unescape(value);
                    break;
                case ["result", "digest", var value]:
                    digest = value;
                    break;
                case ["result", "platform", var platform, var manifest]:
                    platforms.Add((platform, manifest));
                    break;
                case ["result", "archive-file", var value]:
                    archiveFile = value;
                    break;
                case ["result", "native", var value]:
                    native = value;
                    break;
                default:
                    return null;
            }
        }

        var result = output is { } o && image is not null && digest is not null ? new StampResult(o, image, digest, platforms, archiveFile, native) : null;
        return new BuildStamp(inputs, result);
    }

    /// <summary>
    /// Writes the stamp as Nerdbank.GitVersioning writes its generated files: to <c>.new</c> first, then over the
    /// old one only when the content changed (an unchanged stamp keeps its time stamp). Returns whether it changed.
    /// </summary>
    public bool Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var next = path + ".new";
        File.WriteAllText(next, Format());
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(File.ReadAllBytes(next)))
        {
            File.Delete(next);
            return false;
        }

        File.Move(next, path, overwrite: true);
        return true;
    }

    /// <summary>A file's stamp value: <c>sha256:HEX mode</c> (folders: <c>dir</c>, links: <c>link:TARGET</c>), then a cache field after '|' that is not compared.</summary>
    private static StampInput FileInput(string key, FileSystemInfo entry, Dictionary<string, string> known)
    {
        if (!entry.Exists)
        {
            return new StampInput(key, "missing");
        }

        if (entry.LinkTarget is { } target)
        {
            return new StampInput(key, "link:" + target);
        }

        if (entry is DirectoryInfo)
        {
            return new StampInput(key, "dir " + Mode(entry));
        }

        var file = (FileInfo)entry;
        var cache = $"{file.Length.ToString(CultureInfo.InvariantCulture)},{file.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)}";
        if (known.TryGetValue(key, out var old) && old.EndsWith("|" + cache, StringComparison.Ordinal) && ValueOf(old).StartsWith("sha256:", StringComparison.Ordinal))
        {
            return new StampInput(key, $"{ValueOf(old).Split(' ')[0]} {Mode(entry)}|{cache}");
        }

        return new StampInput(key, $"sha256:{HashFile(file.FullName)} {Mode(entry)}|{cache}");
    }

    private static string ValueOf(string value)
    {
        var bar = value.LastIndexOf('|');
        return bar >= 0 ? value[..bar] : value;
    }

    private static string Mode(FileSystemInfo entry)
        => OperatingSystem.IsWindows() ? "-" : Convert.ToString((int)entry.UnixFileMode, 8);

    private static string Hash(string value) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value))).ToLowerInvariant();

    private static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\t", "\\t").Replace("\n", "\\n").Replace("\r", "\\r");

    private static string Unescape(string value)
    {
        var text = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                i++;
                text.Append(value[i] switch { 't' => '\t', 'n' => '\n', 'r' => '\r', var c => c });
            }
            else
            {
                text.Append(value[i]);
            }
        }

        return text.ToString();
    }
}
