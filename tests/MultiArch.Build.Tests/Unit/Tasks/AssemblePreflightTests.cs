using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Tasks;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Tasks;

/// <summary>The preflight says the image will be assembled in process only for a Dockerfile that can be.</summary>
[TestClass]
public sealed class AssemblePreflightTests
{
    private static (bool Result, RecordingBuildEngine Engine) Run(string? dockerfileText)
    {
        var dir = TestDirectories.Create("assemble-preflight");
        var dockerfile = Path.Combine(dir, "Dockerfile");
        if (dockerfileText is not null)
        {
            File.WriteAllText(dockerfile, dockerfileText);
        }

        var engine = new RecordingBuildEngine();
        var task = new PreflightContainerBuild
        {
            BuildEngine = engine,
            Assemble = true,
            Dockerfile = dockerfile,
            Platforms = [new TaskItem("linux/amd64")],
            Output = "push",
        };
        return (task.Execute(), engine);
    }

    private static bool Claims(RecordingBuildEngine engine)
        => engine.Messages.Any(m => m.Message?.StartsWith("Builder: assembled in process", StringComparison.Ordinal) == true);

    [TestMethod]
    public void A_Dockerfile_that_runs_something_is_refused_before_assembly_is_claimed()
    {
        var (ok, engine) = Run("FROM base\nRUN echo hi\nCOPY --from=publish ${TARGETPLATFORM}/ /app/\n");

        Assert.IsFalse(ok);
        CollectionAssert.AreEqual(new[] { "MULTIARCH3072" }, engine.ErrorCodes.ToArray());
        StringAssert.Contains(engine.Errors[0].Message, "line 2: RUN is not one of the steps assembled in process");
        Assert.IsFalse(Claims(engine), "no line may say the image is assembled in process");
    }

    [TestMethod]
    public void A_missing_Dockerfile_is_named_as_missing()
    {
        var (ok, engine) = Run(null);

        Assert.IsFalse(ok);
        CollectionAssert.AreEqual(new[] { "MULTIARCH2010" }, engine.ErrorCodes.ToArray());
        Assert.IsFalse(Claims(engine));
    }

    [TestMethod]
    public void A_copy_only_Dockerfile_is_assembled_and_says_so()
    {
        var (ok, engine) = Run("FROM base\nARG TARGETPLATFORM\nCOPY --from=publish ${TARGETPLATFORM}/ /app/\nENTRYPOINT [\"./App\"]\n");

        Assert.IsTrue(ok, string.Join("\n", engine.Errors.Select(e => e.Message)));
        Assert.IsTrue(Claims(engine));
    }
}
