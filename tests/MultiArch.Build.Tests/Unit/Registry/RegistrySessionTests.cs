using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MultiArch.Build.Oci;
using MultiArch.Build.Registry;

namespace MultiArch.Build.Tests.Unit.Registry;

/// <summary>
/// One registry session per build: one token per repository and access, one ping per registry, and the
/// manifests a build pushed reach validation and tagging without another read. Against an in-memory
/// registry that speaks the token dance, so every request is counted.
/// </summary>
[TestClass]
public sealed class RegistrySessionTests
{
    private static readonly byte[] Index = Encoding.UTF8.GetBytes("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}""");

    [TestMethod]
    public async Task A_token_is_fetched_once_per_scope_for_the_whole_build()
    {
        var registry = new TokenRegistry();
        using var session = new RegistrySession(new RegistryOptions(), new FixedCredentials(), registry);
        var client = session.ClientFor("registry.example");

        var digest = await client.PutManifestAsync("team/app", Digest.Compute(Index).ToString(), Index, MediaTypes.OciIndex, CancellationToken.None);
        await client.PutManifestAsync("team/app", "v1", Index, MediaTypes.OciIndex, CancellationToken.None);
        await client.PutManifestAsync("team/app", "v2", Index, MediaTypes.OciIndex, CancellationToken.None);
        Assert.IsTrue(await client.BlobExistsAsync("team/app", digest, CancellationToken.None));
        await session.ClientFor("REGISTRY.example").GetManifestAsync("team/app", "v1", CancellationToken.None);
        await Assert.ThrowsExactlyAsync<RegistryNotFoundException>(() => client.GetManifestAsync("other/repo", "v1", CancellationToken.None));
        await Assert.ThrowsExactlyAsync<RegistryNotFoundException>(() => client.GetManifestAsync("other/repo", "v2", CancellationToken.None));

        Assert.AreSame(client, session.ClientFor("REGISTRY.example"), "one client per registry");
        CollectionAssert.AreEqual(
            new[] { "repository:team/app:pull,push", "repository:other/repo:pull" },
            registry.TokenScopes,
            "one token for each repository, however many requests use it (a push token also pulls)");
        Assert.AreEqual(2, client.TokenRequests);
        Assert.AreEqual(0, registry.RejectedWithToken, "a cached token was never refused");
    }

    [TestMethod]
    public async Task A_manifest_pushed_by_digest_is_read_back_without_a_request()
    {
        var registry = new TokenRegistry();
        using var session = new RegistrySession(new RegistryOptions(), new FixedCredentials(), registry);
        var client = session.ClientFor("registry.example");
        var digest = await client.PutManifestAsync("team/app", Digest.Compute(Index).ToString(), Index, MediaTypes.OciIndex, CancellationToken.None);
        var before = registry.ManifestReads;

        var read = await client.GetManifestAsync("team/app", digest.ToString(), CancellationToken.None);

        Assert.AreEqual(before, registry.ManifestReads, "validation and tagging reuse what the build pushed");
        CollectionAssert.AreEqual(Index, read.Content);
        Assert.AreEqual(digest, read.Digest);

        // By tag it is always asked: a tag can move.
        await client.GetManifestAsync("team/app", "latest", CancellationToken.None).ContinueWith(_ => { });
        Assert.AreEqual(before + 1, registry.ManifestReads);
    }

    [TestMethod]
    public async Task The_registry_is_pinged_once_per_build()
    {
        var registry = new TokenRegistry();
        using var session = new RegistrySession(new RegistryOptions(), new FixedCredentials(), registry);

        await session.PingAsync("registry.example", CancellationToken.None);
        await session.PingAsync("registry.example", CancellationToken.None);

        Assert.AreEqual(1, registry.Pings);
    }

    [TestMethod]
    public async Task Rejected_credentials_are_a_coded_error_after_one_token_attempt()
    {
        var registry = new TokenRegistry { AcceptedPassword = "something else" };
        using var session = new RegistrySession(new RegistryOptions(), new FixedCredentials(), registry);

        var error = await Assert.ThrowsExactlyAsync<RegistryAuthException>(() => session.ClientFor("registry.example").GetManifestAsync("team/app", "v1", CancellationToken.None));

        Assert.AreEqual("MULTIARCH4002", error.ToDiagnostic().Code);
        Assert.AreEqual(1, registry.TokenScopes.Count);
        Assert.IsFalse(error.ToString().Contains(FixedCredentials.Password, StringComparison.Ordinal), "the password never reaches a message");
    }

    private sealed class FixedCredentials : ICredentialProvider
    {
        public const string Password = "s3cret-pa55";

        public Task<RegistryCredential?> GetAsync(string registry, CancellationToken cancellationToken)
            => Task.FromResult<RegistryCredential?>(new RegistryCredential("ci", Password));
    }

    /// <summary>A registry behind a Bearer token service: tokens name their scope; manifests are kept by digest and tag.</summary>
    private sealed class TokenRegistry : HttpMessageHandler
    {
        private readonly Dictionary<string, byte[]> _manifests = new(StringComparer.Ordinal);

        public string AcceptedPassword { get; init; } = FixedCredentials.Password;

        public List<string> TokenScopes { get; } = [];

        public int ManifestReads { get; private set; }

        public int Pings { get; private set; }

        public int RejectedWithToken { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            if (uri.Host == "auth.example")
            {
                var scope = Uri.UnescapeDataString(uri.Query.Split("scope=").ElementAtOrDefault(1) ?? string.Empty);
                TokenScopes.Add(scope);
                var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"ci:{AcceptedPassword}"));
                if (request.Headers.Authorization?.ToString() != expected)
                {
                    return new HttpResponseMessage(HttpStatusCode.Unauthorized);
                }

                return Json($$"""{"token":"t:{{scope}}"}""");
            }

            var path = uri.AbsolutePath;
            var (repository, push) = path.StartsWith("/v2/", StringComparison.Ordinal) && path.Length > 4
                ? (path[4..path.LastIndexOf(path.Contains("/manifests/") ? "/manifests/" : "/blobs/", StringComparison.Ordinal)], request.Method != HttpMethod.Get && request.Method != HttpMethod.Head)
                : (null, false);
            if (repository is null)
            {
                Pings++;
                return new HttpResponseMessage(HttpStatusCode.OK);
            }

            var token = request.Headers.Authorization is { Scheme: "Bearer" } bearer ? bearer.Parameter : null;
            var needed = $"t:repository:{repository}:{(push ? "pull,push" : "pull")}";
            var allowed = token == needed || (!push && token == $"t:repository:{repository}:pull,push");
            if (!allowed)
            {
                if (token is not null)
                {
                    RejectedWithToken++;
                }

                var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                challenge.Headers.WwwAuthenticate.Add(new AuthenticationHeaderValue("Bearer", $"realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:{repository}:pull\""));
                return challenge;
            }

            var reference = path[(path.LastIndexOf('/') + 1)..];
            if (path.Contains("/manifests/", StringComparison.Ordinal))
            {
                if (request.Method == HttpMethod.Put)
                {
                    _manifests[$"{repository}:{reference}"] = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
                    return new HttpResponseMessage(HttpStatusCode.Created);
                }

                ManifestReads++;
                if (!_manifests.TryGetValue($"{repository}:{reference}", out var body))
                {
                    return new HttpResponseMessage(HttpStatusCode.NotFound);
                }

                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue(MediaTypes.OciIndex) } } };
            }

            return new HttpResponseMessage(HttpStatusCode.OK);
        }

        private static HttpResponseMessage Json(string json) => new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    }
}
