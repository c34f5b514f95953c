using Microsoft.Build.Framework;
using TaskItem = Microsoft.Build.Utilities.TaskItem;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Publishing;
using MultiArch.Build.Registry;
using MultiArch.Build.Tasks;
using MultiArch.Build.Tests.Infrastructure;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// The merge task against the real loopback registry, with per-platform parts pushed as the fan-out jobs would
/// leave them (an index with attestations, a single manifest), each in a repository of its own.
/// </summary>
[ServiceTestClass]
[Requires(RequiresAttribute.Registry, RequiresAttribute.Busybox)]
public sealed class MergeContainerImagesTests
{
    private static readonly OciPlatform Amd64 = OciPlatform.Parse("linux/amd64");
    private static readonly OciPlatform Arm64 = OciPlatform.Parse("linux/arm64");
    private static readonly OciPlatform S390x = OciPlatform.Parse("linux/s390x");

    private static string Repo(string name) => $"merge/{name}{Guid.NewGuid():N}"[..28];

    /// <summary>A per-platform part as buildx pushes it (an index with one image and its attestation); returns its reference by digest.</summary>
    private static async Task<string> PushIndexPartAsync(OciPlatform platform, string repository)
    {
        var index = TestImages.Index([TestImages.BusyboxImage(platform)], withAttestations: true);
        using var client = new RegistryClient(Environments.Registry);
        await TestImages.PushAsync(client, repository, index.Index.Digest.ToString(), index);
        return $"{Environments.Registry}/{repository}@{index.Index.Digest}";
    }

    /// <summary>A per-platform part as a single image manifest (buildx without attestations).</summary>
    private static async Task<string> PushManifestPartAsync(OciPlatform platform, string repository)
    {
        var image = TestImages.BusyboxImage(platform);
        using var client = new RegistryClient(Environments.Registry);
        await TestImages.PushImageAsync(client, repository, image);
        return $"{Environments.Registry}/{repository}@{image.Manifest.Digest}";
    }

    private static (bool Ok, RecordingBuildEngine Engine, MergeContainerImages Task) Merge(string repository, IEnumerable<string> inputs, params string[] expected)
    {
        var engine = new RecordingBuildEngine();
        var task = new MergeContainerImages
        {
            BuildEngine = engine,
            Inputs = inputs.Select(i => (ITaskItem)new TaskItem(i)).ToArray(),
            ExpectedPlatforms = expected.Select(p => (ITaskItem)new TaskItem(p)).ToArray(),
            Registry = Environments.Registry,
            Repository = repository,
        };
        return (task.Execute(), engine, task);
    }

    [TestMethod]
    public async Task Parts_from_other_repositories_are_mounted_into_one_index_that_validates()
    {
        var amd64 = await PushIndexPartAsync(Amd64, Repo("amd"));
        var arm64 = await PushManifestPartAsync(Arm64, Repo("arm"));
        var target = Repo("all");

        var (ok, engine, task) = Merge(target, [amd64, arm64], "linux/arm64", "linux/amd64");

        Assert.IsTrue(ok, engine.AllText);
        StringAssert.StartsWith(task.Image, $"{Environments.Registry}/{target}@sha256:");
        CollectionAssert.AreEqual(new[] { "linux/arm64", "linux/amd64" }, task.MergedPlatforms.Select(p => p.ItemSpec).ToArray(), "in the order asked for");
        StringAssert.Contains(engine.AllText, "blob(s) mounted from other repositories, no blob copied");

        using var client = new RegistryClient(Environments.Registry);
        var root = await client.GetManifestAsync(target, task.IndexDigest, default);
        Assert.AreEqual(MediaTypes.OciIndex, root.MediaType);
        var index = OciJson.ReadIndex(root.Content, root.MediaType);
        Assert.AreEqual(3, index.Manifests.Count, "two images and the amd64 part's attestation");
        var attestation = index.Manifests.Single(m => m.IsAttestation);
        Assert.AreEqual(index.Manifests.Single(m => m.Platform?.Architecture == "amd64").Digest.ToString(), attestation.Annotations[Descriptor.ReferenceDigestAnnotation]);
        Assert.AreEqual(arm64[(arm64.IndexOf('@') + 1)..], index.Manifests.Single(m => m.Platform?.Architecture == "arm64").Digest.ToString(), "a single-manifest part keeps its digest");

        await using var source = new RegistryImageSource(new RegistryClient(Environments.Registry), ImageReference.Parse(task.Image), ownsClient: true);
        var report = await ManifestValidator.ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = [Arm64, Amd64] }, default);
        Assert.IsTrue(report.Passed, string.Join("\n", report.Diagnostics));
        Assert.IsTrue(report.Platforms.All(p => p.Binary == BinaryVerdict.Verified), report.ToMarkdown());
        Assert.AreEqual(1, report.Attestations.Count);
    }

    [TestMethod]
    public async Task Without_expected_platforms_the_index_is_the_union_and_the_same_inputs_give_the_same_digest()
    {
        var repository = Repo("same");
        var parts = new[] { await PushIndexPartAsync(Amd64, repository), await PushIndexPartAsync(S390x, repository) };

        var first = Merge(repository, parts);
        var second = Merge(repository, parts);

        Assert.IsTrue(first.Ok, first.Engine.AllText);
        Assert.AreEqual(first.Task.IndexDigest, second.Task.IndexDigest);
        CollectionAssert.AreEqual(new[] { "linux/amd64", "linux/s390x" }, first.Task.MergedPlatforms.Select(p => p.ItemSpec).ToArray());
        StringAssert.Contains(first.Engine.AllText, "0 blob(s) mounted", "parts in the target repository need no mount");
    }

    [TestMethod]
    public async Task A_platform_given_twice_is_refused()
    {
        var repository = Repo("twice");
        var one = await PushIndexPartAsync(Amd64, repository);
        var other = await PushManifestPartAsync(Amd64, Repo("twice"));

        var (ok, engine, task) = Merge(repository, [one, other]);

        Assert.IsFalse(ok);
        CollectionAssert.AreEqual(new[] { "MULTIARCH7006" }, engine.ErrorCodes.ToArray(), engine.AllText);
        Assert.AreEqual(string.Empty, task.Image, "nothing pushed");
    }

    [TestMethod]
    public async Task An_expected_platform_missing_is_refused()
    {
        var repository = Repo("miss");
        var (ok, engine, _) = Merge(repository, [await PushIndexPartAsync(Amd64, repository)], "linux/amd64", "linux/arm64");

        Assert.IsFalse(ok);
        CollectionAssert.AreEqual(new[] { "MULTIARCH7007" }, engine.ErrorCodes.ToArray(), engine.AllText);
        StringAssert.Contains(engine.AllText, "linux/arm64");
    }

    [TestMethod]
    public async Task An_unexpected_platform_is_refused()
    {
        var repository = Repo("extra");
        var parts = new[] { await PushIndexPartAsync(Amd64, repository), await PushIndexPartAsync(Arm64, repository) };

        var (ok, engine, _) = Merge(repository, parts, "linux/amd64");

        Assert.IsFalse(ok);
        CollectionAssert.AreEqual(new[] { "MULTIARCH7008" }, engine.ErrorCodes.ToArray(), engine.AllText);
    }

    [TestMethod]
    public async Task A_part_in_another_registry_is_refused_before_anything_is_read_or_pushed()
    {
        var repository = Repo("other");
        var here = await PushIndexPartAsync(Amd64, repository);
        var elsewhere = $"registry.invalid:5000/acme/op@sha256:{new string('a', 64)}";

        var (ok, engine, _) = Merge(repository, [here, elsewhere]);

        Assert.IsFalse(ok);
        CollectionAssert.AreEqual(new[] { "MULTIARCH7009" }, engine.ErrorCodes.ToArray(), engine.AllText);
        StringAssert.Contains(engine.AllText, "registry.invalid:5000");
    }

    [TestMethod]
    public async Task A_record_whose_digest_does_not_exist_is_refused()
    {
        var repository = Repo("stale");
        var part = await PushIndexPartAsync(Amd64, repository);
        var record = new ImageRecord(Environments.Registry, repository, Digest.Compute("never pushed"u8.ToArray()), null, [new ImageRecordPlatform("linux/arm64", "sha256:" + new string('b', 64), null)], ImageRecord.VerdictPassed, null, []);
        var path = Path.Combine(TestDirectories.Create("records"), "image-record.json");
        File.WriteAllBytes(path, record.ToJson());

        var (ok, engine, _) = Merge(repository, [part, path]);

        Assert.IsFalse(ok);
        CollectionAssert.AreEqual(new[] { "MULTIARCH7005" }, engine.ErrorCodes.ToArray(), engine.AllText);
        StringAssert.Contains(engine.AllText, path);
    }

    [TestMethod]
    public void A_tag_instead_of_a_digest_is_refused()
    {
        var (ok, engine, _) = Merge(Repo("tag"), [$"{Environments.Registry}/merge/some:v1"]);

        Assert.IsFalse(ok);
        CollectionAssert.AreEqual(new[] { "MULTIARCH7004" }, engine.ErrorCodes.ToArray(), engine.AllText);
    }

    [TestMethod]
    public async Task A_mount_the_registry_declines_is_refused_and_its_upload_cancelled()
    {
        // The loopback registry behind a proxy that declines every cross-repository mount (as a registry does when
        // the credentials may not read the source repository): 202 and an upload location instead of 201.
        var declined = 0;
        var cancelled = 0;
        using var upstream = new HttpClient { BaseAddress = new Uri($"http://{Environments.Registry}/") };
        await using var proxy = new HostileRegistry(async (request, response) =>
        {
            if (request.HttpMethod == "POST" && request.Url!.Query.Contains("mount=", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref declined);
                response.StatusCode = 202;
                response.Headers["Location"] = request.Url.AbsolutePath + "declined-upload";
                return;
            }

            if (request.HttpMethod == "DELETE" && request.Url!.AbsolutePath.EndsWith("declined-upload", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref cancelled);
                response.StatusCode = 204;
                return;
            }

            using var forwarded = new HttpRequestMessage(new HttpMethod(request.HttpMethod), request.Url!.PathAndQuery.TrimStart('/'));
            foreach (var accept in request.AcceptTypes ?? [])
            {
                forwarded.Headers.TryAddWithoutValidation("Accept", accept);
            }

            using var answer = await upstream.SendAsync(forwarded);
            response.StatusCode = (int)answer.StatusCode;
            foreach (var header in new[] { "Docker-Content-Digest" })
            {
                if (answer.Headers.TryGetValues(header, out var values))
                {
                    response.Headers[header] = values.First();
                }
            }

            var body = await answer.Content.ReadAsByteArrayAsync();
            response.ContentType = answer.Content.Headers.ContentType?.ToString();
            await response.OutputStream.WriteAsync(body);
        });
        var source = Repo("src");
        var part = await PushIndexPartAsync(Amd64, source);
        var viaProxy = part.Replace(Environments.Registry, $"127.0.0.1:{proxy.Port}", StringComparison.Ordinal);

        var engine = new RecordingBuildEngine();
        var task = new MergeContainerImages
        {
            BuildEngine = engine,
            Inputs = [new TaskItem(viaProxy)],
            Registry = $"127.0.0.1:{proxy.Port}",
            Repository = Repo("dst"),
        };

        Assert.IsFalse(task.Execute());
        CollectionAssert.AreEqual(new[] { "MULTIARCH7010" }, engine.ErrorCodes.ToArray(), engine.AllText);
        Assert.AreEqual(1, declined, "the first declined mount stops the merge");
        Assert.AreEqual(1, cancelled, "the upload the registry opened instead is cancelled");
        Assert.AreEqual(string.Empty, task.Image);
    }

    [TestMethod]
    public void Without_ContainerRegistry_parts_in_several_registries_leave_the_index_nowhere_to_go()
    {
        var digest = "sha256:" + new string('d', 64);
        var engine = new RecordingBuildEngine();
        var task = new MergeContainerImages
        {
            BuildEngine = engine,
            Inputs = [new TaskItem($"one.example:5000/a/b@{digest}"), new TaskItem($"two.example:5000/a/b@{digest}")],
            Repository = "a/b",
        };

        Assert.IsFalse(task.Execute());
        CollectionAssert.AreEqual(new[] { "MULTIARCH7011" }, engine.ErrorCodes.ToArray(), engine.AllText);
    }

    [TestMethod]
    public async Task A_part_holding_a_nested_index_is_refused()
    {
        var repository = Repo("nest");
        var inner = TestImages.Index([TestImages.BusyboxImage(Arm64)]);
        using var client = new RegistryClient(Environments.Registry);
        await TestImages.PushAsync(client, repository, inner.Index.Digest.ToString(), inner);
        var outer = TestBlob.Of(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciIndex,
            ["manifests"] = new[] { inner.Index.Descriptor(new Dictionary<string, string> { ["architecture"] = "arm64", ["os"] = "linux" }) },
        }), MediaTypes.OciIndex);
        await client.PutManifestAsync(repository, outer.Digest.ToString(), outer.Content, outer.MediaType, default);

        var (ok, engine, _) = Merge(repository, [$"{Environments.Registry}/{repository}@{outer.Digest}"]);

        Assert.IsFalse(ok);
        CollectionAssert.AreEqual(new[] { "MULTIARCH7012" }, engine.ErrorCodes.ToArray(), engine.AllText);
        StringAssert.Contains(engine.AllText, "nested index");
    }
}
