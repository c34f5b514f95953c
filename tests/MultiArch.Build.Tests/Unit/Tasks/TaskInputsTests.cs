using Microsoft.Build.Utilities;
using MultiArch.Build.Platforms;
using MultiArch.Build.Tasks;

namespace MultiArch.Build.Tests.Unit.Tasks;

[TestClass]
public sealed class TaskInputsTests
{
    [TestMethod]
    [DataRow("", new string[0])]
    [DataRow(" ; , ;", new string[0])]
    [DataRow("a;b,c", new[] { "a", "b", "c" })]
    [DataRow("  a  ;\tb ", new[] { "a", "b" })]
    public void Lists_split_on_semicolons_and_commas_without_blanks(string value, string[] expected)
        => CollectionAssert.AreEqual(expected, TaskInputs.List(value).ToArray());

    [TestMethod]
    [DataRow("true", true)]
    [DataRow(" Yes ", true)]
    [DataRow("1", true)]
    [DataRow("off", false)]
    [DataRow("FALSE", false)]
    [DataRow("", null)]
    [DataRow("maybe", null)]
    public void Switches_read_the_usual_spellings_and_leave_the_rest_to_the_tool(string value, bool? expected)
        => Assert.AreEqual(expected, TaskInputs.Switch(value));

    [TestMethod]
    public void Platforms_are_read_from_the_metadata_resolution_left()
    {
        var resolved = ResolveContainerPlatforms.ToItem(new ResolvedPlatform(OciPlatform.Parse("linux/arm/v7"), "linux-musl-arm", "linux-musl-arm"));
        var byHand = new TaskItem("linux/arm64");

        var platforms = TaskInputs.Platforms([resolved, byHand, resolved]);

        CollectionAssert.AreEqual(new[] { "linux/arm/v7", "linux/arm64" }, platforms.Select(p => p.ToString()).ToArray());
    }

    [TestMethod]
    public void The_metadata_wins_over_the_item_text()
    {
        var item = new TaskItem("not a platform");
        item.SetMetadata("Os", "linux");
        item.SetMetadata("Architecture", "s390x");

        Assert.AreEqual("linux/s390x", TaskInputs.Platform(item).ToString());
    }
}
