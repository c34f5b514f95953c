using System.Formats.Tar;
using System.Text.Json;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// Incremental and reproducible builds with real podman builds, through both doors: an unchanged second build
/// runs no podman build (and says why), any input change rebuilds, and equal inputs with the same
/// SOURCE_DATE_EPOCH give equal platform manifests.
/// </summary>
[ServiceTestClass]
public sealed class IncrementalBuildTests
{
    // COPY only: no RUN step, so no emulation is needed and each build takes seconds.
    private const string Dockerfile = """
        ARG BASE_IMAGE
        FROM ${BASE_IMAGE}
        COPY --chmod=755 run.sh /run.sh
        COPY config.yaml /etc/app/config.yaml
        ENTRYPOINT ["/run.sh"]
        """;

    /// <summary>A two-platform SDK-door project over a COPY-only Dockerfile; <paramref name="cli"/> empty: the preflight chooses.</summary>
    internal static async Task<(ThrowAwayProject Project, string Repository)> SdkDoorAsync(string? repository = null, string cli = "podman")
    {
        repository ??= $"it/inc{Guid.NewGuid():N}"[..20];
        var project = await ThrowAwayProject.SdkDoorAsync($"""
              <PropertyGroup>
                <ContainerPlatforms>linux/amd64;linux/arm64</ContainerPlatforms>
                <ContainerCli>{cli}</ContainerCli>
                <ContainerRepository>{repository}</ContainerRepository>
                <ContainerImageTags>v1</ContainerImageTags>
                <ContainerInsecureRegistries>{Environments.Registry}</ContainerInsecureRegistries>
              </PropertyGroup>
              <ItemGroup>
                <ContainerBuildArg Include="BASE_IMAGE" Value="{Environments.BaseImage}" />
              </ItemGroup>
            """);
        WriteSources(project);
        return (project, repository);
    }

    private static void WriteSources(ThrowAwayProject project)
    {
        project.WriteFile("Dockerfile", Dockerfile);
        project.WriteFile("run.sh", "#!/bin/busybox sh\necho hi\n");
        project.WriteFile("config.yaml", "level: info\n");
    }

    private static bool RanPodmanBuild(CliResult result) => result.Output.Contains("podman build --", StringComparison.Ordinal);

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.BaseImage)]
    public async Task Sdk_door_second_push_runs_no_build_still_validates_and_tags_and_a_change_rebuilds()
    {
        var (project, repository) = await SdkDoorAsync();
        string[] build = ["publish", project.ProjectFile, "-nodeReuse:false", "-v:n", $"-p:ContainerRegistry={Environments.Registry}"];

        var first = await project.DotnetAsync(build);
        Assert.AreEqual(0, first.ExitCode, first.Describe());
        Assert.IsTrue(RanPodmanBuild(first), first.Describe());
        StringAssert.Contains(first.Output, "Building: no earlier build is recorded.");

        // Someone moves the tag away: the unchanged build must not rebuild, but must point the tag back.
        using var client = new RegistryClient(Environments.Registry);
        var built = (await client.GetManifestAsync(repository, "v1", default)).Digest;

        var second = await project.DotnetAsync([.. build, "-p:ContainerImageTags=\"v1;v2\""]);
        Assert.AreEqual(0, second.ExitCode, second.Describe());
        Assert.IsFalse(RanPodmanBuild(second), "nothing changed: no podman build may run\n" + second.Describe());
        StringAssert.Contains(second.Output, $"Up to date: nothing that goes into the image changed since the last build, and {Environments.Registry}/{repository}@{built} is still there.");
        StringAssert.Contains(second.Output, "is the image the last build validated, with the same checks", "the verdict on that digest is reused");
        Assert.AreEqual(built, (await client.GetManifestAsync(repository, "v2", default)).Digest, "a new tag needs no build: it points at the same digest");

        project.WriteFile("config.yaml", "level: debug\n");
        var third = await project.DotnetAsync(build);
        Assert.AreEqual(0, third.ExitCode, third.Describe());
        Assert.IsTrue(RanPodmanBuild(third), third.Describe());
        StringAssert.Contains(third.Output, "Building: changed since the last build: context config.yaml.");
        Assert.AreNotEqual(built, (await client.GetManifestAsync(repository, "v1", default)).Digest);

        // Clean removes the stamp: the next build runs again.
        var clean = await project.DotnetAsync("clean", project.ProjectFile, "-nodeReuse:false");
        Assert.AreEqual(0, clean.ExitCode, clean.Describe());
        Assert.IsFalse(File.Exists(Path.Combine(project.Directory, "obj", "multiarch", "build.stamp")));
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.BaseImage)]
    public async Task PackageReference_door_second_archive_build_runs_no_build_and_a_lost_archive_rebuilds()
    {
        var project = await ThrowAwayProject.PackageReferenceDoorAsync(
            $"""
                <ContainerPlatforms>linux/amd64;linux/arm64</ContainerPlatforms>
                <ContainerCli>podman</ContainerCli>
                <ContainerInsecureRegistries>{Environments.Registry}</ContainerInsecureRegistries>
            """,
            items: $"""<ContainerBuildArg Include="BASE_IMAGE" Value="{Environments.BaseImage}" />""");
        WriteSources(project);
        string[] build = ["build", project.ProjectFile, "-t:MultiArchContainerImage", "-nodeReuse:false", "-v:n"];

        var first = await project.DotnetAsync(build);
        Assert.AreEqual(0, first.ExitCode, first.Describe());
        Assert.IsTrue(RanPodmanBuild(first), first.Describe());

        var second = await project.DotnetAsync(build);
        Assert.AreEqual(0, second.ExitCode, second.Describe());
        Assert.IsFalse(RanPodmanBuild(second), "nothing changed: no podman build may run\n" + second.Describe());
        StringAssert.Contains(second.Output, "Up to date: ");
        StringAssert.Contains(second.Output, "not validated again");

        var archive = Path.Combine(project.Directory, "obj", "multiarch", "image.tar");
        File.Delete(archive);
        var third = await project.DotnetAsync(build);
        Assert.AreEqual(0, third.ExitCode, third.Describe());
        Assert.IsTrue(RanPodmanBuild(third), third.Describe());
        StringAssert.Contains(third.Output, $"Building: the archive {archive} is gone.");
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.BaseImage)]
    public async Task Two_clean_copies_with_the_same_source_date_epoch_give_the_same_platform_manifests()
    {
        var digests = new List<string[]>();
        var archives = new List<string>();
        var repository = $"it/rep{Guid.NewGuid():N}"[..20];
        foreach (var copy in new[] { "a", "b" })
        {
            // Two checkouts of one project: the same repository (it is the title label), in different folders.
            var (project, _) = await SdkDoorAsync(repository);
            if (copy == "b")
            {
                // Another checkout, another time: the files' own times differ; SOURCE_DATE_EPOCH must win.
                File.SetLastWriteTimeUtc(Path.Combine(project.Directory, "config.yaml"), DateTime.UtcNow.AddDays(-3));
            }

            var result = await DotnetCli.RunAsync(
                project.Directory,
                ["build", project.ProjectFile, "-t:Build", "-nodeReuse:false", "-getItem:ContainerImagePlatform"],
                new Dictionary<string, string?> { ["SOURCE_DATE_EPOCH"] = "1700000000" });
            Assert.AreEqual(0, result.ExitCode, result.Describe());
            digests.Add(result.Items("ContainerImagePlatform").Select(i => $"{i.GetProperty("Identity").GetString()} {i.GetProperty("ManifestDigest").GetString()}").Order(StringComparer.Ordinal).ToArray());
            archives.Add(Path.Combine(project.Directory, "obj", "multiarch", "image.tar"));
        }

        Assert.AreEqual(2, digests[0].Length);
        CollectionAssert.AreEqual(digests[0], digests[1], "same inputs, same SOURCE_DATE_EPOCH: same platform manifests");

        // The created label is SOURCE_DATE_EPOCH, never the wall clock.
        var config = ReadConfigs(archives[0]).First();
        Assert.AreEqual("2023-11-14T22:13:20Z", config.GetProperty("config").GetProperty("Labels").GetProperty("org.opencontainers.image.created").GetString());
    }

    /// <summary>The image configs in an OCI archive (blobs whose JSON has a rootfs).</summary>
    private static List<JsonElement> ReadConfigs(string archive)
    {
        using var reader = new TarReader(File.OpenRead(archive));
        var configs = new List<JsonElement>();
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.DataStream is null || !entry.Name.Contains("blobs/", StringComparison.Ordinal) || entry.Length > 1_000_000)
            {
                continue;
            }

            using var copy = new MemoryStream();
            entry.DataStream.CopyTo(copy);
            try
            {
                using var doc = JsonDocument.Parse(copy.ToArray());
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("rootfs", out _))
                {
                    configs.Add(doc.RootElement.Clone());
                }
            }
            catch (JsonException)
            {
                // A layer, not JSON.
            }
        }

        return configs;
    }
}
