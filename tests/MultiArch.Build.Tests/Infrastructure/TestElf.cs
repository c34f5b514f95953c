using System.Buffers.Binary;
using System.Text;

namespace MultiArch.Build.Tests.Infrastructure;

/// <summary>
/// Writes small but well-formed ELF files (header, program headers, PT_INTERP, a PT_LOAD that maps the string
/// table, PT_DYNAMIC with DT_NEEDED/DT_RUNPATH/DT_RPATH/DT_SONAME), 32 or 64-bit, either byte order, so the
/// dynamic-linking logic is tested on exact inputs. The real Debian binaries are used by the integration tests.
/// </summary>
internal static class TestElf
{
    public const ushort X86_64 = 62;
    public const ushort Aarch64 = 183;
    public const ushort Arm = 40;
    public const ushort S390 = 22;

    public static byte[] Build(
        ushort machine,
        string? interp = null,
        string[]? needed = null,
        string[]? runPath = null,
        string[]? rPath = null,
        string? soName = null,
        bool is64 = true,
        bool little = true,
        bool dynamic = true)
    {
        needed ??= [];
        var ehSize = is64 ? 64 : 52;
        var phSize = is64 ? 56 : 32;
        var dynSize = is64 ? 16 : 8;
        var phCount = 1 + (interp is null ? 0 : 1) + (dynamic ? 1 : 0);
        var interpOffset = ehSize + (phSize * phCount);
        var interpBytes = interp is null ? [] : Encoding.ASCII.GetBytes(interp + "\0");

        var strtab = new MemoryStream();
        strtab.WriteByte(0);
        int Add(string s)
        {
            var at = (int)strtab.Position;
            strtab.Write(Encoding.UTF8.GetBytes(s + "\0"));
            return at;
        }

        var tags = new List<(long Tag, long Value)>();
        foreach (var n in needed)
        {
            tags.Add((1, Add(n)));
        }

        if (soName is not null)
        {
            tags.Add((14, Add(soName)));
        }

        if (runPath is not null)
        {
            tags.Add((29, Add(string.Join(':', runPath))));
        }

        if (rPath is not null)
        {
            tags.Add((15, Add(string.Join(':', rPath))));
        }

        var strOffset = interpOffset + interpBytes.Length;
        var strBytes = strtab.ToArray();
        var dynOffset = (strOffset + strBytes.Length + 7) / 8 * 8;
        const long baseAddress = 0x400000;
        tags.Add((5, baseAddress + strOffset));
        tags.Add((10, strBytes.Length));
        tags.Add((0, 0));
        var total = dynOffset + (dynamic ? tags.Count * dynSize : 0);
        var file = new byte[total];
        var w = new Writer(file, little);

        file[0] = 0x7f;
        file[1] = (byte)'E';
        file[2] = (byte)'L';
        file[3] = (byte)'F';
        file[4] = (byte)(is64 ? 2 : 1);
        file[5] = (byte)(little ? 1 : 2);
        file[6] = 1;
        w.U16(16, 3);
        w.U16(18, machine);
        w.U32(20, 1);
        if (is64)
        {
            w.U64(32, ehSize);
            w.U16(52, (ushort)ehSize);
            w.U16(54, (ushort)phSize);
            w.U16(56, (ushort)phCount);
        }
        else
        {
            w.U32(28, (uint)ehSize);
            w.U16(40, (ushort)ehSize);
            w.U16(42, (ushort)phSize);
            w.U16(44, (ushort)phCount);
        }

        var ph = ehSize;
        void Program(uint type, long offset, long size)
        {
            w.U32(ph, type);
            if (is64)
            {
                w.U64(ph + 8, offset);
                w.U64(ph + 16, baseAddress + offset);
                w.U64(ph + 32, size);
                w.U64(ph + 40, size);
            }
            else
            {
                w.U32(ph + 4, (uint)offset);
                w.U32(ph + 8, (uint)(baseAddress + offset));
                w.U32(ph + 16, (uint)size);
                w.U32(ph + 20, (uint)size);
            }

            ph += phSize;
        }

        Program(1, 0, total);
        if (interp is not null)
        {
            Program(3, interpOffset, interpBytes.Length);
        }

        if (dynamic)
        {
            Program(2, dynOffset, tags.Count * dynSize);
        }

        interpBytes.CopyTo(file, interpOffset);
        strBytes.CopyTo(file, strOffset);
        if (dynamic)
        {
            for (var i = 0; i < tags.Count; i++)
            {
                var at = dynOffset + (i * dynSize);
                if (is64)
                {
                    w.U64(at, tags[i].Tag);
                    w.U64(at + 8, tags[i].Value);
                }
                else
                {
                    w.U32(at, (uint)tags[i].Tag);
                    w.U32(at + 4, (uint)tags[i].Value);
                }
            }
        }

        return file;
    }

    private readonly record struct Writer(byte[] File, bool Little)
    {
        public void U16(int at, ushort v)
        {
            if (Little)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(File.AsSpan(at), v);
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(File.AsSpan(at), v);
            }
        }

        public void U32(int at, uint v)
        {
            if (Little)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(File.AsSpan(at), v);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(File.AsSpan(at), v);
            }
        }

        public void U64(int at, long v)
        {
            if (Little)
            {
                BinaryPrimitives.WriteInt64LittleEndian(File.AsSpan(at), v);
            }
            else
            {
                BinaryPrimitives.WriteInt64BigEndian(File.AsSpan(at), v);
            }
        }
    }
}
