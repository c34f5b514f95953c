using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// Real .NET apps on the real .NET base images of build/env/dotnet-images.sh (dotnet/runtime-deps, dotnet/runtime:
/// Debian 12's libraries and the served Microsoft.NETCore.App runtime packs, for linux/amd64 and linux/arm64): the
/// start-up check follows a framework-dependent apphost to hostfxr and the shared framework as the host does, so the
/// same app is refused on runtime-deps before any tag moves and passes, and runs (arm64 under QEMU), on runtime.
/// </summary>
[ServiceTestClass]
public sealed class DotnetRuntimeImageTests
{
    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.Emulation, RequiresAttribute.DotnetImages)]
    public async Task A_framework_dependent_apphost_is_refused_without_the_runtime_before_any_tag_moves_and_runs_on_the_runtime_image()
    {
        var repository = $"h-images/fd{Guid.NewGuid():N}"[..24];
        var project = await ThrowAwayProject.PackageReferenceDoorAsync($"""
                <ContainerPlatforms>linux/amd64;linux/arm64</ContainerPlatforms>
                <ContainerCli>podman</ContainerCli>
                <ContainerRepository>{repository}</ContainerRepository>
                <ContainerImageTag>v1</ContainerImageTag>
            """);
        string[] registry = [$"-p:ContainerRegistry={Environments.Registry}", $"-p:ContainerInsecureRegistries={Environments.Registry}"];

        var refused = await project.DotnetAsync(["publish", project.ProjectFile, "-c", "Release", "-nodeReuse:false", $"-p:ContainerBaseImage={Environments.DotnetRuntimeDepsImage}", .. registry]);

        Assert.AreNotEqual(0, refused.ExitCode, refused.Describe());
        foreach (var platform in new[] { "linux/amd64", "linux/arm64" })
        {
            StringAssert.Contains(refused.Output, $"MULTIARCH5030: {platform}: the container cannot start: '/app/app' is a framework-dependent .NET app", refused.Describe());
        }

        StringAssert.Contains(refused.Output, "/usr/share/dotnet, from the default location", refused.Describe());
        Assert.IsFalse(await Environments.TagExistsAsync(repository, "v1"), "no tag may name an image that failed the start-up check");

        var passed = await project.DotnetAsync(["publish", project.ProjectFile, "-c", "Release", "-nodeReuse:false", "-v:n", "-p:ContainerSmokeTest=true", $"-p:ContainerBaseImage={Environments.DotnetRuntimeImage}", .. registry]);

        Assert.AreEqual(0, passed.ExitCode, passed.Describe());
        foreach (var platform in new[] { "linux/amd64", "linux/arm64" })
        {
            StringAssert.Contains(passed.Output, $"Start-up check {platform}: the .NET host of /app/app resolves: /usr/share/dotnet/host/fxr/", passed.Describe());
        }

        StringAssert.Matches(passed.Output, new System.Text.RegularExpressions.Regex(@"Microsoft\.NETCore\.App 10\.0\.\d+ \(asks 10\.0\.0, rollForward Minor\)"), passed.Describe());
        StringAssert.Contains(passed.Output, "Arm64", "the smoke run's output: the app ran on linux/arm64 through its apphost and the image's runtime");
        StringAssert.Contains(passed.Output, "X64", "the smoke run's output on linux/amd64");
        Assert.IsTrue(await Environments.TagExistsAsync(repository, "v1"), passed.Describe());
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.DotnetImages)]
    public async Task Dotnet_app_dll_resolves_and_runs_through_the_muxer_of_the_runtime_image()
    {
        // Only linux/amd64: the feed serves no linux-arm64 `dotnet` muxer, so dotnet/runtime has /usr/bin/dotnet for amd64 only.
        var repository = $"h-images/muxer{Guid.NewGuid():N}"[..26];
        var project = await ThrowAwayProject.PackageReferenceDoorAsync($"""
                <ContainerPlatforms>linux/amd64</ContainerPlatforms>
                <ContainerRepository>{repository}</ContainerRepository>
                <UseAppHost>false</UseAppHost>
                <ContainerCli>podman</ContainerCli>
                <ContainerSmokeTest>true</ContainerSmokeTest>
            """);

        var result = await project.DotnetAsync("publish", project.ProjectFile, "-c", "Release", "-nodeReuse:false", "-v:n", $"-p:ContainerBaseImage={Environments.DotnetRuntimeImage}", $"-p:ContainerRegistry={Environments.Registry}", $"-p:ContainerInsecureRegistries={Environments.Registry}");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(File.ReadAllText(Path.Combine(project.Directory, "obj", "multiarch", "Dockerfile")), "ENTRYPOINT [\"dotnet\", \"app.dll\"]\n");
        StringAssert.Contains(result.Output, "Start-up check linux/amd64: the .NET host of /app/app.dll resolves: /usr/share/dotnet/host/fxr/", result.Describe());
        StringAssert.Contains(result.Output, ".NET root /usr/share/dotnet, from the folder of /usr/share/dotnet/dotnet", result.Describe());
        StringAssert.Contains(result.Output, "X64", "the smoke run's output: `dotnet app.dll` ran in the image");
    }
}
