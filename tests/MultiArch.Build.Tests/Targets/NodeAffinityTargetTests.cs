using System.Text.RegularExpressions;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Targets;

/// <summary>
/// `-t:GenerateNodeAffinity` alone on the SDK door, through the packed package and the real dotnet CLI: the patch
/// from the resolved platforms at the Kubebuilder location, rewritten only when its content changes, and the
/// manifest's drift reported at the exact line in canonical form.
/// </summary>
[TestClass]
public sealed partial class NodeAffinityTargetTests
{
    /// <summary>Kubebuilder's manager.yaml, its affinity block uncommented, as operator repos ship it.</summary>
    internal static readonly string KubebuilderManager = TestDataFiles.Kubernetes("kubebuilder-manager.yaml");

    [GeneratedRegex(@"(?<file>[^\s:]+)\((?<line>\d+),(?<column>\d+)\): warning (?<code>MULTIARCH\d{4}): [^\n]*?=(?<value>[\w-]+),")]
    private static partial Regex LocatedWarning();

    private static async Task<ThrowAwayProject> OperatorAsync(string platforms, string properties = "")
        => await ThrowAwayProject.SdkDoorAsync($"""
              <PropertyGroup>
                <ContainerPlatforms>{platforms}</ContainerPlatforms>
            {properties}
              </PropertyGroup>
            """);

    private static List<string> Located(CliResult result)
        => LocatedWarning().Matches(result.StandardOutput)
            .Select(m => $"{Path.GetFileName(m.Groups["file"].Value)}:{m.Groups["line"].Value}:{m.Groups["column"].Value} {m.Groups["code"].Value} {m.Groups["value"].Value}")
            .Distinct().Order(StringComparer.Ordinal).ToList();

    [TestMethod]
    public async Task Alone_it_pins_the_resolved_platforms_warns_at_the_drifting_lines_and_rewrites_only_on_change()
    {
        var project = await OperatorAsync("linux/amd64;linux/arm64;linux/arm/v7");
        project.WriteFile("config/manager/manager.yaml", KubebuilderManager);
        project.WriteFile("config/manager/kustomization.yaml", "resources:\n- manager.yaml\npatches:\n- path: manager_node_affinity_patch.yaml\n");
        var patch = Path.Combine(project.Directory, "config", "manager", "manager_node_affinity_patch.yaml");

        var first = await project.MSBuildAsync("GenerateNodeAffinity");

        Assert.AreEqual(0, first.ExitCode, first.Describe());
        // ppc64le and s390x are allowed at lines 35 and 36 but not built; arm (linux/arm/v7) is built but missing from the list that starts at line 33.
        CollectionAssert.AreEqual(
            new[] { "manager.yaml:33:21 MULTIARCH6002 arm", "manager.yaml:35:23 MULTIARCH6001 ppc64le", "manager.yaml:36:23 MULTIARCH6001 s390x" },
            Located(first).ToArray(), first.Describe());
        CollectionAssert.AreEquivalent(new[] { "MULTIARCH6001", "MULTIARCH6002" }, first.WarningCodes.ToArray(), "the kustomization lists the patch: no MULTIARCH6008");
        var content = await File.ReadAllTextAsync(patch);
        StringAssert.Contains(content, "  name: controller-manager\n  namespace: system\n");
        StringAssert.Contains(content, "                    values:\n                      - amd64\n                      - arm\n                      - arm64\n");
        StringAssert.Contains(first.Output, "Wrote " + patch);

        var written = File.GetLastWriteTimeUtc(patch);
        await Task.Delay(1100);
        var second = await project.MSBuildAsync("GenerateNodeAffinity", extra: "-v:n");

        Assert.AreEqual(0, second.ExitCode, second.Describe());
        StringAssert.Contains(second.Output, patch + " is up to date");
        Assert.AreEqual(written, File.GetLastWriteTimeUtc(patch), "an unchanged patch is not rewritten");

        var fewer = await project.MSBuildAsync("GenerateNodeAffinity", extra: "-p:ContainerPlatforms=linux/amd64");

        Assert.AreEqual(0, fewer.ExitCode, fewer.Describe());
        Assert.IsFalse((await File.ReadAllTextAsync(patch)).Contains("- arm64", StringComparison.Ordinal), "the patch follows the platforms");
    }

    [TestMethod]
    public async Task Without_a_manifest_it_writes_kubebuilders_names_and_warns_when_the_kustomization_misses_it()
    {
        var project = await OperatorAsync("linux/s390x", "<ContainerNodeAffinityPatch>deploy/affinity.yaml</ContainerNodeAffinityPatch>");
        project.WriteFile("deploy/kustomization.yaml", "resources:\n- manager.yaml\n");

        var result = await project.MSBuildAsync("GenerateNodeAffinity", getProperties: ["ContainerNodeAffinityPatchWritten", "ContainerGenerateNodeAffinity"]);

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, Path.Combine(project.Directory, "deploy", "kustomization.yaml") + "(1,1): warning MULTIARCH6008:", result.Describe());
        var content = await File.ReadAllTextAsync(Path.Combine(project.Directory, "deploy", "affinity.yaml"));
        StringAssert.Contains(content, "  name: controller-manager\n  namespace: system\n");
        StringAssert.Contains(content, "- s390x\n");
    }

    [TestMethod]
    public async Task A_broken_manifest_a_missing_one_and_an_unknown_deployment_are_coded_errors()
    {
        var project = await OperatorAsync("linux/amd64");
        project.WriteFile("config/manager/manager.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: m\n spec: {\n");

        var broken = await project.MSBuildAsync("GenerateNodeAffinity");
        var missing = await project.MSBuildAsync("GenerateNodeAffinity", extra: "-p:ContainerNodeAffinityManifest=deploy/absent.yaml");
        project.WriteFile("config/manager/manager.yaml", KubebuilderManager);
        var unknown = await project.MSBuildAsync("GenerateNodeAffinity", extra: "-p:ContainerNodeAffinityDeployment=webhook");

        CollectionAssert.AreEqual(new[] { "MULTIARCH6005" }, broken.ErrorCodes.ToArray(), broken.Describe());
        StringAssert.Matches(broken.Output, new Regex(@"manager\.yaml\(\d+,\d+\): error MULTIARCH6005"));
        CollectionAssert.AreEqual(new[] { "MULTIARCH6006" }, missing.ErrorCodes.ToArray(), missing.Describe());
        CollectionAssert.AreEqual(new[] { "MULTIARCH6010" }, unknown.ErrorCodes.ToArray(), unknown.Describe());
        StringAssert.Contains(unknown.Output, "(it has: controller-manager)");
        Assert.IsFalse(File.Exists(Path.Combine(project.Directory, "config", "manager", "manager_node_affinity_patch.yaml")), "no patch after an error");
    }
}
