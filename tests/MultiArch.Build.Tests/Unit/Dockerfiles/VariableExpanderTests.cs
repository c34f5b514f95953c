using MultiArch.Build.Dockerfiles;

namespace MultiArch.Build.Tests.Unit.Dockerfiles;

[TestClass]
public sealed class VariableExpanderTests
{
    private static readonly Dictionary<string, string?> Vars = new() { ["A"] = "a", ["EMPTY"] = "", ["ARCH"] = "arm64" };

    [TestMethod]
    [DataRow("$A", "a")]
    [DataRow("${A}", "a")]
    [DataRow("x${A}y$A.z", "xaya.z")]
    [DataRow("${MISSING}", "")]
    [DataRow("${MISSING:-def}", "def")]
    [DataRow("${EMPTY:-def}", "def")]
    [DataRow("${EMPTY-def}", "")]
    [DataRow("${MISSING-def}", "def")]
    [DataRow("${A:+set}", "set")]
    [DataRow("${EMPTY:+set}", "")]
    [DataRow("${EMPTY+set}", "set")]
    [DataRow("${MISSING:-${ARCH}}", "arm64")]
    [DataRow("\\$A", "$A")]
    [DataRow("$", "$")]
    [DataRow("${unclosed", "${unclosed")]
    [DataRow("$(uname -m)", "$(uname -m)")]
    [DataRow("linux/${ARCH}", "linux/arm64")]
    public void Expand(string text, string expected)
    {
        Assert.AreEqual(expected, VariableExpander.Expand(text, n => Vars.GetValueOrDefault(n)));
    }

    [TestMethod]
    public void Referenced_names_include_nested_defaults()
    {
        CollectionAssert.AreEqual(new[] { "A", "B", "C" }, VariableExpander.ReferencedNames("$A ${B:-$C} \\$D $(cmd)").ToArray());
    }
}
