using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Targets;

/// <summary>
/// Who builds the image (_MultiArchSelectBuilder): the generated Dockerfile pushed by digest with no ContainerCli is
/// assembled in process; a CLI named by the user, ContainerAssemble=false, an archive, or tags pushed with the build
/// keep the tool's build; ContainerAssemble=true asks assembly of any Dockerfile.
/// </summary>
[TestClass]
public sealed class SelectBuilderTargetTests
{
    [TestMethod]
    [DataRow("true", "", "", "true", "", "true", DisplayName = "generated, pushed, no CLI: assembled")]
    [DataRow("true", "podman", "", "true", "", "false", DisplayName = "ContainerCli named: the tool builds")]
    [DataRow("true", "", "false", "true", "", "false", DisplayName = "ContainerAssemble=false")]
    [DataRow("", "", "", "true", "", "false", DisplayName = "a Dockerfile of the user's")]
    [DataRow("", "docker", "true", "true", "", "true", DisplayName = "ContainerAssemble=true wins")]
    [DataRow("true", "", "", "", "", "false", DisplayName = "not publishing: an archive, built by the tool")]
    [DataRow("true", "", "", "true", "false", "false", DisplayName = "tags pushed with the build")]
    public async Task The_image_is_assembled_only_when_nothing_needs_a_build_tool(string generated, string cli, string assemble, string publishing, string validateBeforeTag, string expected)
    {
        var project = await ThrowAwayProject.SdkDoorAsync("<PropertyGroup><ContainerPlatforms>linux/amd64;linux/arm64</ContainerPlatforms><ContainerRegistry>127.0.0.1:5000</ContainerRegistry></PropertyGroup>");
        var extra = new List<string>();
        foreach (var (name, value) in new[] { ("_MultiArchGeneratedDockerfile", generated), ("ContainerCli", cli), ("ContainerAssemble", assemble), ("_MultiArchIsPublishing", publishing), ("ContainerValidateBeforeTag", validateBeforeTag) })
        {
            if (value.Length > 0)
            {
                extra.Add($"-p:{name}={value}");
            }
        }

        var result = await project.MSBuildAsync("_MultiArchSelectBuilder", getProperties: ["_MultiArchAssemble"], extra: [.. extra]);

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        Assert.AreEqual(expected, result.StandardOutput.Trim(), result.Describe());
    }
}
