using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace MultiArch.Build.Images;

/// <summary>
/// What a file with machine code is for, from its first bytes: an ELF executable or shared object (<c>ET_EXEC</c>,
/// <c>ET_DYN</c>: relocatable objects, kernel modules and core dumps are never run as they are) or a PE with native
/// code (a .NET assembly counts only with ReadyToRun code; IL runs on any CPU). The CPU, word size and byte order
/// come from <see cref="BinaryInspector"/>; <see cref="OsAbi"/> is the ELF <c>EI_OSABI</c> byte, so a FreeBSD or
/// Solaris ELF is told from a Linux one. Equal values are shared (<see cref="Of"/> interns them): an image of
/// 100,000 libraries holds a handful of these.
/// </summary>
internal sealed record NativeCode(BinaryIdentity Identity, byte OsAbi)
{
    private const ushort ElfExecutable = 2;
    private const ushort ElfSharedObject = 3;

    private static readonly ConcurrentDictionary<(string Description, string? Architecture, int Bits, byte OsAbi), NativeCode> Interned = new();

    public string? Architecture => Identity.Architecture;

    /// <summary>Whether Linux runs it: an ELF for System V or GNU/Linux (<c>EI_OSABI</c> 0 or 3); a PE is never a Linux program.</summary>
    public bool ForLinux => Identity.Kind == BinaryKind.Elf && OsAbi is 0 or 3;

    /// <summary>The CPU (and, when not Linux's, the OS ABI) as a message says it: <c>ELF 64-bit LSB x86-64</c>.</summary>
    public string Description => Identity.Kind == BinaryKind.Elf && !ForLinux ? $"{Identity.Description}, OS ABI {OsAbiName(OsAbi)}" : Identity.Description;

    /// <summary>The native code a file's first bytes describe, or null when it holds none (not ELF/PE, an IL-only assembly, an object file).</summary>
    public static NativeCode? Of(ReadOnlySpan<byte> head)
    {
        if (ElfReader.IsElf(head))
        {
            if (head.Length < 20)
            {
                return null;
            }

            var type = head[5] == 2 ? BinaryPrimitives.ReadUInt16BigEndian(head[16..]) : BinaryPrimitives.ReadUInt16LittleEndian(head[16..]);
            return type is ElfExecutable or ElfSharedObject ? Intern(BinaryInspector.Identify(head), head[7]) : null;
        }

        if (head.Length >= 64 && head[0] == (byte)'M' && head[1] == (byte)'Z')
        {
            var identity = BinaryInspector.Identify(head);
            return identity.Kind == BinaryKind.PortableExecutable && identity.Architecture is not null ? Intern(identity, 0) : null;
        }

        return null;
    }

    private static NativeCode Intern(BinaryIdentity identity, byte osAbi)
        => Interned.GetOrAdd((identity.Description, identity.Architecture, identity.Bits, osAbi), _ => new NativeCode(identity, osAbi));

    private static string OsAbiName(byte osAbi) => osAbi switch
    {
        1 => "HP-UX",
        2 => "NetBSD",
        6 => "Solaris",
        7 => "AIX",
        9 => "FreeBSD",
        12 => "OpenBSD",
        97 => "ARM",
        255 => "standalone",
        _ => osAbi.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
