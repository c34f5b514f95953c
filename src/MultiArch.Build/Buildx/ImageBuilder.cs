using MultiArch.Build.Oci;
using MultiArch.Build.Processes;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Buildx;

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
                return new BuildOutcome(request.Output, null, null);
        }
    }

    /// <summary>podman builds into a manifest list and exports it as an OCI archive; a push copies that archive (Publishing).</summary>
    private async Task<BuildOutcome> PodmanAsync(BuildRequest request, Action<ProcessLine> onLine, CancellationToken cancellationToken)
    {
        // A manifest list of this name from an earlier build would collect stale entries: start afresh.
        var manifest = "localhost/multiarch-build-" + Guid.NewGuid().ToString("N")[..12];
        var archive = request.ArchivePath!;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(archive))!);
        if (File.Exists(archive))
        {
            File.Delete(archive);
        }

        // podman leaves a cancelled RUN step running outside its process tree: run the build's containers
        // under a cgroup of our own, so that a cancellation can stop them too.
        var cgroup = CgroupReaper.Available ? CgroupReaper.NewCgroupParent() : null;
        var buildArgs = BuildCommands.PodmanBuild(request, manifest).ToList();
        if (cgroup is not null)
        {
            buildArgs.Insert(1, $"--cgroup-parent={cgroup}");
        }

        try
        {
            await RunAsync("podman", buildArgs, request, onLine, "podman build", cancellationToken).ConfigureAwait(false);
            await RunAsync("podman", BuildCommands.PodmanPushArchive(manifest, archive), request, onLine, "podman manifest push", cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cgroup is not null)
        {
            CgroupReaper.Reap(cgroup);
            throw;
        }
        finally
        {
            await processes.RunAsync(new ProcessSpec("podman", ["manifest", "rm", manifest]), null, CancellationToken.None).ConfigureAwait(false);
        }

        return new BuildOutcome(BuildOutputKind.Archive, archive, null);
    }

    private async Task RunAsync(string file, IReadOnlyList<string> args, BuildRequest request, Action<ProcessLine> onLine, string what, CancellationToken cancellationToken)
    {
        var spec = new ProcessSpec(file, args) { Secrets = request.SensitiveValues, WorkingDirectory = request.Context };
        onLine(new ProcessLine(ProcessStream.StandardOutput, spec.ToDisplayString()));
        var result = await processes.RunAsync(spec, onLine, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            var output = (result.StandardOutput + "\n" + result.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            throw new BuildFailedException(what, result.ExitCode, result.Tail(12), output);
        }
    }
}
