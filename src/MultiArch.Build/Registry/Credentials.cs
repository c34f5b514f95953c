using System.Text.Json;
using System.Text;
using MultiArch.Build.Oci;
using MultiArch.Build.Processes;

namespace MultiArch.Build.Registry;

/// <summary>A user name and password, or an identity token (<c>Username</c> "&lt;token&gt;" as docker-credential helpers answer).</summary>
internal sealed record RegistryCredential(string Username, string Secret)
{
    public bool IsIdentityToken => Username == "<token>";

    /// <summary>Never prints the secret.</summary>
    public override string ToString() => $"RegistryCredential({Username}, ***)";
}

internal interface ICredentialProvider
{
    Task<RegistryCredential?> GetAsync(string registry, CancellationToken cancellationToken);
}

/// <summary>
/// Finds credentials the way the docker CLI and the .NET SDK do: first the SDK's environment variables, spelled as
/// the SDK spells them (see <see cref="FromEnvironment"/>), then <c>$DOCKER_CONFIG/config.json</c> (else
/// <c>~/.docker/config.json</c>): <c>credHelpers</c> for the host, <c>auths</c> entries, then the <c>credsStore</c>
/// helper. Helpers run as <c>docker-credential-NAME get</c>.
/// </summary>
/// <param name="destination">The registry this build pushes to, once known (<see cref="RegistrySession.DeclareDestination"/>); null: not known.</param>
internal sealed class DockerConfigCredentialProvider(IProcessRunner? processes = null, IReadOnlyDictionary<string, string?>? environment = null, Func<string?>? destination = null) : ICredentialProvider
{
    /// <summary>Read for one release only (an earlier version's misspelling of the SDK's <c>_PWORD</c>).</summary>
    public const string ObsoletePasswordVariable = "DOTNET_CONTAINER_REGISTRY_PWD";

    private readonly IProcessRunner _processes = processes ?? ProcessRunner.Instance;

    public async Task<RegistryCredential?> GetAsync(string registry, CancellationToken cancellationToken)
    {
        if (FromEnvironment(registry) is { } fromEnvironment)
        {
            return fromEnvironment;
        }

        var configPath = ConfigPath();
        if (configPath is null || !File.Exists(configPath))
        {
            return null;
        }

        JsonDocument config;
        try
        {
            config = JsonDocument.Parse(await File.ReadAllBytesAsync(configPath, cancellationToken).ConfigureAwait(false));
        }
        catch (JsonException)
        {
            // The docker CLI refuses such a file too; without it there are simply no credentials.
            return null;
        }

        using (config)
        {
            var root = config.RootElement;
            var keys = HostKeys(registry).ToList();
            if (root.TryGetProperty("credHelpers", out var helpers) && helpers.ValueKind == JsonValueKind.Object)
            {
                foreach (var key in keys)
                {
                    if (helpers.TryGetProperty(key, out var helper) && helper.ValueKind == JsonValueKind.String)
                    {
                        return await FromHelperAsync(helper.GetString()!, key, registry, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            if (root.TryGetProperty("auths", out var auths) && auths.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in auths.EnumerateObject())
                {
                    if (keys.Contains(HostOf(entry.Name), StringComparer.OrdinalIgnoreCase) && FromAuthEntry(entry.Value) is { } credential)
                    {
                        return credential;
                    }
                }
            }

            if (root.TryGetProperty("credsStore", out var store) && store.ValueKind == JsonValueKind.String && store.GetString() is { Length: > 0 } storeName)
            {
                return await FromHelperAsync(storeName, keys[0], registry, cancellationToken, missingIsNone: true).ConfigureAwait(false);
            }
        }

        return null;
    }

    /// <summary>
    /// The .NET SDK's variables, in its order (AuthHandshakeMessageHandler.GetDockerCredentialsFromEnvironment):
    /// for the registry pushed to, <c>DOTNET_CONTAINER_PUSH_REGISTRY_UNAME/_PWORD</c>, then
    /// <c>DOTNET_CONTAINER_REGISTRY_UNAME/_PWORD</c>, then the legacy <c>SDK_CONTAINER_REGISTRY_UNAME/_PWORD</c>; for any
    /// other registry (base images) only <c>DOTNET_CONTAINER_PULL_REGISTRY_UNAME/_PWORD</c>, so the destination's
    /// credentials never reach another registry. While the destination is not known (validating an image by
    /// itself) the registry read is treated as the SDK treats its output registry when pulling from it: pull, then
    /// generic, then legacy.
    /// </summary>
    private RegistryCredential? FromEnvironment(string registry)
    {
        RegistryCredential? Pair(string user, string password)
            => Variable(user) is { Length: > 0 } u && Variable(password) is { Length: > 0 } p ? new RegistryCredential(u, p) : null;
        RegistryCredential? Generic()
            => Pair("DOTNET_CONTAINER_REGISTRY_UNAME", "DOTNET_CONTAINER_REGISTRY_PWORD")
               ?? Pair("DOTNET_CONTAINER_REGISTRY_UNAME", ObsoletePasswordVariable)
               ?? Pair("SDK_CONTAINER_REGISTRY_UNAME", "SDK_CONTAINER_REGISTRY_PWORD");

        var pushTo = destination?.Invoke();
        if (pushTo is null)
        {
            return Pair("DOTNET_CONTAINER_PULL_REGISTRY_UNAME", "DOTNET_CONTAINER_PULL_REGISTRY_PWORD") ?? Generic();
        }

        return string.Equals(pushTo, registry, StringComparison.OrdinalIgnoreCase)
            ? Pair("DOTNET_CONTAINER_PUSH_REGISTRY_UNAME", "DOTNET_CONTAINER_PUSH_REGISTRY_PWORD") ?? Generic()
            : Pair("DOTNET_CONTAINER_PULL_REGISTRY_UNAME", "DOTNET_CONTAINER_PULL_REGISTRY_PWORD");
    }

    private string? ConfigPath()
    {
        var dir = Variable("DOCKER_CONFIG");
        if (!string.IsNullOrEmpty(dir))
        {
            return Path.Combine(dir, "config.json");
        }

        var home = Variable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".docker", "config.json");
    }

    private string? Variable(string name)
        => environment is not null ? environment.GetValueOrDefault(name) : Environment.GetEnvironmentVariable(name);

    /// <summary>The keys a registry may be stored under; Docker Hub's is its legacy index URL.</summary>
    private static IEnumerable<string> HostKeys(string registry)
    {
        if (registry is ImageReference.DockerHub or "registry-1.docker.io" or "index.docker.io")
        {
            yield return "https://index.docker.io/v1/";
            yield return "index.docker.io";
            yield return "docker.io";
            yield return "registry-1.docker.io";
        }
        else
        {
            yield return registry;
        }
    }

    private static string HostOf(string key)
    {
        if (key == "https://index.docker.io/v1/")
        {
            return key;
        }

        var host = key;
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }

        var slash = host.IndexOf('/');
        return slash >= 0 ? host[..slash] : host;
    }

    private static RegistryCredential? FromAuthEntry(JsonElement entry)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (entry.TryGetProperty("identitytoken", out var token) && token.GetString() is { Length: > 0 } identity)
        {
            return new RegistryCredential("<token>", identity);
        }

        if (entry.TryGetProperty("auth", out var auth) && auth.GetString() is { Length: > 0 } encoded)
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
                var colon = decoded.IndexOf(':');
                return colon > 0 ? new RegistryCredential(decoded[..colon], decoded[(colon + 1)..]) : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return entry.TryGetProperty("username", out var u) && entry.TryGetProperty("password", out var p) && u.GetString() is { Length: > 0 } name
            ? new RegistryCredential(name, p.GetString() ?? string.Empty)
            : null;
    }

    private async Task<RegistryCredential?> FromHelperAsync(string helper, string key, string registry, CancellationToken cancellationToken, bool missingIsNone = false)
    {
        ProcessResult result;
        try
        {
            result = await _processes.RunAsync(new ProcessSpec($"docker-credential-{helper}", ["get"]) { StandardInput = key }, null, cancellationToken).ConfigureAwait(false);
        }
        catch (ToolNotFoundException)
        {
            throw new CredentialHelperException(helper, registry, "it is not installed or not on PATH");
        }

        if (!result.Succeeded)
        {
            // Helpers answer "credentials not found" for hosts they do not know: from the default store that means none.
            if (missingIsNone && result.StandardOutput.Contains("credentials not found", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            throw new CredentialHelperException(helper, registry, $"exit code {result.ExitCode}");
        }

        try
        {
            using var doc = JsonDocument.Parse(result.StandardOutput);
            var user = doc.RootElement.GetProperty("Username").GetString() ?? string.Empty;
            var secret = doc.RootElement.GetProperty("Secret").GetString() ?? string.Empty;
            return secret.Length == 0 ? null : new RegistryCredential(user, secret);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CredentialHelperException(helper, registry, "its answer is not the JSON {\"Username\",\"Secret\"} it should print");
        }
    }
}
