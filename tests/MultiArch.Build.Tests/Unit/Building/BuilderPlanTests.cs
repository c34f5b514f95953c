using MultiArch.Build.Building;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;

namespace MultiArch.Build.Tests.Unit.Building;

/// <summary>
/// Which node builds which platform, natively or emulated, as buildx decides it, over multi-node
/// <c>buildx inspect</c> outputs (real captures of buildx v0.28.0 with BuildKit v0.24.0 nodes: TestData/Buildx/README.md).
/// </summary>
[TestClass]
public sealed class BuilderPlanTests
{
    private static BuilderInfo Inspect(string name) => BuilderInfo.Parse(BuildPreflightTests.Data(name));

    private static OciPlatform[] Platforms(params string[] platforms) => platforms.Select(OciPlatform.Parse).ToArray();

    private static string[] Describe(BuilderPlan plan) => plan.Entries.Select(e => $"{e.Platform} {e.Node} {(e.Native ? "native" : "emulated")}").ToArray();

    [TestMethod]
    public void Undeclared_nodes_list_every_platform_they_emulate_so_buildx_sends_both_to_the_first_node()
    {
        // Real BuildKit: a worker restricted to linux/arm64 still lists what QEMU lets it run, and so does the amd64
        // one. Without declared platforms buildx takes the first node that lists a platform: node 0 for both.
        var builder = Inspect("inspect-remote-two-nodes-v0.28.0.txt");
        Assert.AreEqual(2, builder.Nodes.Count);
        Assert.AreEqual("linux/arm64", builder.Nodes[1].Platforms[0].ToString());

        var plan = BuilderPlan.For(builder, Platforms("linux/amd64", "linux/arm64"));

        CollectionAssert.AreEqual(new[] { "linux/amd64 capundecl0 native", "linux/arm64 capundecl0 emulated" }, Describe(plan));
        Assert.IsFalse(plan.IsMultiNode);
        CollectionAssert.AreEqual(new[] { "MULTIARCH3051" }, plan.Warnings.Select(w => w.Code).ToArray());
        StringAssert.Contains(plan.Warnings[0].Message, "linux/arm64 goes to node capundecl0 under emulation although node capundecl1 builds it natively");
        StringAssert.Contains(plan.Warnings[0].Message, "docker buildx create --append --name capundecl --node capundecl1 --platform linux/arm64");
    }

    [TestMethod]
    public void Declared_nodes_build_one_platform_each_natively_one_buildx_run_per_node()
    {
        var builder = Inspect("inspect-remote-two-nodes-declared-v0.28.0.txt");
        CollectionAssert.AreEqual(Platforms("linux/arm64"), builder.Nodes[1].Declared.ToArray());

        var plan = BuilderPlan.For(builder, Platforms("linux/amd64", "linux/arm64"));

        CollectionAssert.AreEqual(new[] { "linux/amd64 capdecl0 native", "linux/arm64 capdecl1 native" }, Describe(plan));
        CollectionAssert.AreEqual(Platforms("linux/amd64", "linux/arm64"), plan.NativePlatforms.ToArray());
        Assert.AreEqual(0, plan.Warnings.Count);
        Assert.IsTrue(plan.IsMultiNode);
        Assert.IsTrue(plan.AllDeclared(builder));
        CollectionAssert.AreEqual(new[] { "linux/amd64", "linux/arm64" }, plan.Invocations.Select(i => string.Join(",", i)).ToArray());
        CollectionAssert.AreEqual(
            new[] { "Build plan of builder capdecl (remote driver, 2 node(s)):", "  linux/amd64 -> node capdecl0 (native)", "  linux/arm64 -> node capdecl1 (native)" },
            plan.Lines().ToArray());
        StringAssert.Contains(plan.ToMarkdown(), "| `linux/arm64` | capdecl1 | native |");
    }

    [TestMethod]
    public void Declared_platforms_only_count_when_they_cover_the_request()
    {
        // s390x is declared nowhere: buildx falls back to "first node that lists it" for every platform.
        var plan = BuilderPlan.For(Inspect("inspect-remote-two-nodes-declared-v0.28.0.txt"), Platforms("linux/arm64", "linux/s390x"));

        CollectionAssert.AreEqual(new[] { "linux/arm64 capdecl0 emulated", "linux/s390x capdecl0 emulated" }, Describe(plan));
        CollectionAssert.AreEqual(new[] { "MULTIARCH3051" }, plan.Warnings.Select(w => w.Code).ToArray());
    }

    [TestMethod]
    public void An_inactive_node_is_left_out_and_said()
    {
        var builder = Inspect("inspect-remote-three-nodes-one-inactive-v0.28.0.txt");
        Assert.AreEqual("inactive", builder.Nodes[2].Status);

        var plan = BuilderPlan.For(builder, Platforms("linux/amd64", "linux/arm64", "linux/s390x"));

        CollectionAssert.AreEqual(new[] { "linux/amd64 capthree0 native", "linux/arm64 capthree0 emulated", "linux/s390x capthree0 emulated" }, Describe(plan));
        CollectionAssert.AreEqual(new[] { "MULTIARCH3050", "MULTIARCH3051" }, plan.Warnings.Select(w => w.Code).ToArray());
        StringAssert.Contains(plan.Warnings[0].Message, "capthree2");
        Assert.IsFalse(plan.AllDeclared(builder));
    }

    [TestMethod]
    public void A_platform_no_running_node_lists_has_no_node()
    {
        var plan = BuilderPlan.For(Inspect("inspect-remote-two-nodes-declared-v0.28.0.txt"), Platforms("linux/arm64", "linux/mips64le"));

        CollectionAssert.AreEqual(new[] { "linux/arm64 capdecl0 emulated", "linux/mips64le  emulated" }, Describe(plan), string.Join("|", Describe(plan)));
        StringAssert.Contains(plan.Lines().Last(), "linux/mips64le -> node (none) (no node)");
    }

    [TestMethod]
    public void A_node_group_that_a_smaller_request_would_spread_is_split_into_one_run_per_platform()
    {
        // Whole request: s390x is declared nowhere, so buildx takes the first listing node for each platform (amd64 and
        // arm64 on a, s390x on c). Asked alone, a's group is all declared (amd64 on a, arm64 on b) and would spread:
        // each platform gets its own run, and arm64 lands natively on b.
        var a = new BuilderNode("a", "tcp://a", "running", null, Platforms("linux/amd64", "linux/arm64"), Platforms("linux/amd64"));
        var b = new BuilderNode("b", "tcp://b", "running", null, Platforms("linux/arm64"), Platforms("linux/arm64"));
        var c = new BuilderNode("c", "tcp://c", "running", null, Platforms("linux/s390x"), []);
        var builder = new BuilderInfo("abc", "remote", [a, b, c]);

        var plan = BuilderPlan.For(builder, Platforms("linux/amd64", "linux/arm64", "linux/s390x"));

        CollectionAssert.AreEqual(new[] { "linux/amd64 a native", "linux/arm64 b native", "linux/s390x c native" }, Describe(plan));
        Assert.AreEqual(3, plan.Invocations.Count);
        Assert.AreEqual(0, plan.Warnings.Count);
        foreach (var run in plan.Invocations)
        {
            Assert.IsFalse(BuilderPlan.For(builder, run).IsMultiNode, $"each run goes to one node: {string.Join(",", run)}");
        }
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
            ["docker buildx inspect --bootstrap"] = BuildPreflightTests.Ok(BuildPreflightTests.Data("inspect-remote-two-nodes-v0.28.0.txt")),
        });

        var result = await new BuildPreflight(runner).RunAsync(new PreflightRequest { Platforms = Platforms("linux/amd64", "linux/arm64"), Output = BuildOutputKind.Push }, default);

        Assert.IsNotNull(result.Plan);
        CollectionAssert.Contains(result.NativePlatforms.ToArray(), OciPlatform.Parse("linux/amd64"));
        CollectionAssert.DoesNotContain(result.NativePlatforms.ToArray(), OciPlatform.Parse("linux/arm64"), "arm64 will be emulated (node capundecl1 is native, but buildx sends it to capundecl0): the emulation checks must know");
        CollectionAssert.AreEqual(new[] { "MULTIARCH3051" }, result.Messages.Where(m => m.Code.Length > 0).Select(m => m.Code).ToArray());
    }

    /// <summary>The real answers of buildx v0.28 for a builder with a node that cannot be reached.</summary>
    private static BuildPreflightTests.ScriptedRunner OneNodeDown() => new(new()
    {
        ["docker buildx version"] = BuildPreflightTests.Ok(BuildPreflightTests.Data("version-v0.28.0.txt")),
        ["docker buildx inspect --bootstrap"] = new ProcessResult(1, string.Empty, BuildPreflightTests.Data("inspect-bootstrap-node-down-v0.28.0.txt")),
        ["docker buildx inspect"] = BuildPreflightTests.Ok(BuildPreflightTests.Data("inspect-remote-three-nodes-one-inactive-v0.28.0.txt")),
    });

    [TestMethod]
    public async Task A_node_that_cannot_be_reached_is_named_when_buildx_would_start_it()
    {
        var ex = await Assert.ThrowsExactlyAsync<BuildException>(() => new BuildPreflight(OneNodeDown()).RunAsync(new PreflightRequest { Platforms = Platforms("linux/amd64", "linux/arm64"), Output = BuildOutputKind.Push }, default));

        Assert.AreEqual("MULTIARCH3054", ex.Code);
        StringAssert.Contains(ex.Message, "Node capthree2 of builder capthree is inactive");
        StringAssert.Contains(ex.Message, "docker buildx create --leave --name capthree --node capthree2");
    }

    [TestMethod]
    public async Task A_node_that_cannot_be_reached_does_not_stop_a_build_whose_platforms_are_declared_on_running_nodes()
    {
        var declared = BuildPreflightTests.Data("inspect-remote-three-nodes-one-inactive-v0.28.0.txt")
            .Replace("Platforms:        linux/amd64, ", "Platforms:        linux/amd64*, ", StringComparison.Ordinal)
            .Replace("Platforms:        linux/arm64, ", "Platforms:        linux/arm64*, ", StringComparison.Ordinal);
        var answers = new Dictionary<string, ProcessResult>
        {
            ["docker buildx version"] = BuildPreflightTests.Ok(BuildPreflightTests.Data("version-v0.28.0.txt")),
            ["docker buildx inspect --bootstrap"] = new ProcessResult(1, string.Empty, BuildPreflightTests.Data("inspect-bootstrap-node-down-v0.28.0.txt")),
            ["docker buildx inspect"] = BuildPreflightTests.Ok(declared),
        };

        var result = await new BuildPreflight(new BuildPreflightTests.ScriptedRunner(answers)).RunAsync(new PreflightRequest { Platforms = Platforms("linux/amd64", "linux/arm64"), Output = BuildOutputKind.Push }, default);

        CollectionAssert.AreEqual(new[] { "linux/amd64 capthree0 native", "linux/arm64 capthree1 native" }, Describe(result.Plan!));
        CollectionAssert.AreEqual(new[] { "MULTIARCH3050" }, result.Messages.Where(m => m.Code.Length > 0).Select(m => m.Code).ToArray());
    }

    [TestMethod]
    [DataRow("archive", "written to an OCI archive")]
    [DataRow("load", "loaded into the engine")]
    public async Task An_image_built_on_several_nodes_can_only_be_pushed(string outputName, string what)
    {
        var output = BuildOutputs.Parse(outputName);
        var runner = new BuildPreflightTests.ScriptedRunner(new()
        {
            ["docker buildx version"] = BuildPreflightTests.Ok(BuildPreflightTests.Data("version-v0.28.0.txt")),
            // As docker-container nodes of an engine with the containerd image store, whose multi-platform load is
            // not refused for the store's sake (MULTIARCH3009).
            ["docker buildx inspect --bootstrap"] = BuildPreflightTests.Ok(BuildPreflightTests.Data("inspect-remote-two-nodes-declared-v0.28.0.txt").Replace("Driver:        remote", "Driver:        docker-container", StringComparison.Ordinal)),
            ["docker info"] = BuildPreflightTests.Ok("[[\"driver-type\",\"io.containerd.snapshotter.v1\"]]"),
        });

        var ex = await Assert.ThrowsExactlyAsync<BuildException>(() => new BuildPreflight(runner).RunAsync(new PreflightRequest { Platforms = Platforms("linux/amd64", "linux/arm64"), Output = output }, default));

        Assert.AreEqual("MULTIARCH3052", ex.Code);
        StringAssert.Contains(ex.Message, "linux/amd64 -> capdecl0, linux/arm64 -> capdecl1");
        StringAssert.Contains(ex.Message, what);
    }

    private static BuilderNode Node(string name, params string[] platforms)
        => new(name, "tcp://127.0.0.1:1", "running", "v0.24.0", Platforms(platforms));

    [TestMethod]
    public void A_platform_no_node_lists_goes_to_a_node_that_runs_it_in_compatible_mode()
    {
        // A native arm64 node without QEMU lists only arm64; buildx still sends arm/v7 and arm/v6 there (containerd's
        // platforms.Only(arm64) runs arm/v8 down to arm/v5), and 386 to the amd64 node.
        var builder = new BuilderInfo("native", "remote", [Node("amd", "linux/amd64", "linux/amd64/v2"), Node("arm", "linux/arm64")]);

        var plan = BuilderPlan.For(builder, Platforms("linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm/v6", "linux/386"));

        CollectionAssert.AreEqual(
            new[] { "linux/amd64 amd native", "linux/arm64 arm native", "linux/arm/v7 arm native", "linux/arm/v6 arm native", "linux/386 amd native" },
            Describe(plan));
        CollectionAssert.AreEqual(new[] { null, null, "linux/arm64", "linux/arm64", "linux/amd64" }, plan.Entries.Select(e => e.CompatibleWith?.ToString()).ToArray());
        StringAssert.Contains(string.Join("\n", plan.Lines()), "linux/arm/v7 -> node arm (compatible mode: the node lists linux/arm64, not linux/arm/v7, and runs it natively)");
        Assert.AreEqual(3, plan.Warnings.Count(w => w.ResourceName == nameof(MultiArch.Build.Resources.Strings.BuilderCompatibleMode)));
        Assert.IsTrue(plan.IsMultiNode);
    }

    [TestMethod]
    public void A_node_that_lists_the_platform_beats_one_that_runs_it_in_compatible_mode()
    {
        // buildx's resolver tests (build/resolver/driver_test.go): arm/v7 prefers an arm/v8 node over an arm64 one, and
        // arm/v8 cannot be built on arm/v7 (no node: buildx falls back to the first node, which this plan refuses).
        var builder = new BuilderInfo("b", "remote", [Node("amd64", "linux/amd64"), Node("arm64", "linux/arm64"), Node("armv7", "linux/arm/v7")]);

        var plan = BuilderPlan.For(builder, Platforms("linux/arm/v7"));
        Assert.AreEqual("armv7", plan.Entries[0].Node);
        Assert.IsNull(plan.Entries[0].CompatibleWith);

        var v6 = BuilderPlan.CompatibleNode([Node("amd64", "linux/amd64"), Node("armv7", "linux/arm/v7")], OciPlatform.Parse("linux/arm/v6"));
        Assert.AreEqual("armv7", v6?.Node.Name);
        Assert.IsNull(BuilderPlan.CompatibleNode([Node("amd64", "linux/amd64"), Node("armv7", "linux/arm/v7")], OciPlatform.Parse("linux/arm64")));
        CollectionAssert.AreEqual(Platforms("linux/arm64", "linux/arm/v8", "linux/arm/v7", "linux/arm/v6", "linux/arm/v5"), BuilderPlan.Compatible(OciPlatform.Parse("linux/arm64")));
    }

    [TestMethod]
    public void On_a_real_declared_builder_386_goes_where_buildx_sends_it()
    {
        // capdecl0 (amd64*) does not list 386, capdecl1 (arm64*) does, through QEMU: buildx's resolver prefers the exact
        // listing, so 386 is built emulated on the arm64 node, not in compatible mode on the amd64 one.
        var plan = BuilderPlan.For(Inspect("inspect-remote-two-nodes-declared-v0.28.0.txt"), Platforms("linux/amd64", "linux/386"));

        CollectionAssert.AreEqual(new[] { "linux/amd64 capdecl0 native", "linux/386 capdecl1 emulated" }, Describe(plan));
    }
}
