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

    /// <summary>
    /// Where the image goes is said whenever it is not where a reader of the command line would expect it: a build with
    /// ContainerRegistry stays local, and a publish without one (an unset Makefile variable) pushes nothing.
    /// </summary>
    [TestMethod]
    [DataRow("false", "127.0.0.1:5000", "building locally; ContainerRegistry '127.0.0.1:5000' is for publishing")]
    [DataRow("true", "", "publishing without ContainerRegistry: nothing is pushed and no tag moves")]
    [DataRow("true", "127.0.0.1:5000", "")]
    [DataRow("false", "", "")]
    public async Task The_log_says_when_the_image_stays_local_against_the_command(string publishing, string registry, string expected)
    {
        var project = await ThrowAwayProject.SdkDoorAsync("<PropertyGroup><ContainerPlatforms>linux/amd64</ContainerPlatforms></PropertyGroup>");

        var result = await project.MSBuildAsync("_MultiArchSelectOutput", extra: [$"-p:_MultiArchIsPublishing={publishing}", $"-p:ContainerRegistry={registry}"]);

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        var said = result.Output.Split('\n').Where(l => l.Contains("image: ", StringComparison.Ordinal) && (l.Contains("building locally", StringComparison.Ordinal) || l.Contains("publishing without", StringComparison.Ordinal))).ToList();
        if (expected.Length == 0)
        {
            Assert.AreEqual(0, said.Count, result.Describe());
        }
        else
        {
            StringAssert.Contains(said.Single(), expected, result.Describe());
        }
    }

    /// <summary>
    /// The ProjectReference protocol through the SDK door (PrepareForBuild, ResolveReferences, as NoTargets keeps it):
    /// a console app referenced from image.proj is built before the image pipeline starts, in a normal and a graph
    /// build, so that a Dockerfile can COPY its bin/. The pipeline is replaced by a target that looks for the app's
    /// output at the moment the image would be built (the real build: SdkLifecycleTests).
    /// </summary>
    [TestMethod]
    [DataRow("")]
    [DataRow("-graph")]
    public async Task A_ProjectReference_is_built_before_the_image(string graph)
    {
        var framework = $"net{System.Environment.Version.Major}.0";
        var project = await ThrowAwayProject.SdkDoorAsync($$"""
              <PropertyGroup>
                <ContainerPlatforms>linux/amd64</ContainerPlatforms>
                <MultiArchContainerImageDependsOn>_ProbeReferencedApp</MultiArchContainerImageDependsOn>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="app/app.csproj" />
              </ItemGroup>
              <Target Name="_ProbeReferencedApp">
                <Message Importance="high" Text="PROBE app built: $([System.IO.File]::Exists('$(MSBuildThisFileDirectory)app/bin/Debug/{{framework}}/app.dll'))" />
              </Target>
            """);
        project.WriteFile("app/app.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net{System.Environment.Version.Major}.0</TargetFramework></PropertyGroup>
            </Project>
            """);
        project.WriteFile("app/Program.cs", "System.Console.WriteLine(\"app\");\n");

        var result = await project.DotnetAsync(["build", project.ProjectFile, "-nodeReuse:false", .. graph.Length > 0 ? new[] { graph } : []]);

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, "PROBE app built: True", result.Describe());
        Assert.IsFalse(new[] { "app", "app.dll", "app.deps.json" }.Any(f => File.Exists(Path.Combine(project.Directory, "bin", "Debug", f))), "the app's files stay in its own bin/");
    }
}
