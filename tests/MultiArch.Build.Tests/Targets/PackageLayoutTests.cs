using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using MultiArch.Build.Processes;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Targets;

[TestClass]
public sealed class PackageLayoutTests
{
    /// <summary>The SourceLink custom debug information in a portable pdb (System.Reflection.Metadata's well-known GUID).</summary>
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    /// <summary>
    /// `dotnet pack MultiArch.Build.sln -c Release -o DIR` gives one package with both doors and private task
    /// dependencies, its licence, readme, icon and repository, and a symbols package with the task assembly's pdb.
    /// </summary>
    [TestMethod]
    public async Task Packing_the_solution_gives_one_package_with_both_doors()
    {
        var output = TestDirectories.Create("pack");
        // --no-build: the solution was just built in Release by this test run; rebuilding it here would race with it.
        var result = await DotnetCli.RunAsync(Repository.Root, "pack", "MultiArch.Build.sln", "-c", "Release", "--no-build", "-o", output, "-nodeReuse:false");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        var package = Directory.GetFiles(output, "*.nupkg").Single();
        var symbols = Directory.GetFiles(output, "*.snupkg").SingleOrDefault();
        Assert.IsNotNull(symbols, $"no .snupkg beside {Path.GetFileName(package)}");
        Assert.AreEqual(Path.GetFileNameWithoutExtension(package), Path.GetFileNameWithoutExtension(symbols), "the symbols package has the package's id and version");
        StringAssert.Matches(Path.GetFileName(package), new System.Text.RegularExpressions.Regex(@"^MultiArch\.Build\.\d+\.\d+\.\d+.*\.nupkg$"));

        using var zip = ZipFile.OpenRead(package);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        foreach (var expected in new[]
        {
            "build/MultiArch.Build.props", "build/MultiArch.Build.targets",
            "build/MultiArch.Build.Lifecycle.props", "build/MultiArch.Build.Lifecycle.targets", "build/MultiArch.Build.NoCompile.targets",
            "build/MultiArch.Build.Kubernetes.targets",
            "buildMultiTargeting/MultiArch.Build.props", "buildMultiTargeting/MultiArch.Build.targets",
            "Sdk/Sdk.props", "Sdk/Sdk.targets",
            "tasks/net8.0/MultiArch.Build.dll", "tasks/net8.0/NuGet.Versioning.dll", "tasks/net8.0/YamlDotNet.dll", "tasks/net8.0/CliWrap.dll",
            "README.md", "LICENSE", "icon.png",
        })
        {
            Assert.IsTrue(entries.Contains(expected), $"missing {expected}; has {string.Join(", ", entries)}");
        }

        Assert.IsFalse(entries.Any(e => e.StartsWith("lib/", StringComparison.Ordinal)), "the task assembly is not a library for consumers");
        Assert.IsFalse(entries.Contains("build/MultiArch.Build.Standalone.targets"), "the SDK door's hand-written lifecycle is gone");
        Assert.IsFalse(entries.Any(e => e.Contains("Microsoft.Build", StringComparison.Ordinal)), "MSBuild's own assemblies must not ship");

        var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.AreEqual("MultiArch.Build", metadata.Element(ns + "id")!.Value);
        Assert.AreEqual("true", metadata.Element(ns + "developmentDependency")!.Value);
        Assert.IsNull(metadata.Element(ns + "dependencies")?.Descendants(ns + "dependency").FirstOrDefault(), "no package dependencies flow to consumers");
        StringAssert.Contains(metadata.Element(ns + "packageTypes")!.ToString(), "MSBuildSdk");

        // Licence, readme and icon: named in the .nuspec and shipped as the files it names.
        var license = metadata.Element(ns + "license")!;
        Assert.AreEqual("expression", license.Attribute("type")!.Value);
        Assert.AreEqual("MIT", license.Value);
        StringAssert.Contains(ReadEntry(zip, "LICENSE"), "MIT License");
        Assert.AreEqual("README.md", metadata.Element(ns + "readme")!.Value);
        Assert.AreEqual(File.ReadAllText(Path.Combine(Repository.Root, "README.md")), ReadEntry(zip, "README.md"));
        Assert.AreEqual("icon.png", metadata.Element(ns + "icon")!.Value);
        using (var icon = new MemoryStream())
        {
            zip.GetEntry("icon.png")!.Open().CopyTo(icon);
            CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, icon.ToArray()[..4], "icon.png is a PNG");
        }

        StringAssert.Contains(metadata.Element(ns + "tags")!.Value, "buildx");

        // Repository: git, the commit that was built, and the URL of the clone's remote when it has one
        // (a clone without a remote gets none: README says to pass -p:RepositoryUrl=... then).
        var repository = metadata.Element(ns + "repository");
        Assert.IsNotNull(repository, "no <repository> in the .nuspec");
        Assert.AreEqual("git", repository.Attribute("type")?.Value);
        var head = await GitAsync("rev-parse", "HEAD");
        Assert.AreEqual(head, repository.Attribute("commit")?.Value, "the repository commit is the one that was built");
        var origin = await GitAsync("remote", "get-url", "origin");
        // A remote that is a folder on this machine (a clone of a clone, as CI makes) is no address to publish.
        var networkRemote = origin is not null && (origin.Contains("://", StringComparison.Ordinal) || origin.Contains('@', StringComparison.Ordinal))
            && !origin.StartsWith("file://", StringComparison.Ordinal);
        if (!networkRemote)
        {
            Assert.IsNull(repository.Attribute("url"), $"remote '{origin}' is no network address: no repository URL may be made up");
        }
        else
        {
            Assert.IsFalse(string.IsNullOrEmpty(repository.Attribute("url")?.Value), $"the clone's remote is {origin}, the .nuspec names no repository URL");
        }

        // Symbols: the task assembly's own pdb (same id as the dll's debug directory), with SourceLink when the
        // clone has a remote that SourceLink maps (GitHub, GitLab, Azure Repos, Bitbucket).
        using var symbolZip = ZipFile.OpenRead(symbols);
        var pdbEntry = symbolZip.GetEntry("tasks/net8.0/MultiArch.Build.pdb");
        Assert.IsNotNull(pdbEntry, $"no tasks/net8.0/MultiArch.Build.pdb in the .snupkg; has {string.Join(", ", symbolZip.Entries.Select(e => e.FullName))}");
        using var pdbBytes = new MemoryStream();
        pdbEntry.Open().CopyTo(pdbBytes);
        using var dllBytes = new MemoryStream();
        zip.GetEntry("tasks/net8.0/MultiArch.Build.dll")!.Open().CopyTo(dllBytes);
        pdbBytes.Position = 0;
        dllBytes.Position = 0;
        using var pe = new PEReader(dllBytes);
        var codeView = pe.ReadCodeViewDebugDirectoryData(pe.ReadDebugDirectory().Single(d => d.Type == DebugDirectoryEntryType.CodeView));
        using var pdbProvider = MetadataReaderProvider.FromPortablePdbStream(pdbBytes);
        var pdb = pdbProvider.GetMetadataReader();
        Assert.AreEqual(codeView.Guid, new BlobContentId(pdb.DebugMetadataHeader!.Id).Guid, "the pdb in the .snupkg belongs to the dll in the .nupkg");
        Assert.IsTrue(pdb.Documents.Select(d => pdb.GetString(pdb.GetDocument(d).Name)).Any(n => n.EndsWith("MultiArchTask.cs", StringComparison.Ordinal)), "the pdb lists the task sources");
        var sourceLink = pdb.GetCustomDebugInformation(EntityHandle.ModuleDefinition)
            .Select(pdb.GetCustomDebugInformation)
            .Where(c => pdb.GetGuid(c.Kind) == SourceLinkKind)
            .Select(c => System.Text.Encoding.UTF8.GetString(pdb.GetBlobBytes(c.Value)))
            .SingleOrDefault();
        if (origin is not null && repository.Attribute("url")?.Value is { } url && url.Contains("github.com", StringComparison.Ordinal))
        {
            Assert.IsNotNull(sourceLink, "a GitHub remote, and no SourceLink in the pdb");
            StringAssert.Contains(sourceLink, head!);
        }
    }

    private static string ReadEntry(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }

    /// <summary>A git command's first output line in the repository, or null when it fails (no remote, no git).</summary>
    private static async Task<string?> GitAsync(params string[] arguments)
    {
        try
        {
            var result = await ProcessRunner.Instance.RunAsync(new ProcessSpec("git", arguments) { WorkingDirectory = Repository.Root });
            return result.Succeeded ? result.StandardOutput.Trim() : null;
        }
        catch (ToolNotFoundException)
        {
            return null;
        }
    }
}
