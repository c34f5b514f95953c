using System.Net;
using System.Text;
using MultiArch.Build.Oci;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tests.Integration;

/// <summary>Hostile answers from a loopback server: each must end in a coded error, never a crash, a hang or a pass.</summary>
[TestClass]
public sealed class HostileRegistryTests
{
    private static readonly RegistryOptions Fast = new() { MaxAttempts = 4, RetryDelay = TimeSpan.FromMilliseconds(20), RequestTimeout = TimeSpan.FromSeconds(10) };

    private static Task Json(HttpListenerResponse r, string mediaType, string body) => HostileRegistry.WriteAsync(r, 200, mediaType, Encoding.UTF8.GetBytes(body));

    [TestMethod]
    public async Task Invalid_json_manifest()
    {
        await using var server = new HostileRegistry((q, r) => Json(r, MediaTypes.OciIndex, "{\"schemaVersion\": 2, \"manifests\": [ {"));
        using var client = new RegistryClient(server.Host, options: Fast);
        var ex = await Assert.ThrowsExactlyAsync<InvalidManifestException>(() => client.GetManifestAsync("x", "latest", default));
        Assert.AreEqual("MULTIARCH4006", ex.Code);
    }

    [TestMethod]
    public async Task Wrong_media_type()
    {
        await using var server = new HostileRegistry((q, r) => Json(r, "application/json", "{\"architecture\":\"amd64\",\"os\":\"linux\"}"));
        using var client = new RegistryClient(server.Host, options: Fast);
        var ex = await Assert.ThrowsExactlyAsync<InvalidManifestException>(() => client.GetManifestAsync("x", "latest", default));
        StringAssert.Contains(ex.Message, "application/json");
    }

    [TestMethod]
    public async Task Index_with_malformed_descriptors_is_refused_by_the_validator()
    {
        var bodies = new[]
        {
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:xyz\",\"size\":1}]}",
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + new string('a', 64) + "\",\"size\":-5}]}",
            "{\"schemaVersion\":1,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}",
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":{}}",
            "[1,2,3]",
            new string('[', 5000) + new string(']', 5000),
        };
        foreach (var body in bodies)
        {
            await using var server = new HostileRegistry((q, r) => Json(r, MediaTypes.OciIndex, body));
            await using var source = new RegistryImageSource(new RegistryClient(server.Host, options: Fast), ImageReference.Parse($"{server.Host}/x:latest"), ownsClient: true);
            var ex = await Assert.ThrowsExactlyAsync<InvalidManifestException>(
                () => new ManifestValidator().ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = [Platforms.OciPlatform.LinuxAmd64] }, default),
                body[..Math.Min(60, body.Length)]);
            Assert.AreEqual("MULTIARCH4006", ex.Code);
        }
    }

    [TestMethod]
    public async Task Oversized_manifest_with_and_without_a_length()
    {
        var huge = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[],\"x\":\"" + new string('x', 5 * 1024 * 1024) + "\"}");
        await using var declared = new HostileRegistry((q, r) => HostileRegistry.WriteAsync(r, 200, MediaTypes.OciIndex, huge));
        await using var chunked = new HostileRegistry(async (q, r) =>
        {
            r.StatusCode = 200;
            r.ContentType = MediaTypes.OciIndex;
            r.SendChunked = true;
            await r.OutputStream.WriteAsync(huge);
        });

        foreach (var host in new[] { declared.Host, chunked.Host })
        {
            using var client = new RegistryClient(host, options: Fast);
            var ex = await Assert.ThrowsExactlyAsync<ContentTooLargeException>(() => client.GetManifestAsync("x", "latest", default));
            Assert.AreEqual("MULTIARCH4005", ex.Code);
        }
    }

    [TestMethod]
    public async Task Manifest_that_does_not_match_its_digest()
    {
        const string body = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}";
        await using var server = new HostileRegistry((q, r) =>
        {
            r.AddHeader("Docker-Content-Digest", "sha256:" + new string('b', 64));
            return Json(r, MediaTypes.OciIndex, body);
        });
        using var client = new RegistryClient(server.Host, options: Fast);
        var byTag = await Assert.ThrowsExactlyAsync<ContentMismatchException>(() => client.GetManifestAsync("x", "latest", default));
        var byDigest = await Assert.ThrowsExactlyAsync<ContentMismatchException>(() => client.GetManifestAsync("x", "sha256:" + new string('c', 64), default));
        Assert.AreEqual("MULTIARCH4004", byTag.Code);
        Assert.AreEqual("MULTIARCH4004", byDigest.Code);
    }

    [TestMethod]
    public async Task Blob_longer_than_its_descriptor_is_cut_off()
    {
        var content = new byte[1000];
        await using var server = new HostileRegistry((q, r) => HostileRegistry.WriteAsync(r, 200, "application/octet-stream", content));
        using var client = new RegistryClient(server.Host, options: Fast);
        var descriptor = new Descriptor(MediaTypes.OciLayerGzip, Digest.Compute(content.AsSpan(0, 10)), 10, null, new Dictionary<string, string>());
        await using var stream = await client.OpenBlobAsync("x", descriptor, default);
        var ex = await Assert.ThrowsExactlyAsync<ContentMismatchException>(() => stream.DrainAsync(default));
        StringAssert.Contains(ex.Message, "more than the 10 bytes");
    }

    [TestMethod]
    public async Task Redirect_loop()
    {
        await using var server = new HostileRegistry((q, r) =>
        {
            r.StatusCode = 307;
            r.RedirectLocation = q.Url!.ToString();
            return Task.CompletedTask;
        });
        using var client = new RegistryClient(server.Host, options: Fast);
        var descriptor = new Descriptor(MediaTypes.OciLayerGzip, Digest.Compute([1]), 1, null, new Dictionary<string, string>());
        var ex = await Assert.ThrowsExactlyAsync<RegistryProtocolException>(() => client.OpenBlobAsync("x", descriptor, default));
        Assert.AreEqual("MULTIARCH4010", ex.Code);
        StringAssert.Contains(ex.Message, "redirect");
    }

    [TestMethod]
    public async Task Storm_of_429_gives_up_after_the_configured_attempts()
    {
        await using var server = new HostileRegistry((q, r) =>
        {
            r.AddHeader("Retry-After", "0");
            return HostileRegistry.WriteAsync(r, 429, "text/plain", Encoding.UTF8.GetBytes("slow down"));
        });
        using var client = new RegistryClient(server.Host, options: Fast);
        var ex = await Assert.ThrowsExactlyAsync<RegistryUnavailableException>(() => client.PingAsync(default));
        Assert.AreEqual("MULTIARCH4009", ex.Code);
        Assert.AreEqual(Fast.MaxAttempts, server.Requests);
        StringAssert.Contains(ex.Message, "429");
    }

    [TestMethod]
    public async Task Transient_503s_are_retried_until_an_answer()
    {
        var calls = 0;
        await using var server = new HostileRegistry((q, r) => Interlocked.Increment(ref calls) <= 2
            ? HostileRegistry.WriteAsync(r, 503, "text/plain", [])
            : HostileRegistry.WriteAsync(r, 200, "application/json", Encoding.UTF8.GetBytes("{}")));
        using var client = new RegistryClient(server.Host, options: Fast);
        await client.PingAsync(default);
        Assert.AreEqual(3, calls);
    }

    [TestMethod]
    public async Task Bearer_token_challenge_is_answered_with_the_credentials()
    {
        const string token = "tok-123456";
        await using var server = new HostileRegistry(async (q, r) =>
        {
            if (q.Url!.AbsolutePath == "/token")
            {
                var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("me:secret-pw"));
                var ok = q.Headers["Authorization"] == basic && q.QueryString["service"] == "test-registry" && q.QueryString["scope"] == "repository:team/app:pull";
                await HostileRegistry.WriteAsync(r, ok ? 200 : 401, "application/json", Encoding.UTF8.GetBytes(ok ? $"{{\"token\":\"{token}\"}}" : "{}"));
                return;
            }

            if (q.Headers["Authorization"] != $"Bearer {token}")
            {
                r.AddHeader("WWW-Authenticate", $"Bearer realm=\"http://{q.Url.Authority}/token\",service=\"test-registry\",scope=\"repository:team/app:pull\"");
                await HostileRegistry.WriteAsync(r, 401, "application/json", Encoding.UTF8.GetBytes("{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}"));
                return;
            }

            await Json(r, MediaTypes.OciIndex, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}");
        });

        var env = new Dictionary<string, string?> { ["DOTNET_CONTAINER_REGISTRY_UNAME"] = "me", ["DOTNET_CONTAINER_REGISTRY_PWORD"] = "secret-pw" };
        using var client = new RegistryClient(server.Host, new DockerConfigCredentialProvider(environment: env), Fast);
        var manifest = await client.GetManifestAsync("team/app", "latest", default);
        Assert.AreEqual(MediaTypes.OciIndex, manifest.MediaType);

        var wrong = new Dictionary<string, string?> { ["DOTNET_CONTAINER_REGISTRY_UNAME"] = "me", ["DOTNET_CONTAINER_REGISTRY_PWORD"] = "nope-nope" };
        using var rejected = new RegistryClient(server.Host, new DockerConfigCredentialProvider(environment: wrong), Fast);
        var ex = await Assert.ThrowsExactlyAsync<RegistryAuthException>(() => rejected.GetManifestAsync("team/app", "latest", default));
        Assert.AreEqual("MULTIARCH4002", ex.Code);
    }

    [TestMethod]
    public async Task Nothing_listening_is_a_coded_unreachable()
    {
        var port = new HostileRegistry((q, r) => Task.CompletedTask);
        var host = port.Host;
        await port.DisposeAsync();
        using var client = new RegistryClient(host, options: Fast);
        var ex = await Assert.ThrowsExactlyAsync<RegistryUnreachableException>(() => client.PingAsync(default));
        Assert.AreEqual("MULTIARCH4008", ex.Code);
        StringAssert.Contains(ex.Message, "is the registry running", ex.Message);
        StringAssert.Contains(ex.Message, "is the port right", ex.Message);
    }

    /// <summary>MULTIARCH4008 names the likely fix for the way the connection failed.</summary>
    [TestMethod]
    [DataRow(HttpRequestError.SecureConnectionError, "list it in ContainerInsecureRegistries")]
    [DataRow(HttpRequestError.NameResolutionError, "does not resolve")]
    [DataRow(HttpRequestError.ResponseEnded, "take it out of ContainerInsecureRegistries")]
    [DataRow(HttpRequestError.Unknown, "is it listed in ContainerInsecureRegistries")]
    public void Unreachable_says_what_to_check(HttpRequestError error, string fix)
    {
        var ex = new RegistryUnreachableException("registry.lab:5000", "failed", new HttpRequestException(error, "failed", null));

        Assert.AreEqual("MULTIARCH4008", ex.Code);
        StringAssert.Contains(ex.Message, fix, ex.Message);
    }

    /// <summary>A plain-HTTP server reached over TLS, as a registry missing from ContainerInsecureRegistries is.</summary>
    [TestMethod]
    public async Task A_plain_http_registry_reached_over_tls_is_told_to_be_listed_as_insecure()
    {
        await using var server = new HostileRegistry((q, r) => HostileRegistry.WriteAsync(r, 200, "application/json", "{}"u8.ToArray()));
        using var http = new HttpClient();
        var failure = await Assert.ThrowsExactlyAsync<HttpRequestException>(() => http.GetAsync($"https://{server.Host}/v2/"));

        var ex = new RegistryUnreachableException(server.Host, failure.Message, failure);

        StringAssert.Contains(ex.Message, "list it in ContainerInsecureRegistries", ex.Message);
    }

    [TestMethod]
    public void Remote_registries_use_https_and_loopback_or_listed_ones_http()
    {
        Assert.AreEqual("https", new RegistryClient("registry.example.com").BaseAddress.Scheme);
        Assert.AreEqual("https://registry-1.docker.io/", new RegistryClient("docker.io").BaseAddress.ToString());
        Assert.AreEqual("http", new RegistryClient("127.0.0.1:5000").BaseAddress.Scheme);
        Assert.AreEqual("http", new RegistryClient("localhost:5000").BaseAddress.Scheme);
        Assert.AreEqual("http", new RegistryClient("[::1]:5000").BaseAddress.Scheme);
        Assert.AreEqual("http", new RegistryClient("lab.internal:5000", options: new RegistryOptions { InsecureRegistries = ["lab.internal:5000"] }).BaseAddress.Scheme);
        Assert.AreEqual("https", new RegistryClient("lab.internal:5000").BaseAddress.Scheme);
    }
}
