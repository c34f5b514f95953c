using System.Globalization;
using System.Net;

namespace MultiArch.Build.Containers;

/// <summary>A TCP socket a container listens on: its address and port, as the kernel lists it.</summary>
internal sealed record ListeningSocket(IPAddress Address, int Port)
{
    /// <summary>Bound to the loopback only: unreachable from outside the container.</summary>
    public bool LoopbackOnly => IPAddress.IsLoopback(Address) || (Address.IsIPv4MappedToIPv6 && IPAddress.IsLoopback(Address.MapToIPv4()));

    public override string ToString() => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !Address.IsIPv4MappedToIPv6
        ? $"[{Address}]:{Port.ToString(CultureInfo.InvariantCulture)}"
        : $"{(Address.IsIPv4MappedToIPv6 ? Address.MapToIPv4() : Address)}:{Port.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// The TCP sockets in state LISTEN in a process's network namespace, read from <c>/proc/PID/net/tcp</c> and
/// <c>tcp6</c> (what <c>ss -ltn</c> shows, without entering the namespace): which port a server really listens on,
/// and on which address. Best effort: nothing when the process is not visible from here.
/// </summary>
internal static class ListeningSockets
{
    private const string Listen = "0A";

    public static IReadOnlyList<ListeningSocket> Of(int pid)
    {
        var found = new List<ListeningSocket>();
        foreach (var file in new[] { "tcp", "tcp6" })
        {
            try
            {
                found.AddRange(Parse(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/net/{file}")));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return found.Distinct().ToList();
    }

    /// <summary>Parses the kernel's table (<c>sl local_address rem_address st ...</c>, addresses in hex, IPv4 as one little-endian word, IPv6 as four).</summary>
    public static IEnumerable<ListeningSocket> Parse(string table)
    {
        foreach (var line in table.Split('\n').Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4 || fields[3] != Listen || fields[1].Split(':') is not [var address, var portHex]
                || !int.TryParse(portHex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port)
                || Address(address) is not { } ip)
            {
                continue;
            }

            yield return new ListeningSocket(ip, port);
        }
    }

    private static IPAddress? Address(string hex)
    {
        if (hex.Length is not (8 or 32) || !hex.All(char.IsAsciiHexDigit))
        {
            return null;
        }

        var bytes = Convert.FromHexString(hex);

        // Each 32-bit word is printed in the machine's byte order.
        for (var i = 0; BitConverter.IsLittleEndian && i < bytes.Length; i += 4)
        {
            Array.Reverse(bytes, i, 4);
        }

        return new IPAddress(bytes);
    }
}
