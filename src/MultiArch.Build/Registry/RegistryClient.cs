using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net;
using System.Text;
using MultiArch.Build.Oci;

namespace MultiArch.Build.Registry;

internal sealed record RegistryOptions
{
    /// <summary>Hosts (host or host:port) reached over plain HTTP. Loopback hosts always are.</summary>
    public IReadOnlyCollection<string> InsecureRegistries { get; init; } = [];

    /// <summary>Attempts per request for 429 and 5xx answers and dropped connections (a time-out is not retried).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>First back-off delay; doubled per attempt, with jitter. A Retry-After header wins (capped at 30 s).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long one request may wait for the registry's answer (<c>ContainerRegistryTimeout</c>); for an upload, the
    /// longest pause while its body is sent. A registry that accepts the connection and never answers fails after
    /// this once: a time-out is not retried, so the whole wait is bounded by it.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = DefaultRequestTimeout;

    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Largest manifest or index read (containerd's limit is 4 MiB).</summary>
    public long MaxManifestBytes { get; init; } = 4 * 1024 * 1024;
}

/// <summary>A manifest or index as the registry served it, already checked against its digest.</summary>
internal sealed record ManifestResponse(byte[] Content, string MediaType, Digest Digest);

/// <summary>
/// An OCI Distribution client over HttpClient: ping, manifests by tag or digest (every Accept type this
/// tool reads), blobs (redirects followed), uploads and manifest pushes; bearer-token and basic auth from
/// the registry's challenge; HTTPS except for loopback and listed insecure hosts; retries with back-off on
/// 429/5xx/time-outs; every byte read checked against its digest; coded exceptions for everything else.
/// </summary>
internal sealed class RegistryClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly RegistryAuthHandler _auth;
    private readonly RegistryOptions _options;
    private readonly Action<string>? _log;

    // Manifests are content-addressed: what this client pushed or read by digest is kept for its life (one
    // build), so the index a build pushed reaches validation and tagging without being read again.
    private readonly Dictionary<string, ManifestResponse> _manifestsByDigest = new(StringComparer.Ordinal);

    /// <param name="handler">The transport (tests pass an in-memory registry); authentication is layered on it here.</param>
    public RegistryClient(string registry, ICredentialProvider? credentials = null, RegistryOptions? options = null, HttpMessageHandler? handler = null, Action<string>? log = null)
    {
        if (registry != ImageReference.DockerHub && !RegistryHost.IsValid(registry, out var reason))
        {
            throw new RegistryAddressException("the registry", registry, reason);
        }

        Registry = registry;
        _options = options ?? new RegistryOptions();
        _log = log;
        var host = registry is ImageReference.DockerHub ? "registry-1.docker.io" : registry;
        var scheme = IsLoopback(host) || _options.InsecureRegistries.Contains(registry, StringComparer.OrdinalIgnoreCase) ? "http" : "https";
        BaseAddress = new Uri($"{scheme}://{host}/");
        _auth = new RegistryAuthHandler(registry, credentials ?? new DockerConfigCredentialProvider(), log)
        {
            InnerHandler = handler ?? new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 10, ConnectTimeout = TimeSpan.FromSeconds(15) },
        };
        _http = new HttpClient(_auth, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Token requests made so far (one per repository and access in a build).</summary>
    public int TokenRequests => _auth.TokenRequests;

    public string Registry { get; }

    public Uri BaseAddress { get; }

    public static bool IsLoopback(string host)
    {
        var name = host;
        if (name.StartsWith('['))
        {
            name = name[1..name.IndexOf(']')];
        }
        else if (name.Count(c => c == ':') == 1)
        {
            name = name[..name.IndexOf(':')];
        }

        return name == "localhost" || (IPAddress.TryParse(name, out var ip) && IPAddress.IsLoopback(ip));
    }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "v2/"), "the API root /v2/", scope: null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "the API root /v2/").ConfigureAwait(false);
    }

    public async Task<ManifestResponse> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        var what = $"manifest {repository}:{reference}".Replace(":sha", "@sha", StringComparison.Ordinal);
        if (Digest.TryParse(reference, out _) && Remembered(repository, reference) is { } known)
        {
            return known;
        }

        using var response = await SendAsync(
            () => ManifestRequest(HttpMethod.Get, repository, reference),
            what,
            Scope(repository, push: false),
            cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, what).ConfigureAwait(false);

        var declared = response.Content.Headers.ContentLength;
        if (declared > _options.MaxManifestBytes)
        {
            throw new ContentTooLargeException(Registry, what, declared.Value, _options.MaxManifestBytes);
        }

        var content = await ReadBoundedAsync(response.Content, _options.MaxManifestBytes, what, cancellationToken).ConfigureAwait(false);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        string? declaredType;
        try
        {
            declaredType = OciJson.PeekMediaType(content);
        }
        catch (ManifestFormatException ex)
        {
            throw new InvalidManifestException($"{Registry}/{what}", ex.Reason, ex);
        }

        mediaType = declaredType ?? mediaType;
        if (mediaType is null || !(MediaTypes.IsIndex(mediaType) || MediaTypes.IsManifest(mediaType)))
        {
            throw new InvalidManifestException($"{Registry}/{what}", $"media type '{mediaType ?? "(none)"}' is not an OCI or Docker v2 index or manifest");
        }

        // By digest: the bytes must hash to it. By tag: the registry's Docker-Content-Digest header must match the bytes.
        var computed = Digest.Compute(content);
        if (Digest.TryParse(reference, out var requested) && !requested.Value.Matches(content))
        {
            throw new ContentMismatchException(Registry, new Descriptor(mediaType, requested.Value, content.Length, null, new Dictionary<string, string>()), $"content hashing to {computed}");
        }

        if (response.Headers.TryGetValues("Docker-Content-Digest", out var headerValues) && Digest.TryParse(headerValues.FirstOrDefault(), out var header) && !header.Value.Matches(content))
        {
            throw new ContentMismatchException(Registry, new Descriptor(mediaType, header.Value, content.Length, null, new Dictionary<string, string>()), $"content hashing to {computed}");
        }

        var result = new ManifestResponse(content, mediaType, requested ?? computed);
        Remember(repository, result);
        return result;
    }

    /// <summary>
    /// The digest a tag or digest names now, from one HEAD request (the registry's <c>Docker-Content-Digest</c>), or
    /// null when the repository has no such manifest. A registry that sends no digest header is asked with a GET.
    /// </summary>
    public async Task<Digest?> ResolveManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        var what = $"manifest {repository}:{reference}".Replace(":sha", "@sha", StringComparison.Ordinal);
        using var response = await SendAsync(
            () => ManifestRequest(HttpMethod.Head, repository, reference),
            what,
            Scope(repository, push: false),
            cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, what).ConfigureAwait(false);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && Digest.TryParse(values.FirstOrDefault(), out var digest))
        {
            return digest;
        }

        return (await GetManifestAsync(repository, reference, cancellationToken).ConfigureAwait(false)).Digest;
    }

    /// <summary>A blob as a stream that verifies digest and size as it is read to the end.</summary>
    public async Task<VerifyingStream> OpenBlobAsync(string repository, Descriptor descriptor, CancellationToken cancellationToken)
    {
        var what = $"blob {repository}@{descriptor.Digest}";
        var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/blobs/{descriptor.Digest}"), what, Scope(repository, push: false), cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureSuccessAsync(response, what).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new VerifyingStream(new ResponseOwningStream(stream, response), descriptor, Registry);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>A small blob (a config) read whole, size-capped and verified.</summary>
    public async Task<byte[]> GetBlobBytesAsync(string repository, Descriptor descriptor, long maxBytes, CancellationToken cancellationToken)
    {
        if (descriptor.Size > maxBytes)
        {
            throw new ContentTooLargeException(Registry, $"blob {repository}@{descriptor.Digest}", descriptor.Size, maxBytes);
        }

        await using var stream = await OpenBlobAsync(repository, descriptor, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    public async Task<bool> BlobExistsAsync(string repository, Digest digest, CancellationToken cancellationToken)
    {
        var what = $"blob {repository}@{digest}";
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, $"v2/{repository}/blobs/{digest}"), what, Scope(repository, push: true), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, what).ConfigureAwait(false);
        return true;
    }

    /// <summary>Uploads a small blob held in memory (a config); see the streamed overload.</summary>
    public Task PushBlobAsync(string repository, Digest digest, byte[] content, CancellationToken cancellationToken, bool skipIfPresent = true)
        => PushBlobAsync(repository, digest, content.Length, _ => Task.FromResult<Stream>(new MemoryStream(content, writable: false)), cancellationToken, skipIfPresent);

    /// <summary>
    /// Uploads a blob, unless the registry has it already: a POST that opens the upload (and, being of the push
    /// scope, fetches the push token), then one monolithic PUT whose body is streamed from <paramref name="open"/>
    /// with its length known. The blob is never held whole in memory; each attempt opens the stream afresh.
    /// </summary>
    public async Task PushBlobAsync(string repository, Digest digest, long length, Func<CancellationToken, Task<Stream>> open, CancellationToken cancellationToken, bool skipIfPresent = true)
    {
        if (skipIfPresent && await BlobExistsAsync(repository, digest, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var what = $"upload of {repository}@{digest}";
        using var start = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"v2/{repository}/blobs/uploads/"), what, Scope(repository, push: true), cancellationToken).ConfigureAwait(false);
        if (start.StatusCode != HttpStatusCode.Accepted || start.Headers.Location is null)
        {
            await EnsureSuccessAsync(start, what).ConfigureAwait(false);
            throw new RegistryProtocolException(Registry, what, $"status {(int)start.StatusCode} without an upload Location");
        }

        var location = start.Headers.Location.IsAbsoluteUri ? start.Headers.Location : new Uri(BaseAddress, start.Headers.Location);
        var separator = location.Query.Length > 0 ? "&" : "?";
        var target = new Uri($"{location}{separator}digest={Uri.EscapeDataString(digest.ToString())}");
        using var put = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Put, target) { Content = new BlobUploadContent(open, length) },
            what,
            Scope(repository, push: true),
            cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(put, what).ConfigureAwait(false);
    }

    /// <summary>
    /// Asks the registry to link a blob of <paramref name="fromRepository"/> into <paramref name="repository"/>
    /// without sending its bytes (a cross-repository mount). True when it did (201); false when it declined
    /// (202: the blob is not there, or we may not read it there), in which case the upload it opened is cancelled.
    /// </summary>
    public async Task<bool> MountBlobAsync(string repository, Digest digest, string fromRepository, CancellationToken cancellationToken)
    {
        var what = $"mount of {fromRepository}@{digest} into {repository}";
        var scope = $"{Scope(repository, push: true)} {Scope(fromRepository, push: false)}";
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, $"v2/{repository}/blobs/uploads/?mount={Uri.EscapeDataString(digest.ToString())}&from={Uri.EscapeDataString(fromRepository)}"),
            what,
            scope,
            cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            return true;
        }

        await EnsureSuccessAsync(response, what).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Accepted && response.Headers.Location is { } location)
        {
            // The registry opened an ordinary upload instead: nothing will be sent to it.
            var upload = location.IsAbsoluteUri ? location : new Uri(BaseAddress, location);
            using var cancel = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, upload), $"cancel of the {what}", scope, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>Puts a manifest or index under a tag or digest; returns its digest.</summary>
    public async Task<Digest> PutManifestAsync(string repository, string reference, byte[] content, string mediaType, CancellationToken cancellationToken)
    {
        var what = $"manifest {repository}:{reference}";
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Put, $"v2/{repository}/manifests/{reference}") { Content = new ByteArrayContent(content) { Headers = { ContentType = new MediaTypeHeaderValue(mediaType) } } },
            what,
            Scope(repository, push: true),
            cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, what).ConfigureAwait(false);
        var digest = Digest.Compute(content);
        Remember(repository, new ManifestResponse(content, mediaType, digest));
        return digest;
    }

    private ManifestResponse? Remembered(string repository, string digest)
    {
        lock (_manifestsByDigest)
        {
            return _manifestsByDigest.GetValueOrDefault($"{repository}@{digest}");
        }
    }

    private void Remember(string repository, ManifestResponse manifest)
    {
        lock (_manifestsByDigest)
        {
            _manifestsByDigest[$"{repository}@{manifest.Digest}"] = manifest;
        }
    }

    public void Dispose()
    {
        _http.Dispose();
    }

    private static HttpRequestMessage ManifestRequest(HttpMethod method, string repository, string reference)
    {
        var request = new HttpRequestMessage(method, $"v2/{repository}/manifests/{reference}");
        foreach (var type in MediaTypes.ManifestAccept)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        return request;
    }

    private static string Scope(string repository, bool push) => $"repository:{repository}:{(push ? "pull,push" : "pull")}";

    /// <summary>Sends with auth and retries. The factory builds a fresh request per attempt.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, string what, string? scope, CancellationToken cancellationToken)
    {
        var attempt = 0;
        string last;
        while (true)
        {
            attempt++;
            using var request = create();
            if (request.RequestUri is { IsAbsoluteUri: false } relative)
            {
                request.RequestUri = new Uri(BaseAddress, relative);
            }

            request.Options.Set(RegistryAuthHandler.WhatKey, what);
            if (scope is not null)
            {
                request.Options.Set(RegistryAuthHandler.ScopeKey, scope);
            }

            HttpResponseMessage response;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            if (request.Content is BlobUploadContent upload)
            {
                // A large upload may take longer than the time-out in all: only a pause that long ends it.
                upload.Progress = () => timeout.CancelAfter(_options.RequestTimeout);
            }

            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // A registry that accepted the connection and said nothing for this long will not answer a retry
                // sooner: fail now, so that the whole wait is one time-out, not one per attempt.
                throw new RegistryTimeoutException(Registry, what, _options.RequestTimeout, ex);
            }
            catch (HttpRequestException ex) when (ex.InnerException is SocketException || ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
            {
                throw new RegistryUnreachableException(Registry, ex.Message, ex);
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
                if (attempt >= _options.MaxAttempts)
                {
                    throw new RegistryUnreachableException(Registry, ex.Message, ex);
                }

                await DelayAsync(attempt, null, cancellationToken).ConfigureAwait(false);
                continue;
            }

            _log?.Invoke($"{request.Method} {request.RequestUri} -> {(int)response.StatusCode}");
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                // The auth handler already answered one challenge: what we have is not enough.
                response.Dispose();
                throw new RegistryAuthException(Registry, what, hadCredentials: _auth.HadCredentials);
            }

            if ((int)response.StatusCode == 429 || (int)response.StatusCode >= 500)
            {
                last = $"{(int)response.StatusCode} {response.ReasonPhrase}";
                var retryAfter = response.Headers.RetryAfter;
                response.Dispose();
                if (attempt >= _options.MaxAttempts)
                {
                    throw new RegistryUnavailableException(Registry, what, attempt, last);
                }

                await DelayAsync(attempt, retryAfter, cancellationToken).ConfigureAwait(false);
                continue;
            }

            return response;
        }
    }

    private async Task DelayAsync(int attempt, RetryConditionHeaderValue? retryAfter, CancellationToken cancellationToken)
    {
        var delay = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : (TimeSpan?)null)
            ?? TimeSpan.FromMilliseconds(_options.RetryDelay.TotalMilliseconds * Math.Pow(2, attempt - 1) * (0.8 + (Random.Shared.NextDouble() * 0.4)));
        delay = TimeSpan.FromMilliseconds(Math.Clamp(delay.TotalMilliseconds, 0, 30_000));
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, string what)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        switch (response.StatusCode)
        {
            case HttpStatusCode.NotFound:
                throw new RegistryNotFoundException(Registry, what);
            case HttpStatusCode.Forbidden:
                throw new RegistryForbiddenException(Registry, what);
            case >= HttpStatusCode.MultipleChoices and < HttpStatusCode.BadRequest:
                throw new RegistryProtocolException(Registry, what, $"redirected more than 10 times (status {(int)response.StatusCode}, a redirect loop?)");
            default:
                var body = await ReadBoundedAsync(response.Content, 4096, what, CancellationToken.None, truncate: true).ConfigureAwait(false);
                throw new RegistryProtocolException(Registry, what, $"status {(int)response.StatusCode}: {Encoding.UTF8.GetString(body).Trim()}");
        }
    }

    private Task<byte[]> ReadBoundedAsync(HttpContent content, long limit, string what, CancellationToken cancellationToken, bool truncate = false)
        => ReadBoundedAsync(Registry, content, limit, what, cancellationToken, truncate);

    internal static async Task<byte[]> ReadBoundedAsync(string registry, HttpContent content, long limit, string what, CancellationToken cancellationToken, bool truncate = false)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > limit)
            {
                if (truncate)
                {
                    buffer.Write(chunk, 0, (int)(limit - buffer.Length));
                    break;
                }

                throw new ContentTooLargeException(registry, what, buffer.Length + n, limit);
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    /// <summary>Keeps the HTTP response alive as long as its body stream is read.</summary>
    private sealed class ResponseOwningStream(Stream inner, HttpResponseMessage response) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
