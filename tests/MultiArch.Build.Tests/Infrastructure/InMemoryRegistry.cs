using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MultiArch.Build.Oci;

namespace MultiArch.Build.Tests.Infrastructure;

/// <summary>
/// An OCI Distribution registry as an <see cref="HttpMessageHandler"/>: ping, manifests (GET/HEAD/PUT by tag or
/// digest), blobs (GET/HEAD), uploads (POST then a monolithic PUT, hashed as it streams in), optional basic auth.
/// Pure logic (RegistryClient, the validator, the publisher) is tested against it without a network; the
/// live-registry tests stay in Integration/. <see cref="Fault"/> lets a test answer any request its own way.
/// </summary>
internal sealed partial class InMemoryRegistry : HttpMessageHandler
{
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new();
    private readonly ConcurrentDictionary<string, (byte[] Content, string MediaType)> _manifests = new();
    private readonly ConcurrentQueue<string> _requests = new();

    /// <summary>user:password the registry wants (basic auth); null: open.</summary>
    public string? BasicAuth { get; init; }

    /// <summary>
    /// Blobs belong to the repositories they were uploaded to or mounted into (as in a real registry), and a
    /// cross-repository mount (<c>POST ...?mount=&amp;from=</c>) links one when the source repository has it;
    /// false (the default): every repository sees every blob, and mounts are declined.
    /// </summary>
    public bool PerRepositoryBlobs { get; init; }

    /// <summary>"repository@digest from source" of every mount done.</summary>
    public ConcurrentQueue<string> Mounts { get; } = new();

    /// <summary>Links a blob into a repository (with <see cref="PerRepositoryBlobs"/>).</summary>
    public void PutBlob(string repository, byte[] content)
    {
        PutBlob(content);
        _links[$"{repository}|{Digest.Compute(content)}"] = true;
    }

    public bool HasBlob(string repository, Digest digest) => HasBlob(digest) && (!PerRepositoryBlobs || _links.ContainsKey($"{repository}|{digest}"));

    private readonly ConcurrentDictionary<string, bool> _links = new();

    /// <summary>Keep uploaded blobs (false: only their digests, for uploads too large to keep).</summary>
    public bool KeepBlobs { get; init; } = true;

    /// <summary>Answers a request before the registry does (a fault); null lets the registry answer.</summary>
    public Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage?>>? Fault { get; set; }

    /// <summary>"METHOD /path" of every request, in order.</summary>
    public IReadOnlyList<string> Requests => _requests.ToArray();

    /// <summary>Content-Length headers of the blob PUTs (a streamed upload declares its length).</summary>
    public ConcurrentQueue<long?> UploadLengths { get; } = new();

    public bool HasBlob(Digest digest) => _blobs.ContainsKey(digest.ToString());

    public bool HasManifest(string repository, string reference) => _manifests.ContainsKey($"{repository}|{reference}");

    /// <summary>Stores a manifest as a registry would after a push (tests that need a registry in a given state).</summary>
    public void PutManifest(string repository, string reference, byte[] content, string mediaType)
    {
        _manifests[$"{repository}|{reference}"] = (content, mediaType);
        _manifests[$"{repository}|{Digest.Compute(content)}"] = (content, mediaType);
    }

    public void PutBlob(byte[] content) => _blobs[Digest.Compute(content).ToString()] = content;

    [GeneratedRegex(@"^/v2/(?<repo>.+)/blobs/uploads/(?<id>[^/]*)$")]
    private static partial Regex UploadPath();

    [GeneratedRegex(@"^/v2/(?<repo>.+)/(?<kind>blobs|manifests)/(?<ref>[^/]+)$")]
    private static partial Regex ContentPath();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        _requests.Enqueue($"{request.Method} {path}");
        if (Fault is { } fault && await fault(request, cancellationToken) is { } faulted)
        {
            return faulted;
        }

        if (BasicAuth is not null && request.Headers.Authorization is not { Scheme: "Basic" } auth
            || BasicAuth is not null && Encoding.UTF8.GetString(Convert.FromBase64String(request.Headers.Authorization!.Parameter ?? "")) != BasicAuth)
        {
            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            challenge.Headers.WwwAuthenticate.Add(new AuthenticationHeaderValue("Basic", "realm=\"in-memory\""));
            return challenge;
        }

        if (path == "/v2/" || path == "/v2")
        {
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") };
        }

        if (UploadPath().Match(path) is { Success: true } upload)
        {
            var uploadQuery = Query(request);
            if (request.Method == HttpMethod.Post && PerRepositoryBlobs && uploadQuery.TryGetValue("mount", out var mount) && uploadQuery.TryGetValue("from", out var from) && _links.ContainsKey($"{from}|{mount}"))
            {
                _links[$"{upload.Groups["repo"].Value}|{mount}"] = true;
                Mounts.Enqueue($"{upload.Groups["repo"].Value}@{mount} from {from}");
                return new HttpResponseMessage(HttpStatusCode.Created);
            }

            return request.Method.Method switch
            {
                "POST" => Accepted($"/v2/{upload.Groups["repo"].Value}/blobs/uploads/{Guid.NewGuid():N}"),
                "PUT" => await CompleteUploadAsync(request, upload.Groups["repo"].Value, cancellationToken),
                _ => new HttpResponseMessage(HttpStatusCode.MethodNotAllowed),
            };
        }

        if (ContentPath().Match(path) is not { Success: true } content)
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound);
        }

        var repository = content.Groups["repo"].Value;
        var reference = Uri.UnescapeDataString(content.Groups["ref"].Value);
        if (content.Groups["kind"].Value == "blobs")
        {
            return _blobs.TryGetValue(reference, out var blob) && (!PerRepositoryBlobs || _links.ContainsKey($"{repository}|{reference}"))
                ? Body(request, blob, "application/octet-stream", reference)
                : new HttpResponseMessage(HttpStatusCode.NotFound);
        }

        if (request.Method == HttpMethod.Put)
        {
            var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            PutManifest(repository, reference, body, request.Content.Headers.ContentType!.MediaType!);
            var created = new HttpResponseMessage(HttpStatusCode.Created);
            created.Headers.Add("Docker-Content-Digest", Digest.Compute(body).ToString());
            return created;
        }

        return _manifests.TryGetValue($"{repository}|{reference}", out var manifest)
            ? Body(request, manifest.Content, manifest.MediaType, Digest.Compute(manifest.Content).ToString())
            : new HttpResponseMessage(HttpStatusCode.NotFound);
    }

    private static Dictionary<string, string> Query(HttpRequestMessage request)
        => request.RequestUri!.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => Uri.UnescapeDataString(g.Last()[1]));

    private async Task<HttpResponseMessage> CompleteUploadAsync(HttpRequestMessage request, string repository, CancellationToken cancellationToken)
    {
        var query = Query(request);
        UploadLengths.Enqueue(request.Content?.Headers.ContentLength);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var kept = KeepBlobs ? new MemoryStream() : null;
        await using (var body = await request.Content!.ReadAsStreamAsync(cancellationToken))
        {
            var buffer = new byte[81920];
            int n;
            while ((n = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                kept?.Write(buffer, 0, n);
            }
        }

        var digest = "sha256:" + Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
        if (!query.TryGetValue("digest", out var claimed) || claimed != digest)
        {
            return new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent("{\"errors\":[{\"code\":\"DIGEST_INVALID\"}]}") };
        }

        _blobs[digest] = kept?.ToArray() ?? [];
        _links[$"{repository}|{digest}"] = true;
        return new HttpResponseMessage(HttpStatusCode.Created);
    }

    private static HttpResponseMessage Accepted(string location)
    {
        var response = new HttpResponseMessage(HttpStatusCode.Accepted);
        response.Headers.Location = new Uri(location, UriKind.Relative);
        return response;
    }

    private static HttpResponseMessage Body(HttpRequestMessage request, byte[] content, string mediaType, string digest)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = request.Method == HttpMethod.Head ? new ByteArrayContent([]) : new ByteArrayContent(content),
        };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        response.Content.Headers.ContentLength = content.Length;
        response.Headers.Add("Docker-Content-Digest", digest);
        return response;
    }
}

/// <summary>An image index held in memory as an <see cref="IImageSource"/>: the validator and publisher without a registry or a file.</summary>
internal sealed class InMemoryImageSource : IImageSource
{
    private readonly Dictionary<Digest, byte[]> _blobs = new();
    private readonly TestBlob _root;

    public InMemoryImageSource(TestIndex index, string name = "in-memory")
    {
        Name = name;
        _root = index.Index;
        foreach (var (digest, content) in TestImages.Blobs(index))
        {
            _blobs[digest] = content;
        }
    }

    public string Name { get; }

    /// <summary>Blobs read so far (by digest).</summary>
    public List<Digest> Reads { get; } = [];

    public Task<(byte[] Content, string MediaType, Digest Digest)> ReadRootAsync(CancellationToken cancellationToken)
        => Task.FromResult((_root.Content, _root.MediaType, _root.Digest));

    public Task<byte[]> ReadManifestAsync(Descriptor descriptor, CancellationToken cancellationToken) => Task.FromResult(Read(descriptor));

    public Task<byte[]> ReadBlobAsync(Descriptor descriptor, long maxBytes, CancellationToken cancellationToken) => Task.FromResult(Read(descriptor));

    public Task<VerifyingStream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
        => Task.FromResult(new VerifyingStream(new MemoryStream(Read(descriptor), writable: false), descriptor, Name));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private byte[] Read(Descriptor descriptor)
    {
        Reads.Add(descriptor.Digest);
        return _blobs.TryGetValue(descriptor.Digest, out var content) ? content : throw new FileNotFoundException($"{Name} has no {descriptor.Digest}");
    }
}
