using MultiArch.Build.Platforms;

namespace MultiArch.Build.Tests.Unit.Platforms;

[TestClass]
public sealed class RuntimeIdentifierMapTests
{
    // Every row of the RID table in shared/docs/domain.md, plus the musl and Windows companions.
    [TestMethod]
    [DataRow("linux-x64", "linux/amd64")]
    [DataRow("linux-musl-x64", "linux/amd64")]
    [DataRow("linux-arm64", "linux/arm64")]
    [DataRow("linux-musl-arm64", "linux/arm64")]
    [DataRow("linux-arm", "linux/arm/v7")]
    [DataRow("linux-musl-arm", "linux/arm/v7")]
    [DataRow("linux-armv6", "linux/arm/v6")]
    [DataRow("linux-x86", "linux/386")]
    [DataRow("linux-musl-x86", "linux/386")]
    [DataRow("linux-s390x", "linux/s390x")]
    [DataRow("linux-ppc64le", "linux/ppc64le")]
    [DataRow("linux-riscv64", "linux/riscv64")]
    [DataRow("linux-loongarch64", "linux/loong64")]
    [DataRow("win-x64", "windows/amd64")]
    [DataRow("win-arm64", "windows/arm64")]
    [DataRow("win-x86", "windows/386")]
    [DataRow("LINUX-ARM64", "linux/arm64")]
    public void Rid_maps_to_platform(string rid, string platform)
    {
        Assert.AreEqual(OciPlatform.Parse(platform), RuntimeIdentifierMap.ToPlatform(rid));
    }

    // The way back answers the glibc RID: musl is never guessed from a platform.
    [TestMethod]
    [DataRow("linux/amd64", "linux-x64")]
    [DataRow("linux/arm64", "linux-arm64")]
    [DataRow("linux/arm/v7", "linux-arm")]
    [DataRow("linux/arm/v6", "linux-armv6")]
    [DataRow("linux/386", "linux-x86")]
    [DataRow("linux/s390x", "linux-s390x")]
    [DataRow("linux/ppc64le", "linux-ppc64le")]
    [DataRow("linux/riscv64", "linux-riscv64")]
    [DataRow("linux/loong64", "linux-loongarch64")]
    [DataRow("windows/amd64", "win-x64")]
    [DataRow("windows/arm64", "win-arm64")]
    public void Platform_maps_back_to_the_glibc_rid(string platform, string rid)
    {
        Assert.AreEqual(rid, RuntimeIdentifierMap.DefaultRuntimeIdentifier(OciPlatform.Parse(platform)));
    }

    [TestMethod]
    [DataRow("linux/mips64le")]
    [DataRow("linux/arm/v5")]
    [DataRow("freebsd/amd64")]
    public void Platform_without_a_dotnet_rid_maps_to_null(string platform)
    {
        Assert.IsNull(RuntimeIdentifierMap.DefaultRuntimeIdentifier(OciPlatform.Parse(platform)));
    }

    [TestMethod]
    public void Every_entry_round_trips_through_its_platform()
    {
        foreach (var (rid, platform) in RuntimeIdentifierMap.Entries)
        {
            var back = RuntimeIdentifierMap.DefaultRuntimeIdentifier(platform);
            Assert.IsNotNull(back, rid);
            Assert.AreEqual(platform, RuntimeIdentifierMap.ToPlatform(back), rid);
            Assert.AreEqual(rid.Contains("musl"), !string.Equals(back, rid, StringComparison.Ordinal) && rid.Replace("-musl", "") == back, rid);
        }
    }

    [TestMethod]
    [DataRow("ubuntu.22.04-x64", "linux-x64")]
    [DataRow("alpine.3.18-arm64", "linux-musl-arm64")]
    [DataRow("win10-x64", "win-x64")]
    [DataRow("linux-mips", "Known RIDs")]
    [DataRow("osx-arm64", "Known RIDs")]
    [DataRow("any", "Known RIDs")]
    public void Unknown_rid_is_a_coded_error_with_a_hint(string rid, string hint)
    {
        var ex = Assert.ThrowsExactly<UnknownRuntimeIdentifierException>(() => RuntimeIdentifierMap.ToPlatform(rid));
        Assert.AreEqual("MULTIARCH1002", ex.Code);
        StringAssert.Contains(ex.Message, hint);
    }
}
