using System.Text.RegularExpressions;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Targets;

/// <summary>
/// The package lives beside the .NET SDK's container support: it reads ContainerRegistry, ContainerRepository,
/// ContainerImageTag(s) and ContainerArchiveOutputPath but never assigns them; _MultiArchComputeContainerConfig
/// resolves their defaults into _MultiArch* properties, through both doors.
/// </summary>
[ServiceTestClass]
public sealed partial class ContainerConfigTargetTests
{
    private static readonly string[] SdkProperties = ["ContainerRegistry", "ContainerRepository", "ContainerImageTag", "ContainerImageTags", "ContainerArchiveOutputPath"];

    private static readonly string[] Resolved = ["_MultiArchRegistry", "_MultiArchRepository", "_MultiArchTags", "_MultiArchArchivePath", "_MultiArchInsecureRegistries", "_MultiArchSourceDateEpoch"];

    /// <summary>A -getProperty value: MSBuild prints JSON for several, the bare value for one.</summary>
    private static string Property(CliResult result, string name)
        => result.StandardOutput.TrimStart().StartsWith('{')
            ? result.Json.GetProperty("Properties").GetProperty(name).GetString()!
            : result.StandardOutput.Trim();

    [TestMethod]
    public async Task PackageReference_door_assigns_no_sdk_property_at_evaluation_and_resolves_defaults_as_the_sdk_does()
    {
        var project = await ThrowAwayProject.PackageReferenceDoorAsync(name: "Config.App");

        // Evaluation only (no target): every property the SDK's PublishContainer reads is still the user's (empty).
        var evaluated = await DotnetCli.RunAsync(project.Directory, ["msbuild", project.ProjectFile, "-restore", .. SdkProperties.Select(p => $"-getProperty:{p}")], null);
        Assert.AreEqual(0, evaluated.ExitCode, evaluated.Describe());
        foreach (var name in SdkProperties)
        {
            Assert.AreEqual(string.Empty, Property(evaluated, name), $"{name} must not be assigned by the package\n{evaluated.Describe()}");
        }

        var resolved = await project.MSBuildAsync("_MultiArchComputeContainerConfig", getProperties: Resolved);

        Assert.AreEqual(0, resolved.ExitCode, resolved.Describe());
        // The SDK's ContainerHelpers.NormalizeRepository: 'Config.App' is not a valid name, so lower-cased with '.' -> '-'.
        Assert.AreEqual("config-app", Property(resolved, "_MultiArchRepository"));
        Assert.AreEqual("latest", Property(resolved, "_MultiArchTags"));
        Assert.AreEqual(Path.Combine(project.Directory, "obj", "multiarch", "image.tar"), Property(resolved, "_MultiArchArchivePath"));
        Assert.AreEqual(string.Empty, Property(resolved, "_MultiArchRegistry"));
        Assert.AreEqual(string.Empty, Property(resolved, "_MultiArchSourceDateEpoch"));
    }

    [TestMethod]
    public async Task Sdk_door_resolves_the_project_name_the_sdk_variables_and_an_archive_folder()
    {
        var project = await ThrowAwayProject.SdkDoorAsync("""
              <PropertyGroup>
                <ContainerRegistry>registry.example:5000/</ContainerRegistry>
                <ContainerImageTags>v1;stable</ContainerImageTags>
                <ContainerArchiveOutputPath>out/</ContainerArchiveOutputPath>
                <ContainerInsecureRegistries>lab.internal:5000</ContainerInsecureRegistries>
              </PropertyGroup>
            """, name: "operator");

        var result = await DotnetCli.RunAsync(
            project.Directory,
            ["msbuild", project.ProjectFile, "-restore", "-t:_MultiArchComputeContainerConfig", .. Resolved.Select(p => $"-getProperty:{p}"), "-p:SOURCE_DATE_EPOCH=1700000000"],
            new Dictionary<string, string?> { ["DOTNET_CONTAINER_INSECURE_REGISTRIES"] = "other.internal:5000" });

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        Assert.AreEqual("registry.example:5000", Property(result, "_MultiArchRegistry"));
        Assert.AreEqual("operator", Property(result, "_MultiArchRepository"));
        Assert.AreEqual("v1;stable", Property(result, "_MultiArchTags"));
        Assert.AreEqual(Path.Combine(project.Directory, "out", "operator.tar"), Property(result, "_MultiArchArchivePath"));
        Assert.AreEqual("lab.internal:5000;other.internal:5000", Property(result, "_MultiArchInsecureRegistries"));
        Assert.AreEqual("1700000000", Property(result, "_MultiArchSourceDateEpoch"));
        Assert.AreEqual(0, result.WarningCodes.Count, result.Describe());
    }

    [TestMethod]
    public async Task Both_tag_properties_warn_that_the_sdk_refuses_them_and_a_bad_source_date_epoch_is_an_error()
    {
        var project = await ThrowAwayProject.SdkDoorAsync("""
              <PropertyGroup>
                <ContainerImageTag>v1</ContainerImageTag>
                <ContainerImageTags>latest;v1</ContainerImageTags>
              </PropertyGroup>
            """);

        var warned = await project.MSBuildAsync("_MultiArchComputeContainerConfig", getProperties: ["_MultiArchTags"]);
        var failed = await project.MSBuildAsync("_MultiArchComputeContainerConfig", null, null, "-p:SOURCE_DATE_EPOCH=yesterday");

        Assert.AreEqual(0, warned.ExitCode, warned.Describe());
        CollectionAssert.AreEqual(new[] { "MULTIARCH8001" }, warned.WarningCodes.ToArray(), warned.Describe());
        Assert.AreEqual("v1;latest", Property(warned, "_MultiArchTags"));
        Assert.AreNotEqual(0, failed.ExitCode);
        CollectionAssert.AreEqual(new[] { "MULTIARCH8002" }, failed.ErrorCodes.ToArray(), failed.Describe());
    }

    /// <summary>
    /// docs/ci.md's merge passes `-p:ContainerImageTag=v1.2.0` to a project that sets ContainerImageTags: the command line
    /// says which tags this run moves (no MULTIARCH8001, the project's tags not moved too); and the other way round.
    /// </summary>
    [TestMethod]
    public async Task A_tag_property_from_the_command_line_replaces_the_other_one_of_the_project()
    {
        var project = await ThrowAwayProject.SdkDoorAsync("""
              <PropertyGroup>
                <ContainerImageTags>dev;latest</ContainerImageTags>
              </PropertyGroup>
            """);
        var tagged = await ThrowAwayProject.SdkDoorAsync("""
              <PropertyGroup>
                <ContainerImageTag>v0.1.0</ContainerImageTag>
              </PropertyGroup>
            """);

        var release = await project.MSBuildAsync("_MultiArchComputeContainerConfig", null, ["_MultiArchTags"], "-p:ContainerImageTag=v1.2.0");
        var list = await tagged.MSBuildAsync("_MultiArchComputeContainerConfig", null, ["_MultiArchTags"], "-p:ContainerImageTags=v1.2.0%3Bstable");

        Assert.AreEqual(0, release.ExitCode, release.Describe());
        Assert.AreEqual(0, release.WarningCodes.Count, release.Describe());
        Assert.AreEqual("v1.2.0", Property(release, "_MultiArchTags"));
        Assert.AreEqual(0, list.WarningCodes.Count, list.Describe());
        Assert.AreEqual("v1.2.0;stable", Property(list, "_MultiArchTags"));
    }

    [TestMethod]
    public async Task Clean_removes_the_build_stamp_through_both_doors()
    {
        var sdkDoor = await ThrowAwayProject.SdkDoorAsync();
        var packageDoor = await ThrowAwayProject.PackageReferenceDoorAsync();
        foreach (var project in new[] { sdkDoor, packageDoor })
        {
            var restore = await project.DotnetAsync("restore", project.ProjectFile);
            Assert.AreEqual(0, restore.ExitCode, restore.Describe());
            var stamp = project.WriteFile(Path.Combine("obj", "multiarch", "build.stamp"), "# stamp\n");

            var result = await project.DotnetAsync("clean", project.ProjectFile, "-nodeReuse:false");

            Assert.AreEqual(0, result.ExitCode, result.Describe());
            Assert.IsFalse(File.Exists(stamp), $"{project.ProjectFile}: Clean must remove the stamp\n{result.Describe()}");
        }
    }

    /// <summary>
    /// The SDK's own <c>dotnet publish -t:PublishContainer</c> on one project, first without the package, then with
    /// it: the same destination (the registry, not an archive), repository name and tags.
    /// </summary>
    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.BaseImage)]
    public async Task Sdk_PublishContainer_pushes_the_same_image_names_with_and_without_the_package()
    {
        // Upper case and a dot: the SDK normalizes the assembly name, and so must the package's default.
        var name = $"Coexist.App{Guid.NewGuid():N}"[..19];
        var project = await ThrowAwayProject.PackageReferenceDoorAsync(name: name);
        var withPackage = File.ReadAllText(project.ProjectPath);
        var withoutPackage = PackageReferenceLine().Replace(withPackage, string.Empty);
        Assert.AreNotEqual(withPackage, withoutPackage);
        var environment = new Dictionary<string, string?> { ["DOTNET_CONTAINER_INSECURE_REGISTRIES"] = Environments.Registry };
        string[] publish =
        [
            "publish", project.ProjectFile, "-t:PublishContainer", "-nodeReuse:false", $"-p:ContainerRegistry={Environments.Registry}",
            $"-p:ContainerBaseImage={Environments.BaseImage}", "-p:ContainerImageTags=\"t1;t2\"",
        ];

        File.WriteAllText(project.ProjectPath, withoutPackage);
        var without = await DotnetCli.RunAsync(project.Directory, publish, environment);
        Assert.AreEqual(0, without.ExitCode, without.Describe());
        var before = await TagDigestAsync(name, "t1");

        File.WriteAllText(project.ProjectPath, withPackage);
        var with = await DotnetCli.RunAsync(project.Directory, publish, environment);
        Assert.AreEqual(0, with.ExitCode, with.Describe());
        StringAssert.Contains(File.ReadAllText(Path.Combine(project.Directory, "obj", "project.assets.json")), "MultiArch.Build", "the second publish must really use the package");

        var expected = Destinations(without);
        Assert.AreEqual(1, expected.Count, without.Describe());
        StringAssert.Contains(expected[0], $"to registry '{Environments.Registry}'");
        CollectionAssert.AreEqual(expected, Destinations(with), with.Describe());
        CollectionAssert.AreEqual(ImageNames(without), ImageNames(with), with.Describe());
        Assert.IsFalse(with.Output.Contains("local archive", StringComparison.Ordinal), with.Describe());
        Assert.IsFalse(File.Exists(Path.Combine(project.Directory, "obj", "multiarch", "image.tar")));

        // The registry really got the second push (the SDK stamps the wall clock into its image, so it is a new manifest).
        var after = await TagDigestAsync(name, "t2");
        Assert.AreNotEqual(before, after, "the second PublishContainer must have pushed to the registry");

        // And the package's own default repository is the SDK's.
        var resolved = await project.MSBuildAsync("_MultiArchComputeContainerConfig", getProperties: ["_MultiArchRepository"]);
        Assert.AreEqual(ImageNames(with)[0].Split(':')[0], Property(resolved, "_MultiArchRepository"));
    }

    private static async Task<string> TagDigestAsync(string assemblyName, string tag)
    {
        using var client = new RegistryClient(Environments.Registry);
        var repository = MultiArch.Build.Oci.RepositoryName.FromProjectName(assemblyName)!;
        return (await client.GetManifestAsync(repository, tag, default)).Digest.ToString();
    }

    /// <summary>The SDK's "Pushed image 'repo:tags' to registry 'r'." (or "to local archive at ...") lines.</summary>
    private static List<string> Destinations(CliResult result)
        => PushedLine().Matches(result.Output).Select(m => m.Value.Trim()).Distinct().ToList();

    /// <summary>The SDK's "Building image 'repo' with tags 't1,t2'" lines.</summary>
    private static List<string> ImageNames(CliResult result)
        => BuildingLine().Matches(result.Output).Select(m => $"{m.Groups[1].Value}:{m.Groups[2].Value}").Distinct().ToList();

    [GeneratedRegex(@"<PackageReference Include=""MultiArch\.Build""[^>]*/>")]
    private static partial Regex PackageReferenceLine();

    [GeneratedRegex(@"Pushed image '[^']+' to [^\r\n]+")]
    private static partial Regex PushedLine();

    [GeneratedRegex(@"Building image '([^']+)' with tags? '([^']+)'")]
    private static partial Regex BuildingLine();
}
