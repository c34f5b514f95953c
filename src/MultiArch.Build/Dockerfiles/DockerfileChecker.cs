using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>Reads a Dockerfile from disk, parses it and runs the checks: the file-system edge of the Dockerfile checks.</summary>
internal static class DockerfileChecker
{
    public static IReadOnlyList<Diagnostic> Check(string path, DockerfileCheckOptions options)
        => Check(path, options, out _);

    /// <summary>As <see cref="Check(string, DockerfileCheckOptions)"/>, also handing back the parsed document (null when unreadable or broken).</summary>
    public static IReadOnlyList<Diagnostic> Check(string path, DockerfileCheckOptions options, out DockerfileDocument? document)
    {
        document = null;
        string text;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return [Diagnostic.Error(nameof(Strings.DockerfileNotFound), path)];
            }

            if (info.Length > DockerfileParser.MaxLength)
            {
                return [Diagnostic.Error(nameof(Strings.DockerfileSyntax), $"the file is {info.Length} bytes, more than {DockerfileParser.MaxLength / (1024 * 1024)} MiB").At(path, 1, 1)];
            }

            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return [Diagnostic.Error(nameof(Strings.DockerfileUnreadable), path, ex.Message).At(path, 0)];
        }

        var parsed = DockerfileParser.Parse(text, path);
        if (parsed.HasErrors)
        {
            return parsed.Diagnostics;
        }

        document = parsed.Document;

        // The parser's own findings were reported with the first part of a split run.
        var parserFindings = options.Scope == DockerfileCheckScope.EmulationOnly ? [] : parsed.Diagnostics;
        return [.. parserFindings, .. DockerfileAnalyzer.Analyze(parsed.Document, options)];
    }
}
