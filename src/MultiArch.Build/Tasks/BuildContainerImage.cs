using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Buildx;
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
        var registry = TaskInputs.Text(Registry)?.TrimEnd('/');
        var output = registry is not null ? BuildOutputKind.Push : Load ? BuildOutputKind.Load : BuildOutputKind.Archive;
        var repository = registry is null ? Repository.Trim() : $"{registry}/{Repository.Trim()}";

        // The repository and every tag must form valid references before anything runs.
        var tags = TaskInputs.List(Tags).Distinct(StringComparer.Ordinal).ToList();
        foreach (var tag in tags.DefaultIfEmpty("latest"))
        {
            ImageReference.Parse($"{repository}:{tag}");
        }

        // Never the wall clock: the created label (and every timestamp) comes from SOURCE_DATE_EPOCH, or is left out.
        long? epoch = TaskInputs.Text(SourceDateEpoch) is { } e ? long.Parse(e, NumberStyles.None, CultureInfo.InvariantCulture) : null;
        var platforms = TaskInputs.Platforms(Platforms);
        var registryOptions = TaskInputs.RegistryOptions(InsecureRegistries);
        if (registry is not null)
        {
            RegistrySession(registryOptions).DeclareDestination(registry);
        }

        var request = new BuildRequest
        {
            Platforms = platforms,
            Dockerfile = Dockerfile,
            Context = Context,
            Target = TaskInputs.Text(Target),
            NamedContexts = NamedContexts.Select(c => new KeyValuePair<string, string>(c.ItemSpec, Path.GetFullPath(c.GetMetadata("Path")))).ToList(),
            Builder = TaskInputs.Text(Builder),
            BuildArgs = BuildArgs.Select(a => new KeyValuePair<string, string>(a.ItemSpec, a.GetMetadata("Value"))).ToList(),
            Labels = BuildCommands.StandardLabels(ImageVersion, SourceUrl, Revision, epoch is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null, Title, Description)
                .Concat(Labels.Select(l => new KeyValuePair<string, string>(l.ItemSpec, l.GetMetadata("Value"))))
                .ToList(),
            Annotations = Annotations.Select(a => $"{a.ItemSpec}={a.GetMetadata("Value")}").ToList(),
            // Cache specs contain commas (type=registry,ref=...): the list separator here is ';' only. One cache per
            // platform, so that per-platform jobs never overwrite each other's.
            CacheFrom = CacheScopes.Expand(CacheFrom.Split(';'), platforms, CachePerPlatform),
            CacheTo = CacheScopes.Expand(CacheTo.Split(';'), platforms, CachePerPlatform),
            Provenance = TaskInputs.Switch(Provenance),
            Sbom = TaskInputs.Switch(Sbom),
            Secrets = Secrets.Select(s => new BuildSecret(s.ItemSpec, TaskInputs.Text(s.GetMetadata("Source")), TaskInputs.Text(s.GetMetadata("Environment")))).ToList(),
            Output = output,
            Repository = repository,
            Tags = tags.Select(t => $"{repository}:{t}").ToList(),
            TagAtBuild = !ValidateBeforeTag && cli == ContainerCliKind.Docker,
            ArchivePath = output == BuildOutputKind.Archive || cli == ContainerCliKind.Podman
                ? (TaskInputs.Text(ArchiveOutputPath) ?? Path.Combine(IntermediateDirectory, "image.tar"))
                : null,
            MetadataFile = Path.Combine(IntermediateDirectory, "buildx-metadata.json"),
            InsecureRegistries = registryOptions.InsecureRegistries.ToList(),
            SourceDateEpoch = epoch,
        };
        Directory.CreateDirectory(IntermediateDirectory);

        var stampPath = TaskInputs.Text(StampFile);
        var previous = stampPath is null ? null : BuildStamp.Read(stampPath);
        var stamp = stampPath is null
            ? null
            : BuildStamp.Describe(cli, request, new[] { IntermediateDirectory, request.ArchivePath, stampPath, stampPath + ".new" }.OfType<string>().ToList(), AdditionalInputs.Select(i => i.GetMetadata("FullPath")).ToList(), previous);

        var described = stamp is not null && Incremental ? await UpToDateAsync(stamp, previous, request, registryOptions, cancellationToken) : null;
        UpToDate = described is not null;
        if (described is null)
        {
            var built = await new ImageBuilder(ProcessRunner.Instance).BuildAsync(cli, request, line => Post(() => Log.LogMessage(MessageImportance.Normal, line.Text)), cancellationToken);
            described = await PublishAsync(built, request, registryOptions, cancellationToken);
            Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.ImageBuilt), described?.Image ?? repository, string.Join(", ", platforms));
            if (stampPath is not null)
            {
                if (described is not null)
                {
                    stamp!.WithResult(new StampResult(request.Output, described.Image, described.Digest.ToString(), described.Platforms.Select(p => (p.Platform, p.ManifestDigest)).ToList())).Write(stampPath);
                }
                else if (File.Exists(stampPath))
                {
                    // Loaded into an engine, which this build does not inspect: nothing to skip next time.
                    File.Delete(stampPath);
                }
            }
        }

        WrittenFiles = new[] { stampPath, request.Output == BuildOutputKind.Archive || cli == ContainerCliKind.Podman ? request.ArchivePath : null, request.MetadataFile }
            .OfType<string>()
            .Where(File.Exists)
            .Select(f => (ITaskItem)new TaskItem(Path.GetFullPath(f)))
            .ToArray();
        Image = described?.Image ?? string.Empty;
        IndexDigest = described?.Digest.ToString() ?? string.Empty;
        BuiltPlatforms = (described?.Platforms ?? []).Select(p =>
        {
            var item = new TaskItem(p.Platform);
            item.SetMetadata("ManifestDigest", p.ManifestDigest);
            return (ITaskItem)item;
        }).ToArray();

        if (output == BuildOutputKind.Push && described is not null)
        {
            if (request.TagAtBuild)
            {
                foreach (var tag in request.Tags)
                {
                    Log.LogMessageFromResources(MessageImportance.High, UpToDate ? nameof(Strings.TagUpToDate) : nameof(Strings.TagPushed), repository, tag[(repository.Length + 1)..], described.Digest);
                }
            }
            else
            {
                PendingTags = tags.DefaultIfEmpty("latest").Select(t => (ITaskItem)new TaskItem(t)).ToArray();
            }
        }
    }

    /// <summary>
    /// The last build's image when it is still good: the stamp's inputs equal this build's, and its result is
    /// still where the stamp says (the registry still has the digest; the archive still holds it). Says at high
    /// importance that the build is skipped and why; otherwise (normal importance) why it runs.
    /// </summary>
    private async Task<ImageDescription?> UpToDateAsync(BuildStamp stamp, BuildStamp? previous, BuildRequest request, RegistryOptions registryOptions, CancellationToken cancellationToken)
    {
        string? reason;
        if (previous is null)
        {
            reason = Strings.StampNoEarlierBuild;
        }
        else if (stamp.Difference(previous) is { } changed)
        {
            reason = string.Format(CultureInfo.CurrentCulture, Strings.StampInputsChanged, changed);
        }
        else if (previous.Result is not { } result || !Digest.TryParse(result.Digest, out var stamped))
        {
            reason = Strings.StampNoResult;
        }
        else
        {
            var (description, missing) = await FindAsync(result, stamped.Value, request, registryOptions, cancellationToken);
            if (description is not null)
            {
                Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.BuildUpToDate), description.Image, StampFile);
                return description;
            }

            reason = missing;
        }

        Log.LogMessageFromResources(MessageImportance.Normal, nameof(Strings.BuildNotUpToDate), reason);
        return null;
    }

    /// <summary>The stamped image if it is still where the last build left it; else why not.</summary>
    private async Task<(ImageDescription? Description, string Missing)> FindAsync(StampResult result, Digest digest, BuildRequest request, RegistryOptions registryOptions, CancellationToken cancellationToken)
    {
        switch (request.Output)
        {
            case BuildOutputKind.Archive:
                var archive = request.ArchivePath!;
                if (!File.Exists(archive))
                {
                    return (null, string.Format(CultureInfo.CurrentCulture, Strings.StampArchiveMissing, archive));
                }

                try
                {
                    await using var source = OciLayoutSource.Open(archive);
                    var found = await ImageDescription.ReadAsync(source, _ => archive, cancellationToken);
                    return found.Digest == digest ? (found, string.Empty) : (null, string.Format(CultureInfo.CurrentCulture, Strings.StampArchiveChanged, archive, found.Digest, digest));
                }
                catch (MultiArch.Build.Diagnostics.MultiArchException ex)
                {
                    // An archive that cannot be read is rebuilt, not reported: the build writes it afresh.
                    return (null, string.Format(CultureInfo.CurrentCulture, Strings.StampArchiveChanged, archive, ex.Message, digest));
                }

            case BuildOutputKind.Push:
                var reference = ImageReference.Parse(request.Repository!);
                var client = RegistrySession(registryOptions).ClientFor(reference.Registry);
                try
                {
                    await using var remote = new RegistryImageSource(client, reference.WithDigest(digest));
                    var found = await ImageDescription.ReadAsync(remote, d => $"{request.Repository}@{d}", cancellationToken);
                    return (found, string.Empty);
                }
                catch (RegistryNotFoundException)
                {
                    return (null, string.Format(CultureInfo.CurrentCulture, Strings.StampDigestGone, $"{request.Repository}@{digest}"));
                }

            default:
                return (null, string.Format(CultureInfo.CurrentCulture, Strings.StampLoadNotTracked, result.Image));
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
}
