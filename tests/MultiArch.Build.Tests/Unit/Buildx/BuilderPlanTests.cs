using MultiArch.Build.Buildx;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;

namespace MultiArch.Build.Tests.Unit.Buildx;

/// <summary>
/// Which node builds which platform, natively or emulated, as buildx decides it, over multi-node
/// <c>buildx inspect</c> outputs (TestData/Buildx/README.md says how the composed ones were made).
/// </summary>
[TestClass]
public sealed class BuilderPlanTests
{
    private static BuilderInfo Inspect(string name) => BuilderInfo.Parse(BuildPreflightTests.Data(name));

    private static OciPlatform[] Platforms(params string[] platforms) => platforms.Select(OciPlatform.Parse).ToArray();

    private static string[] Describe(BuilderPlan plan) => plan.Entries.Select(e => $"{e.Platform} {e.Node} {(e.Native ? "native" : "emulated")}").ToArray();

    [TestMethod]
    public void Two_restricted_buildkitd_nodes_build_one_platform_each_natively()
    {
        var builder = Inspect("inspect-remote-two-nodes-v0.28.0.composed.txt");
        Assert.AreEqual(2, builder.Nodes.Count);

        var plan = BuilderPlan.For(builder, Platforms("linux/amd64", "linux/arm64"));

        CollectionAssert.AreEqual(new[] { "linux/amd64 mab-multi0 native", "linux/arm64 mab-multi1 native" }, Describe(plan));
        CollectionAssert.AreEqual(Platforms("linux/amd64", "linux/arm64"), plan.NativePlatforms.ToArray());
        Assert.AreEqual(0, plan.Warnings.Count);
        CollectionAssert.AreEqual(
            new[] { "Build plan of builder mab-multi (remote driver, 2 node(s)):", "  linux/amd64 -> node mab-multi0 (native)", "  linux/arm64 -> node mab-multi1 (native)" },
            plan.Lines().ToArray());
        StringAssert.Contains(plan.ToMarkdown(), "| `linux/arm64` | mab-multi1 | native |");
    }

    [TestMethod]
    public void Buildx_gives_an_undeclared_platform_to_the_first_node_that_lists_it_and_that_is_said()
    {
        var builder = Inspect("inspect-docker-container-three-nodes-v0.28.0.composed.txt");

        var plan = BuilderPlan.For(builder, Platforms("linux/amd64", "linux/arm64", "linux/s390x"));

        CollectionAssert.AreEqual(new[] { "linux/amd64 ci-builder0 native", "linux/arm64 ci-builder0 emulated", "linux/s390x ci-builder0 emulated" }, Describe(plan));
        CollectionAssert.AreEqual(Platforms("linux/amd64"), plan.NativePlatforms.ToArray());
        CollectionAssert.AreEqual(new[] { "MULTIARCH3050", "MULTIARCH3051" }, plan.Warnings.Select(w => w.Code).ToArray());
        StringAssert.Contains(plan.Warnings[0].Message, "ci-builder2");
        StringAssert.Contains(plan.Warnings[1].Message, "linux/arm64 goes to node ci-builder0 under emulation although node ci-builder1 builds it natively");
        StringAssert.Contains(plan.Warnings[1].Message, "docker buildx create --append --name ci-builder --node ci-builder1 --platform linux/arm64");
    }

    [TestMethod]
    public void Declared_platforms_win_when_they_cover_the_request()
    {
        var builder = Inspect("inspect-kubernetes-declared-v0.28.0.composed.txt");
        CollectionAssert.AreEqual(Platforms("linux/arm64"), builder.Nodes[1].Declared.ToArray());

        var plan = BuilderPlan.For(builder, Platforms("linux/arm64", "linux/amd64"));

        CollectionAssert.AreEqual(new[] { "linux/arm64 kube-arm64 native", "linux/amd64 kube-amd64 native" }, Describe(plan));
    }

    [TestMethod]
    public void A_platform_no_running_node_lists_has_no_node()
    {
        var plan = BuilderPlan.For(Inspect("inspect-kubernetes-declared-v0.28.0.composed.txt"), Platforms("linux/arm/v7", "linux/s390x"));

        CollectionAssert.AreEqual(new[] { "linux/arm/v7 kube-arm64 emulated", "linux/s390x  emulated" }, Describe(plan));
        StringAssert.Contains(plan.Lines().Last(), "linux/s390x -> node (none) (no node)");
    }

    [TestMethod]
    public void Podman_builds_the_host_platform_natively_and_the_rest_under_qemu()
    {
        var plan = BuilderPlan.Local("podman", OciPlatform.Parse("linux/amd64"), Platforms("linux/amd64", "linux/386", "linux/arm64"));
        CollectionAssert.AreEqual(Platforms("linux/amd64", "linux/386"), plan.NativePlatforms.ToArray());
    }

    [TestMethod]
    public async Task The_preflight_returns_the_plan_its_native_platforms_and_its_warnings()
    {
        var runner = new BuildPreflightTests.ScriptedRunner(new()
        {
            ["docker buildx version"] = BuildPreflightTests.Ok(BuildPreflightTests.Data("version-v0.28.0.txt")),
            ["docker buildx inspect --bootstrap"] = BuildPreflightTests.Ok(BuildPreflightTests.Data("inspect-docker-container-three-nodes-v0.28.0.composed.txt")),
            ["docker info"] = BuildPreflightTests.Ok("[]"),
        });

        var result = await new BuildPreflight(runner).RunAsync(new PreflightRequest { Platforms = Platforms("linux/amd64", "linux/arm64"), Output = BuildOutputKind.Push }, default);

        Assert.IsNotNull(result.Plan);
        CollectionAssert.Contains(result.NativePlatforms.ToArray(), OciPlatform.Parse("linux/amd64"));
        CollectionAssert.DoesNotContain(result.NativePlatforms.ToArray(), OciPlatform.Parse("linux/arm64"), "arm64 will be emulated (node ci-builder1 is native, but buildx sends it to ci-builder0): the emulation checks must know");
        CollectionAssert.IsSubsetOf(new[] { "MULTIARCH3050", "MULTIARCH3051" }, result.Messages.Select(m => m.Code).ToArray());
    }

    [TestMethod]
    public async Task A_platform_only_a_stopped_node_offers_cannot_be_built()
    {
        var runner = new BuildPreflightTests.ScriptedRunner(new()
        {
            ["docker buildx version"] = BuildPreflightTests.Ok(BuildPreflightTests.Data("version-v0.28.0.txt")),
            ["docker buildx inspect --bootstrap"] = BuildPreflightTests.Ok(BuildPreflightTests.Data("inspect-remote-two-nodes-v0.28.0.composed.txt").Replace("Status:           running\nBuildKit version: v0.0.0+unknown\nPlatforms:        linux/arm64", "Status:           stopped\nBuildKit version: v0.0.0+unknown\nPlatforms:        linux/arm64", StringComparison.Ordinal)),
        });

        var ex = await Assert.ThrowsExceptionAsync<BuildException>(() => new BuildPreflight(runner).RunAsync(new PreflightRequest { Platforms = Platforms("linux/amd64", "linux/arm64"), Output = BuildOutputKind.Push }, default));
        Assert.AreEqual("MULTIARCH3008", ex.Code);
    }
}
