using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Platforms;

/// <summary>What the project asks for; the first non-empty source wins.</summary>
internal sealed record PlatformRequest(
    string? ContainerPlatforms,
    string? ContainerRuntimeIdentifiers,
    string? RuntimeIdentifiers,
    string? RuntimeIdentifier,
    OciPlatform HostPlatform);

/// <summary>One platform to build: the normalized platform, the RID to publish for it (may be empty), and what the user wrote.</summary>
internal sealed record ResolvedPlatform(OciPlatform Platform, string RuntimeIdentifier, string Requested);

internal sealed record PlatformResolution(
    IReadOnlyList<ResolvedPlatform> Platforms,
    string Source,
    IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>The comma-joined list, as <c>buildx build --platform</c> takes it.</summary>
    public string PlatformList => string.Join(",", Platforms.Select(p => p.Platform.ToString()));
}

/// <summary>
/// Turns the project's platform properties into the list of platforms to build. Pure: no process,
/// no file; every problem is a diagnostic so that the user sees all of them at once.
/// </summary>
internal static class ContainerPlatformResolver
{
    public const string SourceContainerPlatforms = "ContainerPlatforms";
    public const string SourceContainerRuntimeIdentifiers = "ContainerRuntimeIdentifiers";
    public const string SourceRuntimeIdentifiers = "RuntimeIdentifiers";
    public const string SourceRuntimeIdentifier = "RuntimeIdentifier";
    public const string SourceHost = "host";

    private static readonly char[] Separators = [';', ','];

    public static PlatformResolution Resolve(PlatformRequest request)
    {
        // The container lists are the user's own words: one that is given but names nothing (";;;") is a mistake
        // to report, not a reason to build for some other platform. The SDK's RuntimeIdentifier(s) are often
        // composed from other properties, so an empty composition there falls through as before.
        var (source, raw) =
            !IsUnset(request.ContainerPlatforms) ? (SourceContainerPlatforms, request.ContainerPlatforms!)
            : !IsUnset(request.ContainerRuntimeIdentifiers) ? (SourceContainerRuntimeIdentifiers, request.ContainerRuntimeIdentifiers!)
            : !IsBlank(request.RuntimeIdentifiers) ? (SourceRuntimeIdentifiers, request.RuntimeIdentifiers!)
            : !IsBlank(request.RuntimeIdentifier) ? (SourceRuntimeIdentifier, request.RuntimeIdentifier!)
            : (SourceHost, string.Empty);

        if (source == SourceHost)
        {
            var host = request.HostPlatform;
            return new PlatformResolution(
                [new ResolvedPlatform(host, RuntimeIdentifierMap.DefaultRuntimeIdentifier(host) ?? string.Empty, host.ToString())],
                source,
                [Diagnostic.Info(nameof(Strings.PlatformsFromHost), host)]);
        }

        // RIDs the project already publishes for: an OCI platform entry takes its RID from here
        // (so linux/amd64 keeps a project's linux-musl-x64) before falling back to the glibc default.
        var ridHints = Split(request.RuntimeIdentifiers).Concat(Split(request.RuntimeIdentifier))
            .Select(r => RuntimeIdentifierMap.TryCanonicalize(r, out var c) ? c : null)
            .OfType<string>()
            .ToList();

        var diagnostics = new List<Diagnostic>();
        var platforms = new List<ResolvedPlatform>();
        foreach (var entry in Split(raw))
        {
            if (!TryResolveEntry(entry, ridHints, out var resolved, out var error))
            {
                diagnostics.Add(error);
                continue;
            }

            var earlier = platforms.FirstOrDefault(p => p.Platform.Equals(resolved.Platform));
            if (earlier is null)
            {
                platforms.Add(resolved);
            }
            else if (resolved.RuntimeIdentifier.Length > 0 && earlier.RuntimeIdentifier.Length > 0
                && !string.Equals(resolved.RuntimeIdentifier, earlier.RuntimeIdentifier, StringComparison.OrdinalIgnoreCase)
                && RuntimeIdentifierMap.TryGetPlatform(entry, out _))
            {
                diagnostics.Add(Diagnostic.Warning(nameof(Strings.PlatformRuntimeIdentifierConflict), entry, earlier.Requested, resolved.Platform, earlier.RuntimeIdentifier, source));
            }
            else
            {
                diagnostics.Add(Diagnostic.Warning(nameof(Strings.PlatformDuplicate), entry, earlier.Requested, resolved.Platform, source));
            }
        }

        if (platforms.Count == 0 && diagnostics.Count == 0)
        {
            diagnostics.Add(Diagnostic.Error(nameof(Strings.PlatformListEmpty), source, raw));
        }

        return new PlatformResolution(platforms, source, diagnostics);
    }

    /// <summary>Splits a list on ';' and ',' and drops blanks and surrounding whitespace.</summary>
    public static IEnumerable<string> Split(string? list)
        => (list ?? string.Empty).Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool TryResolveEntry(string entry, IReadOnlyList<string> ridHints, out ResolvedPlatform resolved, out Diagnostic error)
    {
        resolved = null!;
        error = null!;
        if (entry.Contains('/'))
        {
            if (!OciPlatform.TryParse(entry, out var platform, out var reason))
            {
                error = Diagnostic.Error(nameof(Strings.PlatformMalformed), entry, reason);
                return false;
            }

            var rid = ridHints.FirstOrDefault(h => RuntimeIdentifierMap.ToPlatform(h).Equals(platform))
                ?? RuntimeIdentifierMap.DefaultRuntimeIdentifier(platform)
                ?? string.Empty;
            resolved = new ResolvedPlatform(platform, rid, entry);
            return true;
        }

        if (RuntimeIdentifierMap.TryCanonicalize(entry, out var canonical))
        {
            resolved = new ResolvedPlatform(RuntimeIdentifierMap.ToPlatform(canonical), canonical, entry);
            return true;
        }

        // A bare architecture ("arm64") is a common slip: say what was probably meant.
        if (!entry.Contains('-') && OciPlatform.TryCreate("linux", entry, null, out var guess, out _))
        {
            error = Diagnostic.Error(nameof(Strings.PlatformMalformed), entry, $"an architecture alone is not a platform (probably meant: {guess})");
            return false;
        }

        error = Diagnostic.Error(nameof(Strings.RuntimeIdentifierUnknown), entry, RuntimeIdentifierMap.Suggest(entry));
        return false;
    }

    private static bool IsUnset(string? value) => string.IsNullOrWhiteSpace(value);

    private static bool IsBlank(string? value) => string.IsNullOrWhiteSpace(value) || Split(value).All(string.IsNullOrEmpty);
}
