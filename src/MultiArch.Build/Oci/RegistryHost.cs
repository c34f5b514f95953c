using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Oci;

/// <summary>A registry address as a user writes it (<c>ContainerRegistry</c>, <c>ContainerInsecureRegistries</c>): host[:port], with an optional scheme.</summary>
internal sealed record RegistryAddress(string Host, bool PlainHttp);

/// <summary>
/// What a registry host may be, checked before anything is sent: a DNS name, an IPv4 address or a bracketed
/// IPv6 address, with a port from 1 to 65535. Pure.
/// </summary>
internal static partial class RegistryHost
{
    [GeneratedRegex(@"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex HostName();

    public static bool IsValid(string? host, out string reason)
    {
        reason = string.Empty;
        var value = host ?? string.Empty;
        if (value.Length == 0)
        {
            reason = "it is empty";
            return false;
        }

        string name;
        string? port = null;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']');
            if (close < 0 || !IPAddress.TryParse(value[1..close], out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                reason = "the bracketed part is not an IPv6 address";
                return false;
            }

            name = value[1..close];
            var rest = value[(close + 1)..];
            if (rest.Length > 0)
            {
                if (!rest.StartsWith(':'))
                {
                    reason = $"'{rest}' follows the IPv6 address";
                    return false;
                }

                port = rest[1..];
            }
        }
        else
        {
            var colon = value.IndexOf(':');
            name = colon < 0 ? value : value[..colon];
            port = colon < 0 ? null : value[(colon + 1)..];
            if (!HostName().IsMatch(name))
            {
                reason = $"'{name}' is not a host name or IP address";
                return false;
            }
        }

        if (port is not null && !(int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 65535))
        {
            reason = $"'{port}' is not a port (1-65535)";
            return false;
        }

        return true;
    }

    /// <summary>
    /// Reads a registry setting: <c>host[:port]</c>, <c>https://host[:port]</c>, or <c>http://host[:port]</c>
    /// (plain HTTP, as for a listed insecure registry). A trailing '/' is dropped; any path or other scheme is refused.
    /// </summary>
    public static RegistryAddress ParseSetting(string property, string value)
    {
        var text = value.Trim();
        var plain = false;
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var name = text[..scheme].ToLowerInvariant();
            if (name is not ("http" or "https"))
            {
                throw new RegistryAddressException(property, value, $"the scheme '{name}://' is not one a registry speaks (http:// or https://)");
            }

            plain = name == "http";
            text = text[(scheme + 3)..];
        }

        text = text.TrimEnd('/');
        if (text.Contains('/'))
        {
            throw new RegistryAddressException(property, value, $"it has a path ('{text[text.IndexOf('/')..]}'); the registry is the host only, the rest belongs in ContainerRepository");
        }

        return IsValid(text, out var reason) ? new RegistryAddress(text, plain) : throw new RegistryAddressException(property, value, reason);
    }
}

/// <summary>A registry setting that names no usable registry host.</summary>
internal sealed class RegistryAddressException(string property, string value, string reason)
    : MultiArchException(nameof(Strings.RegistryAddressInvalid), property, value, reason);
