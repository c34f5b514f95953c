using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Platforms;

namespace MultiArch.Build.Tests.Unit.Dockerfiles;

/// <summary>What BuildKit refuses before building: duplicate stage names and a FROM whose variables are empty.</summary>
[TestClass]
public sealed class BuildKitRefusalTests
{
    private static (string Code, int Line)[] Findings(string dockerfile, params (string Name, string Value)[] buildArgs)
    {
        var document = DockerfileParser.Parse(dockerfile, "/p/Dockerfile").Document;
        var options = new DockerfileCheckOptions
        {
            TargetPlatforms = [OciPlatform.Parse("linux/amd64"), OciPlatform.Parse("linux/arm64")],
            NativePlatforms = [OciPlatform.Parse("linux/amd64")],
            BuildArgs = buildArgs.ToDictionary(a => a.Name, a => a.Value),
        };
        return DockerfileAnalyzer.Analyze(document, options).Where(d => d.Code is "MULTIARCH2016" or "MULTIARCH2017").Select(d => (d.Code, d.Line)).ToArray();
    }

    [TestMethod]
    public void Duplicate_stage_names_are_reported_at_the_second_one_in_any_case()
    {
        var found = Findings("FROM busybox AS build\nRUN true\nFROM busybox AS Build\nRUN true\nFROM busybox\nCOPY --from=build /x /x\n");
        CollectionAssert.AreEqual(new[] { ("MULTIARCH2016", 3) }, found);
    }

    [TestMethod]
    [DataRow("FROM $UNDEFINED\n", 1)]
    [DataRow("FROM busybox AS a\nFROM ${REGISTRY}/busybox\n", 2)]
    [DataRow("FROM busybox\nARG BASE=busybox\nFROM $BASE\n", 3)]
    public void A_from_with_an_empty_variable_is_reported_at_its_line(string dockerfile, int line)
        => CollectionAssert.AreEqual(new[] { ("MULTIARCH2017", line) }, Findings(dockerfile));

    [TestMethod]
    [DataRow("ARG BASE=busybox\nFROM $BASE\n")]
    [DataRow("ARG BASE\nFROM ${BASE:-busybox}\n")]
    [DataRow("FROM --platform=$BUILDPLATFORM busybox AS b\nFROM busybox\n")]
    [DataRow("ARG TAG=1.36\nFROM busybox:${TAG}\n")]
    public void Defined_variables_and_defaults_are_fine(string dockerfile)
        => Assert.AreEqual(0, Findings(dockerfile).Length);

    [TestMethod]
    public void A_build_arg_for_a_declared_global_arg_gives_it_a_value()
    {
        Assert.AreEqual(0, Findings("ARG BASE\nFROM $BASE\n", ("BASE", "busybox")).Length);
        CollectionAssert.AreEqual(new[] { ("MULTIARCH2017", 1) }, Findings("FROM $BASE\n", ("BASE", "busybox")));
    }
}
