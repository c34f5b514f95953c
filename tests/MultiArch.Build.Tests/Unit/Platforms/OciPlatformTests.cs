using MultiArch.Build.Platforms;

namespace MultiArch.Build.Tests.Unit.Platforms;

[TestClass]
public sealed class OciPlatformTests
{
    [TestMethod]
    [DataRow("linux/amd64", "linux/amd64")]
    [DataRow("linux/x86_64", "linux/amd64")]
    [DataRow("linux/x86-64", "linux/amd64")]
    [DataRow("linux/amd64/v1", "linux/amd64")]
    [DataRow("linux/amd64/v3", "linux/amd64/v3")]
    [DataRow("linux/aarch64", "linux/arm64")]
    [DataRow("linux/arm64/v8", "linux/arm64")]
    [DataRow("linux/arm64/8", "linux/arm64")]
    [DataRow("linux/aarch64/v8", "linux/arm64")]
    [DataRow("linux/arm64/v9", "linux/arm64/v9")]
    [DataRow("linux/arm", "linux/arm/v7")]
    [DataRow("linux/arm/7", "linux/arm/v7")]
    [DataRow("linux/arm/v6", "linux/arm/v6")]
    [DataRow("linux/arm/v5", "linux/arm/v5")]
    [DataRow("linux/armhf", "linux/arm/v7")]
    [DataRow("linux/armel", "linux/arm/v6")]
    [DataRow("linux/i386", "linux/386")]
    [DataRow("linux/i686", "linux/386")]
    [DataRow("linux/386", "linux/386")]
    [DataRow("linux/s390x", "linux/s390x")]
    [DataRow("linux/ppc64le", "linux/ppc64le")]
    [DataRow("linux/ppc64el", "linux/ppc64le")]
    [DataRow("linux/riscv64", "linux/riscv64")]
    [DataRow("linux/loong64", "linux/loong64")]
    [DataRow("windows/amd64", "windows/amd64")]
    [DataRow("windows/arm64", "windows/arm64")]
    [DataRow("LINUX/AMD64", "linux/amd64")]
    [DataRow("  linux/arm64  ", "linux/arm64")]
    [DataRow("macos/arm64", "darwin/arm64")]
    public void Parse_normalizes_like_containerd(string input, string expected)
    {
        Assert.AreEqual(expected, OciPlatform.Parse(input).ToString());
    }

    [TestMethod]
    [DataRow("", "empty")]
    [DataRow("linux", "expected os/architecture")]
    [DataRow("linux/", "architecture is empty")]
    [DataRow("/amd64", "operating system is empty")]
    [DataRow("linux/amd64/v1/extra", "expected os/architecture")]
    [DataRow("linux/sparc", "unknown architecture 'sparc'")]
    [DataRow("plan10/amd64", "unknown operating system 'plan10'")]
    [DataRow("linux/s390x/v2", "takes no variant")]
    [DataRow("linux/arm/v9", "unknown variant 'v9'")]
    [DataRow("linux/amd64/", "variant is empty")]
    [DataRow("linux/amd64/v7", "unknown variant 'v7'")]
    public void Parse_rejects_malformed_platforms_with_a_reason(string input, string reasonFragment)
    {
        var ex = Assert.ThrowsExactly<PlatformFormatException>(() => OciPlatform.Parse(input));
        StringAssert.Contains(ex.Reason, reasonFragment);
        Assert.AreEqual("MULTIARCH1001", ex.Code);
    }

    [TestMethod]
    public void Equal_platforms_compare_equal_after_normalization()
    {
        Assert.AreEqual(OciPlatform.Parse("linux/arm64/v8"), OciPlatform.Parse("linux/aarch64"));
        Assert.AreEqual(OciPlatform.Parse("linux/arm64/v8").GetHashCode(), OciPlatform.Parse("linux/arm64").GetHashCode());
        Assert.AreNotEqual(OciPlatform.Parse("linux/arm/v6"), OciPlatform.Parse("linux/arm/v7"));
        Assert.AreNotEqual(OciPlatform.Parse("linux/amd64"), OciPlatform.Parse("windows/amd64"));
    }

    [TestMethod]
    public void Create_from_parts_matches_parse()
    {
        Assert.AreEqual(OciPlatform.Parse("linux/arm/v7"), OciPlatform.Create("linux", "arm", "v7"));
        Assert.AreEqual("linux/arm/v7", OciPlatform.Create("linux", "arm", null).ToString());
        Assert.IsNull(OciPlatform.Create("linux", "arm64", "v8").Variant);
    }

    [TestMethod]
    public void Host_platform_is_a_valid_platform()
    {
        var host = OciPlatform.Host();
        Assert.AreEqual(host, OciPlatform.Parse(host.ToString()));
        Assert.AreEqual(OperatingSystem.IsLinux() ? "linux" : host.Os, host.Os);
    }
}
