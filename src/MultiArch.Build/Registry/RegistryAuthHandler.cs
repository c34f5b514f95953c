using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace MultiArch.Build.Registry;

/// <summary>
/// Authentication for one registry as a <see cref="DelegatingHandler"/>: sends the cached credential for the
/// request's scope, answers a 401 challenge (Basic, or a Bearer token from the realm the registry names, with
/// the user's credentials when there are any) and sends the request once more. Tokens are cached per scope
/// for the handler's life (one build), so a build asks the token service once per repository and access.
/// A second 401 is passed on to <see cref="RegistryClient"/>, which turns it into a coded error.
/// </summary>
internal sealed class RegistryAuthHandler(string registry, ICredentialProvider credentials, Action<string>? log = null) : DelegatingHandler
{
    /// <summary>The token scope a request needs (<c>repository:a/b:pull</c>); none for the API root.</summary>
    public static readonly HttpRequestOptionsKey<string> ScopeKey = new("MultiArch.Scope");

    /// <summary>What the request is for, in words, for error messages.</summary>
    public static readonly HttpRequestOptionsKey<string> WhatKey = new("MultiArch.What");

    private readonly Dictionary<string, AuthenticationHeaderValue> _byScope = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private AuthenticationHeaderValue? _default;
    private RegistryCredential? _credential;
    private bool _credentialLoaded;

    /// <summary>Whether credentials were found for this registry (a rejected login says so).</summary>
    public bool HadCredentials => _credential is not null;

    /// <summary>Token requests made so far (tests and the benchmark read it).</summary>
    public int TokenRequests { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Options.TryGetValue(ScopeKey, out var scope);
        var cached = Cached(scope);
        if (cached is not null)
        {
            request.Headers.Authorization = cached;
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || !CanResend(request))
        {
            return response;
        }

        request.Options.TryGetValue(WhatKey, out var what);
        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        var fresh = await AuthenticateAsync(challenge, scope, what ?? request.RequestUri?.AbsolutePath ?? "a request", cached, cancellationToken).ConfigureAwait(false);
        if (fresh is null)
        {
            return response;
        }

        response.Dispose();
        request.Headers.Authorization = fresh;
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _lock.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>A body read from a one-shot stream cannot be sent twice; a blob upload opens its source again per send. A push still finds its token cached (the POST that opened the upload has the same scope), so the blob is streamed once.</summary>
    private static bool CanResend(HttpRequestMessage request) => request.Content is null or ByteArrayContent or BlobUploadContent;

    private AuthenticationHeaderValue? Cached(string? scope)
    {
        lock (_byScope)
        {
            if (scope is null)
            {
                return _default;
            }

            // A token that may push may also pull: a build that pushed reads back with the token it has.
            return _byScope.GetValueOrDefault(scope)
                ?? (scope.EndsWith(":pull", StringComparison.Ordinal) ? _byScope.GetValueOrDefault(scope + ",push") : null)
                ?? _default;
        }
    }

    /// <summary>The header to retry with, or null when there is nothing better to send than what was refused.</summary>
    private async Task<AuthenticationHeaderValue?> AuthenticateAsync(AuthenticationHeaderValue? challenge, string? scope, string what, AuthenticationHeaderValue? refused, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another request may have fetched what this one needs while it waited.
            var current = Cached(scope);
            if (current is not null && !ReferenceEquals(current, refused))
            {
                return current;
            }

            if (!_credentialLoaded)
            {
                _credential = await credentials.GetAsync(registry, cancellationToken).ConfigureAwait(false);
                _credentialLoaded = true;
            }

            if (challenge is null || challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            {
                if (_credential is null || _credential.IsIdentityToken)
                {
                    throw new RegistryAuthException(registry, what, hadCredentials: false);
                }

                var basic = BasicHeader(_credential);
                if (refused is not null && refused.Scheme == "Basic")
                {
                    return null;
                }

                lock (_byScope)
                {
                    _default = basic;
                }

                return basic;
            }

            if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            {
                throw new RegistryProtocolException(registry, what, $"unsupported authentication scheme '{challenge.Scheme}'");
            }

            if (refused is { Scheme: "Bearer" })
            {
                // A token of this scope was refused: the credentials behind it do not reach this far.
                return null;
            }

            var bearer = await FetchTokenAsync(challenge, scope, what, cancellationToken).ConfigureAwait(false);
            lock (_byScope)
            {
                _byScope[scope ?? string.Empty] = bearer;
                if (scope is null)
                {
                    _default = bearer;
                }
            }

            return bearer;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<AuthenticationHeaderValue> FetchTokenAsync(AuthenticationHeaderValue challenge, string? scope, string what, CancellationToken cancellationToken)
    {
        var parameters = ParseChallenge(challenge.Parameter ?? string.Empty);
        if (!parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri) || realmUri.Scheme is not ("http" or "https"))
        {
            throw new RegistryProtocolException(registry, what, "a Bearer challenge without a valid realm");
        }

        var tokenScope = scope ?? parameters.GetValueOrDefault("scope");
        var query = new List<string>();
        if (parameters.TryGetValue("service", out var service))
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }

        // A request may need several scopes (a cross-repository mount: push here, pull there): one parameter each, as token services expect.
        foreach (var one in (tokenScope ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            query.Add("scope=" + Uri.EscapeDataString(one));
        }

        using var tokenRequest = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(realmUri) { Query = string.Join('&', query) }.Uri);
        if (_credential is { IsIdentityToken: false })
        {
            tokenRequest.Headers.Authorization = BasicHeader(_credential);
        }

        TokenRequests++;
        using var tokenResponse = await base.SendAsync(tokenRequest, cancellationToken).ConfigureAwait(false);
        log?.Invoke($"GET {realmUri.GetLeftPart(UriPartial.Path)} (token for {tokenScope ?? "the registry"}) -> {(int)tokenResponse.StatusCode}");
        if (tokenResponse.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new RegistryAuthException(registry, what, hadCredentials: _credential is not null);
        }

        if (tokenResponse.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new RegistryForbiddenException(registry, what);
        }

        if (!tokenResponse.IsSuccessStatusCode)
        {
            throw new RegistryProtocolException(registry, what, $"the token service answered {(int)tokenResponse.StatusCode}");
        }

        var body = await RegistryClient.ReadBoundedAsync(registry, tokenResponse.Content, 1024 * 1024, "token", cancellationToken).ConfigureAwait(false);
        string? token;
        try
        {
            using var doc = JsonDocument.Parse(body);
            token = doc.RootElement.ValueKind != JsonValueKind.Object ? null
                : (doc.RootElement.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null)
                  ?? (doc.RootElement.TryGetProperty("access_token", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null);
        }
        catch (JsonException)
        {
            token = null;
        }

        if (string.IsNullOrEmpty(token))
        {
            throw new RegistryProtocolException(registry, what, "the token service's answer holds no token");
        }

        return new AuthenticationHeaderValue("Bearer", token);
    }

    private static AuthenticationHeaderValue BasicHeader(RegistryCredential credential)
        => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Secret}")));

    internal static Dictionary<string, string> ParseChallenge(string parameter)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < parameter.Length)
        {
            while (i < parameter.Length && (parameter[i] == ',' || char.IsWhiteSpace(parameter[i])))
            {
                i++;
            }

            var eq = parameter.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }

            var key = parameter[i..eq].Trim();
            i = eq + 1;
            string value;
            if (i < parameter.Length && parameter[i] == '"')
            {
                var end = parameter.IndexOf('"', i + 1);
                end = end < 0 ? parameter.Length : end;
                value = parameter[(i + 1)..end];
                i = end + 1;
            }
            else
            {
                var end = parameter.IndexOf(',', i);
                end = end < 0 ? parameter.Length : end;
                value = parameter[i..end].Trim();
                i = end;
            }

            result[key] = value;
        }

        return result;
    }
}
