using Microsoft.Build.Utilities;
using MultiArch.Build.Tasks;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Tasks;

/// <summary>The GitHub step summary is written for every outcome: a failed check or build says why there too.</summary>
[TestClass]
[DoNotParallelize]
public sealed class StepSummaryTests
{
    [TestMethod]
    public void A_failed_check_is_summarized_with_its_code_and_place()
    {
        var dir = TestDirectories.Create("summary");
        var summary = Path.Combine(dir, "summary.md");
        var previous = Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY");
        Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", summary);
        try
        {
            var engine = new RecordingBuildEngine();
            var dockerfile = Path.Combine(dir, "Dockerfile");
            File.WriteAllText(dockerfile, "FROM --platform=linux/amd64 busybox\nRUN true\n");
            var ok = new CheckDockerfile { BuildEngine = engine, Dockerfile = dockerfile, Platforms = [new TaskItem("linux/amd64"), new TaskItem("linux/arm64")], NativePlatforms = "linux/amd64" }.Execute();

            Assert.IsFalse(ok, engine.AllText);
            var text = File.ReadAllText(summary);
            StringAssert.Contains(text, "CheckDockerfile failed");
            StringAssert.Contains(text, "MULTIARCH2002");
            StringAssert.Contains(text, $"{dockerfile}:1");
        }
        finally
        {
            Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", previous);
        }
    }

    [TestMethod]
    public void A_successful_task_without_a_report_writes_nothing()
    {
        var dir = TestDirectories.Create("summary");
        var summary = Path.Combine(dir, "summary.md");
        var previous = Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY");
        Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", summary);
        try
        {
            Assert.IsTrue(new ResolveContainerPlatforms { BuildEngine = new RecordingBuildEngine(), ContainerPlatforms = "linux/amd64" }.Execute());
            Assert.IsFalse(File.Exists(summary));
        }
        finally
        {
            Environment.SetEnvironmentVariable("GITHUB_STEP_SUMMARY", previous);
        }
    }
}
