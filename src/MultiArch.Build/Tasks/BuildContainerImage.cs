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

        // Never the wall clock: the created label (and every timestamp) comes from SOURCE_DATE_EPOCH, or is left out.
        long? epoch = TaskInputs.Text(SourceDateEpoch) is { } e ? long.Parse(e, NumberStyles.None, CultureInfo.InvariantCulture) : null;
        var platforms = TaskInputs.Platforms(Platforms);
        if (registry is not null)
        {
            RegistrySession(registryOptions).DeclareDestination(registry);
        }

        var request = new BuildRequest
        {
            Platforms = platforms,
            Dockerfile = dockerfile,
            Context = context,
            Target = TaskInputs.Text(Target),
            Network = TaskInputs.Text(Network),
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
            request = request with { Builder = AssembledBuilder };
        }

        KeepOutOfLogs(request.SensitiveValues);
        foreach (var secret in request.BuildArgs.Where(a => BuildRequest.IsSensitiveName(a.Key)).Select(a => a.Key).Distinct(StringComparer.Ordinal))
        {
            LogDiagnostic(Diagnostics.Diagnostic.Warning(nameof(Strings.SecretBuildArg), secret));
        }

        var stampPath = TaskInputs.Text(StampFile);
        var previous = stampPath is null ? null : BuildStamp.Read(stampPath);
        var stamp = stampPath is null
            ? null
            : BuildStamp.Describe(cli, request, new[] { intermediate, request.ArchivePath, stampPath, stampPath + ".new" }.OfType<string>().ToList(), AdditionalInputs.Select(i => i.GetMetadata("FullPath")).ToList(), previous);

        var described = stamp is not null && Incremental ? await UpToDateAsync(stamp, previous, request, registryOptions, cancellationToken) : null;
        UpToDate = described is not null;
        if (described is null)
        {
            BuildOutcome built;
            var assembler = assemble ? Assembler(dockerfile, epoch, intermediate, registryOptions) : null;
            try
            {
                var invocations = Invocations(platforms);
                built = assembler is not null
                    ? await assembler.BuildAsync(request, Streamed(platforms, string.Empty), cancellationToken)
                    : cli == ContainerCliKind.Docker && request.Output == BuildOutputKind.Push && !request.TagAtBuild && invocations.Count > 1
                    ? await BuildOnNodesAsync(request, invocations, registryOptions, cancellationToken)
                    : await ImageBuildTools.For(cli, ProcessRunner.Instance).BuildAsync(request, Streamed(platforms, string.Empty), cancellationToken);
            }
            catch (BuildFailedException ex)
            {
                // Point at the Dockerfile line the tool names, so that IDEs and CI annotate it.
                var line = FailedLine(dockerfile, ex.Output);
                LogDiagnostic(line is { } at ? ex.ToDiagnostic().At(dockerfile, at) : ex.ToDiagnostic());
                Log.LogMessage(MessageImportance.Low, Masked(ex.ToString()));
                ReportBuildTime();
                return;
            }

            ReportBuildTime();
            if (assembler?.Result is { } assembled)
            {
                var from = ImageReference.Parse(assembled.BaseImage);
                Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.AssemblyPushed), assembled.Platforms.Count, $"{from.Registry}/{from.Repository}@{assembled.BaseDigest}", assembled.MountedBlobs, $"{from.Registry}/{from.Repository}", assembled.UploadedBlobs, string.Join(", ", assembled.Platforms.Select(p => $"{p.Platform} {p.ManifestDigest[..19]}")));
            }

            described = await PublishAsync(built, request, registryOptions, cancellationToken);
            if (built.Output == BuildOutputKind.Load)
            {
                // Only after the engine said it holds every tag (the build tool asked it).
                Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.ImageLoaded), string.Join(", ", request.Tags), cli == ContainerCliKind.Podman ? "podman" : "docker", request.Platforms.Count == 1 ? "one platform" : $"a manifest list of {request.Platforms.Count} platforms");
            }

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
            .Concat(Directory.GetFiles(intermediate, Path.GetFileNameWithoutExtension(request.MetadataFile) + "-*.json"))
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

    /// <summary>The builder an assembled image's stamp records (no tool builds it).</summary>
    private const string AssembledBuilder = "(assembled in process)";

    /// <summary>
    /// The in-process peer of the build tools (<see cref="AssemblingBuilder"/>) for the copy-only Dockerfile: its base
    /// (by the digest the early check resolved, read through the build's session), each platform's staged folder of the
    /// named context, the labels and annotations a tool's build would get; pushed by digest, untagged.
    /// </summary>
    private AssemblingBuilder Assembler(string dockerfile, long? epoch, string intermediate, RegistryOptions registryOptions)
    {
        var document = DockerfileParser.Parse(File.ReadAllText(dockerfile), dockerfile).Document;
        var steps = CopyOnlyDockerfile.Read(document, out var reason)
            ?? throw new MultiArchException(nameof(Strings.AssemblyNotCopyOnly), dockerfile, reason);
        var baseImage = ImageReference.Parse(steps.BaseImage);
        if (baseImage.Digest is null && BaseImages.FirstOrDefault(b => b.ItemSpec == steps.BaseImage) is { } resolved && Digest.TryParse(resolved.GetMetadata("Digest"), out var digest))
        {
            // The index the early check read: the session still holds it, so it is not asked for again.
            baseImage = baseImage.WithDigest(digest.Value);
        }

        AssemblyRequest Describe(BuildRequest request)
        {
            var context = request.NamedContexts.FirstOrDefault(c => c.Key == steps.Context).Value
                ?? throw new MultiArchException(nameof(Strings.AssemblyNotCopyOnly), dockerfile, $"no build context named '{steps.Context}' is given");
            var reference = ImageReference.Parse(request.Repository!);
            var (indexAnnotations, otherAnnotations) = SplitIndexAnnotations(request.Annotations);
            return new AssemblyRequest
            {
                BaseImage = baseImage,
                Platforms = request.Platforms.Select(p => new AssembledPlatform(p, Path.Combine(context, p.ToString().Replace('/', Path.DirectorySeparatorChar)))).ToList(),
                Registry = reference.Registry,
                Repository = reference.Repository,
                Destination = steps.Destination,
                WorkingDirectory = steps.WorkingDirectory,
                Env = steps.Env,
                ExposedPorts = steps.ExposedPorts,
                User = steps.User,
                Entrypoint = steps.Entrypoint,
                Labels = steps.Labels.Select(l => new KeyValuePair<string, string>(l.Name, l.Value)).Concat(request.Labels).ToList(),
                IndexAnnotations = indexAnnotations,
                ManifestAnnotations = ManifestAnnotations(otherAnnotations),
                Steps = steps.Steps.Select(s => (s.CreatedBy, s.AddsLayer)).ToList(),
                Created = DateTimeOffset.FromUnixTimeSeconds(epoch ?? DefaultEpoch),
                Expand = (text, lookup) => VariableExpander.Expand(text, lookup, document.EscapeCharacter),
                WorkFolder = Path.Combine(intermediate, "assembly"),
            };
        }

        return new AssemblingBuilder(new ImageAssembler(RegistrySession(registryOptions).ClientFor), Describe);
    }

    /// <summary>1980-01-01T00:00:00Z: the time of an assembled image without SOURCE_DATE_EPOCH (never the wall clock).</summary>
    private const long DefaultEpoch = 315532800;

    /// <summary>The annotations of each image manifest: <c>key=value</c> and <c>manifest:key=value</c> (what buildx puts on the manifest).</summary>
    private static List<KeyValuePair<string, string>> ManifestAnnotations(IReadOnlyList<string> annotations)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var annotation in annotations)
        {
            var equals = annotation.IndexOf('=');
            var key = equals < 0 ? annotation : annotation[..equals];
            var value = equals < 0 ? string.Empty : annotation[(equals + 1)..];
            var colon = key.IndexOf(':');
            if (colon < 0 || key.Contains("://", StringComparison.Ordinal))
            {
                result.Add(new(key, value));
            }
            else if (key[..colon].Split(',').Any(t => t.Trim() == "manifest"))
            {
                result.Add(new(key[(colon + 1)..], value));
            }
        }

        return result;
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

    /// <summary>The platforms of each <c>buildx build</c> run the preflight planned, with the node that runs it.</summary>
    private List<(string Node, IReadOnlyList<OciPlatform> Platforms)> Invocations(IReadOnlyList<OciPlatform> platforms)
    {
        var planned = BuildPlan
            .Select(i => (Platform: OciPlatform.TryParse(i.ItemSpec, out var p, out _) ? p : null, Node: i.GetMetadata("Node"), Invocation: i.GetMetadata("Invocation")))
            .Where(e => e.Platform is not null && platforms.Contains(e.Platform))
            .ToList();
        if (planned.Count != platforms.Count)
        {
            // No plan (podman, a direct call of the task) or one for other platforms: one run, as buildx routes it.
            return [(string.Empty, platforms)];
        }

        return planned.GroupBy(e => e.Invocation, StringComparer.Ordinal)
            .Select(g => (g.First().Node, (IReadOnlyList<OciPlatform>)g.Select(e => e.Platform!).ToList()))
            .ToList();
    }

    /// <summary>
    /// A plan over several nodes: buildx would merge the nodes' images itself and push that index under
    /// <c>:latest</c> before anything is validated. So each node's platforms are built by a <c>buildx build</c> of
    /// their own (all at once: the nodes are separate machines), each pushed by digest (one node: buildx honours
    /// push-by-digest), and the parts are merged into one index through the registry, pushed by digest too.
    /// Index annotations go on the merged index (BuildKit refuses them on a one-platform export).
    /// </summary>
    private async Task<BuildOutcome> BuildOnNodesAsync(BuildRequest request, List<(string Node, IReadOnlyList<OciPlatform> Platforms)> invocations, RegistryOptions registryOptions, CancellationToken cancellationToken)
    {
        Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.MultiNodeBuildsSplit), invocations.Select(i => i.Node).Distinct(StringComparer.Ordinal).Count(), request.Builder ?? "(current)", string.Join("; ", invocations.Select(i => $"{i.Node}: {string.Join(", ", i.Platforms)}")));
        var (indexAnnotations, otherAnnotations) = SplitIndexAnnotations(request.Annotations);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var runs = invocations.Select(async (invocation, n) =>
        {
            var part = request with
            {
                Platforms = invocation.Platforms,
                Annotations = otherAnnotations,
                CacheFrom = CacheScopes.Expand(CacheFrom.Split(';'), invocation.Platforms, CachePerPlatform),
                CacheTo = CacheScopes.Expand(CacheTo.Split(';'), invocation.Platforms, CachePerPlatform),
                MetadataFile = Path.ChangeExtension(request.MetadataFile!, null) + $"-{n}.json",
            };
            try
            {
                var outcome = await new BuildxBuilder(ProcessRunner.Instance).BuildAsync(part, Streamed(invocation.Platforms, $"[{invocation.Node}] "), failed.Token);
                Post(() => Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.MultiNodePartPushed), invocation.Node, string.Join(", ", invocation.Platforms), $"{request.Repository}@{outcome.PushedDigest}"));
                return outcome;
            }
            catch
            {
                // One node failed: the others' work is wasted, stop them.
                await failed.CancelAsync();
                throw;
            }
        }).ToList();

        BuildOutcome[] parts;
        try
        {
            parts = await System.Threading.Tasks.Task.WhenAll(runs);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A cancelled sibling is not the cause: report the run that failed.
            throw runs.Select(r => r.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException) ?? throw new OperationCanceledException(cancellationToken);
        }

        var reference = ImageReference.Parse(request.Repository!);
        var session = RegistrySession(registryOptions);
        var merger = new ImageMerger(session.ClientFor);
        var mergeParts = parts.Select((p, n) => new MergePart($"node {invocations[n].Node}", reference.WithDigest(p.PushedDigest!.Value), null)).ToList();
        var plan = await merger.PlanAsync(new MergeRequest { Parts = mergeParts, ExpectedPlatforms = request.Platforms, Registry = reference.Registry, Repository = reference.Repository, IndexAnnotations = indexAnnotations }, cancellationToken);
        if (plan.Refused)
        {
            foreach (var diagnostic in plan.Diagnostics)
            {
                LogDiagnostic(diagnostic);
            }

            throw new MultiArchException(nameof(Strings.MultiNodeMergeRefused), request.Builder ?? "(current)");
        }

        var merged = await merger.PushAsync(plan, cancellationToken);
        Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.MultiNodeMerged), parts.Length, merged.Image, merged.Images.Count, merged.Attestations);
        return new BuildOutcome(BuildOutputKind.Push, null, merged.Digest);
    }

    /// <summary>
    /// Splits <c>--annotation</c> values into those of the index (<c>index:key=value</c>, <c>index,manifest:...</c>)
    /// and the rest (still passed to each node: a type list without <c>index</c>, or none, which means manifest).
    /// </summary>
    internal static (IReadOnlyList<KeyValuePair<string, string>> Index, IReadOnlyList<string> Other) SplitIndexAnnotations(IReadOnlyList<string> annotations)
    {
        var index = new List<KeyValuePair<string, string>>();
        var other = new List<string>();
        foreach (var annotation in annotations)
        {
            var equals = annotation.IndexOf('=');
            var key = equals < 0 ? annotation : annotation[..equals];
            var colon = key.IndexOf(':');
            var types = colon < 0 ? string.Empty : key[..colon];
            var bracket = types.IndexOf('[');
            var typeList = (bracket < 0 ? types : types[..bracket]).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (colon < 0 || !typeList.Contains("index", StringComparer.Ordinal) || key.Contains("://", StringComparison.Ordinal))
            {
                other.Add(annotation);
                continue;
            }

            index.Add(new(key[(colon + 1)..], equals < 0 ? string.Empty : annotation[(equals + 1)..]));
            var rest = typeList.Where(t => t != "index").ToList();
            if (rest.Count > 0)
            {
                other.Add($"{string.Join(",", rest)}{(bracket < 0 ? string.Empty : types[bracket..])}:{annotation[(colon + 1)..]}");
            }
        }

        return (index, other);
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
