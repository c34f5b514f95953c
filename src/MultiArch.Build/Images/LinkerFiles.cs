using System.Text;

namespace MultiArch.Build.Images;

/// <summary>
/// Which files of a layer the dynamic linker would read, and what of them to keep while the layer streams
/// past: the ELF facts of programs and shared libraries (<see cref="ElfReader"/>, only the leading bytes up to
/// the dynamic section) and the text of <c>/etc/ld.so.conf</c>, <c>/etc/ld.so.conf.d/*</c> and musl's
/// <c>/etc/ld-musl-*.path</c>; and what the .NET host reads (<c>*.runtimeconfig.json</c>, <c>/etc/dotnet/install_location*</c>). A compressed layer cannot be re-read without unpacking it again, so this is
/// taken in the one pass that indexes the layer; everything else is skipped unread.
/// </summary>
internal static class LinkerFiles
{
    /// <summary>Largest configuration file kept.</summary>
    public const int MaxTextBytes = 64 * 1024;

    public static bool Wanted(string path, bool executable) => executable || IsLibraryName(path) || IsConfig(path) || Validation.DotnetHostResolver.WantsText(path);

    /// <summary><c>libz.so.1</c>, <c>ld-linux-aarch64.so.1</c>, <c>libc.so</c>: names the dynamic linker loads (often not executable).</summary>
    public static bool IsLibraryName(string path)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        var so = name.IndexOf(".so", StringComparison.Ordinal);
        return so > 0 && (so + 3 == name.Length || name[so + 3] == '.');
    }

    public static bool IsConfig(string path)
        => path == "/etc/ld.so.conf"
            || path.StartsWith("/etc/ld.so.conf.d/", StringComparison.Ordinal)
            || (path.StartsWith("/etc/ld-musl-", StringComparison.Ordinal) && path.EndsWith(".path", StringComparison.Ordinal));

    public static async Task<FsEntry> CaptureAsync(string path, FsEntry file, Stream data, long size, CancellationToken cancellationToken)
    {
        var head = file.Head ?? await ReadAsync(data, (int)Math.Min(size, BinaryInspector.HeaderBytes), cancellationToken).ConfigureAwait(false);
        if (ElfReader.IsElf(head))
        {
            return file with { Elf = await ElfReader.ReadAsync(head, data, size, cancellationToken).ConfigureAwait(false) };
        }

        if ((IsConfig(path) || Validation.DotnetHostResolver.WantsText(path)) && size <= MaxTextBytes)
        {
            var rest = await ReadAsync(data, (int)size - head.Length, cancellationToken).ConfigureAwait(false);
            return file with { Text = Encoding.UTF8.GetString([.. head, .. rest]) };
        }

        return file;
    }

    /// <summary>Up to <paramref name="count"/> bytes (fewer at the end of the stream).</summary>
    public static async Task<byte[]> ReadAsync(Stream data, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Max(count, 0)];
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await data.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return buffer[..total];
    }
}
