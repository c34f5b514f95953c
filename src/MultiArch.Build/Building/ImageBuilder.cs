using MultiArch.Build.Oci;
using MultiArch.Build.Processes;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Building;

/// <summary>
/// Where a build left the image: pushed by buildx (its index digest, from the metadata file), an OCI archive
/// on disk (every podman build, and buildx without a registry), or the local engine. Describing and pushing
/// it is Publishing's work.
/// </summary>
internal sealed record BuildOutcome(BuildOutputKind Output, string? ArchivePath, Digest? PushedDigest);

/// <summary>
/// Runs the build and nothing else: one <c>docker buildx build</c> for all platforms (pushed by digest, to an
/// OCI archive, or loaded), or <c>podman build --manifest</c> exported as an OCI archive. Output lines stream to
/// <paramref name="onLine"/>; secrets never appear in them.
/// </summary>
internal sealed class ImageBuilder(IProcessRunner processes)
{
    public async Task<BuildOutcome> BuildAsync(ContainerCliKind cli, BuildRequest request, Action<ProcessLine> onLine, CancellationToken cancellationToken)
    {
        return cli == ContainerCliKind.Podman
            ? await PodmanAsync(request, onLine, cancellationToken).ConfigureAwait(false)
            : await BuildxAsync(request, onLine, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BuildOutcome> BuildxAsync(BuildRequest request, Action<ProcessLine> onLine, CancellationToken cancellationToken)
    {
        if (request.MetadataFile is { Length: > 0 } metadataFile && File.Exists(metadataFile))
        {
            File.Delete(metadataFile);
        }

        if (request.ArchivePath is { Length: > 0 } archive)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(archive))!);
        }

        await RunAsync("docker", BuildCommands.Buildx(request), request, onLine, "docker buildx", cancellationToken).ConfigureAwait(false);
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

    /// <summary>podman builds into a manifest list and exports it as an OCI archive; a push copies that archive (Publishing).</summary>
    private async Task<BuildOutcome> PodmanAsync(BuildRequest request, Action<ProcessLine> onLine, CancellationToken cancellationToken)
    {
        // A manifest list of this name from an earlier build would collect stale entries: start afresh.
        var manifest = "localhost/multiarch-build-" + Guid.NewGuid().ToString("N")[..12];
        var archive = request.ArchivePath!;
        if (request.Output != BuildOutputKind.Load)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(archive))!);
            if (File.Exists(archive))
            {
                File.Delete(archive);
            }
        }

        // podman leaves a cancelled RUN step running outside its process tree: run the build's containers
        // under a cgroup of our own, so that a cancellation can stop them too.
        var cgroup = CgroupReaper.Available ? CgroupReaper.NewCgroupParent() : null;
        var buildArgs = BuildCommands.PodmanBuild(request, manifest).ToList();
        if (cgroup is not null)
        {
            buildArgs.Insert(1, $"--cgroup-parent={cgroup}");
        }

        // Base images from plain-HTTP registries: an insecure entry for each in a registries.conf for this build.
        var environment = new Dictionary<string, string?>();
        if (request.InsecureRegistries.Count > 0 && request.RegistriesConfPath is { } confPath)
        {
            var current = PodmanRegistriesConf.CurrentPath();
            var text = PodmanRegistriesConf.WithInsecure(current is null ? string.Empty : await File.ReadAllTextAsync(current, cancellationToken).ConfigureAwait(false), request.InsecureRegistries);
            if (text is not null)
            {
                await File.WriteAllTextAsync(confPath, text, cancellationToken).ConfigureAwait(false);
                environment["CONTAINERS_REGISTRIES_CONF"] = confPath;
            }
            else if (current is not null && (await File.ReadAllTextAsync(current, cancellationToken).ConfigureAwait(false)).Contains("[registries.", StringComparison.Ordinal))
            {
                // The old v1 format cannot take a v2 entry: only then the build-wide switch.
                buildArgs.Insert(1, "--tls-verify=false");
            }
        }

        var before = await PodmanImagesAsync(cancellationToken).ConfigureAwait(false);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await RunAsync("podman", buildArgs, request, onLine, "podman build", cancellationToken, environment).ConfigureAwait(false);
            if (request.Output == BuildOutputKind.Load)
            {
                keep = await PodmanLoadAsync(request, manifest, onLine, cancellationToken).ConfigureAwait(false);
                return new BuildOutcome(BuildOutputKind.Load, null, null);
            }

            await RunAsync("podman", BuildCommands.PodmanPushArchive(manifest, archive), request, onLine, "podman manifest push", cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cgroup is not null)
        {
            CgroupReaper.Reap(cgroup);
            throw;
        }
        finally
        {
            await PodmanCleanUpAsync(manifest, before, keep).ConfigureAwait(false);
        }

        return new BuildOutcome(BuildOutputKind.Archive, archive, null);
    }

    /// <summary>
    /// ContainerLoad with podman: the result stays in podman's own storage under the tags. One platform: its image
    /// is tagged; several: the manifest list is. Then podman is asked whether each tag is there: nothing is
    /// reported loaded that podman does not hold. Returns the image ids to keep.
    /// </summary>
    private async Task<HashSet<string>> PodmanLoadAsync(BuildRequest request, string manifest, Action<ProcessLine> onLine, CancellationToken cancellationToken)
    {
        var tags = request.Tags.Count > 0 ? request.Tags : [$"{request.Repository}:latest"];
        var instances = await PodmanInstancesAsync(manifest, cancellationToken).ConfigureAwait(false);
        var images = await PodmanImagesAsync(cancellationToken).ConfigureAwait(false);
        var keep = images.Where(i => instances.Contains(i.Digest)).Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var source = request.Platforms.Count == 1 && keep.Count == 1 ? keep.Single() : manifest;
        await RunAsync("podman", ["tag", source, .. tags], request, onLine, "podman tag", cancellationToken).ConfigureAwait(false);
        foreach (var tag in tags)
        {
            var exists = await processes.RunAsync(new ProcessSpec("podman", source == manifest ? ["manifest", "exists", tag] : ["image", "exists", tag]), null, cancellationToken).ConfigureAwait(false);
            if (!exists.Succeeded)
            {
                throw new BuildException(nameof(Strings.LoadNotFound), "podman", tag);
            }
        }

        return keep;
    }

    /// <summary>
    /// Removes what this build created and no longer needs: its manifest list's name, and the per-platform images it
    /// built that are untagged and were not there before the build. Nothing else: not the base images it pulled,
    /// not an image that existed before, not an image something tagged meanwhile, not a loaded image.
    /// </summary>
    private async Task PodmanCleanUpAsync(string manifest, IReadOnlyList<PodmanImage> before, HashSet<string> keep)
    {
        try
        {
            var instances = await PodmanInstancesAsync(manifest, CancellationToken.None).ConfigureAwait(false);
            await processes.RunAsync(new ProcessSpec("podman", ["manifest", "rm", manifest]), null, CancellationToken.None).ConfigureAwait(false);
            var existed = before.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
            var created = (await PodmanImagesAsync(CancellationToken.None).ConfigureAwait(false))
                .Where(i => instances.Contains(i.Digest) && i.Untagged && !existed.Contains(i.Id) && !keep.Contains(i.Id))
                .Select(i => i.Id)
                .ToList();
            if (created.Count > 0)
            {
                await processes.RunAsync(new ProcessSpec("podman", ["rmi", .. created]), null, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (ToolNotFoundException)
        {
            // podman is gone: nothing to clean.
        }
    }

    private async Task<HashSet<string>> PodmanInstancesAsync(string manifest, CancellationToken cancellationToken)
    {
        var inspect = await processes.RunAsync(new ProcessSpec("podman", ["manifest", "inspect", manifest]), null, cancellationToken).ConfigureAwait(false);
        return inspect.Succeeded ? PodmanImage.InstanceDigests(inspect.StandardOutput) : [];
    }

    private async Task<IReadOnlyList<PodmanImage>> PodmanImagesAsync(CancellationToken cancellationToken)
    {
        var images = await processes.RunAsync(new ProcessSpec("podman", ["images", "--all", "--format", "json"]), null, cancellationToken).ConfigureAwait(false);
        return images.Succeeded ? PodmanImage.ParseList(images.StandardOutput) : [];
    }

    private async Task RunAsync(string file, IReadOnlyList<string> args, BuildRequest request, Action<ProcessLine> onLine, string what, CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var spec = new ProcessSpec(file, args) { Secrets = request.SensitiveValues, WorkingDirectory = request.Context, Environment = environment ?? new Dictionary<string, string?>() };
        onLine(new ProcessLine(ProcessStream.StandardOutput, spec.ToDisplayString()));
        var result = await processes.RunAsync(spec, onLine, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            var output = (result.StandardOutput + "\n" + result.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            throw new BuildFailedException(what, result.ExitCode, result.Tail(12), output);
        }
    }
}
