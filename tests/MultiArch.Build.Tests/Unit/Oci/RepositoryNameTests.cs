using MultiArch.Build.Oci;

namespace MultiArch.Build.Tests.Unit.Oci;

/// <summary>The default repository from a project name, as the .NET SDK's ContainerHelpers.NormalizeRepository derives it.</summary>
[TestClass]
public sealed class RepositoryNameTests
{
    [TestMethod]
    [DataRow("app", "app")]
    [DataRow("my.app", "my.app")]
    [DataRow("My.App", "my-app")]
    [DataRow("WebApi", "webapi")]
    [DataRow("Contoso Web", "contoso-web")]
    [DataRow("team/svc", "team/svc")]
    [DataRow("_hidden", null)]
    [DataRow("..", null)]
    [DataRow("", null)]
    public void Normalizes_like_the_sdk(string name, string? expected)
        => Assert.AreEqual(expected, RepositoryName.FromProjectName(name));
}
