using MultiArch.Build.Images;
using MultiArch.Build.Platforms;
using MultiArch.Build.Tests.Infrastructure;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tests.Unit.Validation;

/// <summary>
/// The .NET pass of the deep check over OCI layouts made here: every CPU-specific file of the app folder, not only
/// the entrypoint. Real busybox ELF binaries stand in for native libraries; real .NET assemblies for PE files.
/// </summary>
[ServiceTestClass]
public sealed class AppFolderCheckTests
{
    private static readonly OciPlatform Amd64 = OciPlatform.Parse("linux/amd64");
    private static readonly OciPlatform Arm64 = OciPlatform.Parse("linux/arm64");

    private static async Task<ValidationReport> ValidateAsync(Func<OciPlatform, IEnumerable<TestFile>> appFiles, string? appDirectory = "/app")
    {
        var images = new[] { Amd64, Arm64 }.Select(p =>
        {
            var busybox = Environments.Busybox(TestImages.DebianArch(p));
            var files = new List<TestFile> { new("bin/busybox", busybox), new("usr/bin/dotnet", null, "/bin/busybox") };
            files.AddRange(appFiles(p));
            return TestImages.Image(p.ToString(), p.ToString(), [TestImages.Layer(files)], ["dotnet", "/app/App.dll"]);
        }).ToList();
        var layout = Path.Combine(TestDirectories.Create("appfolder"), "layout");
        TestImages.WriteLayout(layout, TestImages.Index(images));
        await using var source = OciLayoutSource.Open(layout);
        return await ManifestValidator.ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = [Amd64, Arm64], AppDirectory = appDirectory }, default);
    }

    private static byte[] Managed => File.ReadAllBytes(typeof(AppFolderCheckTests).Assembly.Location);

    [TestMethod]
    [Requires(RequiresAttribute.Busybox)]
    public async Task A_native_library_for_another_cpu_fails_even_when_the_entrypoint_is_right()
    {
        // Not executable (0644), as NuGet extracts native libraries: judged all the same.
        var report = await ValidateAsync(p => [new TestFile("app/App.dll", Managed, Mode: 0b110_100_100), new TestFile("app/libe_sqlite3.so", Environments.Busybox("amd64"), Mode: 0b110_100_100)]);

        var errors = report.Diagnostics.Where(d => d.Code == "MULTIARCH8030").ToList();
        Assert.AreEqual(1, errors.Count, string.Join("\n", report.Diagnostics.Select(d => d.Message)));
        StringAssert.Contains(errors[0].Message, "linux/arm64: /app/libe_sqlite3.so is ELF 64-bit LSB x86-64, not code for arm64");
        Assert.IsFalse(report.Passed);
        Assert.IsTrue(report.Platforms.All(p => p.Binary == BinaryVerdict.Verified), "the entrypoint itself is right on both");
    }

    [TestMethod]
    [Requires(RequiresAttribute.Busybox)]
    public async Task Matching_native_files_il_assemblies_and_other_rids_runtimes_folders_pass()
    {
        var report = await ValidateAsync(p =>
        [
            new TestFile("app/App.dll", Managed, Mode: 0b110_100_100),
            new TestFile("app/App", Environments.Busybox(TestImages.DebianArch(p))),
            new TestFile("app/appsettings.json", "{}"u8.ToArray(), Mode: 0b110_100_100),
            // A portable publish keeps every RID's native assets: each is judged against its own RID.
            new TestFile("app/runtimes/linux-arm64/native/libfoo.so", Environments.Busybox("arm64"), Mode: 0b110_100_100),
            new TestFile("app/runtimes/linux-x64/native/libfoo.so", Environments.Busybox("amd64"), Mode: 0b110_100_100),
        ]);

        Assert.IsTrue(report.Passed, string.Join("\n", report.Diagnostics.Select(d => d.Message)));
        var checkedMessages = report.Diagnostics.Where(d => d.Message.Contains("CPU-specific file(s)", StringComparison.Ordinal)).Select(d => d.Message).ToList();
        CollectionAssert.AreEqual(
            new[] { "linux/amd64: 3 CPU-specific file(s) of the 5 in /app are for this platform.", "linux/arm64: 3 CPU-specific file(s) of the 5 in /app are for this platform." },
            checkedMessages);
    }

    [TestMethod]
    [Requires(RequiresAttribute.Busybox)]
    public async Task A_missing_app_folder_is_a_warning_and_no_app_folder_means_no_pass()
    {
        var missing = await ValidateAsync(_ => [], "/srv/app");
        Assert.AreEqual(2, missing.Diagnostics.Count(d => d.Code == "MULTIARCH8031"));
        Assert.IsTrue(missing.Passed);

        var off = await ValidateAsync(_ => [new TestFile("app/lib.so", Environments.Busybox("s390x"))], appDirectory: null);
        Assert.IsFalse(off.Diagnostics.Any(d => d.Code.StartsWith("MULTIARCH80", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void Il_assemblies_are_any_cpu_and_readytorun_ones_name_their_cpu()
    {
        var il = BinaryInspector.Identify(Managed.AsSpan(0, BinaryInspector.HeaderBytes));
        Assert.IsNull(il.Architecture, il.Description);
        StringAssert.StartsWith(il.Description, "PE .NET assembly");

        // The shared framework's System.Private.CoreLib is ReadyToRun code for this machine.
        var coreLib = File.ReadAllBytes(typeof(object).Assembly.Location).AsSpan(0, BinaryInspector.HeaderBytes);
        var r2r = BinaryInspector.Identify(coreLib);
        Assert.AreEqual(OciPlatform.Host().Architecture, r2r.Architecture, r2r.Description);
    }
}
