using System.Buffers.Binary;
using System.Text;

namespace MultiArch.Build.Images;

internal enum BinaryKind
{
    Unknown,
    Elf,
    PortableExecutable,
    Script,
}

/// <summary>What the first bytes of a file say it is: the CPU of an ELF or PE, or a script's interpreter.</summary>
internal sealed record BinaryIdentity(BinaryKind Kind, string? Architecture, int Bits, string Description, string? Interpreter = null)
{
    public static BinaryIdentity Unknown(string why) => new(BinaryKind.Unknown, null, 0, why);
}

/// <summary>
/// Reads ELF headers (<c>e_ident</c> class and data, <c>e_machine</c>), PE headers (COFF Machine) and
/// <c>#!</c> lines. Architectures are answered in GOARCH names so they compare with OCI platforms.
/// </summary>
internal static class BinaryInspector
{
    /// <summary>How many leading bytes <see cref="Identify"/> needs at most (the PE header may sit further in).</summary>
    public const int HeaderBytes = 512;

    public static BinaryIdentity Identify(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 20 && head[0] == 0x7f && head[1] == (byte)'E' && head[2] == (byte)'L' && head[3] == (byte)'F')
        {
            return IdentifyElf(head);
        }

        if (head.Length >= 2 && head[0] == (byte)'#' && head[1] == (byte)'!')
        {
            var end = head.IndexOf((byte)'\n');
            var line = Encoding.UTF8.GetString(end < 0 ? head[2..] : head[2..end]).Trim();
            return new BinaryIdentity(BinaryKind.Script, null, 0, $"script (#!{line})", line);
        }

        if (head.Length >= 64 && head[0] == (byte)'M' && head[1] == (byte)'Z')
        {
            return IdentifyPe(head);
        }

        return BinaryIdentity.Unknown(head.Length == 0 ? "empty file" : "neither ELF, PE nor a #! script");
    }

    private static BinaryIdentity IdentifyElf(ReadOnlySpan<byte> head)
    {
        var bits = head[4] switch { 1 => 32, 2 => 64, _ => 0 };
        var littleEndian = head[5] == 1;
        var machine = littleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(head[18..]) : BinaryPrimitives.ReadUInt16BigEndian(head[18..]);
        var arch = (machine, bits, littleEndian) switch
        {
            (62, 64, _) => "amd64",
            (3, 32, _) => "386",
            (183, 64, _) => "arm64",
            (40, 32, _) => "arm",
            (22, 64, false) => "s390x",
            (21, 64, true) => "ppc64le",
            (21, 64, false) => "ppc64",
            (243, 64, _) => "riscv64",
            (258, 64, _) => "loong64",
            (8, 32, true) => "mipsle",
            (8, 32, false) => "mips",
            (8, 64, true) => "mips64le",
            (8, 64, false) => "mips64",
            _ => null,
        };
        var name = MachineName(machine);
        return new BinaryIdentity(BinaryKind.Elf, arch, bits, $"ELF {bits}-bit {(littleEndian ? "LSB" : "MSB")} {name}");
    }

    private static BinaryIdentity IdentifyPe(ReadOnlySpan<byte> head)
    {
        var offset = BinaryPrimitives.ReadInt32LittleEndian(head[0x3c..]);
        if (offset < 0 || offset + 6 > head.Length || head[offset] != (byte)'P' || head[offset + 1] != (byte)'E' || head[offset + 2] != 0 || head[offset + 3] != 0)
        {
            return BinaryIdentity.Unknown("MZ header without a PE signature in the first bytes");
        }

        var machine = BinaryPrimitives.ReadUInt16LittleEndian(head[(offset + 4)..]);
        if (HasCliHeader(head, offset))
        {
            // A .NET assembly: IL runs on any CPU (its Machine says i386 by convention); ReadyToRun code for Linux
            // marks its CPU as the machine XOR 0x7B79 (dotnet/runtime's OS-specific machine values).
            return (machine ^ LinuxReadyToRunMachineXor) switch
            {
                0x8664 => new BinaryIdentity(BinaryKind.PortableExecutable, "amd64", 64, "PE .NET assembly, ReadyToRun linux x64"),
                0xAA64 => new BinaryIdentity(BinaryKind.PortableExecutable, "arm64", 64, "PE .NET assembly, ReadyToRun linux arm64"),
                0x01c4 => new BinaryIdentity(BinaryKind.PortableExecutable, "arm", 32, "PE .NET assembly, ReadyToRun linux arm"),
                0x014c => new BinaryIdentity(BinaryKind.PortableExecutable, "386", 32, "PE .NET assembly, ReadyToRun linux x86"),
                _ => new BinaryIdentity(BinaryKind.PortableExecutable, null, 0, $"PE .NET assembly (machine 0x{machine:x4}, no CPU-specific code for Linux)"),
            };
        }

        var (arch, bits, name) = machine switch
        {
            0x8664 => ("amd64", 64, "x86-64"),
            0xAA64 => ("arm64", 64, "ARM64"),
            0x014c => ("386", 32, "Intel 386"),
            0x01c4 => ("arm", 32, "ARMv7 Thumb-2"),
            _ => ((string?)null, 0, $"machine 0x{machine:x4}"),
        };
        return new BinaryIdentity(BinaryKind.PortableExecutable, arch, bits, $"PE {name}");
    }

    private const int LinuxReadyToRunMachineXor = 0x7B79;

    /// <summary>Whether the optional header's data directory 14 (the CLI header) is present: a .NET assembly.</summary>
    private static bool HasCliHeader(ReadOnlySpan<byte> head, int peOffset)
    {
        var optional = peOffset + 24;
        if (optional + 2 > head.Length)
        {
            return false;
        }

        var magic = BinaryPrimitives.ReadUInt16LittleEndian(head[optional..]);
        var directories = optional + (magic == 0x20b ? 112 : 96);
        var cli = directories + (14 * 8);
        return magic is 0x10b or 0x20b && cli + 8 <= head.Length && BinaryPrimitives.ReadUInt32LittleEndian(head[cli..]) != 0;
    }

    private static string MachineName(ushort machine) => machine switch
    {
        62 => "x86-64",
        3 => "Intel 80386",
        183 => "ARM aarch64",
        40 => "ARM",
        22 => "IBM S/390",
        21 => "64-bit PowerPC",
        243 => "RISC-V",
        258 => "LoongArch",
        8 => "MIPS",
        _ => $"e_machine {machine}",
    };
}
