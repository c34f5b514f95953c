using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace MultiArch.Build.Images;

/// <summary>
/// What the dynamic linker reads from an ELF file before it runs it: the CPU, the program interpreter
/// (<c>PT_INTERP</c>) and the dynamic section (<c>DT_NEEDED</c>, <c>DT_RUNPATH</c>, <c>DT_RPATH</c>,
/// <c>DT_SONAME</c>). <see cref="Problem"/> says why a file that starts like an ELF could not be read.
/// </summary>
internal sealed record ElfFile(
    BinaryIdentity Identity,
    string? Interpreter,
    IReadOnlyList<string> Needed,
    IReadOnlyList<string> RunPath,
    IReadOnlyList<string> RPath,
    string? SoName,
    string? Problem = null)
{
    /// <summary>Needs nothing from the image: no interpreter and no shared library.</summary>
    public bool IsStatic => Interpreter is null && Needed.Count == 0;

    /// <summary>Whether the dynamic linker would accept this file for an object of <paramref name="other"/>'s machine and class.</summary>
    public bool SameMachineAs(ElfFile other)
        => Identity.Architecture is not null && Identity.Architecture == other.Identity.Architecture && Identity.Bits == other.Identity.Bits;
}

/// <summary>
/// Reads <see cref="ElfFile"/> facts from a file's bytes. The program headers, the interpreter and the
/// dynamic section sit at offsets the headers give, so the parser says how many leading bytes it needs and
/// the caller reads that much of the (forward-only) layer stream and no more.
/// </summary>
internal static class ElfReader
{
    /// <summary>Bytes read at most from one file: bigger ELF files (rare: LLVM, debug builds) are reported, not read.</summary>
    public const int MaxBytes = 128 * 1024 * 1024;

    private const uint PtLoad = 1;
    private const uint PtDynamic = 2;
    private const uint PtInterp = 3;
    private const long DtNull = 0;
    private const long DtNeeded = 1;
    private const long DtStrtab = 5;
    private const long DtStrsz = 10;
    private const long DtSoname = 14;
    private const long DtRpath = 15;
    private const long DtRunpath = 29;

    public static bool IsElf(ReadOnlySpan<byte> head) => head.Length >= 4 && head[0] == 0x7f && head[1] == (byte)'E' && head[2] == (byte)'L' && head[3] == (byte)'F';

    /// <summary>
    /// Reads the ELF facts of a file whose data is <paramref name="head"/> followed by <paramref name="rest"/>
    /// (<paramref name="size"/> bytes in all), reading only up to the end of the last structure needed.
    /// </summary>
    public static async Task<ElfFile> ReadAsync(byte[] head, Stream rest, long size, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(head.Length, 4096), Math.Max(size, head.Length)));
        try
        {
            head.CopyTo(buffer, 0);
            var have = head.Length;
            for (var round = 0; round < 8; round++)
            {
                var (elf, need) = Parse(buffer.AsSpan(0, have), size);
                if (elf is not null)
                {
                    return elf;
                }

                if (need > MaxBytes)
                {
                    return Failed(buffer.AsSpan(0, have), $"its dynamic section lies beyond the first {MaxBytes / 1024 / 1024} MiB, which this check does not read");
                }

                if (need > buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)need);
                    buffer.AsSpan(0, have).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                while (have < need)
                {
                    var n = await rest.ReadAsync(buffer.AsMemory(have, (int)need - have), cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return Failed(buffer.AsSpan(0, have), $"it ends at byte {have}, before its headers say it should");
                    }

                    have += n;
                }
            }

            return Failed(buffer.AsSpan(0, have), "its headers point at each other in a loop");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Parses a whole file held in memory (tests, small files).</summary>
    public static ElfFile Parse(ReadOnlySpan<byte> file)
    {
        var (elf, need) = Parse(file, file.Length);
        return elf ?? Failed(file, $"it ends at byte {file.Length}, before byte {need} its headers point at");
    }

    /// <summary>The facts, or null and how many leading bytes are needed to tell.</summary>
    private static (ElfFile? Elf, long Need) Parse(ReadOnlySpan<byte> data, long size)
    {
        if (data.Length < 64 && data.Length < size)
        {
            return (null, Math.Min(64, size));
        }

        if (!IsElf(data) || data.Length < 52)
        {
            return (Failed(data, "it is too short for an ELF header"), 0);
        }

        var identity = BinaryInspector.Identify(data);
        var is64 = data[4] == 2;
        var little = data[5] == 1;
        if (data[4] is not (1 or 2) || data[5] is not (1 or 2))
        {
            return (Failed(data, "its ELF class or byte order is invalid"), 0);
        }

        var reader = new Fields(is64, little);
        var phoff = is64 ? reader.U64(data, 32) : reader.U32(data, 28);
        var phentsize = reader.U16(data, is64 ? 54 : 42);
        var phnum = reader.U16(data, is64 ? 56 : 44);
        if (phnum == 0)
        {
            return (new ElfFile(identity, null, [], [], [], null), 0);
        }

        var phEnd = phoff > size ? long.MaxValue : phoff + ((long)phentsize * phnum);
        if (phentsize < (is64 ? 56 : 32) || phEnd > size)
        {
            return (Failed(data, "its program headers lie outside the file"), 0);
        }

        if (phEnd > data.Length)
        {
            return (null, phEnd);
        }

        var loads = new List<(ulong Vaddr, ulong Offset, ulong FileSize)>();
        (long Offset, long Size)? interp = null;
        (long Offset, long Size)? dynamic = null;
        for (var i = 0; i < phnum; i++)
        {
            var ph = data.Slice((int)(phoff + (i * phentsize)), phentsize);
            var type = reader.U32(ph, 0);
            var offset = is64 ? reader.U64(ph, 8) : reader.U32(ph, 4);
            var vaddr = is64 ? reader.U64(ph, 16) : reader.U32(ph, 8);
            var filesz = is64 ? reader.U64(ph, 32) : reader.U32(ph, 16);
            switch (type)
            {
                case PtLoad:
                    loads.Add(((ulong)vaddr, (ulong)offset, (ulong)filesz));
                    break;
                case PtInterp:
                    interp = (offset, filesz);
                    break;
                case PtDynamic:
                    dynamic = (offset, filesz);
                    break;
            }
        }

        foreach (var segment in new[] { interp, dynamic })
        {
            if (segment is { } s && (s.Offset < 0 || s.Size < 0 || s.Offset > size || s.Size > size - s.Offset))
            {
                return (Failed(data, "a segment lies outside the file"), 0);
            }
        }

        var need = Math.Max(interp is { } ip ? ip.Offset + ip.Size : 0, dynamic is { } dp ? dp.Offset + dp.Size : 0);
        if (need > data.Length)
        {
            return (null, need);
        }

        string? interpreter = interp is { } ii ? CString(data.Slice((int)ii.Offset, (int)ii.Size)) : null;
        if (dynamic is not { } dyn)
        {
            return (new ElfFile(identity, interpreter, [], [], [], null), 0);
        }

        var entrySize = is64 ? 16 : 8;
        var tags = new List<(long Tag, ulong Value)>();
        for (var at = dyn.Offset; at + entrySize <= dyn.Offset + dyn.Size; at += entrySize)
        {
            var tag = is64 ? reader.U64(data, (int)at) : reader.U32(data, (int)at);
            var value = (ulong)(is64 ? reader.U64(data, (int)at + 8) : reader.U32(data, (int)at + 4));
            if (tag == DtNull)
            {
                break;
            }

            tags.Add((tag, value));
        }

        var strtabAddress = tags.FirstOrDefault(t => t.Tag == DtStrtab).Value;
        var strtabSize = (long)tags.FirstOrDefault(t => t.Tag == DtStrsz).Value;
        var strings = tags.Where(t => t.Tag is DtNeeded or DtSoname or DtRpath or DtRunpath).ToList();
        if (strings.Count == 0)
        {
            return (new ElfFile(identity, interpreter, [], [], [], null), 0);
        }

        var load = loads.FirstOrDefault(l => strtabAddress >= l.Vaddr && strtabAddress < l.Vaddr + l.FileSize);
        if (load.FileSize == 0)
        {
            return (Failed(data, "its string table (DT_STRTAB) is in no loaded segment"), 0);
        }

        var strtabOffset = (long)Math.Min(strtabAddress - load.Vaddr + load.Offset, (ulong)long.MaxValue);
        if (strtabOffset >= size)
        {
            return (Failed(data, "its string table (DT_STRTAB) lies outside the file"), 0);
        }

        var strtabEnd = strtabSize <= 0 || strtabSize > size - strtabOffset ? size : strtabOffset + strtabSize;
        if (strtabEnd > data.Length)
        {
            return (null, strtabEnd);
        }

        var table = data[(int)strtabOffset..(int)strtabEnd].ToArray();
        string Str(ulong offset) => offset < (ulong)table.Length ? CString(table.AsSpan((int)offset)) : string.Empty;
        var needed = strings.Where(t => t.Tag == DtNeeded).Select(t => Str(t.Value)).Where(s => s.Length > 0).ToList();
        var runPath = strings.Where(t => t.Tag == DtRunpath).SelectMany(t => SplitPath(Str(t.Value))).ToList();
        var rPath = strings.Where(t => t.Tag == DtRpath).SelectMany(t => SplitPath(Str(t.Value))).ToList();
        var soName = strings.Where(t => t.Tag == DtSoname).Select(t => Str(t.Value)).FirstOrDefault();
        return (new ElfFile(identity, interpreter, needed, runPath, rPath, soName), 0);
    }

    private static string[] SplitPath(string value) => value.Split(':', StringSplitOptions.RemoveEmptyEntries);

    private static ElfFile Failed(ReadOnlySpan<byte> data, string why)
        => new(BinaryInspector.Identify(data), null, [], [], [], null, why);

    private static string CString(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }

    private readonly record struct Fields(bool Is64, bool Little)
    {
        public ushort U16(ReadOnlySpan<byte> s, int at) => Little ? BinaryPrimitives.ReadUInt16LittleEndian(s[at..]) : BinaryPrimitives.ReadUInt16BigEndian(s[at..]);

        public long U32(ReadOnlySpan<byte> s, int at) => Little ? BinaryPrimitives.ReadUInt32LittleEndian(s[at..]) : BinaryPrimitives.ReadUInt32BigEndian(s[at..]);

        public long U64(ReadOnlySpan<byte> s, int at)
        {
            var v = Little ? BinaryPrimitives.ReadUInt64LittleEndian(s[at..]) : BinaryPrimitives.ReadUInt64BigEndian(s[at..]);
            return v > long.MaxValue ? long.MaxValue : (long)v;
        }
    }
}
