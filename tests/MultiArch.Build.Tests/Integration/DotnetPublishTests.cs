using System.Security.Cryptography;
using System.Text.Json;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// The .NET front door with real `dotnet publish` runs: samples/aspnet-app with its apphost (the SDK's default) on the
/// real dotnet/aspnet:10.0 of build/env/dotnet-images.sh, answering HTTP on both platforms, its base image read once;
/// the sample without an apphost published once for two platforms, staged, its Dockerfile generated, built with podman
/// (and buildx where present), pushed by digest, validated and tagged; the host RID self-contained; and publish
/// without ContainerPlatforms left as it was.
/// The two-platform `dotnet App.dll` publishes (UseAppHost=false) still use a stand-in for dotnet/aspnet (the real
/// per-platform busybox is `/usr/bin/dotnet`): no linux-arm64 `dotnet` muxer is served here, so the real
/// dotnet/aspnet:10.0 has none for arm64 and the start-up check would rightly refuse `dotnet App.dll` there
/// (MULTIARCH5027). Where the real image serves (linux/amd64), it is used.
/// </summary>
[ServiceTestClass]
public sealed class DotnetPublishTests
{
    internal static readonly Lazy<Task<string>> StandIn = new(PushStandInBaseAsync);

    /// <summary>build/env/base-images.sh pushes multiarch/dotnet-standin:1; made here when the environment predates it.</summary>
    private static async Task<string> PushStandInBaseAsync()
    {
        if (Environment.GetEnvironmentVariable("MULTIARCH_DOTNET_BASE_IMAGE") is { Length: > 0 } ready)
        {
            return ready;
        }

        var images = new[] { "linux/amd64", "linux/arm64" }.Select(p =>
        {
            var platform = OciPlatform.Parse(p);
            var layer = TestImages.Layer(
            [
                new TestFile("bin/busybox", Environments.Busybox(TestImages.DebianArch(platform))),
                new TestFile("bin/sh", null, "busybox"),
                new TestFile("usr/bin/dotnet", null, "/bin/busybox"),
            ]);
            return TestImages.Image(p, p, [layer], ["/bin/busybox"]);
        }).ToList();
        using var client = new RegistryClient(Environments.Registry);
        await TestImages.PushAsync(client, "multiarch-tests/dotnet-standin", "1", TestImages.Index(images));
        return $"{Environments.Registry}/multiarch-tests/dotnet-standin:1";
    }

    private static readonly Lazy<Task<string>> HostGlibc = new(PushHostGlibcBaseAsync);

    /// <summary>
    /// A linux/amd64 base with this machine's real glibc and C++ runtime (what the .NET apphost and runtime link
    /// against, as in mcr.microsoft.com/dotnet/runtime-deps): a self-contained app for the host RID starts in it.
    /// </summary>
    private static async Task<string> PushHostGlibcBaseAsync()
    {
        const string lib = "usr/lib/x86_64-linux-gnu/";
        var files = new List<TestFile>
        {
            new("bin/busybox", Environments.Busybox("amd64")),
            new("bin/sh", null, "busybox"),
            new("lib", null, "usr/lib"),
            new("lib64/ld-linux-x86-64.so.2", null, "/" + lib + "ld-linux-x86-64.so.2"),
        };
        foreach (var name in new[] { "ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libstdc++.so.6", "libgcc_s.so.1" })
        {
            files.Add(new TestFile(lib + name, File.ReadAllBytes("/" + lib + name)));
        }

        var image = TestImages.Image("linux/amd64", "linux/amd64", [TestImages.Layer(files)], ["/bin/busybox"]);
        using var client = new RegistryClient(Environments.Registry);
        await TestImages.PushAsync(client, "multiarch-tests/host-glibc", "1", TestImages.Index([image]));
        return $"{Environments.Registry}/multiarch-tests/host-glibc:1";
    }

    private static async Task<(ThrowAwayProject Project, string Repository, string[] Properties)> SampleAsync(string cli)
    {
        var project = await ThrowAwayProject.SampleAsync("aspnet-app");
        var repository = $"it/aspnet{Guid.NewGuid():N}"[..22];
        string[] properties =
        [
            "-p:ContainerPlatforms=\"linux/amd64;linux/arm64\"",
            "-p:UseAppHost=false", // `dotnet aspnet-app.dll`: one publish for both platforms, on the stand-in (see above)
            $"-p:ContainerCli={cli}",
            $"-p:ContainerBaseImage={await StandIn.Value}",
            $"-p:ContainerRegistry={Environments.Registry}",
            $"-p:ContainerInsecureRegistries={Environments.Registry}",
            $"-p:ContainerRepository={repository}",
        ];
        return (project, repository, properties);
    }

    /// <summary>
    /// The sample as it is (an apphost, framework-dependent) on the real dotnet/aspnet:10.0 for linux/amd64 and
    /// linux/arm64: the start-up check follows each apphost to the image's runtime, and each platform's container
    /// answers /healthz (arm64 under QEMU). The base image's index is read once per publish, by its tag, before anything
    /// is compiled: the generated FROM is pinned to that digest (so podman builds on exactly that image) and the
    /// validation's scan reads the base by digest from the build's session. A second publish keeps the Dockerfile as it
    /// was and reads the index once again (the tag may have moved), and nothing else.
    /// </summary>
    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.Emulation, RequiresAttribute.DotnetImages)]
    public async Task The_sample_with_its_apphost_answers_on_the_real_aspnet_image_and_its_base_index_is_read_once()
    {
        var project = await ThrowAwayProject.SampleAsync("aspnet-app");
        var repository = $"h-dotnet/aspnet{Guid.NewGuid():N}"[..26];
        string[] arguments =
        [
            "publish", project.ProjectFile, "-c", "Release", "-nodeReuse:false", "-v:d",
            "-p:ContainerPlatforms=\"linux/amd64;linux/arm64\"", "-p:ContainerCli=podman", $"-p:ContainerBaseImage={Environments.DotnetAspnetImage}",
            $"-p:ContainerRegistry={Environments.Registry}", $"-p:ContainerInsecureRegistries={Environments.Registry}", $"-p:ContainerRepository={repository}",
            "-p:ContainerSmokeTestUrl=http://localhost:8080/healthz", "-p:ContainerSmokeTestTimeout=180",
        ];
        var baseImage = ImageReference.Parse(Environments.DotnetAspnetImage);
        using var client = new RegistryClient(Environments.Registry);
        var baseIndex = (await client.GetManifestAsync(baseImage.Repository, baseImage.Reference, default)).Digest;
        var pinned = $"{baseImage.Registry}/{baseImage.Repository}@{baseIndex}";

        var first = await project.DotnetAsync(arguments);

        Assert.AreEqual(0, first.ExitCode, first.Describe());
        var dockerfilePath = Path.Combine(project.Directory, "obj", "multiarch", "Dockerfile");
        var dockerfile = File.ReadAllText(dockerfilePath);
        StringAssert.Contains(dockerfile, $"\n# {Environments.DotnetAspnetImage}, resolved before the build and pinned to its digest: what is built is the base that was checked\nFROM {pinned}\n", dockerfile);
        StringAssert.Contains(dockerfile, "ENTRYPOINT [\"./aspnet-app\"]\n");
        StringAssert.Contains(first.Output, $"Pinned the base image in {dockerfilePath}: FROM {pinned}", first.Describe());
        StringAssert.Contains(first.Output, "publishing per RID in parallel: linux-x64, linux-arm64, reusing the IL compiled once", first.Describe());
        foreach (var platform in new[] { "linux/amd64", "linux/arm64" })
        {
            StringAssert.Contains(first.Output, $"Start-up check {platform}: the .NET host of /app/aspnet-app resolves: /usr/share/dotnet/host/fxr/", first.Describe());
        }

        StringAssert.Contains(first.Output, "Smoke run linux/amd64 (native): HTTP 200 from http://localhost:8080/healthz in ", first.Describe());
        StringAssert.Contains(first.Output, "Smoke run linux/arm64 (emulated (qemu-aarch64 via binfmt_misc)): HTTP 200 from http://localhost:8080/healthz in ", first.Describe());
        AssertBaseIndexReadOnce(first, baseImage, baseIndex, scanned: true);

        var written = File.GetLastWriteTimeUtc(dockerfilePath);
        var second = await project.DotnetAsync(arguments);

        Assert.AreEqual(0, second.ExitCode, second.Describe());
        StringAssert.Contains(second.Output, "Up to date: nothing that goes into the image changed since the last build", second.Describe());
        StringAssert.Contains(second.Output, "not validated again", second.Describe());
        Assert.AreEqual(dockerfile, File.ReadAllText(dockerfilePath));
        Assert.AreEqual(written, File.GetLastWriteTimeUtc(dockerfilePath), "an unchanged project keeps an unchanged Dockerfile, pin included");
        AssertBaseIndexReadOnce(second, baseImage, baseIndex, scanned: false);
    }

    /// <summary>
    /// From the build's request log (-v:d): the base's index asked for by its tag exactly once, never by its digest (the
    /// session has it), and every other manifest of the base (the scan's per-platform ones) at most once.
    /// </summary>
    private static void AssertBaseIndexReadOnce(CliResult result, ImageReference baseImage, Digest index, bool scanned)
    {
        var prefix = $"GET http://{baseImage.Registry}/v2/{baseImage.Repository}/manifests/";
        var reads = result.Output.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Replace(l.Trim(), @"\s*\(TaskId:\d+\)$", string.Empty))
            .Where(l => l.Contains(prefix, StringComparison.Ordinal) && l.Contains(" -> ", StringComparison.Ordinal))
            .Select(l => l[l.IndexOf(prefix, StringComparison.Ordinal)..])
            .ToList();
        var log = "base manifest reads:\n" + string.Join("\n", reads);
        Assert.AreEqual(1, reads.Count(l => l.StartsWith(prefix + baseImage.Tag + " ", StringComparison.Ordinal)), log);
        Assert.AreEqual(0, reads.Count(l => l.StartsWith(prefix + index + " ", StringComparison.Ordinal)), log);
        Assert.AreEqual(reads.Count, reads.Distinct(StringComparer.Ordinal).Count(), log);
        Assert.AreEqual(scanned ? 3 : 1, reads.Count, "the index, and with a validation the scan's two platform manifests: " + log);
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.Emulation, RequiresAttribute.Busybox)]
    public async Task Publish_with_podman_builds_pushes_validates_and_tags_two_platforms_from_one_publish()
    {
        var (project, repository, properties) = await SampleAsync("podman");

        var result = await project.DotnetAsync(["publish", project.ProjectFile, "-c", "Release", "-nodeReuse:false", .. properties]);

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, "one publish serves linux/amd64,linux/arm64", result.Describe());
        StringAssert.Contains(result.Output, "2 platform(s) present, 2 entrypoint binaries verified", result.Describe());
        StringAssert.Contains(result.Output, $"Pushed {Environments.Registry}/{repository}:v0.1.0@sha256:", result.Describe());

        // The staged context: one folder per platform, the same files with the same bytes and one timestamp.
        var context = Path.Combine(project.Directory, "obj", "multiarch", "publish-context");
        var amd64 = Snapshot(Path.Combine(context, "linux", "amd64"));
        var arm64 = Snapshot(Path.Combine(context, "linux", "arm64"));
        CollectionAssert.Contains(amd64.Keys.ToList(), "aspnet-app.dll");
        CollectionAssert.AreEqual(amd64.ToList(), arm64.ToList());
        Assert.IsTrue(Directory.EnumerateFileSystemEntries(context, "*", SearchOption.AllDirectories).All(e => File.GetLastWriteTimeUtc(e) == new DateTime(1980, 1, 1, 0, 0, 0, DateTimeKind.Utc)));

        // The generated Dockerfile, kept under obj/.
        var dockerfile = File.ReadAllText(Path.Combine(project.Directory, "obj", "multiarch", "Dockerfile"));
        // Its FROM pinned to the digest the early check read, the name as given kept in the comment above it.
        StringAssert.Contains(dockerfile, $"\n# {await StandIn.Value}, resolved before the build and pinned to its digest");
        StringAssert.Matches(dockerfile, new System.Text.RegularExpressions.Regex($@"\nFROM {System.Text.RegularExpressions.Regex.Escape(Environments.Registry)}/[a-z0-9/_.-]+@sha256:[0-9a-f]{{64}}\n"));
        StringAssert.Contains(dockerfile, "COPY --from=publish ${TARGETPLATFORM}/ /app/\n");
        StringAssert.Contains(dockerfile, "EXPOSE 8080/tcp\n");
        StringAssert.Contains(dockerfile, "USER ${APP_UID:-1654}\n");
        StringAssert.Contains(dockerfile, "ENTRYPOINT [\"dotnet\", \"aspnet-app.dll\"]\n");

        // The registry: the tag names an index of both platforms, whose app layer is one blob (pushed once).
        using var client = new RegistryClient(Environments.Registry);
        var index = await client.GetManifestAsync(repository, "v0.1.0", default);
        var entries = OciJson.ReadIndex(index.Content, index.MediaType).Manifests.Where(m => !m.IsAttestation).ToList();
        CollectionAssert.AreEquivalent(new[] { "linux/amd64", "linux/arm64" }, entries.Select(e => e.Platform!.Normalized!.ToString()).ToArray());
        var appLayers = new List<string>();
        foreach (var entry in entries)
        {
            var manifest = await client.GetManifestAsync(repository, entry.Digest.ToString(), default);
            appLayers.Add(OciJson.ReadManifest(manifest.Content, manifest.MediaType).Layers[^1].Digest.ToString());
        }

        Assert.AreEqual(1, appLayers.Distinct().Count(), "identical per-platform content must give one layer: " + string.Join(", ", appLayers));
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.BuildxBuilder, RequiresAttribute.Busybox)]
    public async Task Publish_with_buildx_builds_pushes_validates_and_tags_two_platforms()
    {
        var (project, repository, properties) = await SampleAsync("docker");

        var result = await project.DotnetAsync(["publish", project.ProjectFile, "-c", "Release", "-nodeReuse:false", .. properties, $"-p:ContainerBuilder={Environments.BuildxBuilder}"]);

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, "2 platform(s) present, 2 entrypoint binaries verified", result.Describe());
        using var client = new RegistryClient(Environments.Registry);
        var index = await client.GetManifestAsync(repository, "v0.1.0", default);
        CollectionAssert.AreEquivalent(
            new[] { "linux/amd64", "linux/arm64" },
            OciJson.ReadIndex(index.Content, index.MediaType).Manifests.Where(m => !m.IsAttestation).Select(m => m.Platform!.Normalized!.ToString()).ToArray());
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.Busybox)]
    public async Task Self_contained_publish_for_the_host_rid_has_an_apphost_entrypoint_and_every_native_file_checked()
    {
        // Runtime packs exist here for linux-x64 only: the self-contained (apphost) path is proved on the host RID, on a
        // base with the host's real glibc, and the image is run once (smoke run): the app prints its architecture.
        var repository = $"it/selfcontained{Guid.NewGuid():N}"[..28];
        var project = await ThrowAwayProject.PackageReferenceDoorAsync($"""
                <ContainerPlatforms>linux/amd64</ContainerPlatforms>
                <SelfContained>true</SelfContained>
                <ContainerCli>podman</ContainerCli>
                <ContainerRepository>{repository}</ContainerRepository>
                <ContainerSmokeTest>true</ContainerSmokeTest>
                <InvariantGlobalization>true</InvariantGlobalization>
            """);

        var result = await project.DotnetAsync("publish", project.ProjectFile, "-c", "Release", "-nodeReuse:false", "-v:n", $"-p:ContainerBaseImage={await HostGlibc.Value}", $"-p:ContainerRegistry={Environments.Registry}", $"-p:ContainerInsecureRegistries={Environments.Registry}");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, "publishing per RID in parallel: linux-x64", result.Describe());
        StringAssert.Contains(result.Output, "1 platform(s) present, 1 entrypoint binaries verified", result.Describe());
        StringAssert.Contains(result.Output, "X64", "the smoke run's output: the self-contained app ran in the image");
        // The start-up check judges the runtime the app carries, but not the optional LTTng trace provider
        // (libcoreclrtraceptprovider.so needs liblttng-ust.so.0, which this base, like runtime-deps, lacks).
        StringAssert.Matches(result.Output, new System.Text.RegularExpressions.Regex(@"Start-up check linux/amd64: \S+ can start \(interpreter \S+, \d+ shared libraries resolved\)"), result.Describe());
        Assert.IsFalse(result.Output.Contains("liblttng-ust", StringComparison.Ordinal), result.Describe());
        var dockerfile = File.ReadAllText(Path.Combine(project.Directory, "obj", "multiarch", "Dockerfile"));
        StringAssert.Contains(dockerfile, "ENTRYPOINT [\"./app\"]\n");
        Assert.IsFalse(dockerfile.Contains("EXPOSE", StringComparison.Ordinal), "a console app exposes no port");

        // The deep check judged the apphost and the runtime's native libraries, not only the entrypoint.
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(project.Directory, "obj", "multiarch", "validation.json"))).RootElement;
        Assert.AreEqual("/app/app", report.GetProperty("platforms")[0].GetProperty("executable").GetString());
        var checkedLine = result.Output.Split('\n').Single(l => l.Contains("CPU-specific file(s)", StringComparison.Ordinal));
        var count = int.Parse(checkedLine.Split("linux/amd64: ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.IsTrue(count > 10, "apphost, libcoreclr.so, ReadyToRun framework assemblies...: " + checkedLine);
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.Busybox, RequiresAttribute.DotnetImages)]
    public async Task Rid_specific_assets_make_a_framework_dependent_app_publish_per_rid()
    {
        // A runtimes/<rid>/native asset, as packages such as SQLitePCLRaw bring: a portable publish holds every RID's
        // copy, a per-RID publish resolves its own. The real x86-64 busybox stands in for the native library.
        var project = await ThrowAwayProject.PackageReferenceDoorAsync(
            """
                <ContainerPlatforms>linux/amd64</ContainerPlatforms>
                <UseAppHost>false</UseAppHost>
                <ContainerCli>podman</ContainerCli>
            """,
            items: """<None Include="native/libdemo.so" CopyToPublishDirectory="PreserveNewest" Link="runtimes/linux-x64/native/libdemo.so" />""");
        Directory.CreateDirectory(Path.Combine(project.Directory, "native"));
        File.WriteAllBytes(Path.Combine(project.Directory, "native", "libdemo.so"), Environments.Busybox("amd64"));

        var result = await project.DotnetAsync("publish", project.ProjectFile, "-c", "Release", "-nodeReuse:false", "-v:n", $"-p:ContainerBaseImage={Environments.DotnetAspnetImage}", $"-p:ContainerInsecureRegistries={Environments.Registry}");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, "Start-up check linux/amd64: the .NET host of /app/app.dll resolves", result.Describe());
        StringAssert.Contains(result.Output, "publishing per RID in parallel: linux-x64", result.Describe());
        StringAssert.Contains(File.ReadAllText(Path.Combine(project.Directory, "obj", "multiarch", "Dockerfile")), "ENTRYPOINT [\"dotnet\", \"app.dll\"]\n");
        Assert.IsTrue(File.Exists(Path.Combine(project.Directory, "obj", "multiarch", "publish-context", "linux", "amd64", "runtimes", "linux-x64", "native", "libdemo.so")));
        StringAssert.Contains(result.Output, "linux/amd64: 1 CPU-specific file(s)", result.Describe());
    }

    [TestMethod]
    public async Task Publish_without_ContainerPlatforms_gives_the_same_output_as_without_the_package()
    {
        var project = await ThrowAwayProject.PackageReferenceDoorAsync();
        var withPackage = File.ReadAllText(project.ProjectPath);
        var publishDir = Path.Combine(project.Directory, "bin", "Release", $"net{Environment.Version.Major}.0", "publish");

        // First without the package (same folder, so that paths embedded in the output are the same).
        File.WriteAllText(project.ProjectPath, string.Join('\n', withPackage.Split('\n').Where(l => !l.Contains("MultiArch.Build", StringComparison.Ordinal))));
        var plain = await project.DotnetAsync("publish", project.ProjectFile, "-c", "Release", "-nodeReuse:false");
        Assert.AreEqual(0, plain.ExitCode, plain.Describe());
        var expected = Snapshot(publishDir);
        Directory.Delete(Path.Combine(project.Directory, "bin"), recursive: true);
        Directory.Delete(Path.Combine(project.Directory, "obj"), recursive: true);

        File.WriteAllText(project.ProjectPath, withPackage);
        var packaged = await project.DotnetAsync("publish", project.ProjectFile, "-c", "Release", "-nodeReuse:false");

        Assert.AreEqual(0, packaged.ExitCode, packaged.Describe());
        CollectionAssert.AreEqual(expected.ToList(), Snapshot(publishDir).ToList());
        Assert.IsFalse(Directory.Exists(Path.Combine(project.Directory, "obj", "multiarch")), "no image work without ContainerPlatforms");
        Assert.IsFalse(packaged.Output.Contains("MultiArch.Build", StringComparison.Ordinal), packaged.Describe());
    }

    /// <summary>Relative path to SHA-256 of every file, in ordinal order.</summary>
    private static SortedDictionary<string, string> Snapshot(string directory)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            files[Path.GetRelativePath(directory, file)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));
        }

        return files;
    }
}
