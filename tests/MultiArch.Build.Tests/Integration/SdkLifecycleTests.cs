using MultiArch.Build.Oci;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;
using MultiArch.Build.Tests.Targets;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// The SDK door's lifecycle with real podman builds and the loopback registry: `dotnet build` stays on the machine
/// even with ContainerRegistry, `dotnet publish` pushes by digest, validates, tags and pins the manifest's
/// nodeAffinity; the project works in a solution (sln add, solution build, graph build, clean) with
/// Directory.Build.props/.targets and the BeforeBuild/AfterBuild hooks. Images: FROM scratch with the real
/// per-architecture busybox (no RUN step, so no emulation), a few seconds each.
/// </summary>
[ServiceTestClass]
public sealed class SdkLifecycleTests
{
    private const string Dockerfile = """
        FROM scratch
        ARG TARGETARCH
        COPY --chmod=755 busybox-${TARGETARCH} /bin/busybox
        ENTRYPOINT ["/bin/busybox", "true"]
        """;

    private static async Task<(ThrowAwayProject Project, string Repository)> OperatorAsync(string platforms)
    {
        var repository = $"it/lc{Guid.NewGuid():N}"[..20];
        var project = await ThrowAwayProject.SdkDoorAsync($"""
              <PropertyGroup>
                <ContainerPlatforms>{platforms}</ContainerPlatforms>
                <ContainerCli>podman</ContainerCli>
                <ContainerRegistry>{Environments.Registry}</ContainerRegistry>
                <ContainerRepository>{repository}</ContainerRepository>
                <ContainerImageTag>v1</ContainerImageTag>
              </PropertyGroup>
            """);
        project.WriteFile("Dockerfile", Dockerfile);
        foreach (var arch in new[] { "amd64", "arm64" })
        {
            File.WriteAllBytes(Path.Combine(project.Directory, $"busybox-{arch}"), Environments.Busybox(arch));
        }

        return (project, repository);
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.Busybox)]
    public async Task Build_stays_local_even_with_a_registry_and_publish_pushes_validates_tags_and_pins_affinity()
    {
        var (project, repository) = await OperatorAsync("linux/amd64;linux/arm64");
        project.WriteFile("config/manager/manager.yaml", NodeAffinityTargetTests.KubebuilderManager);
        var patch = Path.Combine(project.Directory, "config", "manager", "manager_node_affinity_patch.yaml");

        var build = await project.DotnetAsync("build", project.ProjectFile, "-nodeReuse:false");

        Assert.AreEqual(0, build.ExitCode, build.Describe());
        StringAssert.Contains(build.Output, "2 platform(s) present, 2 entrypoint binaries verified", build.Describe());
        StringAssert.Contains(build.Output, "run `dotnet publish` to push and tag");
        Assert.IsTrue(File.Exists(Path.Combine(project.Directory, "obj", "multiarch", "image.tar")), "dotnet build leaves an OCI archive");
        Assert.IsFalse(build.Output.Contains("Pushed ", StringComparison.Ordinal), build.Describe());
        Assert.IsFalse(await Environments.TagExistsAsync(repository, "v1"), "dotnet build must not move a tag");
        Assert.IsFalse(File.Exists(patch), "the affinity patch is a publish step");

        var publish = await project.DotnetAsync("publish", project.ProjectFile, "-nodeReuse:false", "-getItem:ContainerValidatedPlatform", "-getProperty:ContainerImageDigest");

        Assert.AreEqual(0, publish.ExitCode, publish.Describe());
        var digest = publish.Json.GetProperty("Properties").GetProperty("ContainerImageDigest").GetString()!;
        using var client = new RegistryClient(Environments.Registry);
        var tagged = await client.GetManifestAsync(repository, "v1", default);
        Assert.AreEqual(digest, Digest.Compute(tagged.Content).ToString(), "the tag names the validated digest");
        CollectionAssert.AreEquivalent(new[] { "linux/amd64", "linux/arm64" }, OciJson.ReadIndex(tagged.Content, tagged.MediaType).Manifests.Select(m => m.Platform!.Normalized!.ToString()).ToArray());
        CollectionAssert.AreEquivalent(new[] { "linux/amd64", "linux/arm64" }, publish.Items("ContainerValidatedPlatform").Select(i => i.GetProperty("Identity").GetString()).ToArray());
        // The Kubebuilder manifest allows ppc64le and s390x, which were not built: warned at their lines, and the patch pins the two validated ones.
        CollectionAssert.AreEqual(new[] { "MULTIARCH6001" }, publish.WarningCodes.ToArray(), publish.Describe());
        var content = await File.ReadAllTextAsync(patch);
        StringAssert.Contains(content, "from the platforms built: linux/amd64, linux/arm64\n");
        StringAssert.Contains(content, "values:\n                      - amd64\n                      - arm64\n");
    }

    [TestMethod]
    [Requires(RequiresAttribute.Podman, RequiresAttribute.Busybox)]
    public async Task Solution_graph_and_hooks_work_like_any_project()
    {
        var (project, _) = await OperatorAsync("linux/amd64");
        var root = Path.GetDirectoryName(project.Directory)!;
        var repo = Path.Combine(root, "repo-" + Path.GetFileName(project.Directory));
        Directory.CreateDirectory(repo);
        Directory.Move(project.Directory, Path.Combine(repo, "build"));
        File.Move(Path.Combine(repo, "build", "nuget.config"), Path.Combine(repo, "nuget.config"));
        File.WriteAllText(Path.Combine(repo, "Directory.Build.props"), "<Project><PropertyGroup><ContainerRegistry></ContainerRegistry><HookText>from Directory.Build.props</HookText></PropertyGroup></Project>");
        // As in any SDK-style project, BeforeBuild/AfterBuild are overridden after the SDK's targets: in Directory.Build.targets.
        File.WriteAllText(Path.Combine(repo, "Directory.Build.targets"), """
            <Project>
              <Target Name="BeforeBuild"><Message Importance="high" Text="HOOK BeforeBuild $(HookText)" /></Target>
              <Target Name="AfterBuild"><Message Importance="high" Text="HOOK AfterBuild image=$(ContainerImage)" /></Target>
            </Project>
            """);

        var sln = await DotnetCli.RunAsync(repo, "new", "sln", "-n", "operator", "--format", "sln");
        var add = await DotnetCli.RunAsync(repo, "sln", "operator.sln", "add", Path.Combine("build", "image.proj"));
        Assert.AreEqual(0, sln.ExitCode, sln.Describe());
        Assert.AreEqual(0, add.ExitCode, add.Describe());

        var solution = await DotnetCli.RunAsync(repo, "build", "operator.sln", "-nodeReuse:false");

        Assert.AreEqual(0, solution.ExitCode, solution.Describe());
        StringAssert.Contains(solution.Output, "HOOK BeforeBuild from Directory.Build.props");
        var archive = Path.Combine(repo, "build", "obj", "multiarch", "image.tar");
        StringAssert.Contains(solution.Output, "HOOK AfterBuild image=" + archive, solution.Describe());
        StringAssert.Contains(solution.Output, "1 platform(s) present, 1 entrypoint binaries verified");

        var clean = await DotnetCli.RunAsync(repo, "clean", "operator.sln", "-nodeReuse:false");
        Assert.AreEqual(0, clean.ExitCode, clean.Describe());
        Assert.IsFalse(File.Exists(archive), "Clean removes the pipeline's state");

        var graph = await DotnetCli.RunAsync(repo, "build", "operator.sln", "-graph", "-nodeReuse:false", "-t:Rebuild");
        Assert.AreEqual(0, graph.ExitCode, graph.Describe());
        Assert.IsTrue(File.Exists(archive), graph.Describe());
    }
    /// <summary>
    /// A console app referenced from image.proj is built first (ResolveReferences through the SDK door), so the
    /// Dockerfile's COPY of its bin/ finds it, in a normal and a graph build.
    /// </summary>
    [TestMethod]
    [Requires(RequiresAttribute.Podman, RequiresAttribute.Busybox)]
    public async Task A_referenced_app_is_built_before_the_Dockerfile_copies_its_bin()
    {
        var (project, _) = await OperatorAsync("linux/amd64");
        var framework = $"net{System.Environment.Version.Major}.0";
        File.WriteAllText(project.ProjectPath, File.ReadAllText(project.ProjectPath).Replace("</Project>", """
              <PropertyGroup><ContainerRegistry></ContainerRegistry></PropertyGroup>
              <ItemGroup><ProjectReference Include="app/app.csproj" /></ItemGroup>
            </Project>
            """, StringComparison.Ordinal));
        project.WriteFile("app/app.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>{framework}</TargetFramework></PropertyGroup>
            </Project>
            """);
        project.WriteFile("app/Program.cs", "System.Console.WriteLine(\"app\");\n");
        project.WriteFile("Dockerfile", Dockerfile + $"\nCOPY app/bin/Debug/{framework}/ /app/\n");

        foreach (var graph in new[] { "", "-graph" })
        {
            var bin = Path.Combine(project.Directory, "app", "bin");
            if (Directory.Exists(bin))
            {
                Directory.Delete(bin, recursive: true);
            }

            var build = await project.DotnetAsync(["build", project.ProjectFile, "-nodeReuse:false", "-p:MultiArchIncrementalBuild=false", .. graph.Length > 0 ? new[] { graph } : []]);

            Assert.AreEqual(0, build.ExitCode, build.Describe());
            StringAssert.Contains(build.Output, "1 platform(s) present, 1 entrypoint binaries verified", build.Describe());
        }
    }
}
