using MultiArch.Build.Platforms;

namespace MultiArch.Build.Building;

/// <summary>
/// One annotation as buildx's <c>--annotation</c> takes it: <c>[types[platform]:]key=value</c>, where types is a
/// comma list of <c>manifest</c>, <c>index</c>, <c>manifest-descriptor</c>, <c>index-descriptor</c>, and the platform
/// limits it to that platform's manifest. Without types it is a manifest annotation. A key that is a URL
/// (<c>https://...</c>) has no types. The one reading of that syntax for every build tool and the in-process assembly.
/// </summary>
internal sealed record BuildAnnotation(IReadOnlyList<string> Types, string? Platform, string Key, string Value)
{
    public static BuildAnnotation Parse(string text)
    {
        var equals = text.IndexOf('=');
        var key = equals < 0 ? text : text[..equals];
        var value = equals < 0 ? string.Empty : text[(equals + 1)..];
        var colon = key.IndexOf(':');
        if (colon < 0 || key.Contains("://", StringComparison.Ordinal))
        {
            return new([], null, key, value);
        }

        var types = key[..colon];
        var bracket = types.IndexOf('[');
        var platform = bracket < 0 ? null : types[(bracket + 1)..].TrimEnd(']');
        var list = (bracket < 0 ? types : types[..bracket]).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return new(list, platform, key[(colon + 1)..], value);
    }

    public bool IsFor(string type) => Types.Contains(type, StringComparer.Ordinal);

    /// <summary>An annotation of each image manifest (typed <c>manifest</c>, or untyped) for <paramref name="platform"/>.</summary>
    public bool IsManifestOf(OciPlatform platform)
        => (Types.Count == 0 || IsFor("manifest"))
           && (Platform is null || (OciPlatform.TryParse(Platform, out var only, out _) && only.Equals(platform)));

    /// <summary>As buildx takes it on its command line.</summary>
    public override string ToString()
        => Types.Count == 0 && Platform is null
            ? $"{Key}={Value}"
            : $"{string.Join(",", Types)}{(Platform is null ? string.Empty : $"[{Platform}]")}:{Key}={Value}";
}
