using System.Net;
using System.Text;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Publishing;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tests.Unit.Registry;

/// <summary>RegistryClient's success and failure paths against an in-memory registry: no network, no service.</summary>
[TestClass]
public sealed class RegistryClientTests
{
    private const string Host = "registry.test:5000";
    private static readonly RegistryOptions Fast = new() { InsecureRegistries = [Host], MaxAttempts = 3, RetryDelay = TimeSpan.FromMilliseconds(5), RequestTimeout = TimeSpan.FromSeconds(10) };

    private static RegistryClient Client(InMemoryRegistry registry, RegistryOptions? options = null, ICredentialProvider? credentials = null)
        => new(Host, credentials ?? new Credentials(null), options ?? Fast, registry);

    private static string Code(MultiArchException ex) => ex.ToDiagnostic().Code;

    [TestMethod]
    public async Task Pushed_index_reads_back_and_validates()
    {
        var registry = new InMemoryRegistry();
        using var client = Client(registry);
        var index = FakeImages.Index("linux/amd64", "linux/arm64");
        await TestImages.PushAsync(client, "app", "v1", index);

        await using var source = new RegistryImageSource(client, ImageReference.Parse($"{Host}/app:v1"));
        var report = await new ManifestValidator().ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = [OciPlatform.Parse("linux/amd64"), OciPlatform.Parse("linux/arm64")] }, default);

        Assert.IsTrue(report.Passed, string.Join("\n", report.Diagnostics));
        Assert.IsTrue(report.Platforms.All(p => p.Binary == BinaryVerdict.Verified), report.ToMarkdown());
        Assert.AreEqual(index.Index.Digest.ToString(), report.Digest);
    }

    [TestMethod]
    public async Task A_blob_is_streamed_with_its_length_after_the_post_that_opens_the_upload()
    {
        var registry = new InMemoryRegistry();
        using var client = Client(registry);
        var content = Encoding.ASCII.GetBytes(new string('x', 300_000));
        var digest = Digest.Compute(content);
        var opened = 0;

        await client.PushBlobAsync("app", digest, content.Length, _ => { opened++; return Task.FromResult<Stream>(new MemoryStream(content)); }, default);

        Assert.IsTrue(registry.HasBlob(digest));
        Assert.AreEqual(1, opened);
        CollectionAssert.AreEqual(new long?[] { content.Length }, registry.UploadLengths.ToArray());
        var verbs = registry.Requests.Select(r => r.Split(' ')[0]).ToArray();
        CollectionAssert.AreEqual(new[] { "HEAD", "POST", "PUT" }, verbs);
    }

    [TestMethod]
    public async Task A_blob_the_registry_has_is_not_uploaded_again()
    {
        var content = Encoding.ASCII.GetBytes("layer");
        var registry = new InMemoryRegistry();
        registry.PutBlob(content);
        using var client = Client(registry);

        await client.PushBlobAsync("app", Digest.Compute(content), content, default);

        CollectionAssert.AreEqual(new[] { "HEAD" }, registry.Requests.Select(r => r.Split(' ')[0]).ToArray());
    }

    [TestMethod]
    public async Task A_stream_that_does_not_hash_to_its_digest_is_refused_by_the_registry()
    {
        var registry = new InMemoryRegistry();
        using var client = Client(registry);
        var claimed = Digest.Compute(Encoding.ASCII.GetBytes("one"));

        var ex = await Assert.ThrowsExactlyAsync<RegistryProtocolException>(() => client.PushBlobAsync("app", claimed, Encoding.ASCII.GetBytes("two"), default));

        Assert.AreEqual("MULTIARCH4010", Code(ex));
        StringAssert.Contains(ex.Message, "DIGEST_INVALID");
    }

    [TestMethod]
    public async Task A_streamed_upload_answers_a_basic_challenge_by_opening_its_source_again()
    {
        var registry = new InMemoryRegistry { BasicAuth = "user:secret" };
        using var client = Client(registry, credentials: new Credentials(new RegistryCredential("user", "secret")));
        var content = Encoding.ASCII.GetBytes("a layer");

        await client.PushBlobAsync("app", Digest.Compute(content), content, default);

        Assert.IsTrue(registry.HasBlob(Digest.Compute(content)));
    }

    [TestMethod]
    public async Task Missing_and_forbidden_content_are_coded()
    {
        var registry = new InMemoryRegistry();
        using var client = Client(registry);
        var missing = await Assert.ThrowsExactlyAsync<RegistryNotFoundException>(() => client.GetManifestAsync("app", "nope", default));
        Assert.AreEqual("MULTIARCH4007", Code(missing));

        registry.Fault = (_, _) => Task.FromResult<HttpResponseMessage?>(new HttpResponseMessage(HttpStatusCode.Forbidden));
        var forbidden = await Assert.ThrowsExactlyAsync<RegistryForbiddenException>(() => client.GetManifestAsync("app", "v1", default));
        Assert.AreEqual("MULTIARCH4003", Code(forbidden));
    }

    [TestMethod]
    public async Task Wrong_or_missing_credentials_are_coded()
    {
        var registry = new InMemoryRegistry { BasicAuth = "user:secret" };
        using (var anonymous = Client(registry))
        {
            var ex = await Assert.ThrowsExactlyAsync<RegistryAuthException>(() => anonymous.PingAsync(default));
            Assert.AreEqual("MULTIARCH4001", Code(ex));
        }

        using var wrong = Client(registry, credentials: new Credentials(new RegistryCredential("user", "wrong")));
        var rejected = await Assert.ThrowsExactlyAsync<RegistryAuthException>(() => wrong.PingAsync(default));
        Assert.AreEqual("MULTIARCH4002", Code(rejected));
        Assert.IsFalse(rejected.Message.Contains("wrong", StringComparison.Ordinal), "the password must never be in a message");
    }

    [TestMethod]
    public async Task Server_errors_are_retried_then_given_up_with_a_code()
    {
        var registry = new InMemoryRegistry();
        var failures = 2;
        registry.Fault = (_, _) => Task.FromResult(failures-- > 0 ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) : null);
        using var client = Client(registry);
        await client.PingAsync(default);
        Assert.AreEqual(3, registry.Requests.Count);

        registry.Fault = (_, _) => Task.FromResult<HttpResponseMessage?>(new HttpResponseMessage(HttpStatusCode.InternalServerError));
        var ex = await Assert.ThrowsExactlyAsync<RegistryUnavailableException>(() => client.PingAsync(default));
        Assert.AreEqual("MULTIARCH4009", Code(ex));
    }

    [TestMethod]
    public async Task A_registry_that_never_answers_fails_after_one_timeout_not_one_per_attempt()
    {
        var registry = new InMemoryRegistry();
        registry.Fault = async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return null;
        };
        using var client = Client(registry, Fast with { RequestTimeout = TimeSpan.FromMilliseconds(300), MaxAttempts = 5 });

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var ex = await Assert.ThrowsExactlyAsync<RegistryTimeoutException>(() => client.PingAsync(default));

        Assert.AreEqual("MULTIARCH4014", Code(ex));
        Assert.AreEqual(1, registry.Requests.Count, "a time-out is not retried");
        Assert.IsTrue(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
        StringAssert.Contains(ex.Message, "ContainerRegistryTimeout");
    }

    [TestMethod]
    public void The_default_timeout_is_60_seconds()
        => Assert.AreEqual(TimeSpan.FromSeconds(60), new RegistryOptions().RequestTimeout);

    [TestMethod]
    public async Task A_manifest_that_does_not_match_its_digest_is_refused()
    {
        var registry = new InMemoryRegistry();
        var index = FakeImages.Index("linux/amd64");
        var image = index.Images[0];
        registry.PutManifest("app", image.Manifest.Digest.ToString(), image.Manifest.Content, image.Manifest.MediaType);
        registry.Fault = (request, _) =>
        {
            if (request.Method != HttpMethod.Get || !request.RequestUri!.AbsolutePath.Contains("/manifests/", StringComparison.Ordinal))
            {
                return Task.FromResult<HttpResponseMessage?>(null);
            }

            var tampered = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(image.Config.Content) };
            tampered.Content.Headers.ContentType = new(image.Manifest.MediaType);
            return Task.FromResult<HttpResponseMessage?>(tampered);
        };
        using var client = Client(registry);

        var ex = await Assert.ThrowsExactlyAsync<ContentMismatchException>(() => client.GetManifestAsync("app", image.Manifest.Digest.ToString(), default));
        Assert.AreEqual("MULTIARCH4004", Code(ex));
    }

    [TestMethod]
    public async Task The_publisher_streams_an_index_from_a_source_into_the_registry_by_digest()
    {
        var registry = new InMemoryRegistry();
        using var client = Client(registry);
        var index = FakeImages.Index("linux/amd64", "linux/arm/v7");
        await using var source = new InMemoryImageSource(index);

        var digest = await new ImagePublisher(client, "app").PushByDigestAsync(source, default);

        Assert.AreEqual(index.Index.Digest, digest);
        Assert.IsTrue(registry.HasManifest("app", digest.ToString()));
        Assert.IsTrue(index.Images.SelectMany(i => i.Layers.Append(i.Config)).All(b => registry.HasBlob(b.Digest)));
        Assert.IsFalse(registry.Requests.Any(r => r.Contains("/manifests/v", StringComparison.Ordinal)), "nothing is tagged by a push by digest");
    }

    private sealed class Credentials(RegistryCredential? credential) : ICredentialProvider
    {
        public Task<RegistryCredential?> GetAsync(string registry, CancellationToken cancellationToken) => Task.FromResult(credential);
    }
}
