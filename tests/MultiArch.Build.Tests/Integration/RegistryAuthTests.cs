using System.Text;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Registry;
using MultiArch.Build.Tests.Infrastructure;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tests.Integration;

/// <summary>A real docker-registry behind basic auth (htpasswd), started by build/env/registry.sh.</summary>
[ServiceTestClass]
[Requires(RequiresAttribute.AuthRegistry, RequiresAttribute.Busybox)]
public sealed class RegistryAuthTests
{
    private static readonly OciPlatform Arm64 = OciPlatform.Parse("linux/arm64");

    private static ICredentialProvider ConfigWith(string user, string password)
    {
        var dir = TestDirectories.Create("docker-config");
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        File.WriteAllText(Path.Combine(dir, "config.json"), "{\"auths\":{\"http://" + Environments.AuthRegistry + "\":{\"auth\":\"" + auth + "\"}}}");
        return new DockerConfigCredentialProvider(environment: new Dictionary<string, string?> { ["DOCKER_CONFIG"] = dir });
    }

    [TestMethod]
    public async Task Right_credentials_from_docker_config_push_and_validate()
    {
        var logged = new List<string>();
        using var client = new RegistryClient(Environments.AuthRegistry, ConfigWith(Environments.AuthUser, Environments.AuthPassword), log: logged.Add);
        var index = TestImages.Index([TestImages.BusyboxImage(Arm64)]);
        await TestImages.PushAsync(client, "auth/ok", "v1", index);

        await using var source = new RegistryImageSource(client, ImageReference.Parse($"{Environments.AuthRegistry}/auth/ok:v1"));
        var report = await new ManifestValidator().ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = [Arm64] }, default);

        Assert.IsTrue(report.Passed, string.Join("\n", report.Diagnostics));
        Assert.IsTrue(logged.Count > 0);
        Assert.IsFalse(logged.Any(l => l.Contains(Environments.AuthPassword, StringComparison.Ordinal)), "the password reached a log line");
    }

    [TestMethod]
    public async Task Right_credentials_from_the_dotnet_sdk_variables()
    {
        var provider = new DockerConfigCredentialProvider(environment: new Dictionary<string, string?>
        {
            ["DOTNET_CONTAINER_REGISTRY_UNAME"] = Environments.AuthUser,
            ["DOTNET_CONTAINER_REGISTRY_PWORD"] = Environments.AuthPassword,
        });
        using var client = new RegistryClient(Environments.AuthRegistry, provider);
        await client.PingAsync(default);
    }

    [TestMethod]
    public async Task Wrong_password_is_a_coded_rejection_without_the_secret_in_the_message()
    {
        using var client = new RegistryClient(Environments.AuthRegistry, ConfigWith(Environments.AuthUser, "wrong-password-123"));
        var ex = await Assert.ThrowsExactlyAsync<RegistryAuthException>(() => client.GetManifestAsync("auth/ok", "v1", default));
        Assert.AreEqual("MULTIARCH4002", ex.Code);
        Assert.IsFalse(ex.Message.Contains("wrong-password-123", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task No_credentials_is_a_coded_error_saying_how_to_log_in()
    {
        using var client = new RegistryClient(Environments.AuthRegistry, new DockerConfigCredentialProvider(environment: new Dictionary<string, string?> { ["DOCKER_CONFIG"] = TestDirectories.Create("empty") }));
        var ex = await Assert.ThrowsExactlyAsync<RegistryAuthException>(() => client.PingAsync(default));
        Assert.AreEqual("MULTIARCH4001", ex.Code);
        StringAssert.Contains(ex.Message, "docker login");
    }

    [TestMethod]
    public async Task Credential_helper_is_asked_for_the_host()
    {
        var dir = TestDirectories.Create("helper");
        var helper = Path.Combine(dir, "docker-credential-multiarchtest");
        File.WriteAllText(helper, $"#!/bin/sh\nread host\n[ \"$host\" = \"{Environments.AuthRegistry}\" ] || exit 3\necho '{{\"ServerURL\":\"'$host'\",\"Username\":\"{Environments.AuthUser}\",\"Secret\":\"{Environments.AuthPassword}\"}}'\n");
        File.SetUnixFileMode(helper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(dir, "config.json"), $$$"""{"credHelpers":{"{{{Environments.AuthRegistry}}}":"multiarchtest"}}""");
        var path = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", dir + ":" + path);
        try
        {
            using var client = new RegistryClient(Environments.AuthRegistry, new DockerConfigCredentialProvider(environment: new Dictionary<string, string?> { ["DOCKER_CONFIG"] = dir }));
            await client.PingAsync(default);

            File.WriteAllText(Path.Combine(dir, "config.json"), $$$"""{"credHelpers":{"{{{Environments.AuthRegistry}}}":"absent"}}""");
            using var broken = new RegistryClient(Environments.AuthRegistry, new DockerConfigCredentialProvider(environment: new Dictionary<string, string?> { ["DOCKER_CONFIG"] = dir }));
            var ex = await Assert.ThrowsExactlyAsync<CredentialHelperException>(() => broken.PingAsync(default));
            Assert.AreEqual("MULTIARCH4011", ex.Code);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }
    }
}
