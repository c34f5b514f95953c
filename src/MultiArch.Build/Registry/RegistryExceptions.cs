using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Registry;

/// <summary>The registry wants credentials we do not have, or rejected the ones we sent (401).</summary>
internal sealed class RegistryAuthException(string registry, string what, bool hadCredentials)
    : MultiArchException(hadCredentials ? nameof(Strings.RegistryCredentialsRejected) : nameof(Strings.RegistryAuthRequired), registry, what);

/// <summary>Authenticated but not allowed (403).</summary>
internal sealed class RegistryForbiddenException(string registry, string what)
    : MultiArchException(nameof(Strings.RegistryForbidden), registry, what);

/// <summary>The manifest or blob does not exist (404).</summary>
internal sealed class RegistryNotFoundException(string registry, string what)
    : MultiArchException(nameof(Strings.RegistryNotFound), registry, what);

/// <summary>Connection refused, DNS failure, TLS failure: the registry cannot be reached at all. The message names the likely fix.</summary>
internal sealed class RegistryUnreachableException(string registry, string detail, Exception? inner)
    : MultiArchException(nameof(Strings.RegistryUnreachable), inner, registry, detail, LikelyFix(registry, inner))
{
    /// <summary>What to check, from the way the connection failed.</summary>
    internal static string LikelyFix(string registry, Exception? inner)
    {
        var error = inner as HttpRequestException;
        var socket = inner?.InnerException as System.Net.Sockets.SocketException ?? inner as System.Net.Sockets.SocketException;
        var fix = (error?.HttpRequestError, socket?.SocketErrorCode) switch
        {
            (HttpRequestError.NameResolutionError, _) or (_, System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.NoData) => Strings.RegistryUnreachableName,
            (HttpRequestError.SecureConnectionError, _) => Strings.RegistryUnreachableTls,
            (HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded, _) => Strings.RegistryUnreachablePlainHttp,
            (HttpRequestError.ConnectionError, _) or (_, System.Net.Sockets.SocketError.ConnectionRefused) => Strings.RegistryUnreachableRefused,
            _ => Strings.RegistryUnreachableOther,
        };
        return string.Format(System.Globalization.CultureInfo.CurrentCulture, fix, registry);
    }
}

/// <summary>429 or 5xx answers (or time-outs) that outlasted every retry.</summary>
internal sealed class RegistryUnavailableException(string registry, string what, int attempts, string last)
    : MultiArchException(nameof(Strings.RegistryUnavailable), registry, what, attempts, last);

/// <summary>An answer this client does not accept (an unexpected status, a redirect loop, an HTTP registry not allowed).</summary>
internal sealed class RegistryProtocolException(string registry, string what, string detail)
    : MultiArchException(nameof(Strings.RegistryProtocolError), registry, what, detail);

/// <summary>A docker-credential helper that failed.</summary>
internal sealed class CredentialHelperException(string helper, string registry, string detail)
    : MultiArchException(nameof(Strings.CredentialHelperFailed), helper, registry, detail);

/// <summary>The registry accepted the connection but did not answer within the request time-out.</summary>
internal sealed class RegistryTimeoutException(string registry, string what, TimeSpan timeout, Exception? inner)
    : MultiArchException(nameof(Strings.RegistryTimeout), inner, registry, what, timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
