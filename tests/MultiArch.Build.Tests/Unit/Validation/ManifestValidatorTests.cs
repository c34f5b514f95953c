using MultiArch.Build.Platforms;
using MultiArch.Build.Tests.Infrastructure;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tests.Unit.Validation;

/// <summary>The validator's success and failure paths over an in-memory image source: no registry, no file.</summary>
[TestClass]
public sealed class ManifestValidatorTests
{
    private static async Task<ValidationReport> ValidateAsync(TestIndex index, params string[] expected)
    {
        await using var source = new InMemoryImageSource(index);
        return await ManifestValidator.ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = expected.Select(OciPlatform.Parse).ToList() }, default);
    }

    private static string[] Codes(ValidationReport report) => report.Diagnostics.Where(d => d.Code.Length > 0).Select(d => d.Code).Distinct().Order().ToArray();

    [TestMethod]
    public async Task A_correct_index_passes_with_every_binary_verified()
    {
        var report = await ValidateAsync(FakeImages.Index("linux/amd64", "linux/arm64", "linux/arm/v7"), "linux/amd64", "linux/arm64", "linux/arm/v7");

        Assert.IsTrue(report.Passed, string.Join("\n", report.Diagnostics));
        Assert.AreEqual(0, Codes(report).Length, string.Join("\n", report.Diagnostics));
        Assert.IsTrue(report.Platforms.All(p => p.Binary == BinaryVerdict.Verified));
    }

    [TestMethod]
    public async Task A_missing_platform_fails()
    {
        var report = await ValidateAsync(FakeImages.Index("linux/amd64"), "linux/amd64", "linux/arm64");

        Assert.IsFalse(report.Passed);
        CollectionAssert.Contains(Codes(report), "MULTIARCH5001");
    }

    [TestMethod]
    public async Task An_entry_whose_binary_is_for_another_cpu_fails()
    {
        var index = TestImages.Index([FakeImages.Image("linux/amd64"), FakeImages.Image("linux/arm64", binaryArchitecture: "amd64")]);

        var report = await ValidateAsync(index, "linux/amd64", "linux/arm64");

        Assert.IsFalse(report.Passed);
        CollectionAssert.Contains(Codes(report), "MULTIARCH5007");
    }

    [TestMethod]
    public async Task An_entry_whose_config_claims_another_platform_fails()
    {
        var index = TestImages.Index([FakeImages.Image("linux/amd64"), FakeImages.Image("linux/arm64", configPlatform: "linux/amd64")]);

        var report = await ValidateAsync(index, "linux/amd64", "linux/arm64");

        Assert.IsFalse(report.Passed);
        CollectionAssert.Contains(Codes(report), "MULTIARCH5005");
    }

    [TestMethod]
    public async Task An_unrequested_platform_is_reported()
    {
        var report = await ValidateAsync(FakeImages.Index("linux/amd64", "linux/s390x"), "linux/amd64");

        CollectionAssert.Contains(Codes(report), "MULTIARCH5002");
    }
}
