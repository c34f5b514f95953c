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

    /// <summary>
    /// A path parameter (<c>ContainerDockerfile</c>, <c>ContainerBuildContext</c>, <c>ContainerArchiveOutputPath</c>, ...)
    /// as a full path, or a coded error (MULTIARCH1008) when no file system could hold it: empty when required, a
    /// NUL character, a name over 255 bytes, a path over 4096; <paramref name="file"/>: not a folder or a root.
    /// Null when it is empty and not required.
    /// </summary>
    public static string? FullPath(string property, string? value, bool required, bool file)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return required ? throw new MultiArchException(nameof(Strings.PathInvalid), property, value ?? string.Empty, "it is empty") : null;
        }

        string full;
        try
        {
            full = value.Contains('\0', StringComparison.Ordinal) ? throw new ArgumentException("NUL") : Path.GetFullPath(value.Trim());
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException or System.Security.SecurityException)
        {
            throw new MultiArchException(nameof(Strings.PathInvalid), property, Shorten(value), value.Contains('\0') ? "it contains a NUL character" : ex.Message);
        }

        if (full.Length > 4096)
        {
            throw new MultiArchException(nameof(Strings.PathInvalid), property, Shorten(value), $"it is {full.Length} characters long; file systems take 4096");
        }

        if (full.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).FirstOrDefault(n => System.Text.Encoding.UTF8.GetByteCount(n) > 255) is { } longName)
        {
            throw new MultiArchException(nameof(Strings.PathInvalid), property, Shorten(value), $"the name '{Shorten(longName)}' is over 255 bytes");
        }

        if (file && (Path.EndsInDirectorySeparator(value.Trim()) || Path.GetFileName(full).Length == 0))
        {
            throw new MultiArchException(nameof(Strings.PathInvalid), property, Shorten(value), "it names a folder, not a file");
        }

        return full;
    }

    /// <summary>A value as it may be quoted in a message: at most 200 characters.</summary>
    public static string Shorten(string value) => value.Length <= 200 ? value : $"{value[..200]}... ({value.Length} characters)";
}
