using MultiArch.Build.Building;
using MultiArch.Build.Platforms;

namespace MultiArch.Build.Tests.Unit.Building;

/// <summary>buildx's <c>--annotation</c> syntax, read once for the build tools and the in-process assembly.</summary>
[TestClass]
public sealed class BuildAnnotationTests
{
    [TestMethod]
    [DataRow("org.example.plain=1", "", "", "org.example.plain", "1")]
    [DataRow("index:org.opencontainers.image.description=d", "index", "", "org.opencontainers.image.description", "d")]
    [DataRow("index,manifest:org.example.a=1", "index,manifest", "", "org.example.a", "1")]
    [DataRow("manifest-descriptor,index[linux/amd64]:k=v", "manifest-descriptor,index", "linux/amd64", "k", "v")]
    [DataRow("https://example.com/k=v", "", "", "https://example.com/k", "v")]
    [DataRow("index:k", "index", "", "k", "")]
    [DataRow("manifest:k=a=b", "manifest", "", "k", "a=b")]
    public void Types_platform_key_and_value_are_read_as_buildx_reads_them(string text, string types, string platform, string key, string value)
    {
        var annotation = BuildAnnotation.Parse(text);

        Assert.AreEqual(types, string.Join(",", annotation.Types));
        Assert.AreEqual(platform, annotation.Platform ?? string.Empty);
        Assert.AreEqual(key, annotation.Key);
        Assert.AreEqual(value, annotation.Value);
    }

    [TestMethod]
    [DataRow("org.example.plain=1", "linux/amd64", true)]
    [DataRow("manifest:k=v", "linux/arm64", true)]
    [DataRow("index:k=v", "linux/amd64", false)]
    [DataRow("manifest[linux/arm64]:k=v", "linux/arm64", true)]
    [DataRow("manifest[linux/arm64]:k=v", "linux/amd64", false)]
    [DataRow("manifest[linux/arm64/v8]:k=v", "linux/arm64", true)]
    public void A_manifest_annotation_goes_to_every_manifest_or_to_its_platforms(string text, string platform, bool expected)
        => Assert.AreEqual(expected, BuildAnnotation.Parse(text).IsManifestOf(OciPlatform.Parse(platform)));

    [TestMethod]
    [DataRow("org.example.plain=1")]
    [DataRow("manifest-descriptor[linux/amd64]:k=v")]
    [DataRow("index,manifest:k=v")]
    public void It_is_written_back_as_buildx_takes_it(string text)
        => Assert.AreEqual(text, BuildAnnotation.Parse(text).ToString());
}
