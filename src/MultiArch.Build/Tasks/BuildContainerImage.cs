using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Buildx;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Images;
using MultiArch.Build.Oci;
using MultiArch.Build.Processes;
using MultiArch.Build.Publishing;
using MultiArch.Build.Registry;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Tasks;

public sealed partial class BuildContainerImage : MultiArchTask
{
    protected override async System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        var cli = Cli.Trim().Equals("podman", StringComparison.OrdinalIgnoreCase) ? ContainerCliKind.Podman : ContainerCliKind.Docker;
        var address = TaskInputs.Registry(Registry);
        var registry = address?.Host;
        var registryOptions = TaskInputs.RegistryOptions(InsecureRegistries, RegistryTimeout, address);
        // Paths are checked before any tool starts: a missing context is not "podman could not be started".
        var context = TaskInputs.FullPath("ContainerBuildContext", Context, required: false, file: false) ?? Directory.GetCurrentDirectory();
        if (!Directory.Exists(context))
        {
            throw new MultiArchException(nameof(Strings.BuildContextMissing), Context, File.Exists(context.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)) ? "it is a file" : "nothing is there");
        }

        var dockerfile = TaskInputs.FullPath("ContainerDockerfile", Dockerfile, required: true, file: true)!;
        var intermediate = TaskInputs.FullPath("IntermediateDirectory", IntermediateDirectory, required: true, file: false)!;
        var archivePath = TaskInputs.FullPath("ContainerArchiveOutputPath", ArchiveOutputPath, required: false, file: true);
        if (!File.Exists(dockerfile))
        {
            throw new MultiArchException(nameof(Strings.DockerfileNotFound), dockerfile);
        }

        var output = registry is not null ? BuildOutputKind.Push : Load ? BuildOutputKind.Load : BuildOutputKind.Archive;
        var repository = registry is null ? Repository.Trim() : $"{registry}/{Repository.Trim()}";

        // The repository and every tag must form valid references before anything runs.
        var tags = TaskInputs.List(Tags).Distinct(StringComparer.Ordinal).ToList();
        foreach (var tag in tags.DefaultIfEmpty("latest"))
        {
            ImageReference.Parse($"{repository}:{tag}");
        }

        var platforms = TaskInputs.Platforms(Platforms);
        var request = new BuildRequest
        {
            Platforms = platforms,
            Dockerfile = dockerfile,
            Context = context,
            Target = TaskInputs.Text(Target),
            Builder = TaskInputs.Text(Builder),
            BuildArgs = BuildArgs.Select(a => new KeyValuePair<string, string>(a.ItemSpec, a.GetMetadata("Value"))).ToList(),
            Labels = BuildCommands.StandardLabels(ImageVersion, SourceUrl, Revision, DateTimeOffset.UtcNow, Title, Description)
                .Concat(Labels.Select(l => new KeyValuePair<string, string>(l.ItemSpec, l.GetMetadata("Value"))))
                .ToList(),
            Annotations = Annotations.Select(a => $"{a.ItemSpec}={a.GetMetadata("Value")}").ToList(),
            // Cache specs contain commas (type=registry,ref=...): the list separator here is ';' only.
            CacheFrom = CacheFrom.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            CacheTo = CacheTo.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Provenance = TaskInputs.Switch(Provenance),
            Sbom = TaskInputs.Switch(Sbom),
            Secrets = Secrets.Select(s => new BuildSecret(s.ItemSpec, TaskInputs.Text(s.GetMetadata("Source")), TaskInputs.Text(s.GetMetadata("Environment")))).ToList(),
            Output = output,
            Repository = repository,
            // A load without tags would leave an image nobody can name: it gets :latest, as docker build does.
            Tags = (output == BuildOutputKind.Load ? tags.DefaultIfEmpty("latest") : tags).Select(t => $"{repository}:{t}").ToList(),
            TagAtBuild = !ValidateBeforeTag && cli == ContainerCliKind.Docker,
            ArchivePath = output == BuildOutputKind.Archive || cli == ContainerCliKind.Podman
                ? (archivePath ?? Path.Combine(intermediate, "image.tar"))
                : null,
            MetadataFile = Path.Combine(intermediate, "buildx-metadata.json"),
            InsecureRegistries = registryOptions.InsecureRegistries.Concat(LoopbackBaseRegistries(dockerfile, BuildArgs, TaskInputs.Text(Target))).Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            RegistriesConfPath = Path.Combine(intermediate, "registries.conf"),
        };
        Directory.CreateDirectory(intermediate);

        KeepOutOfLogs(request.SensitiveValues);
        foreach (var secret in request.BuildArgs.Where(a => BuildRequest.IsSensitiveName(a.Key)).Select(a => a.Key).Distinct(StringComparer.Ordinal))
        {
            LogDiagnostic(Diagnostics.Diagnostic.Warning(nameof(Strings.SecretBuildArg), secret));
        }

        BuildOutcome built;
        try
        {
            built = await new ImageBuilder(ProcessRunner.Instance).BuildAsync(cli, request, line => Post(() => Log.LogMessage(MessageImportance.Normal, Masked(line.Text))), cancellationToken);
        }
        catch (BuildFailedException ex)
        {
            // Point at the Dockerfile line the tool names, so that IDEs and CI annotate it.
            var line = FailedLine(dockerfile, ex.Output);
            LogDiagnostic(line is { } at ? ex.ToDiagnostic().At(dockerfile, at) : ex.ToDiagnostic());
            Log.LogMessage(MessageImportance.Low, Masked(ex.ToString()));
            return;
        }

        var described = await PublishAsync(built, request, registryOptions, cancellationToken);

        Image = described?.Image ?? string.Empty;
        IndexDigest = described?.Digest.ToString() ?? string.Empty;
        BuiltPlatforms = (described?.Platforms ?? []).Select(p =>
        {
            var item = new TaskItem(p.Platform);
            item.SetMetadata("ManifestDigest", p.ManifestDigest);
            return (ITaskItem)item;
        }).ToArray();
        if (built.Output == BuildOutputKind.Load)
        {
            // Only after the engine said it holds every tag (ImageBuilder asked it).
            Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.ImageLoaded), string.Join(", ", request.Tags), cli == ContainerCliKind.Podman ? "podman" : "docker", request.Platforms.Count == 1 ? "one platform" : $"a manifest list of {request.Platforms.Count} platforms");
        }

        Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.ImageBuilt), Image.Length > 0 ? Image : repository, string.Join(", ", platforms));

        if (output == BuildOutputKind.Push && described is not null)
        {
            if (request.TagAtBuild)
            {
                foreach (var tag in request.Tags)
                {
                    Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.TagPushed), repository, tag[(repository.Length + 1)..], described.Digest);
                }
            }
            else
            {
                PendingTags = tags.DefaultIfEmpty("latest").Select(t => (ITaskItem)new TaskItem(t)).ToArray();
            }
        }
    }

    /// <summary>
    /// Where the build left the image, described from one read of its root: an archive as it is; an archive to
    /// push (podman) copied into the registry by digest first; an index buildx pushed read through the build's
    /// registry session, which keeps it for validation and tagging.
    /// </summary>
    private async Task<ImageDescription?> PublishAsync(BuildOutcome built, BuildRequest request, RegistryOptions registryOptions, CancellationToken cancellationToken)
    {
        if (built.Output == BuildOutputKind.Load)
        {
            return null;
        }

        if (request.Output != BuildOutputKind.Push)
        {
            await using var archive = OciLayoutSource.Open(built.ArchivePath!);
            return await ImageDescription.ReadAsync(archive, _ => built.ArchivePath!, cancellationToken);
        }

        var reference = ImageReference.Parse(request.Repository!);
        var client = RegistrySession(registryOptions).ClientFor(reference.Registry);
        string Named(Digest digest) => $"{request.Repository}@{digest}";
        if (built.PushedDigest is { } pushed)
        {
            await using var remote = new RegistryImageSource(client, reference.WithDigest(pushed));
            var description = await ImageDescription.ReadAsync(remote, Named, cancellationToken);
            Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.DigestPushed), description.Image);
            return description;
        }

        await using var source = OciLayoutSource.Open(built.ArchivePath!);
        var digest = await new ImagePublisher(client, reference.Repository).PushByDigestAsync(source, cancellationToken);
        Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.DigestPushed), Named(digest));

        // The registry now holds the archive's bytes: describe them from the archive rather than reading them back.
        return await ImageDescription.ReadAsync(source, Named, cancellationToken);
    }

    private static int? FailedLine(string dockerfile, IReadOnlyList<string> output)
    {
        try
        {
            var document = DockerfileParser.Parse(File.ReadAllText(dockerfile), dockerfile).Document;
            return BuildFailureLocator.LineOfFailure(document, Path.GetFileName(dockerfile), output);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The loopback registries the Dockerfile's FROM lines name (ARGs expanded): reached over plain HTTP, as our own client does.</summary>
    private static IEnumerable<string> LoopbackBaseRegistries(string dockerfile, IEnumerable<ITaskItem> buildArgs, string? target)
    {
        DockerfileDocument document;
        try
        {
            document = DockerfileParser.Parse(File.ReadAllText(dockerfile), dockerfile).Document;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        var args = buildArgs.GroupBy(a => a.ItemSpec, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().GetMetadata("Value"), StringComparer.Ordinal);
        var graph = new StageGraph(document, args, target);
        foreach (var stage in document.Stages)
        {
            if (ImageReference.TryParse(graph.ExpandGlobal(stage.BaseImage, markers: false), out var reference, out _) && RegistryClient.IsLoopback(reference.Registry))
            {
                yield return reference.Registry;
            }
        }
    }
}
