using System.Globalization;
using System.Text;

namespace MultiArch.Build.Dockerfiles;

/// <summary>What the .NET SDK's base-image inference reads from a project.</summary>
internal sealed record DotnetBaseImageInputs
{
    /// <summary><c>$(TargetFrameworkVersion)</c> without the <c>v</c>: <c>10.0</c>.</summary>
    public required string TargetFrameworkVersion { get; init; }

    /// <summary><c>$(NETCoreSdkVersion)</c>: <c>10.0.401</c>.</summary>
    public string SdkVersion { get; init; } = "";

    public bool IsAspNetCore { get; init; }

    public bool SelfContained { get; init; }

    public bool PublishAot { get; init; }

    public bool PublishTrimmed { get; init; }

    public bool InvariantGlobalization { get; init; }

    /// <summary><c>ContainerFamily</c>: <c>alpine</c>, <c>noble-chiseled</c>, ...</summary>
    public string? Family { get; init; }

    /// <summary>The RIDs published; all <c>linux-musl-*</c> selects the Alpine images.</summary>
    public IReadOnlyList<string> RuntimeIdentifiers { get; init; } = [];
}

/// <summary>
/// The base image the .NET SDK would choose (dotnet/sdk <c>ComputeDotnetBaseImageAndTag</c>): <c>runtime-deps</c> for
/// self-contained apps, <c>aspnet</c> for ASP.NET Core, <c>runtime</c> otherwise, tagged from the target framework;
/// <c>ContainerFamily</c> appended to the tag; Alpine for musl RIDs; chiseled (+<c>-extra</c> when globalization is
/// needed) for AOT and trimmed apps. Pure. Not followed: the SDK's preview-channel tags for a prerelease SDK that
/// targets its own prerelease framework (they name images that only exist for that preview).
/// </summary>
internal static class DotnetBaseImage
{
    public const string Registry = "mcr.microsoft.com";

    public static string Compute(DotnetBaseImageInputs inputs)
    {
        var version = MajorMinor(inputs.TargetFrameworkVersion);
        var repository = inputs.SelfContained || inputs.PublishAot ? "dotnet/runtime-deps" : inputs.IsAspNetCore ? "dotnet/aspnet" : "dotnet/runtime";
        var tag = version.Text;
        var modern = version.Major >= 8;
        var musl = inputs.RuntimeIdentifiers.Count > 0 && inputs.RuntimeIdentifiers.All(r => r.StartsWith("linux-musl", StringComparison.Ordinal));
        var trimmed = inputs.PublishAot || inputs.PublishTrimmed;
        if (!string.IsNullOrWhiteSpace(inputs.Family))
        {
            tag += "-" + inputs.Family.Trim();
            if (!musl && inputs.Family.Trim().EndsWith("-chiseled", StringComparison.Ordinal) && !inputs.InvariantGlobalization && modern)
            {
                tag += "-extra";
            }
        }
        else if (musl)
        {
            tag += "-alpine";
            if (modern && trimmed && !inputs.InvariantGlobalization)
            {
                tag += "-extra";
            }
        }
        else if (modern && trimmed)
        {
            tag += "-" + UbuntuCodename(inputs.SdkVersion) + "-chiseled" + (inputs.InvariantGlobalization ? string.Empty : "-extra");
        }

        return $"{Registry}/{repository}:{tag}";
    }

    private static (int Major, string Text) MajorMinor(string tfmVersion)
    {
        var parts = tfmVersion.Trim().TrimStart('v', 'V').Split('.');
        var major = int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : 0;
        var minor = parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return (major, $"{major}.{minor}");
    }

    /// <summary>SDK 8.0.300 and later default to Ubuntu 24.04 (noble), earlier ones to 22.04 (jammy).</summary>
    private static string UbuntuCodename(string sdkVersion)
    {
        var core = sdkVersion.Split('-')[0];
        return Version.TryParse(core, out var v) && v < new Version(8, 0, 300) ? "jammy" : "noble";
    }
}

/// <summary>A port to expose: number and <c>tcp</c>/<c>udp</c>.</summary>
internal sealed record ContainerPortSpec(int Number, string Protocol);

/// <summary>What the generated Dockerfile of a published .NET app says.</summary>
internal sealed record DotnetDockerfileSpec
{
    public required string BaseImage { get; init; }

    /// <summary>The app's folder in the image (<c>ContainerWorkingDirectory</c>, default <c>/app</c>).</summary>
    public string WorkingDirectory { get; init; } = "/app";

    /// <summary><c>ContainerUser</c>; empty: the .NET images' non-root <c>app</c> user by its UID (<c>$APP_UID</c>).</summary>
    public string? User { get; init; }

    /// <summary>The name of the build context holding the publish output by platform.</summary>
    public string PublishContext { get; init; } = "publish";

    /// <summary>Published with an apphost: the entrypoint is <c>./AssemblyName</c>; else <c>dotnet AssemblyName.dll</c>.</summary>
    public bool AppHost { get; init; }

    /// <summary><c>$(AssemblyName)</c> (the apphost's name).</summary>
    public required string AssemblyName { get; init; }

    /// <summary><c>$(TargetFileName)</c>: <c>App.dll</c>.</summary>
    public required string TargetFileName { get; init; }

    public IReadOnlyList<ContainerPortSpec> Ports { get; init; } = [];

    /// <summary>An ASP.NET Core app: it is made to listen on every TCP port exposed, on all interfaces, whatever the base.</summary>
    public bool AspNetCore { get; init; }
}

/// <summary>
/// Writes the Dockerfile for a published .NET app, as the SDK would lay the image out: base image, the app's
/// files copied from the publish context's <c>${TARGETPLATFORM}/</c> folder (no RUN step, so nothing runs under
/// emulation), working directory, non-root user, ports and an entrypoint matching the publish. Pure.
/// </summary>
internal static class DotnetDockerfile
{
    /// <summary>The UID of the <c>app</c> user in Microsoft's .NET 8+ images (their <c>APP_UID</c>).</summary>
    public const string AppUid = "1654";

    public static string Generate(DotnetDockerfileSpec spec)
    {
        var dir = spec.WorkingDirectory.TrimEnd('/');
        dir = dir.Length == 0 ? "/" : dir;
        var entrypoint = spec.AppHost
            ? new[] { "./" + spec.AssemblyName }
            : ["dotnet", spec.TargetFileName];
        var text = new StringBuilder();
        text.AppendLine("# Generated by MultiArch.Build for `dotnet publish` (kept for inspection; put a Dockerfile beside the project to use your own).");
        text.AppendLine("# The publish output is staged by platform in the build context named " + spec.PublishContext + ": ${TARGETPLATFORM}/ holds that platform's app.");
        text.AppendLine("FROM " + spec.BaseImage);
        text.AppendLine("ARG TARGETPLATFORM");
        text.AppendLine(CultureInfo.InvariantCulture, $"COPY --from={spec.PublishContext} ${{TARGETPLATFORM}}/ {dir}/");
        text.AppendLine("WORKDIR " + dir);
        var httpPorts = spec.Ports.Where(p => p.Protocol == "tcp").Select(p => p.Number.ToString(CultureInfo.InvariantCulture)).ToList();
        if (spec.AspNetCore && httpPorts.Count > 0)
        {
            // As Microsoft's aspnet image does: Kestrel listens on these ports on all interfaces. A runtime-deps or other
            // base does not set it, and the app would listen on http://localhost:5000, unreachable from outside.
            text.AppendLine("ENV ASPNETCORE_HTTP_PORTS=" + string.Join(';', httpPorts));
        }

        foreach (var port in spec.Ports)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"EXPOSE {port.Number.ToString(CultureInfo.InvariantCulture)}/{port.Protocol}");
        }

        // Microsoft's images define APP_UID; a base image without it still gets a non-root user.
        text.AppendLine("USER " + (string.IsNullOrWhiteSpace(spec.User) ? "${APP_UID:-" + AppUid + "}" : spec.User.Trim()));
        text.AppendLine("ENTRYPOINT [" + string.Join(", ", entrypoint.Select(Quote)) + "]");
        return text.ToString();
    }

    /// <summary>The comment above a pinned <c>FROM</c>: the base as named, before its digest was read.</summary>
    private const string PinComment = ", resolved before the build and pinned to its digest: what is built is the base that was checked";

    /// <summary>
    /// The generated Dockerfile with its <c>FROM <paramref name="baseImage"/></c> line pinned to
    /// <paramref name="pinnedImage"/> (the same image by digest), the name it was given kept in a comment above; a
    /// pin already there (from an earlier publish) is replaced. Unchanged when there is no such <c>FROM</c> line.
    /// </summary>
    public static string PinBaseImage(string text, string baseImage, string pinnedImage)
    {
        var unpinned = Unpin(text);
        var from = "\nFROM " + baseImage + "\n";
        return unpinned.Contains(from, StringComparison.Ordinal)
            ? unpinned.Replace(from, $"\n# {baseImage}{PinComment}\nFROM {pinnedImage}\n", StringComparison.Ordinal)
            : text;
    }

    /// <summary>The generated Dockerfile as it was before <see cref="PinBaseImage"/>: <c>FROM</c> the base as named.</summary>
    public static string Unpin(string text)
    {
        var lines = text.Split('\n').ToList();
        for (var i = 0; i + 1 < lines.Count; i++)
        {
            if (lines[i].StartsWith("# ", StringComparison.Ordinal) && lines[i].EndsWith(PinComment, StringComparison.Ordinal) && lines[i + 1].StartsWith("FROM ", StringComparison.Ordinal))
            {
                lines[i] = "FROM " + lines[i][2..^PinComment.Length];
                lines.RemoveAt(i + 1);
            }
        }

        return string.Join('\n', lines);
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
