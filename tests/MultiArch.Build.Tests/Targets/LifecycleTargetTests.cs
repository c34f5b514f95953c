using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Targets;

/// <summary>The SDK door on Microsoft.Common.targets: what it imports and what it refuses, without building images.</summary>
[TestClass]
public sealed class LifecycleTargetTests
{
    [TestMethod]
    public async Task Directory_Build_props_and_targets_are_imported_and_nothing_compiles()
    {
        var project = await ThrowAwayProject.SdkDoorAsync("<PropertyGroup><ContainerPlatforms>$(RepoPlatforms)</ContainerPlatforms></PropertyGroup>");
        project.WriteFile("Directory.Build.props", "<Project><PropertyGroup><RepoPlatforms>linux/arm64;linux/s390x</RepoPlatforms></PropertyGroup></Project>");
        project.WriteFile("Directory.Build.targets", "<Project><PropertyGroup><FromDirectoryBuildTargets>yes</FromDirectoryBuildTargets></PropertyGroup></Project>");

        var result = await project.MSBuildAsync("ResolveContainerPlatforms", ["ContainerPlatform"], ["FromDirectoryBuildTargets", "TargetPath", "DefaultProjectTypeGuid", "_MultiArchTaskRuntime"]);

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        CollectionAssert.AreEqual(new[] { "linux/arm64", "linux/s390x" }, result.Items("ContainerPlatform").Select(i => i.GetProperty("Identity").GetString()).ToArray());
        var properties = result.Json.GetProperty("Properties");
        Assert.AreEqual("yes", properties.GetProperty("FromDirectoryBuildTargets").GetString());
        Assert.AreEqual("{13B669BE-BB05-4DDF-9536-439F39A36129}", properties.GetProperty("DefaultProjectTypeGuid").GetString());
        Assert.AreEqual("NET", properties.GetProperty("_MultiArchTaskRuntime").GetString(), "MSBuild 18 knows Runtime=\"NET\"");
    }

    /// <summary>
    /// MSBuild.exe before 18.0 cannot run .NET tasks. This machine has no .NET Framework MSBuild, so the check is driven
    /// through its two inputs (the runtime type and version MSBuild reports, overridable for exactly this test).
    /// </summary>
    [TestMethod]
    [DataRow("Full", "17.14.8", "MULTIARCH9050")]
    [DataRow("Full", "18.0.2", "")]
    [DataRow("Core", "17.8.3", "")]
    public async Task An_msbuild_that_cannot_run_net_tasks_is_stopped_before_the_first_task(string runtimeType, string version, string expected)
    {
        var project = await ThrowAwayProject.SdkDoorAsync("<PropertyGroup><ContainerPlatforms>linux/amd64</ContainerPlatforms></PropertyGroup>");

        var result = await project.MSBuildAsync("ResolveContainerPlatforms", extra: [$"-p:_MultiArchMSBuildRuntimeType={runtimeType}", $"-p:_MultiArchMSBuildVersion={version}"]);

        CollectionAssert.AreEqual(expected.Length == 0 ? Array.Empty<string>() : new[] { expected }, result.ErrorCodes.ToArray(), result.Describe());
        Assert.AreEqual(expected.Length == 0, result.Output.Contains("Container platforms (from ContainerPlatforms)", StringComparison.Ordinal), "the task ran only where it can");
    }
}
