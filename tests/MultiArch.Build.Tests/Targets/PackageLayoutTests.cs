using System.IO.Compression;
using System.Xml.Linq;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Targets;

[TestClass]
public sealed class PackageLayoutTests
{
    /// <summary>`dotnet pack MultiArch.Build.sln -c Release -o DIR` gives one package with both doors and private task dependencies.</summary>
    [TestMethod]
    public async Task Packing_the_solution_gives_one_package_with_both_doors()
    {
        var output = TestDirectories.Create("pack");
        // --no-build: the solution was just built in Release by this test run; rebuilding it here would race with it.
        var result = await DotnetCli.RunAsync(Repository.Root, "pack", "MultiArch.Build.sln", "-c", "Release", "--no-build", "-o", output, "-nodeReuse:false");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        var package = Directory.GetFiles(output, "*.nupkg").Single();
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
            "tasks/net8.0/MultiArch.Build.dll", "tasks/net8.0/NuGet.Versioning.dll", "tasks/net8.0/YamlDotNet.dll", "tasks/net8.0/CliWrap.dll", "README.md",
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
    }
}
