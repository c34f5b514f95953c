using System.Globalization;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Diagnostics;

internal enum DiagnosticSeverity
{
    /// <summary>Logged as a message at normal importance: information, not a problem.</summary>
    Message,
    Warning,
    Error,
}

/// <summary>
/// A finding of the pure core, logged by a task as a coded MSBuild diagnostic.
/// <paramref name="ResourceName"/> names a string in Resources/Strings.resx that starts with its code.
/// </summary>
internal sealed record Diagnostic(
    string ResourceName,
    DiagnosticSeverity Severity,
    IReadOnlyList<object?> Arguments,
    string? File = null,
    int Line = 0,
    int Column = 0)
{
    public static Diagnostic Error(string resourceName, params object?[] args) => new(resourceName, DiagnosticSeverity.Error, args);

    public static Diagnostic Warning(string resourceName, params object?[] args) => new(resourceName, DiagnosticSeverity.Warning, args);

    public static Diagnostic Info(string resourceName, params object?[] args) => new(resourceName, DiagnosticSeverity.Message, args);

    /// <summary>The code (<c>MULTIARCH1001</c>) taken from the resource string.</summary>
    public string Code => DiagnosticText.CodeOf(ResourceName);

    /// <summary>The formatted message without its code prefix.</summary>
    public string Message => DiagnosticText.Format(ResourceName, Arguments);

    public Diagnostic At(string? file, int line, int column = 0) => this with { File = file, Line = line, Column = column };

    public override string ToString()
    {
        var location = File is null ? string.Empty : Line > 0 ? $"{File}({Line},{Math.Max(Column, 1)}): " : $"{File}: ";
        return $"{location}{Severity.ToString().ToLowerInvariant()} {Code}: {Message}";
    }
}

/// <summary>Reads coded strings from Resources/Strings.resx.</summary>
internal static class DiagnosticText
{
    /// <summary>The whole resource string, code included (<c>MULTIARCH1001: ...</c>), formatted.</summary>
    public static string FormatWithCode(string resourceName, IReadOnlyList<object?> args)
    {
        var template = Strings.ResourceManager.GetString(resourceName, CultureInfo.CurrentUICulture)
            ?? throw new InvalidOperationException($"No resource string '{resourceName}'.");
        return args.Count == 0 ? template : string.Format(CultureInfo.CurrentCulture, template, args.ToArray());
    }

    public static string Format(string resourceName, IReadOnlyList<object?> args)
    {
        var text = FormatWithCode(resourceName, args);
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        return text.StartsWith("MULTIARCH", StringComparison.Ordinal) && colon > 0 ? text[(colon + 2)..] : text;
    }

    public static string CodeOf(string resourceName)
    {
        var template = Strings.ResourceManager.GetString(resourceName, CultureInfo.InvariantCulture) ?? string.Empty;
        var colon = template.IndexOf(':');
        return template.StartsWith("MULTIARCH", StringComparison.Ordinal) && colon > 0 ? template[..colon] : string.Empty;
    }
}
