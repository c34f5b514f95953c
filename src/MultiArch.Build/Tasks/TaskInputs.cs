using Microsoft.Build.Framework;
using System.Globalization;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Registry;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Tasks;

/// <summary>
/// How task parameters are read, in one place: lists, switches, optional text, the resolved platforms and the
/// registry options. Every task reads its inputs through these so that a value means the same everywhere.
/// </summary>
internal static class TaskInputs
{
    private static readonly char[] Separators = [';', ','];

    /// <summary>A list separated by ';' or ',' without blanks or surrounding whitespace.</summary>
    public static IReadOnlyList<string> List(string? value)
        => (value ?? string.Empty).Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>true/false (also 1/0, yes/no, on/off); null when empty or anything else (the tool's own default).</summary>
    public static bool? Switch(string? value) => (value ?? string.Empty).Trim().ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => null,
    };

    /// <summary>The trimmed value, or null when it is empty or white space.</summary>
    public static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>
    /// The platforms of <c>@(ContainerPlatform)</c> as ResolveContainerPlatforms left them: read from their
    /// <c>Os</c>/<c>Architecture</c>/<c>Variant</c> metadata, not parsed again. An item a user added by hand
    /// without that metadata is parsed from its identity.
    /// </summary>
    public static IReadOnlyList<OciPlatform> Platforms(IEnumerable<ITaskItem> items)
        => items.Select(Platform).Distinct().ToList();

    public static OciPlatform Platform(ITaskItem item)
    {
        var os = item.GetMetadata("Os");
        var architecture = item.GetMetadata("Architecture");
        return os.Length > 0 && architecture.Length > 0
            ? OciPlatform.Create(os, architecture, Text(item.GetMetadata("Variant")))
            : OciPlatform.Parse(item.ItemSpec);
    }

    /// <summary>
    /// Registry options from the task inputs every registry-using task shares: the insecure registries (each a
    /// registry address; a scheme is allowed and dropped) and <c>ContainerRegistryTimeout</c> in seconds.
    /// </summary>
    public static RegistryOptions RegistryOptions(string? insecureRegistries, string? timeoutSeconds = null)
        => new()
        {
            InsecureRegistries = List(insecureRegistries).Select(r => RegistryHost.ParseSetting("ContainerInsecureRegistries", r).Host).ToList(),
            RequestTimeout = RegistryTimeout(timeoutSeconds),
        };

    /// <summary><c>ContainerRegistryTimeout</c>: whole or fractional seconds from 1 to 3600; empty is the default (60 s).</summary>
    public static TimeSpan RegistryTimeout(string? seconds)
    {
        if (Text(seconds) is not { } text)
        {
            return MultiArch.Build.Registry.RegistryOptions.DefaultRequestTimeout;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= 3600
            ? TimeSpan.FromSeconds(value)
            : throw new MultiArchException(nameof(Strings.RegistryTimeoutInvalid), seconds);
    }

    /// <summary>
    /// <c>ContainerRegistry</c>: null when empty; else the host to push to, checked before anything runs, and
    /// whether it was written with http:// (then it is reached over plain HTTP, as an insecure registry).
    /// </summary>
    public static RegistryAddress? Registry(string? value)
        => Text(value) is { } text ? RegistryHost.ParseSetting("ContainerRegistry", text) : null;

    /// <summary>The registry options with an http:// <c>ContainerRegistry</c> added to the insecure registries.</summary>
    public static RegistryOptions RegistryOptions(string? insecureRegistries, string? timeoutSeconds, RegistryAddress? registry)
    {
        var options = RegistryOptions(insecureRegistries, timeoutSeconds);
        return registry is { PlainHttp: true } plain && !options.InsecureRegistries.Contains(plain.Host, StringComparer.OrdinalIgnoreCase)
            ? options with { InsecureRegistries = [.. options.InsecureRegistries, plain.Host] }
            : options;
    }
}
