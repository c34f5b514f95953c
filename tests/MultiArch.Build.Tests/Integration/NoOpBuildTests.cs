using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// The no-op on the real path: a publish through the SDK door with the CLI chosen by the preflight (docker is asked
/// first; its docker driver cannot push several platforms by digest, so podman builds), pushed to the loopback
/// registry, validated and tagged; then the same publish again. docker and podman are the real ones, behind wrappers
/// first on PATH that write each call to a log before running it: the second publish must start neither, say it is up
/// to date, reuse the validation, leave the tag where it is, and leave the registry as it was.
/// </summary>
[ServiceTestClass]
public sealed class NoOpBuildTests
{
    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.BaseImage)]
    public async Task A_second_publish_starts_no_tool_and_changes_nothing_in_the_registry()
    {
        var (project, repository) = await IncrementalBuildTests.SdkDoorAsync($"h-noop/it{Guid.NewGuid():N}"[..20], cli: string.Empty);

        var bin = Path.Combine(project.Directory, "..", Path.GetFileName(project.Directory) + "-bin");
        var log = bin + ".log";
        Directory.CreateDirectory(bin);
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var tool in new[] { "docker", "podman" })
        {
            var real = path.Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
            if (real is null)
            {
                continue;
            }

            var wrapper = Path.Combine(bin, tool);
            File.WriteAllText(wrapper, $"#!/bin/sh\necho \"{tool} $*\" >> '{log}'\nexec '{real}' \"$@\"\n");
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var environment = new Dictionary<string, string?> { ["PATH"] = bin + ":" + path };
        string[] publish = ["publish", project.ProjectFile, "-nodeReuse:false", "-v:n", $"-p:ContainerRegistry={Environments.Registry}"];

        var first = await DotnetCli.RunAsync(project.Directory, publish, environment);
        Assert.AreEqual(0, first.ExitCode, first.Describe());
        var firstCalls = File.ReadAllLines(log);
        Assert.IsTrue(firstCalls.Any(c => c.StartsWith("podman build ", StringComparison.Ordinal)), string.Join("\n", firstCalls));
        StringAssert.Contains(first.Output, "2 platform(s) present", "the first publish validates");

        using var client = new RegistryClient(Environments.Registry);
        using var http = new HttpClient();
        var tagsUrl = $"http://{Environments.Registry}/v2/{repository}/tags/list";
        var tagged = (await client.GetManifestAsync(repository, "v1", default)).Digest;
        var tagsBefore = await http.GetStringAsync(tagsUrl);
        File.Delete(log);

        var second = await DotnetCli.RunAsync(project.Directory, publish, environment);

        Assert.AreEqual(0, second.ExitCode, second.Describe());
        Assert.IsFalse(File.Exists(log), "nothing changed: no docker or podman may start\n" + (File.Exists(log) ? File.ReadAllText(log) : string.Empty) + second.Describe());
        StringAssert.Contains(second.Output, $"Up to date: nothing that goes into the image changed since the last build, and {Environments.Registry}/{repository}@{tagged} is still there.");
        StringAssert.Contains(second.Output, "not validated again");
        StringAssert.Contains(second.Output, $"Up to date: {Environments.Registry}/{repository}:v1@{tagged}");
        Assert.IsFalse(second.Output.Contains("Pushed", StringComparison.Ordinal), second.Describe());
        Assert.AreEqual(tagged, (await client.GetManifestAsync(repository, "v1", default)).Digest, "the tag is where it was");
        Assert.AreEqual(tagsBefore, await http.GetStringAsync(tagsUrl), "no tag was added or moved");
    }
}
