using MultiArch.Build.Platforms;

namespace MultiArch.Build.Tests.Infrastructure;

/// <summary>
/// Images whose "binary" is an ELF header for the platform's CPU: enough for the validator's binary check, with
/// no busybox download, so pure tests need no service.
/// </summary>
internal static class FakeImages
{
    public static byte[] Elf(string architecture)
    {
        var (elfClass, data, machine) = architecture switch
        {
            "amd64" => ((byte)2, (byte)1, (ushort)62),
            "arm64" => ((byte)2, (byte)1, (ushort)183),
            "arm" => ((byte)1, (byte)1, (ushort)40),
            "386" => ((byte)1, (byte)1, (ushort)3),
            "s390x" => ((byte)2, (byte)2, (ushort)22),
            "ppc64le" => ((byte)2, (byte)1, (ushort)21),
            "riscv64" => ((byte)2, (byte)1, (ushort)243),
            _ => throw new ArgumentException(architecture),
        };
        return Elf(elfClass, data, machine);
    }

    /// <summary>An ELF header: class (1 = 32-bit, 2 = 64-bit), data (1 = little, 2 = big endian), e_machine.</summary>
    public static byte[] Elf(byte elfClass, byte data, ushort machine)
    {
        var head = new byte[64];
        head[0] = 0x7f;
        head[1] = (byte)'E';
        head[2] = (byte)'L';
        head[3] = (byte)'F';
        head[4] = elfClass;
        head[5] = data;
        head[6] = 1;
        (head[18], head[19]) = data == 1 ? ((byte)(machine & 0xff), (byte)(machine >> 8)) : ((byte)(machine >> 8), (byte)(machine & 0xff));
        return head;
    }

    /// <summary>An image for <paramref name="platform"/> whose entrypoint binary is for <paramref name="binaryArchitecture"/> (default: the platform's).</summary>
    public static TestImage Image(string platform, string? binaryArchitecture = null, string? configPlatform = null)
        => TestImages.BusyboxImage(OciPlatform.Parse(platform), Elf(binaryArchitecture ?? OciPlatform.Parse(platform).Architecture), configPlatform: configPlatform);

    public static TestIndex Index(params string[] platforms) => TestImages.Index(platforms.Select(p => Image(p)).ToList());
}
