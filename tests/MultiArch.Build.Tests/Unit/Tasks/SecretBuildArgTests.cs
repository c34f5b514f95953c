using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Building;
using MultiArch.Build.Tasks;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Tasks;

/// <summary>Build-arg values whose names look secret never reach the log, at any verbosity; the user is told to use a secret.</summary>
[TestClass]
public sealed class SecretBuildArgTests
{
    [TestMethod]
    [DataRow("DB_PASSWORD")]
    [DataRow("passphrase")]
    [DataRow("MYSQL_PWD")]
    [DataRow("GITHUB_PAT")]
    [DataRow("NPM_TOKEN")]
    [DataRow("client_secret")]
    [DataRow("API_KEY")]
    [DataRow("SSH_PRIVATE_KEY")]
    [DataRow("AWS_CREDENTIALS")]
    [DataRow("BASIC_AUTH")]
    [DataRow("Authorization")]
    public void Secret_looking_names(string name) => Assert.IsTrue(BuildRequest.IsSensitiveName(name));

    [TestMethod]
    [DataRow("GOARCH")]
    [DataRow("VERSION")]
    [DataRow("PATH")]
    [DataRow("PATCH_LEVEL")]
    [DataRow("TARGETPLATFORM")]
    public void Ordinary_names(string name) => Assert.IsFalse(BuildRequest.IsSensitiveName(name));

    [TestMethod]
    public void The_value_is_masked_in_every_message_and_a_secret_is_suggested()
    {
        var work = TestDirectories.Create("secret");
        File.WriteAllText(Path.Combine(work, "Dockerfile"), "FROM scratch\nARG NPM_TOKEN\n");
        var engine = new RecordingBuildEngine();
        var task = new BuildContainerImage
        {
            BuildEngine = engine,
            // Without buildx the docker CLI fails at once, after the command line (with the build args) is logged.
            Cli = "docker",
            Platforms = [new TaskItem("linux/amd64")],
            Dockerfile = Path.Combine(work, "Dockerfile"),
            Context = work,
            Repository = "secret",
            IntermediateDirectory = Path.Combine(work, "obj"),
            BuildArgs =
            [
                new TaskItem("NPM_TOKEN", new Dictionary<string, string> { ["Value"] = "npm_s3cr3tV4lue" }),
                new TaskItem("APP_VERSION", new Dictionary<string, string> { ["Value"] = "1.2.3-visible" }),
            ],
        };

        task.Execute();

        var everything = engine.AllText + string.Join("\n", engine.Messages.Select(m => m.Message));
        StringAssert.Contains(everything, "1.2.3-visible", "the command line with the build args was logged");
        Assert.IsFalse(everything.Contains("npm_s3cr3tV4lue", StringComparison.Ordinal), everything);
        StringAssert.Contains(everything, "NPM_TOKEN=***");
        var warning = engine.Warnings.Single(w => w.Code == "MULTIARCH3016");
        StringAssert.Contains(warning.Message, "ContainerBuildSecret");
        StringAssert.Contains(warning.Message, "history");
        Assert.IsTrue(engine.Messages.Any(m => m.Importance == MessageImportance.Normal && (m.Message ?? "").Contains("NPM_TOKEN=***", StringComparison.Ordinal)));
    }
}
