using MultiArch.Build.Platforms;

namespace MultiArch.Build.Building;

/// <summary>
/// One build cache per platform (docs/ci.md): matrix jobs that each build one platform must not overwrite each
/// other's cache, so every <c>--cache-from</c>/<c>--cache-to</c> spec is expanded per platform built. A spec with
/// the <c>{platform}</c> token is expanded there (always); otherwise, per exporter, the name that identifies the
/// cache gets the platform as a suffix (<c>linux-arm64</c>, <c>linux-arm-v7</c>):
/// registry <c>ref=R:tag</c> → <c>R:tag-linux-arm64</c> (no tag: <c>latest-linux-arm64</c>; a digest is left as is);
/// gha <c>scope=S</c> → <c>S-linux-arm64</c> (no scope: buildx's <c>buildkit</c>);
/// s3/azblob <c>name=N</c> → <c>N-linux-arm64</c> (no name: <c>buildkit</c>); local <c>src</c>/<c>dest</c> → <c>DIR/linux-arm64</c>;
/// inline and unknown exporters are left as they are. Pure.
/// </summary>
/// <summary>The cache specs as the user wrote them, and whether each platform gets a cache of its own.</summary>
internal sealed record CacheSpecs(IReadOnlyList<string> From, IReadOnlyList<string> To, bool PerPlatform)
{
    public IReadOnlyList<string> FromFor(IReadOnlyList<OciPlatform> platforms) => CacheScopes.Expand(From, platforms, PerPlatform);

    public IReadOnlyList<string> ToFor(IReadOnlyList<OciPlatform> platforms) => CacheScopes.Expand(To, platforms, PerPlatform);
}

internal static class CacheScopes
{
    public const string PlatformToken = "{platform}";

    /// <summary>The platform as a cache name suffix: <c>linux/arm/v7</c> → <c>linux-arm-v7</c>.</summary>
    public static string Suffix(OciPlatform platform) => platform.ToString().Replace('/', '-');

    public static IReadOnlyList<string> Expand(IEnumerable<string> specs, IReadOnlyList<OciPlatform> platforms, bool perPlatform)
    {
        var expanded = new List<string>();
        foreach (var spec in specs.Select(s => s.Trim()).Where(s => s.Length > 0))
        {
            if (spec.Contains(PlatformToken, StringComparison.Ordinal))
            {
                expanded.AddRange(platforms.Select(p => spec.Replace(PlatformToken, Suffix(p), StringComparison.Ordinal)));
            }
            else if (!perPlatform || platforms.Count == 0)
            {
                expanded.Add(spec);
            }
            else
            {
                expanded.AddRange(platforms.Select(p => Scoped(spec, Suffix(p))));
            }
        }

        return expanded.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>One spec for one platform (see the class summary).</summary>
    public static string Scoped(string spec, string suffix)
    {
        if (!spec.Contains('=', StringComparison.Ordinal))
        {
            // buildx's shorthand: a bare reference is a registry cache.
            return WithTagSuffix(spec, suffix);
        }

        var fields = spec.Split(',').Select(f => f.Split('=', 2)).Select(kv => new Field(kv[0].Trim(), kv.Length > 1 ? kv[1] : null)).ToList();
        var type = fields.FirstOrDefault(f => f.Key == "type")?.Value ?? (fields.Any(f => f.Key == "ref") ? "registry" : null);
        var scoped = type switch
        {
            "registry" => Change(fields, ["ref"], r => WithTagSuffix(r, suffix), null),
            "gha" => Change(fields, ["scope"], s => $"{s}-{suffix}", $"buildkit-{suffix}"),
            "s3" or "azblob" => Change(fields, ["name"], n => $"{n}-{suffix}", $"buildkit-{suffix}"),
            "local" => Change(fields, ["src", "dest"], d => $"{d.TrimEnd('/')}/{suffix}", null),
            _ => fields,
        };
        return string.Join(",", scoped.Select(f => f.Value is null ? f.Key : $"{f.Key}={f.Value}"));
    }

    private sealed record Field(string Key, string? Value);

    /// <summary>The fields with each of <paramref name="keys"/> changed; the first key added with <paramref name="whenAbsent"/> when none is there.</summary>
    private static List<Field> Change(List<Field> fields, string[] keys, Func<string, string> change, string? whenAbsent)
    {
        var result = fields.Select(f => keys.Contains(f.Key) && f.Value is not null ? f with { Value = change(f.Value) } : f).ToList();
        if (whenAbsent is not null && !fields.Any(f => keys.Contains(f.Key)))
        {
            result.Add(new Field(keys[0], whenAbsent));
        }

        return result;
    }

    /// <summary><c>R:tag</c> → <c>R:tag-suffix</c>; <c>R</c> → <c>R:latest-suffix</c>; a reference by digest is left as is.</summary>
    private static string WithTagSuffix(string reference, string suffix)
    {
        if (reference.Contains('@', StringComparison.Ordinal))
        {
            return reference;
        }

        var slash = reference.LastIndexOf('/');
        var colon = reference.LastIndexOf(':');
        return colon > slash ? $"{reference}-{suffix}" : $"{reference}:latest-{suffix}";
    }
}
