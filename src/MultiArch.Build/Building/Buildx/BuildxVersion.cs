using System.Text.RegularExpressions;
using NuGet.Versioning;

namespace MultiArch.Build.Building;

/// <summary>Parses <c>docker buildx version</c> output from upstream, Docker Desktop and distribution builds.</summary>
internal static partial class BuildxVersion
{
    /// <summary>The oldest buildx this tool drives: <c>--annotation</c> and <c>--provenance</c> (0.12), <c>push-by-digest</c> outputs.</summary>
    public static readonly NuGetVersion Minimum = new(0, 12, 0);

    /// <summary>
    /// Reads the version from lines like <c>github.com/docker/buildx v0.28.0 b1281b81b</c>,
    /// <c>github.com/docker/buildx v0.11.2-desktop.5 f20ec1...</c> or <c>github.com/docker/buildx 0.10.2+ds1 ...</c>.
    /// Returns null when no version can be read.
    /// </summary>
    public static NuGetVersion? Parse(string output)
    {
        foreach (var line in output.Split('\n'))
        {
            var m = VersionPattern().Match(line);
            if (m.Success && NuGetVersion.TryParse(m.Groups[1].Value, out var version))
            {
                return version;
            }
        }

        return null;
    }

    [GeneratedRegex(@"buildx\S*\s+v?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+~-]*)?)")]
    private static partial Regex VersionPattern();
}
