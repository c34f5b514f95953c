using System.Globalization;
using System.Text;

namespace MultiArch.Build.Building;

/// <summary>
/// Plain HTTP for podman's pulls from the registries MultiArch.Build's own client reaches over HTTP (loopback and
/// <c>ContainerInsecureRegistries</c>), and for those only: a registries.conf for the build (podman reads it from
/// <c>CONTAINERS_REGISTRIES_CONF</c>) that is the user's own configuration plus an <c>insecure = true</c> entry per
/// such registry. podman's <c>--tls-verify=false</c> would switch verification off for every registry of the build.
/// </summary>
internal static class PodmanRegistriesConf
{
    /// <summary>The configuration podman would read (the variable, the user's, the system's), or empty.</summary>
    public static string? CurrentPath()
    {
        var candidates = new[]
        {
            Environment.GetEnvironmentVariable("CONTAINERS_REGISTRIES_CONF"),
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "containers", "registries.conf"),
            "/etc/containers/registries.conf",
        };
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && File.Exists(c));
    }

    /// <summary>
    /// The configuration text with an insecure entry for each host it does not name yet; null when nothing is
    /// to add or the text is in the old v1 format (which cannot be mixed with v2 entries).
    /// </summary>
    public static string? WithInsecure(string current, IEnumerable<string> hosts)
    {
        if (current.Contains("[registries.", StringComparison.Ordinal))
        {
            return null;
        }

        var missing = hosts.Distinct(StringComparer.OrdinalIgnoreCase)
            .Where(h => !current.Contains($"\"{h}\"", StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder(current);
        text.AppendLine().AppendLine("# Added by MultiArch.Build for this build: registries its own client reaches over plain HTTP.");
        foreach (var host in missing)
        {
            text.AppendLine("[[registry]]").AppendLine(CultureInfo.InvariantCulture, $"location = \"{host}\"").AppendLine("insecure = true");
        }

        return text.ToString();
    }
}
