using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Targets;

/// <summary>
/// A no-op build through the SDK door starts no tool process: `docker` and `podman` are replaced, first on PATH, by
/// scripts that write each call to a log (podman's "build" leaves a prepared OCI archive where the real one would), and
/// the preflight chooses between them as it does on a machine without buildx. The second build must call neither; each
/// change that must rebuild (the builder picked by environment, ContainerCli, the context, a lost archive) calls them
/// again. The real engine: Integration/NoOpBuildTests.
/// </summary>
[TestClass]
public sealed class NoOpBuildTargetTests
{
    private sealed record Tools(string Bin, string Log)
    {
        public string[] Calls() => File.Exists(Log) ? File.ReadAllLines(Log) : [];

        public void Forget() => File.Delete(Log);
    }

    /// <summary>A docker whose buildx does not work, and a podman that builds by copying <paramref name="archive"/>.</summary>
    private static Tools FakeTools(string directory, string archive)
    {
        var bin = Path.Combine(directory, "fake-bin");
        var log = Path.Combine(directory, "tool-calls.log");
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "docker"), $$"""
            #!/bin/sh
            echo "docker $*" >> '{{log}}'
            echo "docker: 'buildx' is not a docker command." >&2
            exit 1
            """.ReplaceLineEndings("\n"));
        File.WriteAllText(Path.Combine(bin, "podman"), $$"""
            #!/bin/sh
            echo "podman $*" >> '{{log}}'
            case "$1 $2" in
              "version "*) echo 4.3.1 ;;
              "images "*) echo '[]' ;;
              "manifest inspect") echo '{"manifests":[]}' ;;
              "manifest push") for last; do :; done; cp '{{archive}}' "${last#oci-archive:}" ;;
            esac
            exit 0
            """.ReplaceLineEndings("\n"));
        foreach (var tool in new[] { "docker", "podman" })
        {
            File.SetUnixFileMode(Path.Combine(bin, tool), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return new Tools(bin, log);
    }

    [TestMethod]
    public async Task A_second_build_starts_no_tool_and_each_change_that_must_rebuild_does()
    {
        var project = await ThrowAwayProject.SdkDoorAsync("""
              <PropertyGroup>
                <ContainerPlatforms>linux/amd64;linux/arm64</ContainerPlatforms>
                <ContainerValidate>false</ContainerValidate>
              </PropertyGroup>
            """);
        project.WriteFile("Dockerfile", "FROM scratch\nCOPY config.yaml /etc/app/config.yaml\nENTRYPOINT [\"/app\"]\n");
        project.WriteFile("config.yaml", "level: info\n");
        var prepared = Path.Combine(project.Directory, "..", Path.GetFileName(project.Directory) + "-built.tar");
        TestImages.WriteLayoutArchive(prepared, FakeImages.Index("linux/amd64", "linux/arm64"));
        var tools = FakeTools(Path.GetDirectoryName(prepared)!, prepared);
        var path = tools.Bin + ":" + Environment.GetEnvironmentVariable("PATH");

        async Task<CliResult> BuildAsync(string? buildxBuilder = null, params string[] extra)
        {
            tools.Forget();
            var result = await DotnetCli.RunAsync(
                project.Directory,
                ["build", project.ProjectFile, "-nodeReuse:false", "-v:n", .. extra],
                new Dictionary<string, string?> { ["PATH"] = path, ["BUILDX_BUILDER"] = buildxBuilder, ["DOCKER_HOST"] = null, ["DOCKER_CONTEXT"] = null, ["CONTAINER_HOST"] = null, ["CONTAINER_CONNECTION"] = null });
            Assert.AreEqual(0, result.ExitCode, result.Describe());
            return result;
        }

        var first = await BuildAsync();
        CollectionAssert.Contains(tools.Calls(), "docker buildx version", "the preflight asked docker first");
        Assert.IsTrue(tools.Calls().Any(c => c.StartsWith("podman build ", StringComparison.Ordinal)), first.Describe());
        StringAssert.Contains(first.Output, "Building: no earlier build is recorded.");

        var second = await BuildAsync();
        CollectionAssert.AreEqual(Array.Empty<string>(), tools.Calls(), "nothing changed: no tool may start\n" + second.Describe());
        StringAssert.Contains(second.Output, "Up to date: nothing that goes into the image changed since the last build");
        Assert.IsFalse(second.Output.Contains("Container CLI", StringComparison.Ordinal) || second.Output.Contains("MULTIARCH3", StringComparison.Ordinal), "no preflight: " + second.Describe());

        // The builder buildx would use, picked by environment: the preflight must choose again.
        var third = await BuildAsync("elsewhere");
        Assert.AreNotEqual(0, tools.Calls().Length, third.Describe());
        StringAssert.Contains(third.Output, "Building: changed since the last build: tool env BUILDX_BUILDER.");
        var fourth = await BuildAsync("elsewhere");
        CollectionAssert.AreEqual(Array.Empty<string>(), tools.Calls(), "the same environment again: a no-op\n" + fourth.Describe());

        var fifth = await BuildAsync("elsewhere", "-p:ContainerCli=podman");
        Assert.IsTrue(tools.Calls().Any(c => c.StartsWith("podman build ", StringComparison.Ordinal)), fifth.Describe());
        StringAssert.Contains(fifth.Output, "Building: changed since the last build: tool ContainerCli.");

        project.WriteFile("config.yaml", "level: debug\n");
        var sixth = await BuildAsync("elsewhere", "-p:ContainerCli=podman");
        Assert.IsTrue(tools.Calls().Any(c => c.StartsWith("podman build ", StringComparison.Ordinal)), sixth.Describe());
        StringAssert.Contains(sixth.Output, "Building: changed since the last build: context config.yaml.");

        var archive = Path.Combine(project.Directory, "obj", "multiarch", "image.tar");
        File.Delete(archive);
        var seventh = await BuildAsync("elsewhere", "-p:ContainerCli=podman");
        Assert.IsTrue(tools.Calls().Any(c => c.StartsWith("podman build ", StringComparison.Ordinal)), seventh.Describe());
        StringAssert.Contains(seventh.Output, $"Building: the archive {archive} is gone.");
    }
}
