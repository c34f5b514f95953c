using System.Text.Json;
using MultiArch.Build.Oci;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// The CI fan-out end to end with the real dotnet CLI: two per-platform podman builds pushed by digest only (each
/// validated, each leaving an image record, no tag), then MergeContainerImages on the records (a glob) into one
/// index that is validated and only then tagged. One fan-out is shared by the tests of this class.
/// </summary>
[ServiceTestClass]
[Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
public sealed class FanOutMergeTests
{
    private static readonly Lazy<Task<FanOut>> Shared = new(FanOutAsync);

    private sealed record FanOut(ThrowAwayProject Project, string Repository, CliResult Amd64, CliResult Arm64, bool PatchAfterJobs);

    private static string Patch(ThrowAwayProject project) => Path.Combine(project.Directory, "config", "manager", "manager_node_affinity_patch.yaml");

    private static async Task<FanOut> FanOutAsync()
    {
        var repository = $"fanout/op{Guid.NewGuid():N}"[..24];
        // Like the samples: every platform listed in the project, tags in ContainerImageTags, a Kubebuilder manager.
        var project = await ThrowAwayProject.SdkDoorAsync($"""
              <PropertyGroup>
                <ContainerPlatforms>linux/amd64;linux/arm64</ContainerPlatforms>
                <ContainerCli>podman</ContainerCli>
                <ContainerRegistry>{Environments.Registry}</ContainerRegistry>
                <ContainerRepository>{repository}</ContainerRepository>
                <ContainerImageTags>dev;latest</ContainerImageTags>
                <ContainerInsecureRegistries>{Environments.Registry}</ContainerInsecureRegistries>
              </PropertyGroup>
              <ItemGroup>
                <ContainerBuildArg Include="BASE_IMAGE" Value="{Environments.BaseImage}" />
              </ItemGroup>
            """);
        // No RUN step: the arm64 job needs no emulator, as on a native runner.
        project.WriteFile("Dockerfile", "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY --chmod=755 run.sh /run.sh\nENTRYPOINT [\"/run.sh\"]\n");
        project.WriteFile("run.sh", "#!/bin/busybox sh\necho hi\n");
        project.WriteFile("config/manager/manager.yaml", Targets.NodeAffinityTargetTests.KubebuilderManager);
        project.WriteFile("config/manager/kustomization.yaml", "resources:\n- manager.yaml\npatches:\n- path: manager_node_affinity_patch.yaml\n");

        // A CI job: `dotnet publish` is what pushes on the SDK door.
        Task<CliResult> Job(string arch) => project.DotnetAsync(
            "publish", project.ProjectFile, "-nodeReuse:false", $"-p:ContainerPlatforms=linux/{arch}", "-p:ContainerPushByDigestOnly=true", $"-p:ContainerImageRecordPath=records/{arch}/image-record.json");
        var amd64 = await Job("amd64");
        var arm64 = await Job("arm64");
        return new FanOut(project, repository, amd64, arm64, File.Exists(Patch(project)));
    }

    private static JsonElement Record(FanOut fanOut, string relative)
        => JsonDocument.Parse(File.ReadAllText(Path.Combine(fanOut.Project.Directory, relative))).RootElement;

    [TestMethod]
    public async Task Each_job_pushes_by_digest_validates_and_records_without_moving_a_tag()
    {
        var fanOut = await Shared.Value;

        foreach (var (job, arch) in new[] { (fanOut.Amd64, "amd64"), (fanOut.Arm64, "arm64") })
        {
            Assert.AreEqual(0, job.ExitCode, job.Describe());
            StringAssert.Contains(job.Output, "1 platform(s) present, 1 entrypoint binaries verified", job.Describe());
            StringAssert.Contains(job.Output, "no tag was moved", job.Describe());
            var record = Record(fanOut, $"records/{arch}/image-record.json");
            Assert.AreEqual(1, record.GetProperty("schemaVersion").GetInt32());
            Assert.AreEqual(fanOut.Repository, record.GetProperty("repository").GetString());
            Assert.AreEqual("passed", record.GetProperty("validation").GetProperty("verdict").GetString());
            Assert.AreEqual(0, record.GetProperty("tags").GetArrayLength());
            var platform = record.GetProperty("platforms").EnumerateArray().Single();
            Assert.AreEqual($"linux/{arch}", platform.GetProperty("platform").GetString());
            Assert.AreEqual("Verified", platform.GetProperty("binary").GetString());

            // A part does not pin the pods to its own platform, nor warns that the manifest allows the others.
            Assert.IsFalse(job.WarningCodes.Contains("MULTIARCH6001"), job.Describe());
            StringAssert.Contains(job.Output, "the nodeAffinity patch", job.Describe());

            // The record is backed by the registry: its digest is there.
            using var client = new RegistryClient(Environments.Registry);
            var root = await client.GetManifestAsync(fanOut.Repository, record.GetProperty("digest").GetString()!, default);
            Assert.AreEqual(record.GetProperty("manifestMediaType").GetString(), root.MediaType);
        }

        Assert.IsFalse(await Environments.TagExistsAsync(fanOut.Repository, "v1"), "a fan-out job moves no tag");
        Assert.IsFalse(fanOut.PatchAfterJobs, "a fan-out job leaves the nodeAffinity patch to the merge");
    }

    [TestMethod]
    public async Task The_merge_builds_one_index_validates_it_and_only_then_tags_it()
    {
        var fanOut = await Shared.Value;
        Assert.AreEqual(0, fanOut.Amd64.ExitCode + fanOut.Arm64.ExitCode, fanOut.Amd64.Describe() + fanOut.Arm64.Describe());

        // As docs/ci.md writes it: the project lists the platforms and its ContainerImageTags; the job names the release tag.
        var merge = await fanOut.Project.MSBuildAsync(
            "MergeContainerImages",
            extra: ["-p:ContainerMergeInputs=records/**/image-record.json", "-p:ContainerImageTag=v1"]);

        Assert.AreEqual(0, merge.ExitCode, merge.Describe());
        Assert.IsFalse(merge.WarningCodes.Contains("MULTIARCH8001"), "the command line's ContainerImageTag replaces the project's ContainerImageTags: " + merge.Describe());
        Assert.IsFalse(await Environments.TagExistsAsync(fanOut.Repository, "latest"), "only the tag the merge was given moves");
        StringAssert.Contains(merge.Output, $"linux/amd64 from {Path.Combine("records", "amd64", "image-record.json")}", "each part named by its record's path");
        StringAssert.Contains(merge.Output, $"linux/arm64 from {Path.Combine("records", "arm64", "image-record.json")}", merge.Describe());

        // The merge pins the manager to the merged platforms, and warns that the manifest allows two more.
        var patch = await File.ReadAllTextAsync(Patch(fanOut.Project));
        StringAssert.Contains(patch, "values:\n                      - amd64\n                      - arm64\n", patch);
        Assert.IsTrue(merge.WarningCodes.Contains("MULTIARCH6001"), merge.Describe());
        StringAssert.Contains(merge.Output, "2 platform(s) present, 2 entrypoint binaries verified", merge.Describe());
        using var client = new RegistryClient(Environments.Registry);
        var tagged = await client.GetManifestAsync(fanOut.Repository, "v1", default);
        var index = OciJson.ReadIndex(tagged.Content, tagged.MediaType);
        CollectionAssert.AreEqual(new[] { "linux/amd64", "linux/arm64" }, index.Manifests.Where(m => !m.IsAttestation).Select(m => m.Platform!.Normalized!.ToString()).ToArray());
        var parts = new[] { "amd64", "arm64" }.Select(a => Record(fanOut, $"records/{a}/image-record.json").GetProperty("platforms")[0].GetProperty("digest").GetString()).ToArray();
        CollectionAssert.AreEqual(parts, index.Manifests.Where(m => !m.IsAttestation).Select(m => m.Digest.ToString()).ToArray(), "every image keeps the digest its job pushed and validated");

        var merged = Record(fanOut, "obj/multiarch/image-record.json");
        Assert.AreEqual(tagged.Digest.ToString(), merged.GetProperty("digest").GetString());
        CollectionAssert.AreEqual(new[] { "v1" }, merged.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToArray());
    }

    [TestMethod]
    public async Task A_missing_platform_is_refused_and_no_tag_is_moved()
    {
        var fanOut = await Shared.Value;

        var merge = await fanOut.Project.MSBuildAsync(
            "MergeContainerImages",
            extra: ["-p:ContainerMergeInputs=records/**/image-record.json", "-p:ContainerPlatforms=linux/amd64%3Blinux/arm64%3Blinux/s390x", "-p:ContainerImageTag=v2"]);

        Assert.AreNotEqual(0, merge.ExitCode, merge.Describe());
        CollectionAssert.AreEqual(new[] { "MULTIARCH7007" }, merge.ErrorCodes.ToArray(), merge.Describe());
        Assert.IsFalse(await Environments.TagExistsAsync(fanOut.Repository, "v2"));
    }

    [TestMethod]
    public async Task A_record_glob_that_matches_nothing_is_refused()
    {
        var fanOut = await Shared.Value;

        var merge = await fanOut.Project.MSBuildAsync("MergeContainerImages", extra: ["-p:ContainerMergeInputs=artifacts/**/image-record.json", "-p:ContainerImageTag=v3"]);

        Assert.AreNotEqual(0, merge.ExitCode, merge.Describe());
        CollectionAssert.AreEqual(new[] { "MULTIARCH7002" }, merge.ErrorCodes.ToArray(), merge.Describe());
        Assert.IsFalse(await Environments.TagExistsAsync(fanOut.Repository, "v3"));
    }
}
