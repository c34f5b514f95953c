using MultiArch.Build.Registry;

namespace MultiArch.Build.Tests.Unit.Registry;

/// <summary>The .NET SDK's credential variables, spelled and ordered as the SDK reads them; push credentials stay with the destination.</summary>
[TestClass]
public sealed class SdkCredentialVariablesTests
{
    private static async Task<string?> UserFor(string registry, string? destination, params (string Name, string Value)[] variables)
    {
        var environment = variables.ToDictionary(v => v.Name, v => (string?)v.Value);
        environment["DOCKER_CONFIG"] = Path.Combine(Path.GetTempPath(), "multiarch-no-docker-config");
        var provider = new DockerConfigCredentialProvider(environment: environment, destination: () => destination);
        return (await provider.GetAsync(registry, default))?.Username;
    }

    [TestMethod]
    public async Task Generic_pair_as_the_sdk_spells_it()
        => Assert.AreEqual("u", await UserFor("reg.example", "reg.example", ("DOTNET_CONTAINER_REGISTRY_UNAME", "u"), ("DOTNET_CONTAINER_REGISTRY_PWORD", "p")));

    [TestMethod]
    public async Task Push_pair_wins_for_the_destination_and_generic_beats_legacy()
    {
        (string, string)[] all =
        [
            ("DOTNET_CONTAINER_PUSH_REGISTRY_UNAME", "push"), ("DOTNET_CONTAINER_PUSH_REGISTRY_PWORD", "p"),
            ("DOTNET_CONTAINER_REGISTRY_UNAME", "generic"), ("DOTNET_CONTAINER_REGISTRY_PWORD", "p"),
            ("SDK_CONTAINER_REGISTRY_UNAME", "legacy"), ("SDK_CONTAINER_REGISTRY_PWORD", "p"),
        ];

        Assert.AreEqual("push", await UserFor("reg.example", "reg.example", all));
        Assert.AreEqual("generic", await UserFor("reg.example", "reg.example", all[2..]));
        Assert.AreEqual("legacy", await UserFor("reg.example", "reg.example", all[4..]));
    }

    [TestMethod]
    public async Task Another_registry_gets_only_the_pull_pair()
    {
        (string, string)[] generic = [("DOTNET_CONTAINER_REGISTRY_UNAME", "generic"), ("DOTNET_CONTAINER_REGISTRY_PWORD", "p")];
        (string, string)[] pull = [("DOTNET_CONTAINER_PULL_REGISTRY_UNAME", "pull"), ("DOTNET_CONTAINER_PULL_REGISTRY_PWORD", "p")];

        Assert.IsNull(await UserFor("mcr.example", "reg.example", generic), "the destination's credentials must not reach a base image's registry");
        Assert.AreEqual("pull", await UserFor("mcr.example", "reg.example", [.. generic, .. pull]));
        Assert.AreEqual("generic", await UserFor("reg.example", null, generic), "destination unknown (validating alone): as the SDK pulls from its output registry");
    }

    [TestMethod]
    public async Task A_name_without_its_password_is_no_credential()
        => Assert.IsNull(await UserFor("reg.example", "reg.example", ("DOTNET_CONTAINER_REGISTRY_UNAME", "u")));
}
