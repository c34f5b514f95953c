using System.Text.RegularExpressions;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// samples/go-operator end to end, for real: its Makefile's `docker-buildx` (which calls `dotnet publish` on the
/// SDK door) builds the Kubebuilder Dockerfile with podman for three platforms, the builder stage cross-compiling
/// on the build machine with a Go builder image made here from the host's golang-1.23 (public images cannot be
/// pulled; the builder stage runs on $BUILDPLATFORM, so the host's architecture is all it needs); then the pushed
/// index is read back and the nodeAffinity drift and patch are checked. (The validator proves each /manager is an
/// ELF for its CPU; `podman run` cannot start containers in this sandbox: runc may not set rlimits.)
/// </summary>
[ServiceTestClass]
public sealed partial class GoOperatorSampleTests
{
    private static readonly string Sample = Path.Combine(Repository.Root, "samples", "go-operator");

    [GeneratedRegex(@"manager\.yaml\((?<line>\d+),\d+\): warning MULTIARCH6001: [^\n]*kubernetes\.io/arch=(?<value>\w+),")]
    private static partial Regex DriftWarning();

    /// <summary>
    /// A Go builder image in the loopback registry (made once per machine and Go version): the base image for this
    /// machine with a shell, plus the host's GOROOT, trimmed. In a registry rather than podman's local storage because
    /// podman 4 looks a `localhost/` name up in a registry for the platforms of a multi-platform build.
    /// </summary>
    private static async Task<string> GoBuilderImageAsync()
    {
        var version = (await File.ReadAllTextAsync(Path.Combine(Environments.GoRoot, "VERSION"))).Split('\n')[0].Trim();
        const string repository = "multiarch-test/go-builder";
        var image = $"{Environments.Registry}/{repository}:{version}-{OciPlatform.Host().Architecture}";
        using (var client = new RegistryClient(Environments.Registry))
        {
            try
            {
                await client.GetManifestAsync(repository, image[(image.LastIndexOf(':') + 1)..], default);
                return image;
            }
            catch (RegistryNotFoundException)
            {
            }
        }

        var context = TestDirectories.Create("go-builder");
        // Debian's GOROOT links src/ into /usr/share: copy the resolved tree, without what compiling a program never reads.
        var copy = await DotnetCli.BashAsync(context, $"""
            set -e
            mkdir go
            tar -C '{Environments.GoRoot}' -chf - --exclude=src/cmd --exclude='*_test.go' --exclude=testdata \
              --exclude=pprof --exclude=trace --exclude=vet --exclude=cover --exclude=doc --exclude=fix --exclude=objdump \
              bin pkg src go.env VERSION | tar -C go -xf -
            """);
        Assert.AreEqual(0, copy.ExitCode, copy.Describe());
        await File.WriteAllTextAsync(Path.Combine(context, "Containerfile"), $"""
            FROM {Environments.BaseImage}
            RUN ["/bin/busybox", "sh", "-c", "/bin/busybox mkdir -p /tmp /usr/bin && /bin/busybox --install -s /bin"]
            COPY go /usr/local/go
            ENV PATH=/usr/local/go/bin:/bin GOROOT=/usr/local/go GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-buildvcs=false GOCACHE=/tmp/go-cache GOPATH=/tmp/go HOME=/tmp
            """);
        var build = await DotnetCli.BashAsync(context, $"podman build --tls-verify=false --layers=false --platform linux/{OciPlatform.Host().Architecture} -t {image} . && podman push --tls-verify=false {image} && podman rmi {image}");
        Assert.AreEqual(0, build.ExitCode, build.Describe());
        return image;
    }

    [TestMethod]
    [Requires(RequiresAttribute.Go, RequiresAttribute.Podman, RequiresAttribute.Registry, RequiresAttribute.BaseImage, RequiresAttribute.Emulation)]
    public async Task Make_docker_buildx_cross_compiles_pushes_validates_tags_and_pins_affinity()
    {
        var builder = await GoBuilderImageAsync();
        await PackageFeed.EnsurePackedAsync();
        var repo = TestDirectories.Create("go-operator");
        var copy = await DotnetCli.BashAsync(Sample, $"cp -r Dockerfile Makefile go.mod cmd config build '{repo}/' && rm '{repo}/build/nuget.config'");
        Assert.AreEqual(0, copy.ExitCode, copy.Describe());
        var project = Path.Combine(repo, "build", "image.proj");
        await File.WriteAllTextAsync(project, (await File.ReadAllTextAsync(project)).Replace("MultiArch.Build/0.1.0", $"MultiArch.Build/{PackageFeed.Version}", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(repo, "nuget.config"), $"""
            <configuration><packageSources><clear /><add key="local" value="{PackageFeed.Directory}" /></packageSources></configuration>
            """);
        var repository = $"it/go{Guid.NewGuid():N}"[..20];
        var img = $"{Environments.Registry}/{repository}:v0.1.0";
        var environment = new Dictionary<string, string?> { ["ContainerCli"] = "podman", ["GO_IMAGE"] = builder, ["BASE_IMAGE"] = Environments.BaseImage, ["ContainerInsecureRegistries"] = Environments.Registry };

        var make = await DotnetCli.BashAsync(repo, $"make docker-buildx IMG={img} PLATFORMS=linux/amd64,linux/arm64,linux/ppc64le", environment);

        Console.WriteLine(make.Output);
        Assert.AreEqual(0, make.ExitCode, make.Describe());
        StringAssert.Contains(make.Output, "3 platform(s) present, 3 entrypoint binaries verified", make.Describe());
        StringAssert.Contains(make.Output, $"Pushed {Environments.Registry}/{repository}:v0.1.0@sha256:");
        using var client = new RegistryClient(Environments.Registry);
        var index = await client.GetManifestAsync(repository, "v0.1.0", default);
        CollectionAssert.AreEquivalent(
            new[] { "linux/amd64", "linux/arm64", "linux/ppc64le" },
            OciJson.ReadIndex(index.Content, index.MediaType).Manifests.Where(m => !m.IsAttestation).Select(m => m.Platform!.Normalized!.ToString()).ToArray());

        // manager.yaml still lists s390x (line 43), which was not built.
        var drift = DriftWarning().Matches(make.Output).Select(m => $"{m.Groups["line"].Value} {m.Groups["value"].Value}").Distinct().ToArray();
        CollectionAssert.AreEqual(new[] { "43 s390x" }, drift, make.Describe());
        var patch = await File.ReadAllTextAsync(Path.Combine(repo, "config", "manager", "manager_node_affinity_patch.yaml"));
        StringAssert.Contains(patch, "                    values:\n                      - amd64\n                      - arm64\n                      - ppc64le\n");
    }
}
