using MultiArch.Build.Images;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// The validator against a real registry (Debian's docker-registry on loopback), with images the tests
/// build from real per-architecture busybox binaries and push through the product's RegistryClient.
/// </summary>
[ServiceTestClass]
[Requires(RequiresAttribute.Registry, RequiresAttribute.Busybox)]
public sealed class ValidationRegistryTests
{
    private static readonly OciPlatform Amd64 = OciPlatform.Parse("linux/amd64");
    private static readonly OciPlatform Arm64 = OciPlatform.Parse("linux/arm64");
    private static readonly OciPlatform ArmV7 = OciPlatform.Parse("linux/arm/v7");
    private static readonly OciPlatform S390x = OciPlatform.Parse("linux/s390x");
    private static readonly OciPlatform Ppc64le = OciPlatform.Parse("linux/ppc64le");
    private static readonly OciPlatform[] Four = [Amd64, Arm64, ArmV7, S390x];

    private static string Repo() => $"validation/t{Guid.NewGuid():N}"[..30];

    private static async Task<ValidationReport> PushAndValidateAsync(TestIndex index, IReadOnlyList<OciPlatform> expected, bool deep = true)
    {
        var repo = Repo();
        using var client = new RegistryClient(Environments.Registry);
        await TestImages.PushAsync(client, repo, "v1", index);
        await using var source = new RegistryImageSource(new RegistryClient(Environments.Registry), ImageReference.Parse($"{Environments.Registry}/{repo}:v1"), ownsClient: true);
        return await new ManifestValidator().ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = expected, DeepCheck = deep }, default);
    }

    private static string[] Codes(ValidationReport report) => report.Diagnostics.Where(d => d.Code.Length > 0).Select(d => d.Code).Order().ToArray();

    [TestMethod]
    public async Task Correct_four_platform_index_passes_with_every_binary_verified()
    {
        var index = TestImages.Index(Four.Select(p => TestImages.BusyboxImage(p)).ToList());

        var report = await PushAndValidateAsync(index, Four);

        Assert.IsTrue(report.Passed, string.Join("\n", report.Diagnostics));
        Assert.AreEqual(0, Codes(report).Length, string.Join("\n", report.Diagnostics));
        CollectionAssert.AreEqual(Four.Select(p => p.ToString()).ToArray(), report.Platforms.Select(p => p.Platform).ToArray());
        Assert.IsTrue(report.Platforms.All(p => p.Binary == BinaryVerdict.Verified), report.ToMarkdown());
        StringAssert.Contains(report.Platforms[1].Executable, "/app/run.sh -> /bin/busybox");
        StringAssert.Contains(report.Platforms[1].BinaryDescription, "ARM aarch64");
        StringAssert.Contains(report.Platforms[3].BinaryDescription, "MSB IBM S/390");
        Assert.AreEqual(index.Index.Digest.ToString(), report.Digest);
    }

    [TestMethod]
    public async Task Missing_platform_is_an_error()
    {
        var index = TestImages.Index([TestImages.BusyboxImage(Amd64), TestImages.BusyboxImage(Arm64), TestImages.BusyboxImage(S390x)]);
        var report = await PushAndValidateAsync(index, Four);
        Assert.IsFalse(report.Passed);
        CollectionAssert.AreEqual(new[] { "MULTIARCH5001" }, Codes(report));
        StringAssert.Contains(report.Diagnostics.Single(d => d.Code == "MULTIARCH5001").Message, "linux/arm/v7 is not in");
    }

    [TestMethod]
    public async Task Arm64_entry_holding_an_x86_64_binary_is_caught_by_the_deep_check()
    {
        var amd64Busybox = Environments.Busybox("amd64");
        var index = TestImages.Index([TestImages.BusyboxImage(Amd64), TestImages.BusyboxImage(Arm64, binaryOverride: amd64Busybox)]);

        var report = await PushAndValidateAsync(index, [Amd64, Arm64]);

        Assert.IsFalse(report.Passed);
        var mismatch = report.Diagnostics.Single(d => d.Code == "MULTIARCH5007");
        StringAssert.Contains(mismatch.Message, "linux/arm64");
        StringAssert.Contains(mismatch.Message, "x86-64");
        Assert.AreEqual(BinaryVerdict.Mismatch, report.Platforms.Single(p => p.Platform == "linux/arm64").Binary);
        Assert.AreEqual(BinaryVerdict.Verified, report.Platforms.Single(p => p.Platform == "linux/amd64").Binary);
    }

    [TestMethod]
    public async Task Attestations_are_recognised_listed_and_never_counted_as_platforms()
    {
        var index = TestImages.Index([TestImages.BusyboxImage(Amd64), TestImages.BusyboxImage(Arm64)], withAttestations: true);

        var report = await PushAndValidateAsync(index, [Amd64, Arm64]);

        Assert.IsTrue(report.Passed, string.Join("\n", report.Diagnostics));
        Assert.AreEqual(0, Codes(report).Length, string.Join("\n", report.Diagnostics));
        Assert.AreEqual(2, report.Platforms.Count);
        Assert.AreEqual(2, report.Attestations.Count);
        Assert.IsTrue(report.Attestations.All(a => a.ReferencesImageInIndex));
    }

    [TestMethod]
    public async Task Attestation_pointing_outside_the_index_is_flagged()
    {
        var index = TestImages.Index([TestImages.BusyboxImage(Amd64)], withAttestations: true, orphanAttestationTarget: "sha256:" + new string('a', 64));
        var report = await PushAndValidateAsync(index, [Amd64], deep: false);
        CollectionAssert.AreEqual(new[] { "MULTIARCH5004" }, Codes(report));
        Assert.IsTrue(report.Passed, "an orphan attestation is a warning");
    }

    [TestMethod]
    public async Task Docker_manifest_list_is_read_like_an_oci_index()
    {
        var index = TestImages.Index([TestImages.BusyboxImage(Amd64, docker: true), TestImages.BusyboxImage(Ppc64le, docker: true)], docker: true);
        var report = await PushAndValidateAsync(index, [Amd64, Ppc64le]);
        Assert.IsTrue(report.Passed, string.Join("\n", report.Diagnostics));
        Assert.AreEqual(MediaTypes.DockerManifestList, report.MediaType);
        Assert.IsTrue(report.Platforms.All(p => p.Binary == BinaryVerdict.Verified));
    }

    [TestMethod]
    public async Task Pinned_final_stage_signature_identical_layers_different_claims()
    {
        // What `FROM --platform=$BUILDPLATFORM` in the final stage produces: amd64 content, relabelled per platform.
        var layer = TestImages.BusyboxImage(Amd64).Layers;
        var images = new[] { Amd64, Arm64, S390x }.Select(p => TestImages.Image(p.ToString(), p.ToString(), layer, ["/app/run.sh"])).ToList();

        var report = await PushAndValidateAsync(TestImages.Index(images), [Amd64, Arm64, S390x]);

        Assert.IsFalse(report.Passed);
        CollectionAssert.Contains(Codes(report), "MULTIARCH5006");
        Assert.AreEqual(2, report.Diagnostics.Count(d => d.Code == "MULTIARCH5007"), "arm64 and s390x run an x86-64 binary");
    }

    [TestMethod]
    public async Task Config_that_disagrees_with_its_descriptor_is_an_error()
    {
        var index = TestImages.Index([TestImages.BusyboxImage(Amd64), TestImages.BusyboxImage(Arm64, configPlatform: "linux/amd64")]);
        var report = await PushAndValidateAsync(index, [Amd64, Arm64], deep: false);
        CollectionAssert.AreEqual(new[] { "MULTIARCH5005" }, Codes(report));
    }

    [TestMethod]
    public async Task Duplicate_platform_and_unexpected_platform()
    {
        var index = TestImages.Index([TestImages.BusyboxImage(Amd64), TestImages.BusyboxImage(Arm64), TestImages.BusyboxImage(Arm64, claimed: "linux/arm64/v8"), TestImages.BusyboxImage(S390x)]);
        var report = await PushAndValidateAsync(index, [Amd64, Arm64], deep: false);
        CollectionAssert.AreEqual(new[] { "MULTIARCH5002", "MULTIARCH5003" }, Codes(report));
    }

    [TestMethod]
    public async Task Single_platform_image_is_not_an_index()
    {
        var repo = Repo();
        using var client = new RegistryClient(Environments.Registry);
        await TestImages.PushImageAsync(client, repo, TestImages.BusyboxImage(Arm64), "single");
        await using var source = new RegistryImageSource(client, ImageReference.Parse($"{Environments.Registry}/{repo}:single"));

        var one = await new ManifestValidator().ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = [Arm64] }, default);
        var two = await new ManifestValidator().ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = [Arm64, Amd64] }, default);

        Assert.IsTrue(one.Passed, string.Join("\n", one.Diagnostics));
        CollectionAssert.AreEqual(new[] { "MULTIARCH5001", "MULTIARCH5009" }, Codes(two));
    }

    [TestMethod]
    public async Task Nested_index_is_followed()
    {
        var repo = Repo();
        using var client = new RegistryClient(Environments.Registry);
        var inner = TestImages.Index([TestImages.BusyboxImage(Amd64), TestImages.BusyboxImage(Arm64)]);
        await TestImages.PushAsync(client, repo, "inner", inner);
        var outer = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { schemaVersion = 2, mediaType = MediaTypes.OciIndex, manifests = new[] { inner.Index.Descriptor() } });
        await client.PutManifestAsync(repo, "outer", outer, MediaTypes.OciIndex, default);
        await using var source = new RegistryImageSource(client, ImageReference.Parse($"{Environments.Registry}/{repo}:outer"));

        var report = await new ManifestValidator().ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = [Amd64, Arm64] }, default);

        Assert.IsTrue(report.Passed, string.Join("\n", report.Diagnostics));
        Assert.AreEqual(2, report.Platforms.Count);
    }

    [TestMethod]
    public async Task Blob_whose_bytes_do_not_match_its_digest_is_refused()
    {
        var storage = Environment.GetEnvironmentVariable("MULTIARCH_TEST_REGISTRY_STORAGE");
        if (string.IsNullOrEmpty(storage) || !Directory.Exists(storage))
        {
            Assert.Inconclusive("needs MULTIARCH_TEST_REGISTRY_STORAGE (the loopback registry's storage folder, printed by build/env/registry.sh start)");
        }

        var image = TestImages.BusyboxImage(Arm64);
        var repo = Repo();
        using var client = new RegistryClient(Environments.Registry);
        await TestImages.PushAsync(client, repo, "v1", TestImages.Index([image]));

        // Corrupt the layer where the registry stores it: the registry then serves other bytes under the same digest.
        var layer = image.Layers[0].Digest;
        var data = Path.Combine(storage, "docker", "registry", "v2", "blobs", "sha256", layer.Hex[..2], layer.Hex, "data");
        var bytes = await File.ReadAllBytesAsync(data);
        bytes[bytes.Length / 2] ^= 0xff;
        await File.WriteAllBytesAsync(data, bytes);

        await using var source = new RegistryImageSource(client, ImageReference.Parse($"{Environments.Registry}/{repo}:v1"));
        var ex = await Assert.ThrowsExactlyAsync<ContentMismatchException>(() => new ManifestValidator().ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = [Arm64] }, default));
        Assert.AreEqual("MULTIARCH4004", ex.Code);
        StringAssert.Contains(ex.Message, layer.ToString());
    }

    [TestMethod]
    public async Task Missing_tag_is_a_coded_not_found()
    {
        await using var source = new RegistryImageSource(new RegistryClient(Environments.Registry), ImageReference.Parse($"{Environments.Registry}/nothing/here:never"), ownsClient: true);
        var ex = await Assert.ThrowsExactlyAsync<RegistryNotFoundException>(() => new ManifestValidator().ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = [Amd64] }, default));
        Assert.AreEqual("MULTIARCH4007", ex.Code);
    }

    [TestMethod]
    public async Task Same_judgments_from_an_oci_layout_directory_and_archive()
    {
        var good = TestImages.Index([TestImages.BusyboxImage(Amd64), TestImages.BusyboxImage(Arm64)], withAttestations: true);
        var bad = TestImages.Index([TestImages.BusyboxImage(Amd64), TestImages.BusyboxImage(Arm64, binaryOverride: Environments.Busybox("amd64"))]);
        var dir = TestDirectories.Create("layout");
        TestImages.WriteLayout(Path.Combine(dir, "good"), good);
        TestImages.WriteLayoutArchive(Path.Combine(dir, "good.tar"), good);
        TestImages.WriteLayoutArchive(Path.Combine(dir, "bad.tar"), bad);

        foreach (var path in new[] { Path.Combine(dir, "good"), Path.Combine(dir, "good.tar") })
        {
            await using var source = OciLayoutSource.Open(path);
            var report = await new ManifestValidator().ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = [Amd64, Arm64] }, default);
            Assert.IsTrue(report.Passed, path + "\n" + string.Join("\n", report.Diagnostics));
            Assert.AreEqual(2, report.Attestations.Count);
            Assert.IsTrue(report.Platforms.All(p => p.Binary == BinaryVerdict.Verified));
            Assert.AreEqual(good.Index.Digest.ToString(), report.Digest);
        }

        await using (var badSource = OciLayoutSource.Open(Path.Combine(dir, "bad.tar")))
        {
            var report = await new ManifestValidator().ValidateAsync(badSource, new ValidationOptions { ExpectedPlatforms = [Amd64, Arm64] }, default);
            CollectionAssert.AreEqual(new[] { "MULTIARCH5007" }, Codes(report));
        }
    }
}
