using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace MultiArch.Build.Platforms;

/// <summary>
/// An OCI image platform (<c>os/architecture[/variant]</c>) with Go's GOOS/GOARCH values,
/// normalized the way containerd normalizes it so that equal platforms compare equal.
/// </summary>
internal sealed record OciPlatform
{
    private static readonly HashSet<string> KnownOperatingSystems = new(StringComparer.Ordinal)
    {
        "linux", "windows", "darwin", "freebsd", "netbsd", "openbsd", "solaris", "illumos", "aix", "dragonfly", "plan9", "android", "ios", "js", "wasip1",
    };

    private static readonly HashSet<string> KnownArchitectures = new(StringComparer.Ordinal)
    {
        "386", "amd64", "arm", "arm64", "loong64", "mips", "mipsle", "mips64", "mips64le", "ppc", "ppc64", "ppc64le", "riscv64", "s390x", "wasm", "sparc64",
    };

    /// <summary>Variants that are meaningful per architecture; other architectures take none.</summary>
    private static readonly Dictionary<string, string[]> KnownVariants = new(StringComparer.Ordinal)
    {
        ["arm"] = ["v5", "v6", "v7", "v8"],
        ["arm64"] = ["v8.1", "v8.2", "v8.3", "v8.4", "v8.5", "v8.6", "v8.7", "v8.8", "v8.9", "v9", "v9.0", "v9.1", "v9.2", "v9.3", "v9.4", "v9.5"],
        ["amd64"] = ["v2", "v3", "v4"],
        ["riscv64"] = ["rva20u64", "rva22u64", "rva23u64"],
    };

    private OciPlatform(string os, string architecture, string? variant)
    {
        Os = os;
        Architecture = architecture;
        Variant = string.IsNullOrEmpty(variant) ? null : variant;
    }

    public string Os { get; }

    public string Architecture { get; }

    /// <summary>The CPU variant (<c>v7</c> for <c>arm</c>), or null when there is none.</summary>
    public string? Variant { get; }

    public static OciPlatform LinuxAmd64 { get; } = new("linux", "amd64", null);

    /// <summary>
    /// Creates a platform from its parts, normalizing them (<c>aarch64</c> to <c>arm64</c>,
    /// <c>arm</c> to <c>arm/v7</c>, ...). Throws <see cref="PlatformFormatException"/> when a part is unknown.
    /// </summary>
    public static OciPlatform Create(string os, string architecture, string? variant = null)
    {
        if (!TryCreate(os, architecture, variant, out var platform, out var reason))
        {
            throw new PlatformFormatException(JoinRaw(os, architecture, variant), reason);
        }

        return platform;
    }

    /// <summary>Parses <c>os/architecture[/variant]</c>. Throws <see cref="PlatformFormatException"/> when malformed.</summary>
    public static OciPlatform Parse(string text)
    {
        if (!TryParse(text, out var platform, out var reason))
        {
            throw new PlatformFormatException(text, reason);
        }

        return platform;
    }

    public static bool TryParse(string? text, [NotNullWhen(true)] out OciPlatform? platform, out string reason)
    {
        platform = null;
        var trimmed = text?.Trim() ?? string.Empty;
        if (trimmed.Length == 0)
        {
            reason = "the platform is empty";
            return false;
        }

        var parts = trimmed.Split('/');
        if (parts.Length is < 2 or > 3)
        {
            reason = "expected os/architecture or os/architecture/variant";
            return false;
        }

        if (!TryCreate(parts[0], parts[1], parts.Length == 3 ? parts[2] : null, out platform, out reason))
        {
            if (Spelling.Closest(trimmed, SpellingCandidates()) is { } meant)
            {
                reason += $" (did you mean {meant}?)";
            }

            return false;
        }

        return true;
    }

    /// <summary>Every os/architecture this type knows (and arm's variants), the platforms .NET has RIDs for first.</summary>
    private static IEnumerable<string> SpellingCandidates()
        => RuntimeIdentifierMap.Entries.Select(e => e.Platform.ToString())
            .Concat(KnownOperatingSystems.Order(StringComparer.Ordinal).SelectMany(os => KnownArchitectures.Order(StringComparer.Ordinal).Select(arch => $"{os}/{arch}")))
            .Concat(KnownVariants["arm"].Select(v => $"linux/arm/{v}"))
            .Distinct(StringComparer.Ordinal);

    public static bool TryCreate(string? os, string? architecture, string? variant, [NotNullWhen(true)] out OciPlatform? platform, out string reason)
    {
        platform = null;
        var normalizedOs = (os ?? string.Empty).Trim().ToLowerInvariant();
        var arch = (architecture ?? string.Empty).Trim().ToLowerInvariant();
        var normalizedVariant = (variant ?? string.Empty).Trim().ToLowerInvariant();
        if (variant is not null && normalizedVariant.Length == 0)
        {
            reason = "the variant is empty";
            return false;
        }

        if (normalizedOs == "macos")
        {
            normalizedOs = "darwin";
        }

        if (!KnownOperatingSystems.Contains(normalizedOs))
        {
            reason = normalizedOs.Length == 0 ? "the operating system is empty" : $"unknown operating system '{normalizedOs}'";
            return false;
        }

        // Architecture aliases, following containerd's platforms.Normalize.
        switch (arch)
        {
            case "i386" or "i486" or "i586" or "i686" or "x86":
                arch = "386";
                break;
            case "x86_64" or "x86-64" or "x64":
                arch = "amd64";
                break;
            case "aarch64":
                arch = "arm64";
                break;
            case "armhf":
                arch = "arm";
                normalizedVariant = normalizedVariant.Length == 0 ? "v7" : normalizedVariant;
                break;
            case "armel":
                arch = "arm";
                normalizedVariant = normalizedVariant.Length == 0 ? "v6" : normalizedVariant;
                break;
            case "ppc64el":
                arch = "ppc64le";
                break;
        }

        if (!KnownArchitectures.Contains(arch))
        {
            reason = arch.Length == 0 ? "the architecture is empty" : $"unknown architecture '{arch}'";
            return false;
        }

        // Variants without the leading 'v' ("7", "8") are accepted the way containerd accepts them.
        if (normalizedVariant.Length > 0 && char.IsDigit(normalizedVariant[0]))
        {
            normalizedVariant = "v" + normalizedVariant;
        }

        switch (arch)
        {
            case "arm" when normalizedVariant.Length == 0:
                normalizedVariant = "v7";
                break;
            case "arm64" when normalizedVariant is "v8" or "v8.0":
            case "amd64" when normalizedVariant == "v1":
                // The baseline variant is the architecture itself.
                normalizedVariant = string.Empty;
                break;
        }

        if (normalizedVariant.Length > 0)
        {
            if (!KnownVariants.TryGetValue(arch, out var allowed))
            {
                reason = $"architecture '{arch}' takes no variant, got '{normalizedVariant}'";
                return false;
            }

            if (!allowed.Contains(normalizedVariant, StringComparer.Ordinal))
            {
                reason = $"unknown variant '{normalizedVariant}' for '{arch}' (known: {string.Join(", ", allowed)})";
                return false;
            }
        }

        platform = new OciPlatform(normalizedOs, arch, normalizedVariant);
        reason = string.Empty;
        return true;
    }

    /// <summary>The platform of the machine this code runs on.</summary>
    public static OciPlatform Host()
    {
        var os = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "windows"
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "darwin"
            : RuntimeInformation.IsOSPlatform(OSPlatform.FreeBSD) ? "freebsd"
            : "linux";
        var arch = RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "amd64",
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            System.Runtime.InteropServices.Architecture.Arm => "arm",
            System.Runtime.InteropServices.Architecture.X86 => "386",
            System.Runtime.InteropServices.Architecture.S390x => "s390x",
            System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
            System.Runtime.InteropServices.Architecture.LoongArch64 => "loong64",
            System.Runtime.InteropServices.Architecture.Armv6 => "arm",
            var other => other.ToString().ToLowerInvariant(),
        };
        var variant = RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Armv6 ? "v6" : null;
        return Create(os, arch, variant);
    }

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";

    private static string JoinRaw(string? os, string? architecture, string? variant)
        => variant is null ? $"{os}/{architecture}" : $"{os}/{architecture}/{variant}";
}
