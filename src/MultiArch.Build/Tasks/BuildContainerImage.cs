using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Building;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Images;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;
using MultiArch.Build.Publishing;
using MultiArch.Build.Registry;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Tasks;

public sealed partial class BuildContainerImage : MultiArchTask
{
    /// <summary>
    /// The build as a pipeline: the inputs mapped to one request (<see cref="Requested"/>), the up-to-date decision
    /// (<see cref="DecideAsync"/>, <see cref="Kept"/>), the build on the selected tool or nodes (<see cref="BuildAsync"/>),
    /// the image published and stamped (<see cref="PublishAndStampAsync"/>), the outputs and tags reported (<see cref="Report"/>).
    /// </summary>
    protected override async System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        if (Requested() is not { } build)
        {
            return;
        }

        var (decided, decision) = await DecideAsync(build, cancellationToken);
        if (!decided)
        {
            return;
        }

        var described = Kept(build, decision);
        UpToDate = described is not null;
        if (described is null)
        {
            if (await BuildAsync(build, cancellationToken) is not { } built)
            {
                return;
            }

            described = await PublishAndStampAsync(build, built, cancellationToken);
        }

        Report(build, decision, described);
    }

    /// <summary>What one run of the task builds: the tool selection, the request, its stamp and the tags left to move.</summary>
    private sealed record RequestedBuild(
        ContainerCliKind Cli,
        string? Builder,
        string? StampPath,
        BuildStamp? Previous,
        RegistryOptions RegistryOptions,
        string Dockerfile,
        string Intermediate,
        string Repository,
        IReadOnlyList<string> Tags,
        long? Epoch,
        BuildRequest Request,
        bool Assemble,
        BuildStamp? Stamp,
        IReadOnlyList<string> PendingTags);

    /// <summary>
    /// The task's inputs as one build: the tool (the last build's when only the up-to-date question is asked), the
    /// paths and references checked before any tool starts, the request and its stamp. Null: only the up-to-date
    /// question was asked and no earlier build answers it (<see cref="NotUpToDateReason"/> says so).
    /// </summary>
    private RequestedBuild? Requested()
    {
        var cli = Cli.Trim().Equals("podman", StringComparison.OrdinalIgnoreCase) ? ContainerCliKind.Podman : ContainerCliKind.Docker;
        var builder = TaskInputs.Text(Builder);
        var stampPath = TaskInputs.Text(StampFile);
        var previous = stampPath is null ? null : BuildStamp.Read(stampPath);
        if (UpToDateOnly)
        {
            // Before the preflight: the CLI and builder are the last build's, if the user still asks for them the same
            // way (the selection is a stamp input); no stamp, no earlier choice: the build decides after the preflight.
            if (!Incremental || BuildUpToDate.Stamped(previous) is not { } stamped)
            {
                NotUpToDateReason = Strings.StampNoEarlierBuild;
                return null;
            }

            (cli, builder) = stamped;
        }

        if (builder == AssemblingBuilder.BuilderName && !Assemble)
        {
            // The last image was assembled in process; this build asks for a tool: not the same build.
            builder = null;
        }

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

        // Never the wall clock: the created label (and every timestamp) comes from SOURCE_DATE_EPOCH, or is left out.
        long? epoch = TaskInputs.Text(SourceDateEpoch) is { } e ? long.Parse(e, NumberStyles.None, CultureInfo.InvariantCulture) : null;
        var platforms = TaskInputs.Platforms(Platforms);
        if (registry is not null)
        {
            RegistrySession(registryOptions).DeclareDestination(registry);
        }

        var cache = new CacheSpecs(CacheFrom.Split(';'), CacheTo.Split(';'), CachePerPlatform);
        var request = new BuildRequest
        {
            Platforms = platforms,
            Dockerfile = dockerfile,
            Context = context,
            Target = TaskInputs.Text(Target),
            Network = TaskInputs.Text(Network),
            NamedContexts = NamedContexts.Select(c => new KeyValuePair<string, string>(c.ItemSpec, Path.GetFullPath(c.GetMetadata("Path")))).ToList(),
            Builder = builder,
            BuildArgs = BuildArgs.Select(a => new KeyValuePair<string, string>(a.ItemSpec, a.GetMetadata("Value"))).ToList(),
            Labels = BuildCommands.StandardLabels(ImageVersion, SourceUrl, Revision, epoch is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null, Title, Description)
                .Concat(Labels.Select(l => new KeyValuePair<string, string>(l.ItemSpec, l.GetMetadata("Value"))))
                .ToList(),
            Annotations = Annotations.Select(a => $"{a.ItemSpec}={a.GetMetadata("Value")}").ToList(),
            // Cache specs contain commas (type=registry,ref=...): the list separator here is ';' only. One cache per
            // platform, so that per-platform jobs never overwrite each other's.
            CacheFrom = cache.FromFor(platforms),
            CacheTo = cache.ToFor(platforms),
            Cache = cache,
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
            SourceDateEpoch = epoch,
        };
        Directory.CreateDirectory(intermediate);

        // In-process assembly (a Dockerfile that only copies the app onto a base, pushed by digest): no build tool. The
        // stamp tells it from a tool's build of the same inputs by its builder.
        var assemble = Assemble && output == BuildOutputKind.Push && !request.TagAtBuild;
        if (assemble)
        {
            request = request with { Builder = AssemblingBuilder.BuilderName };
        }

        KeepOutOfLogs(request.SensitiveValues);
        foreach (var secret in request.BuildArgs.Where(a => BuildRequest.IsSensitiveName(a.Key) && TaskInputs.Text(NotUpToDateReason) is null).Select(a => a.Key).Distinct(StringComparer.Ordinal))
        {
            LogDiagnostic(Diagnostics.Diagnostic.Warning(nameof(Strings.SecretBuildArg), secret));
        }

        var stamp = stampPath is null
            ? null
            : BuildStamp.Describe(cli, request, new[] { intermediate, request.ArchivePath, stampPath, stampPath + ".new" }.OfType<string>().ToList(), AdditionalInputs.Select(i => i.GetMetadata("FullPath")).ToList(), previous);
        stamp = stamp is null ? null : stamp with { Inputs = [.. BuildUpToDate.Selection(RequestedCli, RequestedBuilder, CreateBuilder, Environment.GetEnvironmentVariable), .. stamp.Inputs] };

        var pendingTags = output == BuildOutputKind.Push && !request.TagAtBuild ? tags.DefaultIfEmpty("latest").ToList() : request.TagAtBuild ? tags : [];
        return new RequestedBuild(cli, builder, stampPath, previous, registryOptions, dockerfile, intermediate, repository, tags, epoch, request, assemble, stamp, pendingTags);
    }

    /// <summary>
    /// Whether the last build's result still stands (<see cref="BuildUpToDate"/>), said in the log when it does not.
    /// Not decided: only the up-to-date question was asked and the answer is no (<see cref="NotUpToDateReason"/>).
    /// </summary>
    private async Task<(bool Decided, UpToDateDecision? Decision)> DecideAsync(RequestedBuild build, CancellationToken cancellationToken)
    {
        if (TaskInputs.Text(NotUpToDateReason) is { } decided)
        {
            // Decided before the preflight (UpToDateOnly): not asked again.
            Log.LogMessageFromResources(MessageImportance.Normal, nameof(Strings.BuildNotUpToDate), decided);
            return (true, null);
        }

        if (build.Stamp is not null && Incremental)
        {
            var decision = await BuildUpToDate.DecideAsync(build.Stamp, build.Previous, build.Request, build.PendingTags, ResultProbe(build.Request, build.RegistryOptions), cancellationToken);
            if (!decision.UpToDate)
            {
                if (UpToDateOnly)
                {
                    NotUpToDateReason = decision.Reason;
                    return (false, decision);
                }

                Log.LogMessageFromResources(MessageImportance.Normal, nameof(Strings.BuildNotUpToDate), decision.Reason);
            }

            return (true, decision);
        }

        if (UpToDateOnly)
        {
            NotUpToDateReason = Strings.StampNoEarlierBuild;
            return (false, null);
        }

        return (true, null);
    }

    /// <summary>The last build's image when it is up to date (said in the log, its stamp refreshed when the archive was only touched); else null.</summary>
    private ImageDescription? Kept(RequestedBuild build, UpToDateDecision? decision)
    {
        if (decision?.Result is not { } kept || !Digest.TryParse(kept.Digest, out var keptDigest))
        {
            return null;
        }

        var described = new ImageDescription(kept.Image, keptDigest.Value, kept.Platforms.Select(p => new ImagePlatformEntry(p.Platform, p.ManifestDigest)).ToList());
        Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.BuildUpToDate), described.Image, StampFile);
        if (kept != build.Previous!.Result)
        {
            // The archive was touched but holds the same image: its new size and time spare the next build a read.
            build.Previous.WithResult(kept).Write(build.StampPath!);
        }

        // An image assembled in process used no CLI (a smoke run then chooses its own).
        var assembled = build.Builder == AssemblingBuilder.BuilderName;
        UsedCli = assembled ? string.Empty : build.Cli == ContainerCliKind.Podman ? "podman" : "docker";
        UsedBuilder = assembled ? string.Empty : build.Builder ?? string.Empty;
        UsedNativePlatforms = kept.NativePlatforms ?? string.Empty;
        return described;
    }

    /// <summary>
    /// The build on the selected tool: assembled in process, on several buildx nodes, or by one buildx or podman run;
    /// its time table reported. Null: the build failed, said as a diagnostic at the Dockerfile line the tool names.
    /// </summary>
    private async Task<BuildOutcome?> BuildAsync(RequestedBuild build, CancellationToken cancellationToken)
    {
        var (request, platforms) = (build.Request, build.Request.Platforms);
        BuildOutcome built;
        var assembler = build.Assemble
            ? AssemblingBuilder.For(build.Dockerfile, image => BaseImages.FirstOrDefault(b => b.ItemSpec == image)?.GetMetadata("Digest"), build.Epoch, Path.Combine(build.Intermediate, "assembly"), RegistrySession(build.RegistryOptions).ClientFor)
            : null;
        try
        {
            var invocations = NodeInvocation.Of(PlannedPlatforms(), platforms);
            built = assembler is not null
                ? await assembler.BuildAsync(request, Streamed(platforms, string.Empty), cancellationToken)
                : MultiNodeBuild.Applies(build.Cli, request, invocations)
                ? await BuildOnNodesAsync(request, invocations, build.RegistryOptions, cancellationToken)
                : await ImageBuildTools.For(build.Cli, ProcessRunner.Instance).BuildAsync(request, Streamed(platforms, string.Empty), cancellationToken);
        }
        catch (BuildFailedException ex)
        {
            // Point at the Dockerfile line the tool names, so that IDEs and CI annotate it.
            var line = FailedLine(build.Dockerfile, ex.Output);
            LogDiagnostic(line is { } at ? ex.ToDiagnostic().At(build.Dockerfile, at) : ex.ToDiagnostic());
            Log.LogMessage(MessageImportance.Low, Masked(ex.ToString()));
            ReportBuildTime();
            return null;
        }

        ReportBuildTime();
        if (assembler?.Result is { } assembled)
        {
            var from = ImageReference.Parse(assembled.BaseImage);
            Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.AssemblyPushed), assembled.Platforms.Count, $"{from.Registry}/{from.Repository}@{assembled.BaseDigest}", assembled.MountedBlobs, $"{from.Registry}/{from.Repository}", assembled.UploadedBlobs, string.Join(", ", assembled.Platforms.Select(p => $"{p.Platform} {p.ManifestDigest[..19]}")), assembled.PresentBlobs);
        }

        return built;
    }

    /// <summary>The built image published (<see cref="PublishAsync"/>), said in the log, and its stamp written (or removed after a load).</summary>
    private async Task<ImageDescription?> PublishAndStampAsync(RequestedBuild build, BuildOutcome built, CancellationToken cancellationToken)
    {
        var request = build.Request;
        var described = await PublishAsync(built, request, build.RegistryOptions, cancellationToken);
        if (built.Output == BuildOutputKind.Load)
        {
            // Only after the engine said it holds every tag (the build tool asked it).
            Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.ImageLoaded), string.Join(", ", request.Tags), build.Cli == ContainerCliKind.Podman ? "podman" : "docker", request.Platforms.Count == 1 ? "one platform" : $"a manifest list of {request.Platforms.Count} platforms");
        }

        Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.ImageBuilt), described?.Image ?? build.Repository, string.Join(", ", request.Platforms));
        if (build.StampPath is { } stampPath)
        {
            if (described is not null)
            {
                var archiveFile = request.Output == BuildOutputKind.Archive ? BuildUpToDate.ArchiveFingerprint(request.ArchivePath) : null;
                build.Stamp!.WithResult(new StampResult(request.Output, described.Image, described.Digest.ToString(), described.Platforms.Select(p => (p.Platform, p.ManifestDigest)).ToList(), archiveFile, NativePlatforms)).Write(stampPath);
            }
            else if (File.Exists(stampPath))
            {
                // Loaded into an engine, which this build does not inspect: nothing to skip next time.
                File.Delete(stampPath);
            }
        }

        return described;
    }

    /// <summary>The task's outputs (files written, image, digest, platforms) and the tags: said in place, pushed at build, or left to move after validation.</summary>
    private void Report(RequestedBuild build, UpToDateDecision? decision, ImageDescription? described)
    {
        var request = build.Request;
        WrittenFiles = new[] { build.StampPath, request.Output == BuildOutputKind.Archive || build.Cli == ContainerCliKind.Podman ? request.ArchivePath : null, request.MetadataFile }
            .Concat(Directory.GetFiles(build.Intermediate, Path.GetFileNameWithoutExtension(request.MetadataFile) + "-*.json"))
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

        if (request.Output != BuildOutputKind.Push || described is null)
        {
            return;
        }

        if (decision is { UpToDate: true })
        {
            // Only the tags that do not name the image yet are left to move (after validation); a tag is said to be
            // up to date only when the registry said so.
            foreach (var tag in decision.TagsInPlace)
            {
                Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.TagUpToDate), build.Repository, tag, described.Digest);
            }

            PendingTags = decision.TagsToMove.Select(t => (ITaskItem)new TaskItem(t)).ToArray();
        }
        else if (request.TagAtBuild)
        {
            foreach (var tag in build.Tags)
            {
                Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.TagPushed), build.Repository, tag, described.Digest);
            }
        }
        else
        {
            PendingTags = build.PendingTags.Select(t => (ITaskItem)new TaskItem(t)).ToArray();
        }
    }

    /// <summary>Where the decision looks for the last build's result: the archive's index, or one HEAD in the build's registry session.</summary>
    private BuildResultProbe ResultProbe(BuildRequest request, RegistryOptions registryOptions) => new(
        async (archive, cancellationToken) =>
        {
            await using var source = OciLayoutSource.Open(archive);
            return (await source.ReadRootAsync(cancellationToken)).Digest;
        },
        (reference, cancellationToken) =>
        {
            var image = ImageReference.Parse(request.Repository!);
            return RegistrySession(registryOptions).ClientFor(image.Registry).ResolveManifestAsync(image.Repository, reference, cancellationToken);
        });

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

    private readonly List<BuildProgress> _progress = [];

    /// <summary>
    /// The output callback of one build process: every line at normal importance (as before), and each step the line
    /// finishes at high importance, with its duration and whether it ran emulated (one progress reader per process).
    /// </summary>
    private Action<ProcessLine> Streamed(IReadOnlyList<OciPlatform> platforms, string prefix)
    {
        var progress = new BuildProgress(platforms, Emulated);
        lock (_progress)
        {
            _progress.Add(progress);
        }

        return line =>
        {
            var finished = progress.Feed(line.Text);
            Post(() =>
            {
                Log.LogMessage(MessageImportance.Normal, Masked(prefix + line.Text));
                foreach (var step in finished)
                {
                    Log.LogMessage(MessageImportance.High, Masked(step.ToLine()));
                }
            });
        };
    }

    /// <summary>Whether the preflight's plan builds the platform under emulation (no plan: every platform but this machine's).</summary>
    private bool Emulated(OciPlatform platform)
        => BuildPlan.FirstOrDefault(i => OciPlatform.TryParse(i.ItemSpec, out var p, out _) && p.Equals(platform)) is { } planned
            ? !string.Equals(planned.GetMetadata("Native"), "true", StringComparison.OrdinalIgnoreCase)
            : !platform.Equals(OciPlatform.Host());

    /// <summary>The per-platform time table, in the log and on the CI run's summary page, when steps were seen.</summary>
    private void ReportBuildTime()
    {
        List<FinishedStep> steps;
        lock (_progress)
        {
            steps = _progress.SelectMany(p => p.Finished).ToList();
        }

        if (steps.Count == 0)
        {
            return;
        }

        var table = BuildTimeTable.From(steps);
        foreach (var line in table.Lines())
        {
            Log.LogMessage(MessageImportance.High, line);
        }

        AppendStepSummary(table.ToMarkdown());
    }

    /// <summary>The preflight's plan, read back from its items (platform, node, native, invocation).</summary>
    private List<PlannedPlatform> PlannedPlatforms()
        => BuildPlan
            .Select(i => (Platform: OciPlatform.TryParse(i.ItemSpec, out var p, out _) ? p : null, Item: i))
            .Where(e => e.Platform is not null)
            .Select(e => new PlannedPlatform(
                e.Platform!,
                e.Item.GetMetadata("Node"),
                string.Equals(e.Item.GetMetadata("Native"), "true", StringComparison.OrdinalIgnoreCase),
                int.TryParse(e.Item.GetMetadata("Invocation"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0))
            .ToList();

    /// <summary>A plan over several nodes: one buildx run per node, merged by digest (<see cref="MultiNodeBuild"/>), said in the log as it goes.</summary>
    private async Task<BuildOutcome> BuildOnNodesAsync(BuildRequest request, IReadOnlyList<NodeInvocation> invocations, RegistryOptions registryOptions, CancellationToken cancellationToken)
    {
        Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.MultiNodeBuildsSplit), invocations.Select(i => i.Node).Distinct(StringComparer.Ordinal).Count(), request.Builder ?? "(current)", string.Join("; ", invocations.Select(i => $"{i.Node}: {string.Join(", ", i.Platforms)}")));
        var build = new MultiNodeBuild(new BuildxBuilder(ProcessRunner.Instance), RegistrySession(registryOptions).ClientFor)
        {
            OutputOf = invocation => Streamed(invocation.Platforms, $"[{invocation.Node}] "),
            PartPushed = (invocation, part) => Post(() => Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.MultiNodePartPushed), invocation.Node, string.Join(", ", invocation.Platforms), part)),
        };
        MergeResult merged;
        try
        {
            merged = await build.BuildAsync(request, invocations, cancellationToken);
        }
        catch (MultiNodeMergeRefusedException ex)
        {
            LogDiagnostics(ex.Diagnostics);
            throw;
        }

        Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.MultiNodeMerged), invocations.Count, merged.Image, merged.Images.Count, merged.Attestations);
        return new BuildOutcome(BuildOutputKind.Push, null, merged.Digest);
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
