using System.Globalization;
using MultiArch.Build.Processes;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Building;

/// <summary>
/// <c>docker buildx build</c>: one run for all platforms of the request, pushed by digest (the digest read from the
/// metadata file buildx writes), exported to an OCI archive, or loaded into the engine (then the engine is asked
/// for every tag).
/// </summary>
internal sealed class BuildxBuilder(IProcessRunner processes) : IImageBuildTool
{
    public ContainerCliKind Kind => ContainerCliKind.Docker;

    public async Task<BuildOutcome> BuildAsync(BuildRequest request, Action<ProcessLine> onLine, CancellationToken cancellationToken)
    {
        if (request.MetadataFile is { Length: > 0 } metadataFile && File.Exists(metadataFile))
        {
            File.Delete(metadataFile);
        }

        if (request.ArchivePath is { Length: > 0 } archive)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(archive))!);
        }

        await ImageBuildTools.RunAsync(processes, "docker", Arguments(request), request, onLine, "docker buildx", cancellationToken).ConfigureAwait(false);
        switch (request.Output)
        {
            case BuildOutputKind.Push:
                var metadata = request.MetadataFile is { Length: > 0 } path && File.Exists(path) ? BuildMetadata.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)) : null;
                if (metadata?.Digest is not { } digest)
                {
                    throw new BuildException(nameof(Strings.BuildMetadataMissing), request.MetadataFile);
                }

                return new BuildOutcome(BuildOutputKind.Push, null, digest);
            case BuildOutputKind.Archive:
                return new BuildOutcome(BuildOutputKind.Archive, request.ArchivePath, null);
            default:
                // buildx --load exits 0 on some failures to hand the image over: ask the engine for every tag.
                foreach (var tag in request.Tags)
                {
                    var inspect = await processes.RunAsync(new ProcessSpec("docker", ["image", "inspect", "--format", "{{.Id}}", tag]), null, cancellationToken).ConfigureAwait(false);
                    if (!inspect.Succeeded)
                    {
                        throw new BuildException(nameof(Strings.LoadNotFound), "docker", tag);
                    }
                }

                return new BuildOutcome(request.Output, null, null);
        }
    }

    /// <summary>The argument list of <c>docker buildx build</c> for the request. Pure.</summary>
    public static IReadOnlyList<string> Arguments(BuildRequest r)
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

        BuildCommands.AddCommon(args, r, annotations: true);
        if (r.SourceDateEpoch is { } epoch && !r.BuildArgs.Any(a => a.Key == BuildCommands.SourceDateEpochArg))
        {
            // BuildKit reads the build arg for its own timestamps (and a Dockerfile may use it).
            args.AddRange(["--build-arg", $"{BuildCommands.SourceDateEpochArg}={epoch.ToString(CultureInfo.InvariantCulture)}"]);
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
}
