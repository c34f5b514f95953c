using MultiArch.Build.Diagnostics;
using MultiArch.Build.Kubernetes;
using MultiArch.Build.Platforms;

namespace MultiArch.Build.Tests.Unit.Kubernetes;

/// <summary>
/// The manifest's node affinity against the platforms built: a warning at the exact line for every architecture
/// it allows that was not built, and for every built one it omits, over In/NotIn/Exists/DoesNotExist, several
/// terms, a nodeSelector, multi-document YAML and no affinity at all.
/// </summary>
[TestClass]
public sealed class ManifestAffinityCheckerTests
{
    private const string Patch = "manager_node_affinity_patch.yaml";

    private static readonly OciPlatform[] AmdArm = [OciPlatform.Parse("linux/amd64"), OciPlatform.Parse("linux/arm64")];

    private static IReadOnlyList<string> Check(string yaml, IReadOnlyList<OciPlatform>? built = null, string? deployment = null)
        => ManifestAffinityChecker.Check("manager.yaml", yaml, built ?? AmdArm, deployment, Patch).Diagnostics.Select(Describe).ToList();

    private static void AssertFindings(string[] expected, IEnumerable<string> actual)
        => Assert.AreEqual(string.Join(" | ", expected), string.Join(" | ", actual));

    /// <summary>code@line:column value, with the value read from the message (the label's value the warning is about).</summary>
    private static string Describe(Diagnostic d)
    {
        var value = d.Arguments.Count > 2 && d.Code is "MULTIARCH6001" or "MULTIARCH6002" ? $" {d.Arguments[1]}={d.Arguments[2]}" : string.Empty;
        return $"{d.Code}@{d.Line}:{d.Column}{value}";
    }

    /// <summary>Kubebuilder's scaffold (config/manager/manager.yaml) with its commented block uncommented: two documents.</summary>
    private const string Kubebuilder = """
        apiVersion: v1
        kind: Namespace
        metadata:
          labels:
            control-plane: controller-manager
          name: system
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: controller-manager
          namespace: system
        spec:
          template:
            spec:
              affinity:
                nodeAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                    nodeSelectorTerms:
                      - matchExpressions:
                        - key: kubernetes.io/arch
                          operator: In
                          values:
                            - amd64
                            - arm64
                            - ppc64le
                            - s390x
                        - key: kubernetes.io/os
                          operator: In
                          values:
                            - linux
              containers:
              - name: manager
                image: controller:latest
        """;

    [TestMethod]
    public void Kubebuilder_scaffold_allows_two_architectures_that_were_not_built_each_at_its_line()
    {
        AssertFindings(["MULTIARCH6001@26:23 kubernetes.io/arch=ppc64le", "MULTIARCH6001@27:23 kubernetes.io/arch=s390x"], Check(Kubebuilder));
    }

    [TestMethod]
    public void Matching_affinity_gives_no_warning_and_names_the_deployment()
    {
        var built = new[] { "linux/amd64", "linux/arm64", "linux/ppc64le", "linux/s390x" }.Select(OciPlatform.Parse).ToList();
        var check = ManifestAffinityChecker.Check("manager.yaml", Kubebuilder, built, null, Patch);

        Assert.AreEqual(0, check.Diagnostics.Count, string.Join("\n", check.Diagnostics));
        Assert.AreEqual(new Workload("Deployment", "controller-manager", "system", 8), check.Workloads.Single());
    }

    [TestMethod]
    public void A_built_architecture_the_In_list_omits_is_reported_at_its_values_key()
    {
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: manager}
            spec:
              template:
                spec:
                  affinity:
                    nodeAffinity:
                      requiredDuringSchedulingIgnoredDuringExecution:
                        nodeSelectorTerms:
                        - matchExpressions:
                          - key: kubernetes.io/arch
                            operator: In
                            values: [amd64]
            """;

        AssertFindings(["MULTIARCH6002@14:25 kubernetes.io/arch=arm64"], Check(yaml));
    }

    [TestMethod]
    public void NotIn_excluding_a_built_architecture_points_at_that_value_and_allows_the_others_at_the_operator()
    {
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: manager
            spec:
              template:
                spec:
                  affinity:
                    nodeAffinity:
                      requiredDuringSchedulingIgnoredDuringExecution:
                        nodeSelectorTerms:
                        - matchExpressions:
                          - key: kubernetes.io/arch
                            operator: NotIn
                            values:
                            - arm64
                            - s390x
            """;

        // NotIn allows every node architecture it does not list: arm and ppc64le were not built (at the operator);
        // arm64 was built but is excluded (at that value).
        AssertFindings(["MULTIARCH6001@14:27 kubernetes.io/arch=arm", "MULTIARCH6001@14:27 kubernetes.io/arch=ppc64le", "MULTIARCH6002@16:19 kubernetes.io/arch=arm64"], Check(yaml).OrderBy(s => s, StringComparer.Ordinal));
    }

    [TestMethod]
    public void Several_terms_are_ORed_a_value_allowed_by_any_term_is_allowed()
    {
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: manager
            spec:
              template:
                spec:
                  affinity:
                    nodeAffinity:
                      requiredDuringSchedulingIgnoredDuringExecution:
                        nodeSelectorTerms:
                        - matchExpressions:
                          - {key: kubernetes.io/arch, operator: In, values: [amd64]}
                          - {key: kubernetes.io/os, operator: In, values: [linux]}
                        - matchExpressions:
                          - {key: kubernetes.io/arch, operator: In, values: [arm64, riscv64]}
                          - {key: kubernetes.io/os, operator: In, values: [linux]}
            """;

        AssertFindings(["MULTIARCH6001@16:73 kubernetes.io/arch=riscv64"], Check(yaml));
    }

    [TestMethod]
    public void A_term_without_an_architecture_expression_allows_every_architecture()
    {
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: manager
            spec:
              template:
                spec:
                  affinity:
                    nodeAffinity:
                      requiredDuringSchedulingIgnoredDuringExecution:
                        nodeSelectorTerms:
                        - matchExpressions:
                          - key: kubernetes.io/os
                            operator: In
                            values: [linux]
            """;

        AssertFindings(["MULTIARCH6003@12:15"], Check(yaml));
    }

    [TestMethod]
    public void No_affinity_at_all_is_said_once_at_the_pod_spec_not_as_a_warning()
    {
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: controller-manager
            spec:
              template:
                spec:
                  containers:
                  - name: manager
                    image: controller:latest
            """;

        var check = ManifestAffinityChecker.Check("manager.yaml", yaml, AmdArm, null, Patch);

        var only = check.Diagnostics.Single();
        Assert.AreEqual(("MULTIARCH6004", DiagnosticSeverity.Message, 8), (only.Code, only.Severity, only.Line));
        StringAssert.Contains(only.Message, Patch);
    }

    [TestMethod]
    public void A_nodeSelector_pins_like_an_In_term()
    {
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: manager
            spec:
              template:
                spec:
                  nodeSelector:
                    kubernetes.io/arch: amd64
                    kubernetes.io/os: windows
            """;

        AssertFindings(["MULTIARCH6001@10:27 kubernetes.io/os=windows", "MULTIARCH6002@10:27 kubernetes.io/os=linux", "MULTIARCH6002@9:29 kubernetes.io/arch=arm64"], Check(yaml).OrderBy(s => s, StringComparer.Ordinal));
    }

    [TestMethod]
    public void Windows_and_beta_labels_are_judged_like_the_current_ones()
    {
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: manager
            spec:
              template:
                spec:
                  affinity:
                    nodeAffinity:
                      requiredDuringSchedulingIgnoredDuringExecution:
                        nodeSelectorTerms:
                        - matchExpressions:
                          - key: beta.kubernetes.io/arch
                            operator: In
                            values: [amd64]
                          - key: kubernetes.io/os
                            operator: In
                            values: [linux, windows]
            """;
        var built = new[] { OciPlatform.Parse("linux/amd64"), OciPlatform.Parse("windows/amd64") };

        AssertFindings([], Check(yaml, built));
    }

    [TestMethod]
    public void Only_the_named_deployment_is_checked_in_a_multi_document_manifest()
    {
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: webhook
            spec:
              template:
                spec:
                  nodeSelector: {kubernetes.io/arch: s390x}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: controller-manager
            spec:
              template:
                spec:
                  nodeSelector: {kubernetes.io/arch: amd64}
            ...
            """;

        AssertFindings(["MULTIARCH6002@17:42 kubernetes.io/arch=arm64"], Check(yaml, deployment: "controller-manager"));
        Assert.AreEqual(4, Check(yaml).Count, "without a name every workload is checked");
        Assert.AreEqual(0, ManifestAffinityChecker.Check("m.yaml", yaml, AmdArm, "absent", Patch).Workloads.Count);
    }

    [TestMethod]
    [DataRow("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template: [unclosed\n  other: 1\n", DisplayName = "unclosed flow sequence at the end")]
    [DataRow("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    a: 1\n   b: 2\n", DisplayName = "bad indentation")]
    [DataRow("kind: Deployment\nspec: {a: *undefined}\n", DisplayName = "undefined alias")]
    public void Invalid_yaml_is_a_coded_error_at_the_parser_line(string yaml)
    {
        var ex = Assert.ThrowsExactly<ManifestFormatException>(() => Check(yaml));
        var diagnostic = ex.ToDiagnosticAt();

        Assert.AreEqual("MULTIARCH6005", diagnostic.Code);
        Assert.AreEqual("manager.yaml", diagnostic.File);
        Assert.IsTrue(diagnostic.Line is >= 1 and <= 7, diagnostic.ToString());
    }

    [TestMethod]
    public void Documents_that_are_not_workloads_or_empty_are_ignored()
    {
        Assert.AreEqual(0, Check("---\n---\napiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n---\n- a list\n").Count);
    }
}

[TestClass]
public sealed class NodeAffinityPatchTests
{
    [TestMethod]
    public void One_term_per_os_with_the_architectures_sorted_and_deterministic()
    {
        var platforms = new[] { "linux/s390x", "windows/amd64", "linux/arm/v7", "linux/amd64" }.Select(OciPlatform.Parse).ToList();

        var patch = NodeAffinityPatch.Render(platforms, "controller-manager", "system", "p.yaml");

        Assert.AreEqual(patch, NodeAffinityPatch.Render(platforms.AsEnumerable().Reverse().ToList(), "controller-manager", "system", "p.yaml"));
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader(patch));
        var terms = (YamlDotNet.RepresentationModel.YamlSequenceNode)stream.Documents[0].RootNode["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"];
        Assert.AreEqual(2, terms.Children.Count);
        StringAssert.Contains(patch, "                    values:\n                      - amd64\n                      - arm\n                      - s390x\n");
        StringAssert.Contains(patch, "name: controller-manager\n  namespace: system\n");

        // The patch passes its own check: it allows exactly what was built.
        Assert.AreEqual(0, ManifestAffinityChecker.Check("p.yaml", patch, platforms, null, "p.yaml").Diagnostics.Count);
    }

    [TestMethod]
    [DataRow("Controller_Manager")]
    [DataRow("a b")]
    [DataRow("x\nkind: Secret")]
    public void A_name_that_is_no_kubernetes_name_is_refused(string name)
    {
        var ex = Assert.ThrowsExactly<MultiArchException>(() => NodeAffinityPatch.Render([OciPlatform.LinuxAmd64], name, null, "p.yaml"));
        Assert.AreEqual("MULTIARCH6009", ex.Code);
    }

    [TestMethod]
    public void Kustomization_that_lists_the_patch_passes_one_that_does_not_is_warned_at_its_patches()
    {
        Assert.IsNull(KustomizationCheck.Check("k.yaml", "resources: [manager.yaml]\npatches:\n- path: ./p.yaml\n", "p.yaml"));
        Assert.IsNull(KustomizationCheck.Check("k.yaml", "patchesStrategicMerge:\n- p.yaml\n", "p.yaml"));

        var warning = KustomizationCheck.Check("k.yaml", "resources:\n- manager.yaml\npatches:\n- path: other.yaml\n", "p.yaml");

        Assert.AreEqual(("MULTIARCH6008", 4), (warning!.Code, warning.Line));
    }
}
