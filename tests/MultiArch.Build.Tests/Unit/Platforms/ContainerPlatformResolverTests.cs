using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;

namespace MultiArch.Build.Tests.Unit.Platforms;

[TestClass]
public sealed class ContainerPlatformResolverTests
{
    private static readonly OciPlatform Host = OciPlatform.Parse("linux/amd64");

    private static PlatformResolution Resolve(string? platforms = null, string? containerRids = null, string? rids = null, string? rid = null)
        => ContainerPlatformResolver.Resolve(new PlatformRequest(platforms, containerRids, rids, rid, Host));

    private static string Describe(PlatformResolution r)
        => string.Join(",", r.Platforms.Select(p => $"{p.Platform}={p.RuntimeIdentifier}"));

    [TestMethod]
    [DataRow("linux/amd64;linux/arm64", "linux/amd64=linux-x64,linux/arm64=linux-arm64")]
    [DataRow("linux/amd64,linux/arm64", "linux/amd64=linux-x64,linux/arm64=linux-arm64")]
    [DataRow(" linux/amd64 ;\n\tlinux/arm/v7 , ", "linux/amd64=linux-x64,linux/arm/v7=linux-arm")]
    [DataRow("linux-musl-x64;linux/arm64", "linux/amd64=linux-musl-x64,linux/arm64=linux-arm64")]
    [DataRow("linux/arm64,linux/amd64,linux/s390x,linux/ppc64le", "linux/arm64=linux-arm64,linux/amd64=linux-x64,linux/s390x=linux-s390x,linux/ppc64le=linux-ppc64le")]
    [DataRow("linux/mips64le", "linux/mips64le=")]
    [DataRow("linux-armv6;linux/arm", "linux/arm/v6=linux-armv6,linux/arm/v7=linux-arm")]
    public void ContainerPlatforms_mixes_platforms_and_rids(string input, string expected)
    {
        var result = Resolve(platforms: input);
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        Assert.AreEqual(expected, Describe(result));
        Assert.AreEqual(ContainerPlatformResolver.SourceContainerPlatforms, result.Source);
        Assert.AreEqual(0, result.Diagnostics.Count);
    }

    [TestMethod]
    [DataRow(";;;", null)]
    [DataRow(" ; , ", null)]
    [DataRow(null, ";")]
    public void A_container_list_that_is_given_but_names_nothing_is_an_error_not_the_host(string? platforms, string? rids)
    {
        var result = Resolve(platforms, rids, "linux-x64", "linux-arm");

        Assert.IsTrue(result.HasErrors);
        Assert.AreEqual(0, result.Platforms.Count);
        Assert.AreEqual("MULTIARCH1005", result.Diagnostics.Single().Code);
    }

    /// <summary>A typo in a platform (MULTIARCH1001) or a RID (MULTIARCH1002) says what was probably meant.</summary>
    [TestMethod]
    [DataRow("linux/amd46", "MULTIARCH1001", "(did you mean linux/amd64?). Write")]
    [DataRow("linux/arm46", "MULTIARCH1001", "(did you mean linux/arm64?). Write")]
    [DataRow("lniux/arm64", "MULTIARCH1001", "(did you mean linux/arm64?). Write")]
    [DataRow("linux/s390", "MULTIARCH1001", "(did you mean linux/s390x?). Write")]
    [DataRow("linux/ppc64el/v2", "MULTIARCH1001", "takes no variant")]
    [DataRow("linux-am64", "MULTIARCH1002", "Did you mean 'linux-arm64'?")]
    [DataRow("linux-x46", "MULTIARCH1002", "Did you mean 'linux-x64'?")]
    [DataRow("linux-musl-arm46", "MULTIARCH1002", "Did you mean 'linux-musl-arm64'?")]
    public void A_typo_gets_a_did_you_mean(string entry, string code, string expected)
    {
        var result = Resolve(platforms: entry);

        var error = result.Diagnostics.Single();
        Assert.AreEqual(code, error.Code);
        StringAssert.Contains(error.Message, expected);
    }

    [TestMethod]
    [DataRow("linux/quantum")]
    [DataRow("mainframe-z")]
    public void Nothing_near_gets_no_guess(string entry)
        => Assert.IsFalse(Resolve(platforms: entry).Diagnostics.Single().Message.Contains("id you mean", StringComparison.Ordinal));

    [TestMethod]
    public void Sources_are_taken_in_priority_order()
    {
        Assert.AreEqual("ContainerPlatforms", Resolve("linux/s390x", "linux-arm64", "linux-x64", "linux-arm").Source);
        Assert.AreEqual("ContainerRuntimeIdentifiers", Resolve(" ", "linux-arm64", "linux-x64", "linux-arm").Source);
        Assert.AreEqual("RuntimeIdentifiers", Resolve(null, "", "linux-x64;linux-arm64", "linux-arm").Source);
        Assert.AreEqual("RuntimeIdentifier", Resolve(null, null, null, "linux-arm").Source);
        var host = Resolve();
        Assert.AreEqual("host", host.Source);
        Assert.AreEqual("linux/amd64=linux-x64", Describe(host));
        Assert.IsTrue(host.Diagnostics.All(d => d.Severity == DiagnosticSeverity.Message));
    }

    [TestMethod]
    public void Oci_platform_entry_keeps_the_projects_musl_rid()
    {
        var result = Resolve(platforms: "linux/amd64;linux/arm64", rids: "linux-musl-x64;linux-musl-arm64");
        Assert.AreEqual("linux/amd64=linux-musl-x64,linux/arm64=linux-musl-arm64", Describe(result));
    }

    [TestMethod]
    public void Duplicates_after_normalization_collapse_with_a_warning()
    {
        var result = Resolve(platforms: "linux/arm64;linux/aarch64;linux-arm64;linux/arm64/v8;linux/amd64");
        Assert.AreEqual("linux/arm64=linux-arm64,linux/amd64=linux-x64", Describe(result));
        Assert.AreEqual(3, result.Diagnostics.Count);
        Assert.IsTrue(result.Diagnostics.All(d => d.Code == "MULTIARCH1003" && d.Severity == DiagnosticSeverity.Warning));
        StringAssert.Contains(result.Diagnostics[0].Message, "'linux/aarch64' repeats 'linux/arm64'");
    }

    [TestMethod]
    public void Two_rids_for_one_platform_keep_the_first_with_a_warning()
    {
        var result = Resolve(rids: "linux-x64;linux-musl-x64");
        Assert.AreEqual("linux/amd64=linux-x64", Describe(result));
        Assert.AreEqual("MULTIARCH1004", result.Diagnostics.Single().Code);
        Assert.AreEqual(DiagnosticSeverity.Warning, result.Diagnostics.Single().Severity);
    }

    [TestMethod]
    [DataRow("linux/amd64;linux/sparc", "MULTIARCH1001")]
    [DataRow("linux/amd64;arm64", "MULTIARCH1001")]
    [DataRow("linux/amd64;linux-mips", "MULTIARCH1002")]
    [DataRow("ubuntu.22.04-x64", "MULTIARCH1002")]
    [DataRow("linux//amd64", "MULTIARCH1001")]
    public void Bad_entries_are_errors_not_drops(string input, string code)
    {
        var result = Resolve(platforms: input);
        Assert.IsTrue(result.HasErrors);
        Assert.AreEqual(code, result.Diagnostics.Single(d => d.Severity == DiagnosticSeverity.Error).Code);
    }

    [TestMethod]
    public void Every_bad_entry_is_reported_at_once()
    {
        var result = Resolve(platforms: "linux/sparc;linux-mips;linux/amd64;arm64");
        CollectionAssert.AreEqual(new[] { "MULTIARCH1001", "MULTIARCH1002", "MULTIARCH1001" }, result.Diagnostics.Select(d => d.Code).ToArray());
    }

    [TestMethod]
    public void Bare_architecture_gets_a_suggestion()
    {
        var message = Resolve(platforms: "arm64").Diagnostics.Single().Message;
        StringAssert.Contains(message, "linux/arm64");
    }

    [TestMethod]
    public void Platform_list_is_comma_joined_for_buildx()
    {
        Assert.AreEqual("linux/amd64,linux/arm/v7", Resolve(platforms: "linux-x64;linux-arm").PlatformList);
    }
}
