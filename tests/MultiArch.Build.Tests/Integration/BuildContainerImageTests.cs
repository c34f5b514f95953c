using System.Text;
using MultiArch.Build.Building;
using MultiArch.Build.Images;
using MultiArch.Build.Oci;
using MultiArch.Build.Processes;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// `dotnet build` on SDK-door projects with real builds: podman with QEMU, buildx with a real BuildKit,
/// and Debian's docker engine whose default builder has the docker driver.
/// </summary>
[ServiceTestClass]
public sealed class BuildContainerImageTests
{
    private const string OperatorDockerfile = """
        ARG BASE_IMAGE
        FROM ${BASE_IMAGE}
        COPY watches.yaml /opt/helm/watches.yaml
        COPY entrypoint.sh /usr/local/bin/entrypoint.sh
        RUN ["/bin/busybox", "sh", "-c", "/bin/busybox mkdir -p /bin && /bin/busybox --install -s /bin && chmod 755 /usr/local/bin/entrypoint.sh"]
        ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
        """;

    private static async Task<(ThrowAwayProject Project, string Repository)> OperatorAsync(string platforms, string extra = "", string dockerfile = OperatorDockerfile, bool listInsecure = true)
    {
        var insecure = listInsecure ? $"<ContainerInsecureRegistries>{Environment.GetEnvironmentVariable("MULTIARCH_TEST_REGISTRY")}</ContainerInsecureRegistries>" : string.Empty;
        var repository = $"it/op{Guid.NewGuid():N}"[..20];
        var project = await ThrowAwayProject.SdkDoorAsync($"""
              <PropertyGroup>
                <ContainerPlatforms>{platforms}</ContainerPlatforms>
                <ContainerRepository>{repository}</ContainerRepository>
                <ContainerImageTag>v1</ContainerImageTag>
                {insecure}
            {extra}
              </PropertyGroup>
              <ItemGroup>
                <ContainerBuildArg Include="BASE_IMAGE" Value="{Environment.GetEnvironmentVariable("MULTIARCH_BASE_IMAGE")}" />
              </ItemGroup>
            """);
        project.WriteFile("Dockerfile", dockerfile);
        project.WriteFile("watches.yaml", "- kind: Demo\n");
        project.WriteFile("entrypoint.sh", "#!/bin/sh\necho running on $(uname -m)\n");
        File.WriteAllBytes(Path.Combine(project.Directory, "busybox-amd64"), Environments.Busybox("amd64"));
        return (project, repository);
    }

    private static async Task<string[]> IndexPlatformsAsync(string repository, string tag)
    {
        using var client = new RegistryClient(Environments.Registry);
        var manifest = await client.GetManifestAsync(repository, tag, default);
        return OciJson.ReadIndex(manifest.Content, manifest.MediaType).Manifests
            .Where(m => !m.IsAttestation)
            .Select(m => m.Platform!.Normalized!.ToString())
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>`dotnet publish` on the SDK door: the build that pushes (by digest), validates and tags.</summary>
    private static Task<CliResult> BuildAsync(ThrowAwayProject project, params string[] properties)
        => project.DotnetAsync(["publish", project.ProjectFile, "-nodeReuse:false", $"-p:ContainerRegistry={Environments.Registry}", .. properties, "-getItem:ContainerImagePlatform"]);

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.Emulation, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task Podman_builds_three_platforms_pushes_validates_and_tags()
    {
        var (project, repository) = await OperatorAsync("linux/amd64;linux/arm64;linux/s390x");

        var result = await BuildAsync(project, "-p:ContainerCli=podman");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        CollectionAssert.AreEqual(new[] { "linux/amd64", "linux/arm64", "linux/s390x" }, await IndexPlatformsAsync(repository, "v1"));
        var items = result.Items("ContainerImagePlatform");
        Assert.AreEqual(3, items.Count);
        Assert.IsTrue(items.All(i => i.GetProperty("ManifestDigest").GetString()!.StartsWith("sha256:", StringComparison.Ordinal)));
    }

    /// <summary>
    /// One registry session for the whole build: the preflight's ping is the only one, and the index the build
    /// pushed reaches validation and tagging without being read from the registry again (the request log says so).
    /// </summary>
    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.Emulation, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task One_registry_session_carries_the_pushed_index_to_validation_and_tagging()
    {
        var (project, repository) = await OperatorAsync("linux/amd64;linux/arm64");

        var result = await project.DotnetAsync("publish", project.ProjectFile, "-nodeReuse:false", "-v:diag", "-p:ContainerCli=podman", $"-p:ContainerRegistry={Environments.Registry}");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        var requests = result.Output.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Replace(l.Trim(), @"\s*\(TaskId:\d+\)$", string.Empty)).Where(l => l.Contains($"http://{Environments.Registry}/v2/", StringComparison.Ordinal) && l.Contains(" -> ", StringComparison.Ordinal)).ToList();
        // The index goes up last of the manifests pushed by digest.
        var index = requests.Last(l => l.StartsWith("PUT", StringComparison.Ordinal) && l.Contains($"/{repository}/manifests/sha256:", StringComparison.Ordinal));
        var indexDigest = index[(index.IndexOf("/manifests/", StringComparison.Ordinal) + 11)..index.IndexOf(' ', index.IndexOf("/manifests/", StringComparison.Ordinal))];

        Assert.AreEqual(1, requests.Count(l => l.StartsWith($"GET http://{Environments.Registry}/v2/ ", StringComparison.Ordinal)), "one ping: " + string.Join("\n", requests));
        var manifestReads = requests.Where(l => l.StartsWith("GET", StringComparison.Ordinal) && l.Contains("/manifests/", StringComparison.Ordinal)).ToList();
        Assert.AreEqual(0, manifestReads.Count(l => l.Contains($"/{repository}/manifests/sha256:", StringComparison.Ordinal)), "nothing pushed is read back: " + string.Join("\n", requests));
        // The tag is looked up once before it is moved (an unchanged tag is not pushed again).
        Assert.AreEqual(1, manifestReads.Count(l => l.Contains($"/{repository}/manifests/v1 ", StringComparison.Ordinal)), "one look-up of the tag: " + string.Join("\n", requests));
        // The whole-image scan reads the base image's manifests (its layers are not the build's), each once: its index
        // by the tag the Dockerfile names once (the build tool's own pull is not this session's), never by its digest.
        var baseReads = manifestReads.Where(l => !l.Contains($"/{repository}/", StringComparison.Ordinal)).ToList();
        Assert.AreEqual(baseReads.Count, baseReads.Distinct(StringComparer.Ordinal).Count(), "a base manifest read twice: " + string.Join("\n", requests));
        var baseImage = ImageReference.Parse(Environments.BaseImage);
        Assert.AreEqual(1, baseReads.Count(l => l.Contains($"/{baseImage.Repository}/manifests/{baseImage.Tag} ", StringComparison.Ordinal)), "the base's index read once: " + string.Join("\n", requests));
        Assert.IsTrue(requests.Any(l => l.StartsWith("PUT", StringComparison.Ordinal) && l.EndsWith($"/{repository}/manifests/v1 -> 201", StringComparison.Ordinal)), string.Join("\n", requests));
        Assert.IsTrue(requests.Any(l => l.StartsWith("GET", StringComparison.Ordinal) && l.Contains("/blobs/", StringComparison.Ordinal)), "validation still reads configs and layers from the registry");

        // What was tagged is what the registry holds.
        using var client = new RegistryClient(Environments.Registry);
        Assert.AreEqual(indexDigest, (await client.GetManifestAsync(repository, "v1", default)).Digest.ToString());
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.Emulation, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task A_tag_never_names_an_image_that_failed_validation()
    {
        // Every platform gets the x86-64 busybox as its entrypoint: the classic wrong-binary image.
        const string lying = """
            ARG BASE_IMAGE
            FROM ${BASE_IMAGE}
            COPY --chmod=755 busybox-amd64 /usr/local/bin/app
            ENTRYPOINT ["/usr/local/bin/app"]
            """;
        var (project, repository) = await OperatorAsync("linux/amd64;linux/arm64", dockerfile: lying);

        var result = await BuildAsync(project, "-p:ContainerCli=podman");

        Assert.AreNotEqual(0, result.ExitCode, result.Describe());
        CollectionAssert.AreEqual(new[] { "MULTIARCH5007" }, result.ErrorCodes.ToArray(), result.Describe());
        using var client = new RegistryClient(Environments.Registry);
        await Assert.ThrowsExactlyAsync<RegistryNotFoundException>(() => client.GetManifestAsync(repository, "v1", default), "the tag must not exist");
    }

    [TestMethod]
    [Requires(RequiresAttribute.Podman, RequiresAttribute.Emulation, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task Without_a_registry_the_result_is_a_validated_oci_archive()
    {
        var (project, _) = await OperatorAsync("linux/amd64;linux/ppc64le");

        var result = await project.DotnetAsync("build", project.ProjectFile, "-nodeReuse:false", "-p:ContainerCli=podman");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        var archive = Path.Combine(project.Directory, "obj", "multiarch", "image.tar");
        Assert.IsTrue(File.Exists(archive));
        StringAssert.Contains(result.Output, "2 platform(s) present, 2 entrypoint binaries verified");
    }

    [TestMethod]
    [Requires(RequiresAttribute.Podman, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task Failed_build_is_a_coded_error_with_the_tools_last_lines()
    {
        const string failing = """
            ARG BASE_IMAGE
            FROM ${BASE_IMAGE}
            RUN ["/bin/busybox", "sh", "-c", "echo about to fail; exit 7"]
            """;
        var (project, _) = await OperatorAsync(MultiArch.Build.Platforms.OciPlatform.Host().ToString(), dockerfile: failing);

        var result = await project.DotnetAsync("build", project.ProjectFile, "-nodeReuse:false", "-p:ContainerCli=podman");

        Assert.AreNotEqual(0, result.ExitCode);
        CollectionAssert.AreEqual(new[] { "MULTIARCH3012" }, result.ErrorCodes.ToArray(), result.Describe());
        StringAssert.Contains(result.Output, "exit status 7", result.Describe());
        // The error points at the RUN line podman names (line 3), so IDEs and CI annotate it.
        StringAssert.Contains(result.Output, "Dockerfile(3): error MULTIARCH3012", result.Describe());
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.Emulation, RequiresAttribute.BaseImage)]
    public async Task PackageReference_door_builds_validates_and_tags_from_a_dotnet_project()
    {
        var repository = $"it/app{Guid.NewGuid():N}"[..20];
        var project = await ThrowAwayProject.PackageReferenceDoorAsync($"""
                <ContainerPlatforms>linux/amd64;linux/arm64</ContainerPlatforms>
                <ContainerCli>podman</ContainerCli>
                <ContainerRepository>{repository}</ContainerRepository>
                <ContainerImageTag>v2</ContainerImageTag>
                <ContainerInsecureRegistries>{Environments.Registry}</ContainerInsecureRegistries>
            """,
            items: $"""<ContainerBuildArg Include="BASE_IMAGE" Value="{Environments.BaseImage}" />""");
        project.WriteFile("Dockerfile", "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY --chmod=755 run.sh /run.sh\nENTRYPOINT [\"/run.sh\"]\n");
        project.WriteFile("run.sh", "#!/bin/busybox sh\necho hi\n");

        var result = await project.DotnetAsync("build", project.ProjectFile, "-t:MultiArchContainerImage", "-nodeReuse:false", $"-p:ContainerRegistry={Environments.Registry}");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, "2 platform(s) present, 2 entrypoint binaries verified");
        CollectionAssert.AreEqual(new[] { "linux/amd64", "linux/arm64" }, await IndexPlatformsAsync(repository, "v2"));
    }

    [TestMethod]
    [Requires(RequiresAttribute.Podman, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task Unreachable_registry_fails_the_preflight_before_building()
    {
        var (project, _) = await OperatorAsync("linux/amd64;linux/arm64");

        var result = await project.DotnetAsync("publish", project.ProjectFile, "-nodeReuse:false", "-v:n", "-p:ContainerCli=podman", "-p:ContainerRegistry=127.0.0.1:9");

        CollectionAssert.AreEqual(new[] { "MULTIARCH4008" }, result.ErrorCodes.ToArray(), result.Describe());
        Assert.IsFalse(result.Output.Contains("podman build --", StringComparison.Ordinal), "no build step may run");
    }

    /// <summary>
    /// The KubeRay failure on a fresh machine: Debian's buildx (build/env/install.sh) with the engine's docker driver,
    /// refused before any build with both fixes, in the words real buildx uses for it.
    /// </summary>
    [TestMethod]
    [Requires(RequiresAttribute.Docker, RequiresAttribute.Buildx)]
    public async Task Real_engine_default_builder_fails_the_preflight_before_any_build()
    {
        var project = await ThrowAwayProject.SdkDoorAsync("""
              <PropertyGroup>
                <ContainerPlatforms>linux/amd64;linux/arm64</ContainerPlatforms>
                <ContainerCli>docker</ContainerCli>
                <ContainerBuilder>default</ContainerBuilder>
              </PropertyGroup>
            """);
        project.WriteFile("Dockerfile", "FROM scratch\nCOPY Dockerfile /Dockerfile\n");

        var result = await project.DotnetAsync("build", project.ProjectFile, "-nodeReuse:false", "-v:n");

        Assert.AreNotEqual(0, result.ExitCode);
        CollectionAssert.AreEqual(new[] { "MULTIARCH3007" }, result.ErrorCodes.ToArray(), result.Describe());
        StringAssert.Contains(result.Output, "containerd-snapshotter", "the first fix");
        StringAssert.Contains(result.Output, "--driver docker-container", "the second fix");
        Assert.IsFalse(result.Output.Contains("buildx build --", StringComparison.Ordinal), "no build step may run");
        Assert.IsFalse(File.Exists(Path.Combine(project.Directory, "obj", "multiarch", "image.tar")));

        // What the preflight prevents is what buildx itself says when it is let through.
        var buildx = await ProcessRunner.Instance.RunAsync(new ProcessSpec("docker", ["buildx", "build", "--builder", "default", "--platform", "linux/amd64,linux/arm64", project.Directory]));
        Assert.AreNotEqual(0, buildx.ExitCode);
        StringAssert.Contains(buildx.StandardError, "Multi-platform build is not supported for the docker driver");
        StringAssert.Contains(result.Output, "buildx says: Multi-platform build is not supported for the docker driver");
    }

    [TestMethod]
    [Requires(RequiresAttribute.Docker, RequiresAttribute.Buildx)]
    public async Task Real_preflight_finds_buildx_and_its_docker_driver()
    {
        var result = await new BuildPreflight(ProcessRunner.Instance).RunAsync(
            new PreflightRequest { Cli = "docker", Builder = "default", Platforms = [MultiArch.Build.Platforms.OciPlatform.Host()], Output = BuildOutputKind.Load },
            default);

        Assert.AreEqual(ContainerCliKind.Docker, result.Cli);
        Assert.IsNotNull(result.BuildxVersion, "docker buildx version was read");
        Assert.AreEqual("docker", result.Builder!.Driver);
        Assert.IsFalse(result.ContainerdImageStore, "the engine here has the classic image store");
        CollectionAssert.Contains(result.NativePlatforms.ToList(), MultiArch.Build.Platforms.OciPlatform.Host());
    }

    /// <summary>
    /// One platform through the SDK door with buildx's docker driver: the engine has no bridge, so the RUN step gets a
    /// network mode (ContainerBuildNetwork); the docker driver pushes only under tags, so the tags go with the build and
    /// validation follows (ContainerValidateBeforeTag=false; with the default, MULTIARCH3030 says so before building).
    /// </summary>
    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Docker, RequiresAttribute.Buildx, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task Docker_driver_builds_one_platform_through_the_sdk_door_and_it_is_validated()
    {
        var host = MultiArch.Build.Platforms.OciPlatform.Host().ToString();
        var (project, repository) = await OperatorAsync(host, extra: "<ContainerCli>docker</ContainerCli><ContainerBuilder>default</ContainerBuilder>");

        var refused = await BuildAsync(project);
        CollectionAssert.AreEqual(new[] { "MULTIARCH3030" }, refused.ErrorCodes.ToArray(), refused.Describe());
        Assert.IsFalse(await Environments.TagExistsAsync(repository, "v1"), "nothing may be pushed");

        var withoutNetwork = await BuildAsync(project, "-p:ContainerValidateBeforeTag=false");
        CollectionAssert.AreEqual(new[] { "MULTIARCH3012" }, withoutNetwork.ErrorCodes.ToArray(), withoutNetwork.Describe());
        StringAssert.Contains(withoutNetwork.Output, "network bridge not found", "the engine here has no bridge: the RUN step needs a network mode");

        var result = await project.DotnetAsync("publish", project.ProjectFile, "-nodeReuse:false", "-v:n", $"-p:ContainerRegistry={Environments.Registry}", "-p:ContainerValidateBeforeTag=false", "-p:ContainerBuildNetwork=host");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, "--builder default", result.Describe());
        StringAssert.Contains(result.Output, "--network host", result.Describe());
        StringAssert.Contains(result.Output, "Builder default (driver docker)", result.Describe());
        Assert.IsTrue(await Environments.TagExistsAsync(repository, "v1"), result.Describe());
        StringAssert.Matches(result.Output, new System.Text.RegularExpressions.Regex(@"Validated \S+@sha256:[0-9a-f]{64}: 1 platform\(s\) present"), result.Describe());
    }

    /// <summary>
    /// Installing buildx (the docker driver only) does not move a multi-platform build: with ContainerCli empty it goes
    /// to podman as before, and the log says which builder and why.
    /// </summary>
    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Docker, RequiresAttribute.Buildx, RequiresAttribute.Podman, RequiresAttribute.Emulation, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task With_buildx_and_its_docker_driver_a_multi_platform_build_still_goes_to_podman_and_says_why()
    {
        var (project, repository) = await OperatorAsync("linux/amd64;linux/arm64");

        var result = await project.DotnetAsync("publish", project.ProjectFile, "-nodeReuse:false", "-v:n", $"-p:ContainerRegistry={Environments.Registry}", "-p:ContainerBuilder=default");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, "docker buildx is installed, but its builder 'default' uses the docker driver, which cannot build 2 platform(s) into one image index or export one: building with podman instead.", result.Describe());
        StringAssert.Matches(result.Output, new System.Text.RegularExpressions.Regex(@"podman build (--cgroup-parent=\S+ )?--platform linux/amd64,linux/arm64 "), result.Describe());
        Assert.IsFalse(result.Output.Contains("buildx build --", StringComparison.Ordinal), result.Describe());
        CollectionAssert.AreEqual(new[] { "linux/amd64", "linux/arm64" }, await IndexPlatformsAsync(repository, "v1"));
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.BuildxBuilder, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task Buildx_builds_three_platforms_pushes_by_digest_validates_and_tags()
    {
        var (project, repository) = await OperatorAsync("linux/amd64;linux/arm64;linux/s390x");

        var result = await BuildAsync(project, "-p:ContainerCli=docker", $"-p:ContainerBuilder={Environments.BuildxBuilder}");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        CollectionAssert.AreEqual(new[] { "linux/amd64", "linux/arm64", "linux/s390x" }, await IndexPlatformsAsync(repository, "v1"));
        using var client = new RegistryClient(Environments.Registry);
        var index = await client.GetManifestAsync(repository, "v1", default);
        Assert.IsTrue(OciJson.ReadIndex(index.Content, index.MediaType).Manifests.Any(m => m.IsAttestation), "buildx adds provenance attestations by default; validation passed with them in the index");
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.BuildxBuilder, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task Buildx_pinned_final_stage_is_stopped_by_the_dockerfile_check_before_building()
    {
        const string pinned = """
            ARG BASE_IMAGE
            FROM --platform=$BUILDPLATFORM ${BASE_IMAGE}
            COPY watches.yaml /opt/helm/watches.yaml
            """;
        var (project, repository) = await OperatorAsync("linux/amd64;linux/arm64", dockerfile: pinned);

        var result = await BuildAsync(project, "-p:ContainerCli=docker", $"-p:ContainerBuilder={Environments.BuildxBuilder}");

        CollectionAssert.AreEqual(new[] { "MULTIARCH2001" }, result.ErrorCodes.ToArray(), result.Describe());
        using var client = new RegistryClient(Environments.Registry);
        await Assert.ThrowsExactlyAsync<RegistryNotFoundException>(() => client.GetManifestAsync(repository, "v1", default));
    }

    /// <summary>
    /// Two matrix jobs (one platform each) with one cache spec: each writes its own cache tag, the second job leaves
    /// the first one's cache as it was, and a rerun of the first job reads its cache back.
    /// </summary>
    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.BuildxBuilder, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task Buildx_matrix_jobs_each_keep_their_own_registry_cache()
    {
        const string dockerfile = """
            ARG BASE_IMAGE
            FROM ${BASE_IMAGE}
            COPY watches.yaml /opt/helm/watches.yaml
            RUN ["/bin/busybox", "sh", "-c", "/bin/busybox uname -m > /arch"]
            """;
        // In the project, as docs/ci.md shows: on the command line MSBuild would split the spec at its commas.
        var repository = $"it/cache{Guid.NewGuid():N}"[..20];
        var cache = $"type=registry,ref={Environments.Registry}/{repository}:buildcache,mode=max";
        var (project, _) = await OperatorAsync("linux/amd64", extra: $"<ContainerCacheTo>{cache}</ContainerCacheTo><ContainerCacheFrom>{cache}</ContainerCacheFrom>", dockerfile: dockerfile);
        Task<CliResult> Job(string platform) => project.DotnetAsync("publish", project.ProjectFile, "-nodeReuse:false", $"-p:ContainerRegistry={Environments.Registry}", "-p:ContainerCli=docker", $"-p:ContainerBuilder={Environments.BuildxBuilder}", $"-p:ContainerPlatforms={platform}", "-p:MultiArchIncrementalBuild=false", "-v:n");
        using var client = new RegistryClient(Environments.Registry);

        var arm64 = await Job("linux/arm64");
        Assert.AreEqual(0, arm64.ExitCode, arm64.Describe());
        StringAssert.Contains(arm64.Output, $"--cache-to type=registry,ref={Environments.Registry}/{repository}:buildcache-linux-arm64,mode=max", arm64.Describe());
        var arm64Cache = (await client.GetManifestAsync(repository, "buildcache-linux-arm64", default)).Digest;

        var amd64 = await Job("linux/amd64");
        Assert.AreEqual(0, amd64.ExitCode, amd64.Describe());
        Assert.IsTrue(await Environments.TagExistsAsync(repository, "buildcache-linux-amd64"), amd64.Describe());
        Assert.AreEqual(arm64Cache, (await client.GetManifestAsync(repository, "buildcache-linux-arm64", default)).Digest, "the amd64 job must not overwrite the arm64 job's cache");
        Assert.IsFalse(await Environments.TagExistsAsync(repository, "buildcache"), "no shared cache tag");

        // A rerun of the arm64 job on a builder whose local cache is pruned still finds its steps in its own cache.
        await ProcessRunner.Instance.RunAsync(new ProcessSpec("docker", ["buildx", "prune", "--all", "--force", "--builder", Environments.BuildxBuilder]));
        var again = await Job("linux/arm64");
        Assert.AreEqual(0, again.ExitCode, again.Describe());
        StringAssert.Contains(again.Output, $"importing cache manifest from {Environments.Registry}/{repository}:buildcache-linux-arm64", again.Describe());
        StringAssert.Matches(again.Output, new System.Text.RegularExpressions.Regex(@"#\d+ CACHED"), again.Describe());
    }

    /// <summary>Issue 10 §3: at the default verbosity each finished step shows, per platform, and at the end the time table.</summary>
    [TestMethod]
    [Requires(RequiresAttribute.Podman, RequiresAttribute.Emulation, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task Podman_build_shows_each_finished_step_and_the_time_table_at_minimal_verbosity()
    {
        const string dockerfile = """
            ARG BASE_IMAGE
            FROM ${BASE_IMAGE}
            RUN ["/bin/busybox", "sh", "-c", "/bin/busybox uname -m > /arch"]
            COPY watches.yaml /opt/helm/watches.yaml
            """;
        var host = MultiArch.Build.Platforms.OciPlatform.Host().ToString();
        var other = host == "linux/amd64" ? "linux/arm64" : "linux/amd64";
        var (project, _) = await OperatorAsync($"{host};{other}", dockerfile: dockerfile);
        var summary = Path.Combine(project.Directory, "summary.md");

        var result = await DotnetCli.RunAsync(project.Directory, ["build", project.ProjectFile, "-nodeReuse:false", "-v:m", "-p:ContainerCli=podman"], new Dictionary<string, string?> { ["GITHUB_STEP_SUMMARY"] = summary });

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Matches(result.Output, new System.Text.RegularExpressions.Regex($@"\[{other}\] RUN \[""/bin/busybox"".* \d+\.\ds \(emulated\)"), result.Describe());
        StringAssert.Matches(result.Output, new System.Text.RegularExpressions.Regex($@"\[{host}\] RUN \[""/bin/busybox"".* \d+\.\ds\r?\n"), result.Describe());
        // COPY is buildah's own file operation: not run under QEMU, so not marked, whatever the platform.
        StringAssert.Matches(result.Output, new System.Text.RegularExpressions.Regex($@"\[{other}\] COPY watches.yaml /opt/helm/watches.yaml \d+\.\ds\r?\n"), result.Describe());
        StringAssert.Contains(result.Output, "Build time per platform", result.Describe());
        StringAssert.Matches(result.Output, new System.Text.RegularExpressions.Regex($@"{other} +4 step\(s\) in \d+\.\ds, emulated \d+\.\ds"), result.Describe());
        // Four steps: FROM, RUN, COPY and the LABEL step that carries the image's labels.
        var markdown = File.ReadAllText(summary);
        StringAssert.Contains(markdown, "### Build time per platform");
        StringAssert.Contains(markdown, $"| `{other}` | 4 |");
    }

    private const string CopyOnly = """
        ARG BASE_IMAGE
        FROM ${BASE_IMAGE}
        COPY watches.yaml /opt/helm/watches.yaml
        """;

    private static async Task<string> PodmanAsync(params string[] args)
    {
        var result = await ProcessRunner.Instance.RunAsync(new ProcessSpec("podman", args));
        return result.Succeeded ? result.StandardOutput : throw new AssertFailedException($"podman {string.Join(' ', args)}: {result.Tail(3)}");
    }

    private static async Task<IReadOnlyList<PodmanImage>> PodmanImagesAsync() => PodmanImage.ParseList(await PodmanAsync("images", "--all", "--format", "json"));

    [TestMethod]
    [Requires(RequiresAttribute.Podman, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task Podman_pulls_a_loopback_base_image_over_http_unlisted_and_leaves_no_untagged_image_behind()
    {
        // The loopback registry is not in ContainerInsecureRegistries: podman must still pull over plain HTTP.
        var (project, _) = await OperatorAsync(MultiArch.Build.Platforms.OciPlatform.Host().ToString(), dockerfile: CopyOnly, listInsecure: false);
        var before = await PodmanImagesAsync();

        var result = await project.DotnetAsync("build", project.ProjectFile, "-nodeReuse:false", "-p:ContainerCli=podman");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        await using var archive = OciLayoutSource.Open(Path.Combine(project.Directory, "obj", "multiarch", "image.tar"));
        var (root, type, _) = await archive.ReadRootAsync(default);
        var built = OciJson.ReadIndex(root, type).Manifests.Select(m => m.Digest.ToString()).ToHashSet();
        Assert.AreEqual(1, built.Count);
        var after = await PodmanImagesAsync();
        var left = after.Where(i => built.Contains(i.Digest)).ToList();
        Assert.AreEqual(0, left.Count, "the build's per-platform image was left behind: " + string.Join(", ", left));
        Assert.IsFalse(after.Any(i => i.Digest.Length > 0 && !before.Any(b => b.Id == i.Id) && i.Untagged && built.Contains(i.Digest)));
        var baseImage = Environment.GetEnvironmentVariable("MULTIARCH_BASE_IMAGE")!;
        await PodmanAsync("image", "exists", baseImage);
    }

    [TestMethod]
    [Requires(RequiresAttribute.Podman, RequiresAttribute.Emulation, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task ContainerLoad_with_podman_loads_for_real_one_image_or_the_manifest_list()
    {
        var host = MultiArch.Build.Platforms.OciPlatform.Host().ToString();
        var (single, singleRepository) = await OperatorAsync(host, dockerfile: CopyOnly);
        var (several, severalRepository) = await OperatorAsync($"{host};linux/arm64", dockerfile: CopyOnly);
        try
        {
            var one = await single.DotnetAsync("build", single.ProjectFile, "-nodeReuse:false", "-p:ContainerCli=podman", "-p:ContainerLoad=true");
            Assert.AreEqual(0, one.ExitCode, one.Describe());
            StringAssert.Contains(one.Output, $"Loaded {singleRepository}:v1 into podman's image store (one platform)", one.Describe());
            await PodmanAsync("image", "exists", $"{singleRepository}:v1");

            var two = await several.DotnetAsync("build", several.ProjectFile, "-nodeReuse:false", "-p:ContainerCli=podman", "-p:ContainerLoad=true");
            Assert.AreEqual(0, two.ExitCode, two.Describe());
            StringAssert.Contains(two.Output, "a manifest list of 2 platforms", two.Describe());
            var list = await PodmanAsync("manifest", "inspect", $"{severalRepository}:v1");
            Assert.AreEqual(2, PodmanImage.InstanceDigests(list).Count, list);
        }
        finally
        {
            await ProcessRunner.Instance.RunAsync(new ProcessSpec("podman", ["rmi", $"{singleRepository}:v1"]));
            var list = await ProcessRunner.Instance.RunAsync(new ProcessSpec("podman", ["manifest", "inspect", $"{severalRepository}:v1"]));
            var instances = list.Succeeded ? PodmanImage.InstanceDigests(list.StandardOutput) : [];
            await ProcessRunner.Instance.RunAsync(new ProcessSpec("podman", ["manifest", "rm", $"{severalRepository}:v1"]));
            var ids = (await PodmanImagesAsync()).Where(i => instances.Contains(i.Digest) && i.Untagged).Select(i => i.Id).ToArray();
            if (ids.Length > 0)
            {
                await ProcessRunner.Instance.RunAsync(new ProcessSpec("podman", ["rmi", .. ids]));
            }
        }
    }
}
