using MultiArch.Build.Platforms;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// The whole-image architecture scan on images podman builds from real per-architecture busybox binaries, validated
/// from the build's OCI archive with the base image read from the real loopback registry: the helper-binary story of
/// issue 18 (an x86-64 tool copied into every platform), a clean image, and a base that ships its own foreign file.
/// </summary>
[ServiceTestClass]
public sealed class ArchitectureScanIntegrationTests
{
    private const string Platforms = "linux/amd64;linux/arm64;linux/s390x";

    private static async Task<ThrowAwayProject> ProjectAsync(string dockerfile, string baseImage)
    {
        var project = await ThrowAwayProject.SdkDoorAsync($"""
              <PropertyGroup>
                <ContainerPlatforms>{Platforms}</ContainerPlatforms>
                <ContainerRepository>h-scan/it{Guid.NewGuid():N}</ContainerRepository>
                <ContainerInsecureRegistries>{Environments.Registry}</ContainerInsecureRegistries>
                <ContainerCli>podman</ContainerCli>
              </PropertyGroup>
              <ItemGroup>
                <ContainerBuildArg Include="BASE_IMAGE" Value="{baseImage}" />
              </ItemGroup>
            """);
        project.WriteFile("Dockerfile", dockerfile);
        project.WriteFile("app.conf", "greeting=hello\n");

        // The tool a $BUILDPLATFORM stage would have fetched: the build machine's (x86-64) binary.
        File.WriteAllBytes(Path.Combine(project.Directory, "helper-tool"), Environments.Busybox("amd64"));
        return project;
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task The_helper_binary_image_fails_on_exactly_its_foreign_platforms_with_the_file_named()
    {
        var project = await ProjectAsync("""
            ARG BASE_IMAGE
            FROM ${BASE_IMAGE}
            COPY app.conf /etc/app.conf
            COPY --chmod=755 helper-tool /usr/local/bin/helper
            ENTRYPOINT ["/bin/busybox", "echo", "ok"]
            """, Environments.BaseImage);

        var result = await project.DotnetAsync("build", project.ProjectFile, "-nodeReuse:false");

        Assert.AreNotEqual(0, result.ExitCode, result.Describe());
        var errors = result.Output.Split('\n').Where(l => l.Contains("error MULTIARCH5060", StringComparison.Ordinal)).Distinct().ToList();
        Assert.AreEqual(2, errors.Count, result.Describe());
        Assert.IsTrue(errors.Any(e => e.Contains("The linux/arm64 image", StringComparison.Ordinal)), result.Describe());
        Assert.IsTrue(errors.Any(e => e.Contains("The linux/s390x image", StringComparison.Ordinal)), result.Describe());
        Assert.IsTrue(errors.All(e => e.Contains("/usr/local/bin/helper (ELF 64-bit LSB x86-64)", StringComparison.Ordinal) && e.Contains("layer 2 of 2", StringComparison.Ordinal)), string.Join("\n", errors));

        // podman commits the build's instructions as one layer whose history names podman's own LABEL step: the
        // message says so rather than blaming that LABEL.
        Assert.IsTrue(errors.All(e => e.Contains("adds no files", StringComparison.Ordinal)), string.Join("\n", errors));
        Assert.IsFalse(result.Output.Contains("The linux/amd64 image holds", StringComparison.Ordinal), result.Describe());
    }

    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.BaseImage, RequiresAttribute.Busybox)]
    public async Task A_clean_image_passes_and_a_base_that_ships_a_foreign_file_only_warns()
    {
        // A base image of our own in the real registry: busybox per platform, plus an x86-64 library in every one.
        var baseRepository = $"h-scan/base{Guid.NewGuid():N}"[..24];
        var images = Platforms.Split(';').Select(p => TestImages.Image(p, p,
            [
                TestImages.BusyboxImage(OciPlatform.Parse(p)).Layers[0],
                TestImages.Layer([new TestFile("usr/lib/x86_64-linux-gnu/libshipped.so.1", Environments.Busybox("amd64"), Mode: 0b110_100_100)]),
            ], ["/bin/busybox"])).ToList();
        using (var client = new RegistryClient(Environments.Registry))
        {
            await TestImages.PushAsync(client, baseRepository, "1", TestImages.Index(images));
        }

        const string Dockerfile = """
            ARG BASE_IMAGE
            FROM ${BASE_IMAGE}
            COPY app.conf /etc/app.conf
            ENTRYPOINT ["/bin/busybox", "echo", "ok"]
            """;
        var clean = await ProjectAsync(Dockerfile, Environments.BaseImage);
        var cleanResult = await clean.DotnetAsync("build", clean.ProjectFile, "-nodeReuse:false", "-v:n");
        Assert.AreEqual(0, cleanResult.ExitCode, cleanResult.Describe());
        Assert.IsFalse(cleanResult.Output.Contains("MULTIARCH506", StringComparison.Ordinal), cleanResult.Describe());
        StringAssert.Contains(cleanResult.Output, "Scanned linux/s390x: all ", cleanResult.Describe());

        var shipped = await ProjectAsync(Dockerfile, $"{Environments.Registry}/{baseRepository}:1");
        var shippedResult = await shipped.DotnetAsync("build", shipped.ProjectFile, "-nodeReuse:false");
        Assert.AreEqual(0, shippedResult.ExitCode, shippedResult.Describe());
        var warnings = shippedResult.Output.Split('\n').Where(l => l.Contains("warning MULTIARCH5061", StringComparison.Ordinal)).Distinct().ToList();
        Assert.AreEqual(2, warnings.Count, shippedResult.Describe());
        Assert.IsTrue(warnings.All(w => w.Contains("/usr/lib/x86_64-linux-gnu/libshipped.so.1", StringComparison.Ordinal)), string.Join("\n", warnings));
        Assert.IsFalse(shippedResult.Output.Contains("MULTIARCH5060", StringComparison.Ordinal), shippedResult.Describe());
    }
}
