using System.Globalization;
using MultiArch.Build.Processes;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Building;

/// <summary>
/// <c>podman build --manifest</c>: builds into a manifest list of its own and exports it as an OCI archive (a push
/// copies that archive: Publishing), or, for ContainerLoad, tags it in podman's storage. Cleans up what it created.
/// </summary>
internal sealed class PodmanBuilder(IProcessRunner processes) : IImageBuildTool
{
    public ContainerCliKind Kind => ContainerCliKind.Podman;

    public async Task<BuildOutcome> BuildAsync(BuildRequest request, Action<ProcessLine> onLine, CancellationToken cancellationToken)
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
        var buildArgs = BuildArguments(request, manifest).ToList();
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
            await ImageBuildTools.RunAsync(processes, "podman", buildArgs, request, onLine, "podman build", cancellationToken, environment).ConfigureAwait(false);
            if (request.Output == BuildOutputKind.Load)
            {
                keep = await PodmanLoadAsync(request, manifest, onLine, cancellationToken).ConfigureAwait(false);
                return new BuildOutcome(BuildOutputKind.Load, null, null);
            }

            await ImageBuildTools.RunAsync(processes, "podman", PushArchiveArguments(manifest, archive), request, onLine, "podman manifest push", cancellationToken).ConfigureAwait(false);
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
        await ImageBuildTools.RunAsync(processes, "podman", ["tag", source, .. tags], request, onLine, "podman tag", cancellationToken).ConfigureAwait(false);
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

    /// <summary><c>podman build --platform a,b --manifest NAME ...</c>: one manifest list for all platforms.</summary>
    public static IReadOnlyList<string> BuildArguments(BuildRequest r, string manifestName)
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

        BuildCommands.AddCommon(args, r, annotations: false);
        args.Add(r.Context);
        return args;
    }

    public static IReadOnlyList<string> PushArchiveArguments(string manifestName, string archivePath)
        => ["manifest", "push", "--all", manifestName, $"oci-archive:{archivePath}"];
}
