using System.Text.Json;
using MultiArch.Build.Platforms;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Targets;

/// <summary>`dotnet msbuild -t:ValidateContainerImage` alone, on images built by something else.</summary>
[ServiceTestClass]
public sealed class ValidateContainerImageTargetTests
{
    private static readonly OciPlatform Amd64 = OciPlatform.Parse("linux/amd64");
    private static readonly OciPlatform Arm64 = OciPlatform.Parse("linux/arm64");

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Busybox)]
    public async Task Validates_a_pushed_index_writes_reports_and_fails_a_lying_one()
    {
        using var client = new RegistryClient(Environments.Registry);
        var repo = $"target/v{Guid.NewGuid():N}"[..24];
        await TestImages.PushAsync(client, repo, "good", TestImages.Index([TestImages.BusyboxImage(Amd64), TestImages.BusyboxImage(Arm64)], withAttestations: true));
        await TestImages.PushAsync(client, repo, "bad", TestImages.Index([TestImages.BusyboxImage(Amd64), TestImages.BusyboxImage(Arm64, binaryOverride: Environments.Busybox("amd64"))]));
        var project = await ThrowAwayProject.SdkDoorAsync();
        var summary = Path.Combine(project.Directory, "step-summary.md");
        var env = new Dictionary<string, string?> { ["GITHUB_STEP_SUMMARY"] = summary };

        var good = await DotnetCli.RunAsync(project.Directory,
            ["msbuild", project.ProjectFile, "-restore", "-t:ValidateContainerImage", "-nodeReuse:false", $"-p:ContainerImage={Environments.Registry}/{repo}:good", "-p:ContainerPlatforms=\"linux/amd64;linux/arm64\"", "-getItem:ContainerValidatedPlatform", "-getProperty:ContainerImageDigest"], env);

        Assert.AreEqual(0, good.ExitCode, good.Describe());
        var items = good.Items("ContainerValidatedPlatform");
        CollectionAssert.AreEqual(new[] { "linux/amd64", "linux/arm64" }, items.Select(i => i.GetProperty("Identity").GetString()).ToArray());
        Assert.IsTrue(items.All(i => i.GetProperty("Binary").GetString() == "Verified"), good.Describe());
        StringAssert.StartsWith(good.Json.GetProperty("Properties").GetProperty("ContainerImageDigest").GetString(), "sha256:");

        var report = Path.Combine(project.Directory, "obj", "multiarch", "validation.json");
        using (var json = JsonDocument.Parse(await File.ReadAllTextAsync(report)))
        {
            Assert.IsTrue(json.RootElement.GetProperty("passed").GetBoolean());
            Assert.AreEqual(2, json.RootElement.GetProperty("attestations").GetArrayLength());
        }

        Assert.IsTrue(File.Exists(Path.ChangeExtension(report, ".md")));

        // The same report path, now for an index whose arm64 image holds an x86-64 binary.
        var bad = await DotnetCli.RunAsync(project.Directory,
            ["msbuild", project.ProjectFile, "-t:ValidateContainerImage", "-nodeReuse:false", $"-p:ContainerImage={Environments.Registry}/{repo}:bad", "-p:ContainerPlatforms=\"linux/amd64;linux/arm64\""], env);
        Assert.AreNotEqual(0, bad.ExitCode, bad.Describe());
        CollectionAssert.AreEqual(new[] { "MULTIARCH5007" }, bad.ErrorCodes.ToArray(), bad.Describe());
        var markdown = await File.ReadAllTextAsync(summary);
        StringAssert.Contains(markdown, "✅");
        StringAssert.Contains(markdown, "❌");
    }

    [TestMethod]
    [Requires(RequiresAttribute.Busybox)]
    public async Task Validates_an_oci_archive()
    {
        var project = await ThrowAwayProject.SdkDoorAsync();
        var archive = Path.Combine(project.Directory, "image.tar");
        TestImages.WriteLayoutArchive(archive, TestImages.Index([TestImages.BusyboxImage(Amd64), TestImages.BusyboxImage(OciPlatform.Parse("linux/s390x"))]));

        var ok = await project.MSBuildAsync("ValidateContainerImage", null, null, $"-p:ContainerImage={archive}", "-p:ContainerPlatforms=\"linux/amd64;linux/s390x\"");
        var missing = await project.MSBuildAsync("ValidateContainerImage", null, null, $"-p:ContainerImage={archive}", "-p:ContainerPlatforms=\"linux/amd64;linux/s390x;linux/ppc64le\"");

        Assert.AreEqual(0, ok.ExitCode, ok.Describe());
        StringAssert.Contains(ok.Output, "2 platform(s) present, 2 entrypoint binaries verified");
        CollectionAssert.AreEqual(new[] { "MULTIARCH5001" }, missing.ErrorCodes.ToArray(), missing.Describe());
    }

    [TestMethod]
    public async Task Without_an_image_or_with_a_bad_reference_it_is_a_coded_error()
    {
        var project = await ThrowAwayProject.SdkDoorAsync();
        var none = await project.MSBuildAsync("ValidateContainerImage");
        var bad = await project.MSBuildAsync("ValidateContainerImage", null, null, "-p:ContainerImage=Not A Reference");

        CollectionAssert.AreEqual(new[] { "MULTIARCH5013" }, none.ErrorCodes.ToArray(), none.Describe());
        CollectionAssert.AreEqual(new[] { "MULTIARCH4012" }, bad.ErrorCodes.ToArray(), bad.Describe());
    }
}
