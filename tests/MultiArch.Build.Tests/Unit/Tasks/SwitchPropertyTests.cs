using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Tasks;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Tasks;

/// <summary>The pipeline's on/off properties are read as true/false only: any other word is MULTIARCH8005, never a silent guess.</summary>
[TestClass]
public sealed class SwitchPropertyTests
{
    private static (bool Result, RecordingBuildEngine Engine, ResolveContainerConfig Task) Run(string property, string value)
    {
        var engine = new RecordingBuildEngine();
        var item = new TaskItem(property);
        item.SetMetadata("Value", value);
        var task = new ResolveContainerConfig { BuildEngine = engine, ProjectName = "App", Switches = [item] };
        return (task.Execute(), engine, task);
    }

    [TestMethod]
    [DataRow("ContainerAssemble", "maybe")]
    [DataRow("ContainerAssemble", "yes")]
    [DataRow("MultiArchIncrementalBuild", "0")]
    [DataRow("ContainerValidate", "flase")]
    public void Another_word_is_a_coded_error_naming_the_property_and_nothing_is_resolved(string property, string value)
    {
        var (ok, engine, task) = Run(property, value);

        Assert.IsFalse(ok);
        CollectionAssert.AreEqual(new[] { "MULTIARCH8005" }, engine.ErrorCodes.ToArray());
        StringAssert.Contains(engine.Errors[0].Message, $"{property} is '{value}'");
        Assert.AreEqual(string.Empty, task.ResolvedRepository, "nothing resolved: the targets stop here");
    }

    [TestMethod]
    [DataRow("true")]
    [DataRow("FALSE")]
    [DataRow(" True ")]
    [DataRow("")]
    public void True_false_in_any_case_or_nothing_passes(string value)
    {
        var (ok, engine, task) = Run("ContainerAssemble", value);

        Assert.IsTrue(ok, string.Join("\n", engine.Errors.Select(e => e.Message)));
        Assert.AreEqual("app", task.ResolvedRepository);
    }
}
