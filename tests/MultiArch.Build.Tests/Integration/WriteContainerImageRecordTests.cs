using System.Text.Json;
using Microsoft.Build.Framework;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Publishing;
using MultiArch.Build.Registry;
using MultiArch.Build.Tasks;
using MultiArch.Build.Tests.Infrastructure;
using TaskItem = Microsoft.Build.Utilities.TaskItem;

namespace MultiArch.Build.Tests.Integration;

/// <summary>The record task over an image really in the loopback registry: what it writes, and its two diagnostics.</summary>
[ServiceTestClass]
public sealed class WriteContainerImageRecordTests
{
    private static TaskItem Platform(string platform, string digest, string? binary = null)
    {
        var item = new TaskItem(platform);
        item.SetMetadata("ManifestDigest", digest);
        if (binary is not null)
        {
            item.SetMetadata("Binary", binary);
        }

        return item;
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Busybox)]
    public async Task The_record_says_what_the_registry_holds_with_the_validated_platforms_and_the_tags()
    {
        var repository = $"record/r{Guid.NewGuid():N}"[..24];
        var index = TestImages.Index([TestImages.BusyboxImage(OciPlatform.Parse("linux/arm64"))], withAttestations: true);
        using (var client = new RegistryClient(Environments.Registry))
        {
            await TestImages.PushAsync(client, repository, "v1", index);
        }

        var path = Path.Combine(TestDirectories.Create("record"), "out", "image-record.json");
        var engine = new RecordingBuildEngine();
        var task = new WriteContainerImageRecord
        {
            BuildEngine = engine,
            Image = $"{Environments.Registry}/{repository}@{index.Index.Digest}",
            Platforms = [Platform("linux/arm64", index.Images[0].Manifest.Digest.ToString())],
            ValidatedPlatforms = [Platform("linux/arm64", index.Images[0].Manifest.Digest.ToString(), "Verified")],
            Validated = true,
            ValidationReport = "/obj/validation.json",
            Tags = [new TaskItem("v1")],
            RecordPath = path,
        };

        Assert.IsTrue(task.Execute(), engine.AllText);

        var record = ImageRecord.Read(path);
        Assert.AreEqual(index.Index.Digest, record.Digest);
        Assert.AreEqual(MediaTypes.OciIndex, record.MediaType);
        Assert.AreEqual("passed", record.Verdict);
        Assert.AreEqual("Verified", record.Platforms.Single().Binary);
        CollectionAssert.AreEqual(new[] { "v1" }, record.Tags.ToArray());
        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        Assert.AreEqual("/obj/validation.json", json.RootElement.GetProperty("validation").GetProperty("report").GetString());
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Busybox)]
    public async Task A_record_that_cannot_be_written_is_MULTIARCH7013()
    {
        var repository = $"record/w{Guid.NewGuid():N}"[..24];
        var image = TestImages.BusyboxImage(OciPlatform.Parse("linux/amd64"));
        using (var client = new RegistryClient(Environments.Registry))
        {
            await TestImages.PushImageAsync(client, repository, image);
        }

        var blocker = Path.Combine(TestDirectories.Create("record"), "file");
        File.WriteAllText(blocker, "a file where the record's folder should be");
        var engine = new RecordingBuildEngine();
        var task = new WriteContainerImageRecord { BuildEngine = engine, Image = $"{Environments.Registry}/{repository}@{image.Manifest.Digest}", RecordPath = Path.Combine(blocker, "image-record.json") };

        Assert.IsFalse(task.Execute());
        CollectionAssert.AreEqual(new[] { "MULTIARCH7013" }, engine.ErrorCodes.ToArray(), engine.AllText);
    }

    [TestMethod]
    public void Push_by_digest_only_without_a_push_is_MULTIARCH7014_and_writes_nothing()
    {
        var path = Path.Combine(TestDirectories.Create("record"), "image-record.json");
        var engine = new RecordingBuildEngine();
        var task = new WriteContainerImageRecord { BuildEngine = engine, Image = "", PushByDigestOnly = true, Output = "archive", RecordPath = path };

        Assert.IsTrue(task.Execute(), "a warning: the build itself worked");
        CollectionAssert.AreEqual(new[] { "MULTIARCH7014" }, engine.WarningCodes.ToArray(), engine.AllText);
        StringAssert.Contains(engine.AllText, "'archive'");
        Assert.IsFalse(File.Exists(path));
    }
}
