using System.Diagnostics.CodeAnalysis;

namespace MultiArch.Build.Platforms;

/// <summary>
/// Maps portable .NET RuntimeIdentifiers to OCI platforms and back.
/// musl and glibc RIDs share a platform: the platform never says which libc an image uses, so the
/// way back (<see cref="DefaultRuntimeIdentifier"/>) always answers the glibc RID and callers keep
/// the RID the user gave whenever there is one.
/// </summary>
internal static class RuntimeIdentifierMap
{
    /// <summary>Every RID this tool knows, in table order. The first RID of a platform is its default.</summary>
    public static IReadOnlyList<(string RuntimeIdentifier, OciPlatform Platform)> Entries { get; } =
    [
        ("linux-x64", OciPlatform.Create("linux", "amd64")),
        ("linux-musl-x64", OciPlatform.Create("linux", "amd64")),
        ("linux-arm64", OciPlatform.Create("linux", "arm64")),
        ("linux-musl-arm64", OciPlatform.Create("linux", "arm64")),
        ("linux-arm", OciPlatform.Create("linux", "arm", "v7")),
        ("linux-musl-arm", OciPlatform.Create("linux", "arm", "v7")),
        ("linux-armv6", OciPlatform.Create("linux", "arm", "v6")),
        ("linux-x86", OciPlatform.Create("linux", "386")),
        ("linux-musl-x86", OciPlatform.Create("linux", "386")),
        ("linux-s390x", OciPlatform.Create("linux", "s390x")),
        ("linux-musl-s390x", OciPlatform.Create("linux", "s390x")),
        ("linux-ppc64le", OciPlatform.Create("linux", "ppc64le")),
        ("linux-musl-ppc64le", OciPlatform.Create("linux", "ppc64le")),
        ("linux-riscv64", OciPlatform.Create("linux", "riscv64")),
        ("linux-musl-riscv64", OciPlatform.Create("linux", "riscv64")),
        ("linux-loongarch64", OciPlatform.Create("linux", "loong64")),
        ("linux-musl-loongarch64", OciPlatform.Create("linux", "loong64")),
        ("win-x64", OciPlatform.Create("windows", "amd64")),
        ("win-arm64", OciPlatform.Create("windows", "arm64")),
        ("win-x86", OciPlatform.Create("windows", "386")),
    ];

    private static readonly Dictionary<string, OciPlatform> ByRid =
        Entries.ToDictionary(e => e.RuntimeIdentifier, e => e.Platform, StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<OciPlatform, string> DefaultByPlatform =
        Entries.GroupBy(e => e.Platform).ToDictionary(g => g.Key, g => g.First().RuntimeIdentifier);

    /// <summary>The platform of a RID; throws <see cref="UnknownRuntimeIdentifierException"/> for one this tool does not know.</summary>
    public static OciPlatform ToPlatform(string runtimeIdentifier)
    {
        if (!TryGetPlatform(runtimeIdentifier, out var platform))
        {
            throw new UnknownRuntimeIdentifierException(runtimeIdentifier, Suggest(runtimeIdentifier));
        }

        return platform;
    }

    public static bool TryGetPlatform(string? runtimeIdentifier, [NotNullWhen(true)] out OciPlatform? platform)
    {
        platform = null;
        return runtimeIdentifier is not null && ByRid.TryGetValue(runtimeIdentifier.Trim(), out platform);
    }

    /// <summary>The glibc (or Windows) RID for a platform, or null when .NET has none for it.</summary>
    public static string? DefaultRuntimeIdentifier(OciPlatform platform)
        => DefaultByPlatform.TryGetValue(platform, out var rid) ? rid : null;

    /// <summary>Whether the RID is one this map knows, case-insensitively; returns its canonical spelling.</summary>
    public static bool TryCanonicalize(string runtimeIdentifier, [NotNullWhen(true)] out string? canonical)
    {
        canonical = Entries.Select(e => e.RuntimeIdentifier)
            .FirstOrDefault(r => string.Equals(r, runtimeIdentifier.Trim(), StringComparison.OrdinalIgnoreCase));
        return canonical is not null;
    }

    // Version- and distro-specific RIDs (pre-.NET 8 style) that have a portable linux/win equivalent.
    private static readonly string[] LinuxDistributionRidPrefixes =
        ["linux", "ubuntu", "debian", "alpine", "rhel", "centos", "fedora", "ol", "opensuse", "sles", "tizen", "win", "mariner", "azurelinux"];

    /// <summary>A hint for an unknown RID: version- or distro-specific RIDs have a portable equivalent.</summary>
    internal static string Suggest(string runtimeIdentifier)
    {
        var rid = runtimeIdentifier.Trim().ToLowerInvariant();
        var dash = rid.LastIndexOf('-');
        var family = dash > 0 ? rid[..dash].Split('.')[0] : string.Empty;
        if (dash > 0 && LinuxDistributionRidPrefixes.Any(p => family.StartsWith(p, StringComparison.Ordinal)))
        {
            var arch = rid[(dash + 1)..];
            var prefix = rid.StartsWith("win", StringComparison.Ordinal) ? "win" : rid.Contains("alpine") || rid.Contains("musl") ? "linux-musl" : "linux";
            var candidate = $"{prefix}-{arch}";
            if (ByRid.ContainsKey(candidate) && candidate != rid)
            {
                return $"Use the portable RID '{candidate}'.";
            }
        }

        var known = $"Known RIDs: {string.Join(", ", Entries.Select(e => e.RuntimeIdentifier))}.";
        return Spelling.Closest(rid, Entries.Select(e => e.RuntimeIdentifier)) is { } meant ? $"Did you mean '{meant}'? {known}" : known;
    }
}
