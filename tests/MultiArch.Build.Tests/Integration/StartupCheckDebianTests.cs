using MultiArch.Build.Diagnostics;
using MultiArch.Build.Oci;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// The start-up check on images made of Debian's real amd64 and arm64 packages (glibc, musl, hello, pigz,
/// zlib) in a real registry: each scenario gets the verdict the dynamic linker would give on each platform.
/// </summary>
[ServiceTestClass]
[Requires(RequiresAttribute.Registry, RequiresAttribute.Busybox, RequiresAttribute.DebianPackages)]
public sealed class StartupCheckDebianTests
{
    private static async Task<ValidationReport> ValidateAsync(string tag)
    {
        await DebianImages.PushAllAsync();
        await using var source = new RegistryImageSource(new RegistryClient(Environments.Registry), ImageReference.Parse(DebianImages.Reference(tag)), ownsClient: true);
        return await ManifestValidator.ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = DebianImages.Platforms }, default);
    }

    private static string Findings(ValidationReport report) => string.Join("\n", report.Diagnostics);

    /// <summary>The coded findings of one platform (each message starts with the platform).</summary>
    private static string[] Codes(ValidationReport report, string platform)
        => report.Diagnostics.Where(d => d.Code.Length > 0 && d.Message.StartsWith(platform + ":", StringComparison.Ordinal)).Select(d => d.Code).ToArray();

    [TestMethod]
    public async Task A_glibc_program_with_its_c_library_starts_on_every_platform()
    {
        var report = await ValidateAsync("hello-glibc");

        Assert.IsTrue(report.Passed, Findings(report));
        foreach (var (platform, loader, dir) in new[] { ("linux/amd64", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "x86_64-linux-gnu"), ("linux/arm64", "/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1", "aarch64-linux-gnu") })
        {
            var startup = report.Platforms.Single(p => p.Platform == platform).Startup!;
            Assert.AreEqual(StartupVerdict.Ready, startup.Verdict, report.ToMarkdown());
            Assert.AreEqual("/usr/bin/hello", startup.Program);
            Assert.AreEqual(loader, startup.Interpreter);
            CollectionAssert.AreEqual(new[] { $"libc.so.6 => /lib/{dir}/libc.so.6" }, startup.Libraries.ToArray());
        }
    }

    [TestMethod]
    public async Task Without_its_c_library_each_platform_names_its_own_missing_interpreter()
    {
        var report = await ValidateAsync("hello-bare");

        Assert.IsFalse(report.Passed);
        CollectionAssert.AreEqual(new[] { "MULTIARCH5020" }, Codes(report, "linux/amd64"), Findings(report));
        CollectionAssert.AreEqual(new[] { "MULTIARCH5020" }, Codes(report, "linux/arm64"), Findings(report));
        var messages = report.Diagnostics.Where(d => d.Code == "MULTIARCH5020").Select(d => d.Message).ToList();
        Assert.IsTrue(messages.Any(m => m.Contains("/lib64/ld-linux-x86-64.so.2", StringComparison.Ordinal) && m.Contains("/usr/bin/hello", StringComparison.Ordinal)), string.Join("\n", messages));
        Assert.IsTrue(messages.Any(m => m.Contains("/lib/ld-linux-aarch64.so.1", StringComparison.Ordinal)), string.Join("\n", messages));
    }

    [TestMethod]
    public async Task A_glibc_program_on_a_musl_layout_is_named_as_such()
    {
        var report = await ValidateAsync("hello-musl");

        CollectionAssert.AreEqual(new[] { "MULTIARCH5021" }, Codes(report, "linux/amd64"), Findings(report));
        CollectionAssert.AreEqual(new[] { "MULTIARCH5021" }, Codes(report, "linux/arm64"), Findings(report));
        StringAssert.Contains(report.Diagnostics.First(d => d.Code == "MULTIARCH5021" && d.Message.StartsWith("linux/arm64", StringComparison.Ordinal)).Message, "/lib/ld-musl-aarch64.so.1");
    }

    [TestMethod]
    public async Task A_library_present_on_amd64_only_fails_only_arm64()
    {
        var report = await ValidateAsync("pigz-zlib-amd64-only");

        Assert.AreEqual(0, Codes(report, "linux/amd64").Length, Findings(report));
        Assert.AreEqual(StartupVerdict.Ready, report.Platforms[0].Startup!.Verdict);
        CollectionAssert.Contains(report.Platforms[0].Startup!.Libraries.ToArray(), "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1.2.13");
        CollectionAssert.AreEqual(new[] { "MULTIARCH5024" }, Codes(report, "linux/arm64"), Findings(report));
        var missing = report.Diagnostics.Single(d => d.Code == "MULTIARCH5024").Message;
        StringAssert.Contains(missing, "libz.so.1, needed by /usr/bin/pigz");
        StringAssert.Contains(missing, "/lib/aarch64-linux-gnu");
    }

    [TestMethod]
    public async Task A_script_whose_interpreter_is_absent_fails_everywhere()
    {
        var report = await ValidateAsync("script-no-python");

        CollectionAssert.AreEqual(new[] { "MULTIARCH5026" }, Codes(report, "linux/amd64"), Findings(report));
        CollectionAssert.AreEqual(new[] { "MULTIARCH5026" }, Codes(report, "linux/arm64"), Findings(report));
        StringAssert.Contains(report.Diagnostics.First(d => d.Code == "MULTIARCH5026").Message, "/usr/bin/python3");
    }

    [TestMethod]
    public async Task A_static_binary_needs_nothing()
    {
        var report = await ValidateAsync("busybox-static");

        Assert.IsTrue(report.Passed, Findings(report));
        Assert.IsTrue(report.Platforms.All(p => p.Startup!.Verdict == StartupVerdict.Static), report.ToMarkdown());
        Assert.IsFalse(report.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Warning), Findings(report));
    }
}
