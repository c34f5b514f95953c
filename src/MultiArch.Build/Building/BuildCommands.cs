using System.Globalization;

namespace MultiArch.Build.Building;

/// <summary>
/// What the argument lists of <c>docker buildx build</c> (<see cref="BuildxBuilder.Arguments"/>) and <c>podman build</c>
/// (<see cref="PodmanBuilder.BuildArguments"/>) share, and the standard labels of a request. Pure.
/// </summary>
internal static class BuildCommands
{
    public const string SourceDateEpochArg = "SOURCE_DATE_EPOCH";

    /// <summary>What both tools take alike: named contexts, build args, labels, annotations (buildx only: <paramref name="annotations"/>), secrets.</summary>
    public static void AddCommon(List<string> args, BuildRequest r, bool annotations)
    {
        foreach (var (name, directory) in r.NamedContexts)
        {
            args.AddRange(["--build-context", $"{name}={directory}"]);
        }

        foreach (var (key, value) in r.BuildArgs)
        {
            args.AddRange(["--build-arg", $"{key}={value}"]);
        }

        foreach (var (key, value) in r.Labels)
        {
            args.AddRange(["--label", $"{key}={value}"]);
        }

        if (annotations)
        {
            foreach (var annotation in r.Annotations)
            {
                args.AddRange(["--annotation", annotation]);
            }
        }

        foreach (var secret in r.Secrets)
        {
            var spec = secret.Source is { Length: > 0 } ? $"id={secret.Id},src={secret.Source}" : $"id={secret.Id},env={secret.Environment}";
            args.AddRange(["--secret", spec]);
        }
    }

    /// <summary>The standard OCI labels from project properties; empty values are left out.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> StandardLabels(string? version, string? source, string? revision, DateTimeOffset? created, string? title, string? description)
    {
        var labels = new List<KeyValuePair<string, string>>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                labels.Add(new("org.opencontainers.image." + key, value.Trim()));
            }
        }

        Add("title", title);
        Add("description", description);
        Add("version", version);
        Add("source", source);
        Add("revision", revision);
        Add("created", created?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        return labels;
    }
}
