using System.Text.RegularExpressions;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Targets;

/// <summary>The packed nupkg, restored from a local feed, run by the real dotnet CLI through both doors.</summary>
[ServiceTestClass]
public sealed class ResolveContainerPlatformsTargetTests
{
    private static IEnumerable<(string Identity, string Rid, string Os, string Arch, string Variant)> Platforms(CliResult result)
        => result.Items("ContainerPlatform").Select(i => (
            i.GetProperty("Identity").GetString()!,
            i.GetProperty("RuntimeIdentifier").GetString()!,
            i.GetProperty("Os").GetString()!,
            i.GetProperty("Architecture").GetString()!,
            i.GetProperty("Variant").GetString()!));

    [TestMethod]
    public async Task Sdk_door_resolves_mixed_platforms_and_rids()
    {
        var project = await ThrowAwayProject.SdkDoorAsync("""
              <PropertyGroup>
                <ContainerPlatforms>linux/amd64; linux-arm64, linux/arm ;linux-musl-x64</ContainerPlatforms>
              </PropertyGroup>
            """);

        var result = await project.MSBuildAsync("ResolveContainerPlatforms", ["ContainerPlatform"], ["MultiArchPlatformList"]);

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        CollectionAssert.AreEqual(
            new[]
            {
                ("linux/amd64", "linux-x64", "linux", "amd64", ""),
                ("linux/arm64", "linux-arm64", "linux", "arm64", ""),
                ("linux/arm/v7", "linux-arm", "linux", "arm", "v7"),
            },
            Platforms(result).ToArray());
        Assert.AreEqual("linux/amd64,linux/arm64,linux/arm/v7", result.Json.GetProperty("Properties").GetProperty("MultiArchPlatformList").GetString());
        CollectionAssert.AreEqual(new[] { "MULTIARCH1004" }, result.WarningCodes.ToArray(), result.Describe());
    }

    [TestMethod]
    [Requires(RequiresAttribute.Podman)]
    public async Task Sdk_door_project_builds_with_dotnet_build_and_no_target_framework()
    {
        var project = await ThrowAwayProject.SdkDoorAsync("""
              <PropertyGroup>
                <ContainerPlatforms>linux/arm64;linux/s390x</ContainerPlatforms>
                <ContainerCli>podman</ContainerCli>
              </PropertyGroup>
            """);
        project.WriteFile("Dockerfile", "FROM scratch\nCOPY app /app\n");
        project.WriteFile("app", "data\n");

        var result = await project.DotnetAsync("build", project.ProjectFile, "-nodeReuse:false");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.StandardOutput, "Container platforms (from ContainerPlatforms): linux/arm64,linux/s390x");
        StringAssert.Contains(result.StandardOutput, "2 platform(s) present");
        // Only an architecture-independent file: identical layers are reported, as a warning.
        CollectionAssert.Contains(result.WarningCodes.ToArray(), "MULTIARCH5010", result.Describe());
        Assert.IsTrue(File.Exists(Path.Combine(project.Directory, "obj", "multiarch", "image.tar")));
    }

    [TestMethod]
    public async Task Sdk_door_without_any_platform_builds_for_this_machine()
    {
        var project = await ThrowAwayProject.SdkDoorAsync();
        var result = await project.MSBuildAsync("ResolveContainerPlatforms", ["ContainerPlatform"]);

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        var host = MultiArch.Build.Platforms.OciPlatform.Host().ToString();
        Assert.AreEqual(host, Platforms(result).Single().Identity);
    }

    [TestMethod]
    public async Task PackageReference_door_takes_the_projects_runtime_identifiers()
    {
        // Not during restore: the package mirror serves runtime packs for linux-x64 only, and this test is about evaluation.
        var project = await ThrowAwayProject.PackageReferenceDoorAsync("<RuntimeIdentifiers Condition=\"'$(MSBuildIsRestoring)' != 'true'\">linux-musl-x64;linux-arm64;linux-arm</RuntimeIdentifiers>");

        var result = await project.MSBuildAsync("ResolveContainerPlatforms", ["ContainerPlatform"]);

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        CollectionAssert.AreEqual(
            new[] { ("linux/amd64", "linux-musl-x64"), ("linux/arm64", "linux-arm64"), ("linux/arm/v7", "linux-arm") },
            Platforms(result).Select(p => (p.Identity, p.Rid)).ToArray());
    }

    [TestMethod]
    public async Task PackageReference_door_prefers_ContainerRuntimeIdentifiers_and_keeps_musl_for_platforms()
    {
        var project = await ThrowAwayProject.PackageReferenceDoorAsync("""
                <RuntimeIdentifiers Condition="'$(MSBuildIsRestoring)' != 'true'">linux-musl-x64;linux-arm64</RuntimeIdentifiers>
                <ContainerRuntimeIdentifiers>linux-s390x</ContainerRuntimeIdentifiers>
            """);

        var byContainerRids = await project.MSBuildAsync("ResolveContainerPlatforms", ["ContainerPlatform"]);
        var byPlatforms = await project.MSBuildAsync("ResolveContainerPlatforms", ["ContainerPlatform"], null, "-p:ContainerPlatforms=linux/amd64");

        Assert.AreEqual(0, byContainerRids.ExitCode, byContainerRids.Describe());
        Assert.AreEqual(("linux/s390x", "linux-s390x"), Platforms(byContainerRids).Select(p => (p.Identity, p.Rid)).Single());
        Assert.AreEqual(0, byPlatforms.ExitCode, byPlatforms.Describe());
        Assert.AreEqual(("linux/amd64", "linux-musl-x64"), Platforms(byPlatforms).Select(p => (p.Identity, p.Rid)).Single());
    }

    [TestMethod]
    [DataRow("linux/amd64;linux/sparc", "MULTIARCH1001")]
    [DataRow("linux-x64;linux-mips", "MULTIARCH1002")]
    [DataRow("arm64", "MULTIARCH1001")]
    [DataRow("ubuntu.22.04-x64", "MULTIARCH1002")]
    public async Task Bad_input_fails_with_a_coded_error_on_the_project_file(string platforms, string code)
    {
        var project = await ThrowAwayProject.SdkDoorAsync($"""
              <PropertyGroup>
                <ContainerPlatforms>{platforms}</ContainerPlatforms>
              </PropertyGroup>
            """);

        var result = await project.MSBuildAsync("ResolveContainerPlatforms", null, null);

        Assert.AreNotEqual(0, result.ExitCode, result.Describe());
        CollectionAssert.AreEqual(new[] { code }, result.ErrorCodes.ToArray(), result.Describe());
        StringAssert.Contains(result.Output, $"{project.ProjectPath} : error {code}:", result.Describe());
        Assert.IsFalse(result.Output.Contains("Exception", StringComparison.Ordinal), result.Describe());
    }

    [TestMethod]
    public async Task Duplicates_warn_and_build_once()
    {
        var project = await ThrowAwayProject.SdkDoorAsync();
        var result = await project.MSBuildAsync("ResolveContainerPlatforms", ["ContainerPlatform"], null, "-p:ContainerPlatforms=\"linux/arm64;linux/aarch64;linux-arm64\"");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        Assert.AreEqual("linux/arm64", Platforms(result).Single().Identity);
        CollectionAssert.AreEqual(new[] { "MULTIARCH1003" }, result.WarningCodes.ToArray());
    }

    [TestMethod]
    public async Task Warnings_obey_NoWarn_and_WarningsAsErrors()
    {
        var project = await ThrowAwayProject.SdkDoorAsync();
        var silenced = await project.MSBuildAsync("ResolveContainerPlatforms", null, null, "-p:ContainerPlatforms=\"linux/arm64;linux/aarch64\"", "-nowarn:MULTIARCH1003");
        var promoted = await project.MSBuildAsync("ResolveContainerPlatforms", null, null, "-p:ContainerPlatforms=\"linux/arm64;linux/aarch64\"", "-warnaserror:MULTIARCH1003");

        Assert.AreEqual(0, silenced.ExitCode, silenced.Describe());
        Assert.AreEqual(0, silenced.WarningCodes.Count, silenced.Describe());
        Assert.AreNotEqual(0, promoted.ExitCode, promoted.Describe());
        CollectionAssert.Contains(promoted.ErrorCodes.ToArray(), "MULTIARCH1003");
    }

    /// <summary>
    /// The README's command lines for passing a list on the command line, run exactly as written
    /// through bash: MSBuild must not split the list at ',' or ';'.
    /// </summary>
    [TestMethod]
    public async Task Readme_platform_list_command_lines_work_through_bash()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"));
        var block = Regex.Match(readme, "<!-- cli-platform-list:begin -->(.*?)<!-- cli-platform-list:end -->", RegexOptions.Singleline);
        Assert.IsTrue(block.Success, "README lacks the cli-platform-list block");
        var commands = Regex.Matches(block.Groups[1].Value, "^(dotnet .+)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value.Trim()).ToList();
        Assert.IsTrue(commands.Count >= 2, "expected at least two command lines in the README block");

        var project = await ThrowAwayProject.SdkDoorAsync();
        Assert.AreEqual(0, (await project.DotnetAsync("restore", project.ProjectFile)).ExitCode);
        foreach (var command in commands)
        {
            // The README's commands name no project: the folder holds exactly one.
            var result = await DotnetCli.BashAsync(project.Directory, command + " -getProperty:MultiArchPlatformList -nodeReuse:false");
            Assert.AreEqual(0, result.ExitCode, result.Describe());
            Assert.AreEqual("linux/amd64,linux/arm64,linux/arm/v7", result.StandardOutput.Trim().Split('\n').Last().Trim(), result.Describe());
        }

        // And the unquoted form really is split by MSBuild, which is why the README quotes it.
        var unquoted = await DotnetCli.BashAsync(project.Directory, "dotnet msbuild -t:ResolveContainerPlatforms -p:ContainerPlatforms=linux/amd64,linux/arm64 -getProperty:MultiArchPlatformList");
        StringAssert.Contains(unquoted.Output, "MSB1006", unquoted.Describe());
    }
}
