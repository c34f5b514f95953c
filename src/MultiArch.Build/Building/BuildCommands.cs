using System.Globalization;

namespace MultiArch.Build.Building;

/// <summary>Argument lists for <c>docker buildx build</c> and <c>podman build</c>/<c>manifest push</c>. Pure.</summary>
internal static class BuildCommands
{
    public const string SourceDateEpochArg = "SOURCE_DATE_EPOCH";

    public static IReadOnlyList<string> Buildx(BuildRequest r)
    {
        var args = new List<string> { "buildx", "build" };
        if (r.Builder is { Length: > 0 })
        {
            args.AddRange(["--builder", r.Builder]);
        }

        args.AddRange(["--platform", string.Join(",", r.Platforms.Select(p => p.ToString())), "--file", r.Dockerfile, "--progress", "plain"]);
        if (r.Target is { Length: > 0 })
        {
            args.AddRange(["--target", r.Target]);
        }

        if (r.Network is { Length: > 0 })
        {
            args.AddRange(["--network", r.Network]);
        }

        AddCommon(args, r, annotations: true);
        if (r.SourceDateEpoch is { } epoch && !r.BuildArgs.Any(a => a.Key == SourceDateEpochArg))
        {
            // BuildKit reads the build arg for its own timestamps (and a Dockerfile may use it).
            args.AddRange(["--build-arg", $"{SourceDateEpochArg}={epoch.ToString(CultureInfo.InvariantCulture)}"]);
        }

        foreach (var from in r.CacheFrom)
        {
            args.AddRange(["--cache-from", from]);
        }

        foreach (var to in r.CacheTo)
        {
            args.AddRange(["--cache-to", to]);
        }

        if (r.Provenance is { } provenance)
        {
            args.Add(provenance ? "--provenance=true" : "--provenance=false");
        }

        if (r.Sbom is { } sbom)
        {
            args.Add(sbom ? "--sbom=true" : "--sbom=false");
        }

        if (r.MetadataFile is { Length: > 0 })
        {
            args.AddRange(["--metadata-file", r.MetadataFile]);
        }

        // With SOURCE_DATE_EPOCH the exporter rewrites every timestamp (files in layers, config, history) to it,
        // so equal inputs give equal digests; --push and --load are spelled as outputs to carry that option.
        var rewrite = r.SourceDateEpoch is null ? string.Empty : ",rewrite-timestamp=true";
        switch (r.Output)
        {
            case BuildOutputKind.Push when r.TagAtBuild:
                foreach (var tag in r.Tags)
                {
                    args.AddRange(["--tag", tag]);
                }

                if (rewrite.Length == 0)
                {
                    args.Add("--push");
                }
                else
                {
                    args.AddRange(["--output", $"type=image,push=true{rewrite}"]);
                }

                break;
            case BuildOutputKind.Push:
                // Untagged: the index is reachable only by its digest until validation lets the tags point at it.
                args.AddRange(["--output", $"type=image,name={r.Repository},push-by-digest=true,name-canonical=true,push=true{rewrite}"]);
                break;
            case BuildOutputKind.Archive:
                args.AddRange(["--output", $"type=oci,dest={r.ArchivePath}{rewrite}"]);
                break;
            case BuildOutputKind.Load:
                foreach (var tag in r.Tags)
                {
                    args.AddRange(["--tag", tag]);
                }

                if (rewrite.Length == 0)
                {
                    args.Add("--load");
                }
                else
                {
                    args.AddRange(["--output", $"type=docker{rewrite}"]);
                }

                break;
        }

        args.Add(r.Context);
        return args;
    }

    /// <summary><c>podman build --platform a,b --manifest NAME ...</c>: one manifest list for all platforms.</summary>
    public static IReadOnlyList<string> PodmanBuild(BuildRequest r, string manifestName)
    {
        // --layers=false: podman 4.3's layer cache hands the first platform's image to the next platform when
        // their steps match (FROM scratch + COPY), so the manifest list loses a platform and the image that is
        // left carries the other platform's config. The validator caught it (MULTIARCH5001 + MULTIARCH5005).
        // --force-rm: a failed step's working container is removed too (podman keeps it by default).
        var args = new List<string>
        {
            "build", "--platform", string.Join(",", r.Platforms.Select(p => p.ToString())), "--manifest", manifestName, "--file", r.Dockerfile, "--layers=false", "--force-rm",
        };
        if (r.Target is { Length: > 0 })
        {
            args.AddRange(["--target", r.Target]);
        }

        if (r.Network is { Length: > 0 })
        {
            args.AddRange(["--network", r.Network]);
        }

        if (r.SourceDateEpoch is { } epoch)
        {
            // podman's equivalent of SOURCE_DATE_EPOCH: the created time and every file time in the new layers.
            args.AddRange(["--timestamp", epoch.ToString(CultureInfo.InvariantCulture)]);
        }

        AddCommon(args, r, annotations: false);
        args.Add(r.Context);
        return args;
    }

    public static IReadOnlyList<string> PodmanPushArchive(string manifestName, string archivePath)
        => ["manifest", "push", "--all", manifestName, $"oci-archive:{archivePath}"];

    private static void AddCommon(List<string> args, BuildRequest r, bool annotations)
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
