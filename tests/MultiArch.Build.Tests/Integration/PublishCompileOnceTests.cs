using System.Buffers.Binary;
using System.Text.RegularExpressions;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// The .NET front door with real `dotnet publish` runs (issue 17): the app is compiled once whatever the number of
/// platforms (the Csc task's calls counted by -clp:PerformanceSummary), self-contained and ReadyToRun for linux/arm64
/// cross-compiled here by crossgen2 and judged file by file by the validator, a second publish with nothing changed
/// publishes, builds, validates and pushes nothing, and bad input (a base image that cannot be read or lacks a platform,
/// a RID whose apphost pack the feed does not serve) stops the publish before anything is compiled.
/// </summary>
[ServiceTestClass]
public sealed partial class PublishCompileOnceTests
{
    /// <summary>The Csc task's calls in the -clp:PerformanceSummary task table (no line: never called).</summary>
    private static int CompileCount(CliResult result)
    {
        var match = CscCalls().Match(result.Output);
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"\d+ ms\s+Csc\s+(\d+) calls")]
    private static partial Regex CscCalls();

    /// <summary>The PE machine field: ReadyToRun code on Linux is the CPU's machine XOR 0x7B79.</summary>
    private static ushort PeMachine(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var pe = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(0x3C));
        return BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(pe + 4));
    }

    private static async Task<(ThrowAwayProject Project, string Repository)> ConsoleAppAsync(string properties)
    {
        var repository = $"h-publish/once{Guid.NewGuid():N}"[..26];
        var project = await ThrowAwayProject.PackageReferenceDoorAsync($"""
                <ContainerCli>podman</ContainerCli>
                <ContainerRepository>{repository}</ContainerRepository>
                <InvariantGlobalization>true</InvariantGlobalization>
            {properties}
            """);
        return (project, repository);
    }

    private static string[] PublishArguments(ThrowAwayProject project, string baseImage, params string[] extra) =>
    [
        "publish", project.ProjectFile, "-c", "Release", "-nodeReuse:false", "-clp:PerformanceSummary",
        $"-p:ContainerRegistry={Environments.Registry}", $"-p:ContainerInsecureRegistries={Environments.Registry}",
        $"-p:ContainerBaseImage={baseImage}",
        .. extra,
    ];

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.DotnetImages)]
    public async Task Self_contained_ReadyToRun_for_two_platforms_compiles_once_and_a_second_publish_does_nothing()
    {
        // On the real dotnet/runtime-deps:10.0 (Debian 12's libraries for each platform): the deep check judges every
        // CPU-specific file of /app for its platform, and the start-up check resolves each apphost's libraries there.
        var (project, repository) = await ConsoleAppAsync("""
                <ContainerPlatforms>linux-x64;linux-arm64</ContainerPlatforms>
                <SelfContained>true</SelfContained>
                <PublishReadyToRun>true</PublishReadyToRun>
            """);
        var arguments = PublishArguments(project, Environments.DotnetRuntimeDepsImage, "-v:n");

        var first = await project.DotnetAsync(arguments);

        Assert.AreEqual(0, first.ExitCode, first.Describe());
        Assert.AreEqual(1, CompileCount(first), "one Csc call for two RIDs: " + first.Describe());
        StringAssert.Contains(first.Output, "publishing per RID in parallel: linux-x64, linux-arm64, reusing the IL compiled once", first.Describe());
        StringAssert.Contains(first.Output, "2 platform(s) present, 2 entrypoint binaries verified", first.Describe());
        StringAssert.Contains(first.Output, $"Pushed {Environments.Registry}/{repository}:latest@sha256:", first.Describe());

        // crossgen2 (linux-x64) made arm64 code on this x64 machine, no emulation: the app's own assembly is ReadyToRun
        // for each platform, and the validator judged the runtime's native files and R2R assemblies of each.
        var context = Path.Combine(project.Directory, "obj", "multiarch", "publish-context", "linux");
        Assert.AreEqual(0xAA64 ^ 0x7B79, PeMachine(Path.Combine(context, "arm64", "app.dll")), "app.dll ReadyToRun for arm64");
        Assert.AreEqual(0x8664 ^ 0x7B79, PeMachine(Path.Combine(context, "amd64", "app.dll")), "app.dll ReadyToRun for x64");
        var checkedArm64 = Regex.Match(first.Output, @"linux/arm64: (\d+) CPU-specific file\(s\)");
        Assert.IsTrue(checkedArm64.Success && int.Parse(checkedArm64.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 10, first.Describe());
        foreach (var platform in new[] { "linux/amd64", "linux/arm64" })
        {
            StringAssert.Matches(first.Output, new Regex($@"Start-up check {platform}: \S+ can start \(interpreter \S+, \d+ shared libraries resolved\)"), first.Describe());
        }

        var second = await project.DotnetAsync(arguments);

        Assert.AreEqual(0, second.ExitCode, second.Describe());
        Assert.AreEqual(0, CompileCount(second), second.Describe());
        StringAssert.Contains(second.Output, "per-RID publishes up to date", second.Describe());
        Assert.IsFalse(second.Output.Contains("publishing per RID in parallel", StringComparison.Ordinal), second.Describe());
        StringAssert.Contains(second.Output, "Up to date: nothing that goes into the image changed since the last build", second.Describe());
        StringAssert.Contains(second.Output, "not validated again", second.Describe());
        StringAssert.Contains(second.Output, $"Up to date: {Environments.Registry}/{repository}:latest@sha256:", second.Describe());
        Assert.IsFalse(second.Output.Contains("Pushed ", StringComparison.Ordinal), second.Describe());
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.DotnetImages)]
    public async Task A_base_image_that_cannot_be_read_or_lacks_a_platform_stops_the_publish_before_any_compile()
    {
        var (project, _) = await ConsoleAppAsync("""
                <ContainerPlatforms>linux/amd64;linux/riscv64</ContainerPlatforms>
                <UseAppHost>false</UseAppHost>
            """);

        var missing = await project.DotnetAsync(PublishArguments(project, $"{Environments.Registry}/h-publish/no-such-base:1"));

        Assert.AreNotEqual(0, missing.ExitCode, missing.Describe());
        CollectionAssert.Contains(missing.ErrorCodes.ToList(), "MULTIARCH8040", missing.Describe());
        StringAssert.Contains(missing.Output, "ContainerBaseImage", missing.Describe());
        Assert.AreEqual(0, CompileCount(missing), missing.Describe());

        // The real dotnet/runtime:10.0 offers linux/amd64 and linux/arm64, not riscv64.
        var lacking = await project.DotnetAsync(PublishArguments(project, Environments.DotnetRuntimeImage));

        Assert.AreNotEqual(0, lacking.ExitCode, lacking.Describe());
        CollectionAssert.Contains(lacking.ErrorCodes.ToList(), "MULTIARCH8041", lacking.Describe());
        StringAssert.Contains(lacking.Output, "has no linux/riscv64", lacking.Describe());
        Assert.AreEqual(0, CompileCount(lacking), lacking.Describe());
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.Busybox)]
    public async Task A_rid_whose_apphost_pack_the_feed_does_not_serve_is_named_before_any_compile()
    {
        // linux-s390x: the feed serves no Microsoft.NETCore.App.Host.linux-s390x. The stand-in base stays here: the base
        // is checked before the packs, and no real .NET image has linux/s390x (no s390x runtime pack is served to make one).
        var (project, _) = await ConsoleAppAsync("""
                <ContainerPlatforms>linux-x64;linux-s390x</ContainerPlatforms>
            """);

        var result = await project.DotnetAsync(PublishArguments(project, await DotnetPublishTests.StandIn.Value));

        Assert.AreNotEqual(0, result.ExitCode, result.Describe());
        CollectionAssert.Contains(result.ErrorCodes.ToList(), "MULTIARCH8042", result.Describe());
        StringAssert.Matches(result.Output, new Regex(@"MULTIARCH8042: The package feed does not serve Microsoft\.NETCore\.App\.Host\.linux-s390x \S+, which linux-s390x needs for the apphost"), result.Describe());
        Assert.AreEqual(0, CompileCount(result), result.Describe());
    }
}
