using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;
using MultiArch.Build.Oci;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Integration;

/// <summary>
/// The .NET door's default build: a real `dotnet publish` of a console app onto the real dotnet/runtime image, with no
/// ContainerCli, is assembled in process (no build tool asked or run), validated, smoke-run on linux/amd64 and, under
/// QEMU, linux/arm64, then tagged; and the same app built by podman has the same files and the same config.
/// </summary>
[ServiceTestClass]
public sealed class InProcessAssemblyTests
{
    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.Podman, RequiresAttribute.Emulation, RequiresAttribute.DotnetImages)]
    public async Task The_generated_Dockerfile_is_assembled_without_a_build_tool_runs_on_both_platforms_and_matches_podmans_image()
    {
        var repository = $"h-assemble/app{Guid.NewGuid():N}"[..26];
        var project = await ThrowAwayProject.PackageReferenceDoorAsync($"""
                <ContainerPlatforms>linux/amd64;linux/arm64</ContainerPlatforms>
                <ContainerRepository>{repository}</ContainerRepository>
                <ContainerImageTag>v1</ContainerImageTag>
            """);
        string[] common = ["publish", project.ProjectFile, "-c", "Release", "-nodeReuse:false", $"-p:ContainerBaseImage={Environments.DotnetRuntimeImage}", $"-p:ContainerRegistry={Environments.Registry}", $"-p:ContainerInsecureRegistries={Environments.Registry}"];

        var assembled = await project.DotnetAsync([.. common, "-p:ContainerSmokeTest=true"]);

        Assert.AreEqual(0, assembled.ExitCode, assembled.Describe());
        StringAssert.Contains(assembled.Output, "Builder: assembled in process: no build tool needed", assembled.Describe());
        StringAssert.Matches(assembled.Output, new System.Text.RegularExpressions.Regex(@"Assembled 2 platform\(s\) on [^ ]+/dotnet/runtime@sha256:[0-9a-f]{64}: [1-9]\d* base blob\(s\) mounted"), assembled.Describe());
        Assert.IsFalse(assembled.Output.Contains("podman build", StringComparison.Ordinal) || assembled.Output.Contains("buildx build", StringComparison.Ordinal), "no build tool runs");
        StringAssert.Contains(assembled.Output, "Arm64", "the app ran on linux/arm64 (QEMU) through its apphost");
        StringAssert.Contains(assembled.Output, "X64", "the app ran on linux/amd64");
        Assert.IsTrue(await Environments.TagExistsAsync(repository, "v1"), "tagged after validation");

        var again = await project.DotnetAsync([.. common, "-p:ContainerSmokeTest=true"]);

        Assert.AreEqual(0, again.ExitCode, again.Describe());
        StringAssert.Contains(again.Output, "Up to date", "nothing changed: the assembled image is still in the registry");
        Assert.IsFalse(again.Output.Contains("Assembled 2 platform", StringComparison.Ordinal), again.Describe());

        var built = await project.DotnetAsync([.. common, "-p:ContainerCli=podman", $"-p:ContainerRepository={repository}-podman"]);

        Assert.AreEqual(0, built.ExitCode, built.Describe());
        StringAssert.Contains(built.Output, "Build plan of builder podman", "an explicit ContainerCli keeps the tool's build");
        Assert.IsFalse(built.Output.Contains("assembled in process", StringComparison.Ordinal), built.Describe());
        using var session = new RegistrySession(new RegistryOptions());
        var client = session.ClientFor(Environments.Registry);
        foreach (var platform in new[] { "linux/amd64", "linux/arm64" })
        {
            var ours = await ImageAsync(client, repository, platform);
            var podmans = await ImageAsync(client, repository + "-podman", platform);
            foreach (var field in new[] { "Entrypoint", "Cmd", "User", "WorkingDir", "Env", "ExposedPorts" })
            {
                Assert.AreEqual(podmans.Config["config"]?[field]?.ToJsonString(), ours.Config["config"]?[field]?.ToJsonString(), $"{platform}: config.{field}");
            }

            Assert.AreEqual(podmans.Config["architecture"]!.ToJsonString(), ours.Config["architecture"]!.ToJsonString());
            CollectionAssert.AreEqual(podmans.AppFiles, ours.AppFiles, $"{platform}: the same files under /app, with the same modes, owners and sizes");
        }
    }

    /// <summary>A platform's config and the regular files and links under app/ of its last layer (name, mode, owner, size).</summary>
    private static async Task<(JsonObject Config, List<string> AppFiles)> ImageAsync(RegistryClient client, string repository, string platform)
    {
        var index = await client.GetManifestAsync(repository, "v1", CancellationToken.None);
        var entry = OciJson.ReadIndex(index.Content, index.MediaType).Manifests.Single(m => !m.IsAttestation && m.Platform?.Normalized?.ToString() == platform);
        var manifest = OciJson.ReadManifest((await client.GetManifestAsync(repository, entry.Digest.ToString(), CancellationToken.None)).Content, entry.MediaType);
        var config = JsonNode.Parse(await client.GetBlobBytesAsync(repository, manifest.Config, 1 << 20, CancellationToken.None))!.AsObject();
        var files = new List<string>();
        await using (var layer = await client.OpenBlobAsync(repository, manifest.Layers[^1], CancellationToken.None))
        await using (var gzip = new GZipStream(layer, CompressionMode.Decompress))
        {
            using var tar = new TarReader(gzip);
            while (await tar.GetNextEntryAsync() is { } file)
            {
                var name = file.Name.TrimStart('.', '/');
                if (name.StartsWith("app/", StringComparison.Ordinal) && file.EntryType is not TarEntryType.Directory)
                {
                    files.Add($"{name} {(file.EntryType == TarEntryType.V7RegularFile ? TarEntryType.RegularFile : file.EntryType)} {Convert.ToString((int)file.Mode, 8)} {file.Uid}:{file.Gid} {file.Length}");
                }
            }
        }

        files.Sort(StringComparer.Ordinal);
        return (config, files);
    }
}
