using MultiArch.Build.Platforms;

namespace MultiArch.Build.Containers;

/// <summary>Whether this machine runs a platform's binaries natively or through a QEMU handler registered in binfmt_misc.</summary>
internal static class Emulation
{
    public const string BinfmtDirectory = "/proc/sys/fs/binfmt_misc";

    /// <summary>The QEMU user-mode name of a GOARCH (<c>arm64</c> → <c>aarch64</c>).</summary>
    public static string? QemuName(string architecture) => architecture switch
    {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        "arm" => "arm",
        "386" => "i386",
        "s390x" => "s390x",
        "ppc64le" => "ppc64le",
        "riscv64" => "riscv64",
        "loong64" => "loongarch64",
        "mips64le" => "mips64el",
        _ => null,
    };

    public static string Describe(OciPlatform platform, OciPlatform host, string binfmtDirectory = BinfmtDirectory)
    {
        if (platform.Os == host.Os && platform.Architecture == host.Architecture)
        {
            return "native";
        }

        var qemu = QemuName(platform.Architecture);
        var handler = qemu is null ? null : Path.Combine(binfmtDirectory, "qemu-" + qemu);
        if (handler is not null && File.Exists(handler))
        {
            return $"emulated (qemu-{qemu} via binfmt_misc)";
        }

        return (host.Architecture, platform.Architecture) is ("amd64", "386") or ("arm64", "arm")
            ? "native (32-bit compatibility)"
            : "foreign CPU, no binfmt_misc handler registered";
    }
}
