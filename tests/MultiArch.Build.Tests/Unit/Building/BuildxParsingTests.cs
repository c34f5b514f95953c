using MultiArch.Build.Building;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;

namespace MultiArch.Build.Tests.Unit.Building;

/// <summary>Parsing of real captured buildx output (TestData/Buildx) from several versions and drivers.</summary>
[TestClass]
public sealed class BuildxParsingTests
{
    private static string Data(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "Buildx", name));

    [TestMethod]
    public void Versions_from_upstream_desktop_and_distribution_builds()
    {
        foreach (var line in Data("version-samples.txt").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var (output, expected) = (line.Split('|')[0], line.Split('|')[1]);
            Assert.AreEqual(expected, BuildxVersion.Parse(output)?.ToFullString(), output);
        }

        Assert.AreEqual("0.28.0", BuildxVersion.Parse(Data("version-v0.28.0.txt"))!.ToNormalizedString());
        Assert.IsNull(BuildxVersion.Parse("docker: 'buildx' is not a docker command."));
        Assert.IsTrue(BuildxVersion.Parse("github.com/docker/buildx v0.11.2 abc")! < BuildxVersion.Minimum);
    }

    [TestMethod]
    public void Inspect_docker_driver_v0_28()
    {
        var info = BuilderInfo.Parse(Data("inspect-docker-driver-v0.28.0.txt"));
        Assert.AreEqual("default", info.Name);
        Assert.AreEqual("docker", info.Driver);
        var node = info.Nodes.Single();
        Assert.AreEqual("running", node.Status);
        Assert.AreEqual("v0.8+unknown", node.BuildKitVersion);
        CollectionAssert.Contains(node.Platforms.ToList(), OciPlatform.Parse("linux/arm/v7"));
        Assert.AreEqual(8, node.Platforms.Count);
        CollectionAssert.AreEqual(new[] { "linux/amd64", "linux/386" }, node.NativePlatforms.Select(p => p.ToString()).ToArray());
    }

    [TestMethod]
    public void Inspect_remote_driver_v0_28_with_labels_and_gc_policy()
    {
        var info = BuilderInfo.Parse(Data("inspect-remote-driver-v0.28.0.txt"));
        Assert.AreEqual("remote", info.Driver);
        var node = info.Nodes.Single();
        Assert.AreEqual("tcp://127.0.0.1:1234", node.Endpoint);
        Assert.AreEqual(13, node.Platforms.Count);
        CollectionAssert.Contains(node.Platforms.ToList(), OciPlatform.Parse("linux/loong64"));
    }

    [TestMethod]
    public void Inspect_docker_container_v0_12_with_user_platform_marker()
    {
        var info = BuilderInfo.Parse(Data("inspect-docker-container-v0.12.txt"));
        Assert.AreEqual("docker-container", info.Driver);
        var node = info.Nodes.Single();
        Assert.AreEqual("v0.12.4", node.BuildKitVersion);
        Assert.AreEqual("linux/arm64", node.Platforms[0].ToString(), "the '*' marker is stripped");
        CollectionAssert.AreEqual(new[] { "linux/arm64" }, node.NativePlatforms.Select(p => p.ToString()).ToArray());
    }

    [TestMethod]
    public void Inspect_stopped_builder()
    {
        var node = BuilderInfo.Parse(Data("inspect-stopped-v0.12.txt")).Nodes.Single();
        Assert.AreEqual("inactive", node.Status);
        Assert.AreEqual(0, node.Platforms.Count);
    }

    [TestMethod]
    public void Metadata_file_from_a_push_by_digest()
    {
        var metadata = BuildMetadata.Parse(Data("metadata-push-by-digest-v0.28.0.json"));
        Assert.AreEqual("sha256:610a52ec5a3cf87bc2426dd9f95d6b36fbc75232d403d13cc0f4cb8f5139e5d2", metadata.Digest.ToString());
        Assert.AreEqual(MediaTypes.OciIndex, metadata.MediaType);
        CollectionAssert.AreEqual(new[] { "127.0.0.1:5000/bx/one" }, metadata.ImageNames.ToArray());
        Assert.IsNull(BuildMetadata.Parse("{}").Digest);
        Assert.ThrowsExactly<ManifestFormatException>(() => BuildMetadata.Parse("not json"));
    }

    [TestMethod]
    [DataRow("build-docker-driver-multiplatform-error-v0.28.0.txt")]
    [DataRow("build-docker-driver-multiplatform-error-v0.13.1.txt")]
    public void Real_docker_driver_error_is_the_one_the_preflight_prevents(string capture)
    {
        StringAssert.Contains(Data(capture), "Multi-platform build is not supported for the docker driver");
        StringAssert.Contains(Data(capture), "Switch to a different driver, or turn on the containerd image store");
    }

    [TestMethod]
    public void Debian_trixie_buildx_version_and_docker_driver_are_read()
    {
        Assert.AreEqual("0.13.1", BuildxVersion.Parse(Data("version-v0.13.1.txt"))!.ToNormalizedString());
        var info = BuilderInfo.Parse(Data("inspect-docker-driver-v0.13.1.txt"));
        Assert.AreEqual("default", info.Name);
        Assert.AreEqual("docker", info.Driver);
        Assert.IsTrue(info.Nodes.Single().IsRunning);
        CollectionAssert.Contains(info.Nodes.Single().Platforms.Select(p => p.ToString()).ToList(), "linux/arm64");
    }
}
