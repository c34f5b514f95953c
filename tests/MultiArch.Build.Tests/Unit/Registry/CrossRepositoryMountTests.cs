using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MultiArch.Build.Oci;
using MultiArch.Build.Registry;

namespace MultiArch.Build.Tests.Unit.Registry;

/// <summary>
/// A cross-repository mount needs push on the target and pull on the source: behind a token service both scopes
/// are asked for, one <c>scope</c> parameter each, as Docker Hub's and distribution's token services expect.
/// </summary>
[TestClass]
public sealed class CrossRepositoryMountTests
{
    [TestMethod]
    [DataRow(HttpStatusCode.Created, true)]
    [DataRow(HttpStatusCode.Accepted, false)]
    public async Task A_mount_asks_one_token_for_both_repositories_and_reports_whether_it_was_done(HttpStatusCode answer, bool mounted)
    {
        var registry = new MountingRegistry(answer);
        using var session = new RegistrySession(new RegistryOptions(), new Credentials(), registry);

        var done = await session.ClientFor("registry.example").MountBlobAsync("team/all", Digest.Compute("layer"u8.ToArray()), "team/arm64", CancellationToken.None);

        Assert.AreEqual(mounted, done);
        CollectionAssert.AreEqual(new[] { "repository:team/all:pull,push", "repository:team/arm64:pull" }, registry.TokenScopes);
        StringAssert.Contains(registry.MountQuery, "from=team%2Farm64");
        Assert.AreEqual(mounted ? 0 : 1, registry.CancelledUploads, "a declined mount's upload is cancelled");
    }

    private sealed class Credentials : ICredentialProvider
    {
        public Task<RegistryCredential?> GetAsync(string registry, CancellationToken cancellationToken)
            => Task.FromResult<RegistryCredential?>(new RegistryCredential("ci", "pw"));
    }

    private sealed class MountingRegistry(HttpStatusCode answer) : HttpMessageHandler
    {
        public List<string> TokenScopes { get; } = [];

        public string MountQuery { get; private set; } = "";

        public int CancelledUploads { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            if (uri.Host == "auth.example")
            {
                TokenScopes.AddRange(uri.Query.TrimStart('?').Split('&').Where(p => p.StartsWith("scope=", StringComparison.Ordinal)).Select(p => Uri.UnescapeDataString(p["scope=".Length..])));
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"token":"both"}""", Encoding.UTF8, "application/json") });
            }

            if (request.Headers.Authorization is not { Scheme: "Bearer", Parameter: "both" })
            {
                var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                challenge.Headers.WwwAuthenticate.Add(new AuthenticationHeaderValue("Bearer", "realm=\"https://auth.example/token\",service=\"registry.example\""));
                return Task.FromResult(challenge);
            }

            if (request.Method == HttpMethod.Delete)
            {
                CancelledUploads++;
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NoContent));
            }

            MountQuery = uri.Query;
            var response = new HttpResponseMessage(answer);
            response.Headers.Location = new Uri("/v2/team/all/blobs/uploads/u1", UriKind.Relative);
            return Task.FromResult(response);
        }
    }
}
