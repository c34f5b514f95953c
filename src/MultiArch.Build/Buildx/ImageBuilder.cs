using MultiArch.Build.Images;
using MultiArch.Build.Manifests;
using MultiArch.Build.Processes;
using MultiArch.Build.Registry;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Buildx;

/// <summary>Where a build left the image: an untagged index in a registry (by digest), an OCI archive, or the engine.</summary>
public sealed record BuildOutcome(string Image, Digest? Digest, IReadOnlyList<(string Platform, string ManifestDigest)> Platforms);

/// <summary>
/// Runs the build: one <c>docker buildx build</c> for all platforms (pushed by digest, to an OCI archive,
/// or loaded), or <c>podman build --manifest</c> exported as an OCI archive and, when pushing, copied into
/// the registry by digest. Output lines stream to <paramref name="onLine"/>; secrets never appear in them.
/// </summary>
public sealed class ImageBuilder(IProcessRunner processes, RegistryOptions registryOptions, ICredentialProvider? credentials = null)
{
    public async Task<BuildOutcome> BuildAsync(ContainerCliKind cli, BuildRequest request, Action<ProcessLine> onLine, Action<string> announce, CancellationToken cancellationToken)
    {
        return cli == ContainerCliKind.Podman
            ? await PodmanAsync(request, onLine, announce, cancellationToken).ConfigureAwait(false)
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

                return await DescribePushedAsync(request.Repository!, digest, cancellationToken).ConfigureAwait(false);
            case BuildOutputKind.Archive:
                return await DescribeArchiveAsync(request.ArchivePath!, cancellationToken).ConfigureAwait(false);
            default:
                return new BuildOutcome(string.Empty, null, []);
        }
    }

    private async Task<BuildOutcome> PodmanAsync(BuildRequest request, Action<ProcessLine> onLine, Action<string> announce, CancellationToken cancellationToken)
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

        if (request.Output != BuildOutputKind.Push)
        {
            return await DescribeArchiveAsync(archive, cancellationToken).ConfigureAwait(false);
        }

        var reference = ImageReference.Parse(request.Repository!);
        using var client = new RegistryClient(reference.Registry, credentials, registryOptions);
        await using var source = OciLayoutSource.Open(archive);
        var digest = await new ImagePublisher(client, reference.Repository).PushByDigestAsync(source, cancellationToken).ConfigureAwait(false);
        announce($"{request.Repository}@{digest}");

        // The registry now holds the archive's bytes: describe them from the archive rather than reading them back.
        var (_, platforms) = await DescribeAsync(source, cancellationToken).ConfigureAwait(false);
        return new BuildOutcome($"{request.Repository}@{digest}", digest, platforms);
    }

    private async Task<BuildOutcome> DescribePushedAsync(string repository, Digest digest, CancellationToken cancellationToken)
    {
        var reference = ImageReference.Parse(repository).WithDigest(digest);
        using var client = new RegistryClient(reference.Registry, credentials, registryOptions);
        await using var source = new RegistryImageSource(client, reference);
        var (_, platforms) = await DescribeAsync(source, cancellationToken).ConfigureAwait(false);
        return new BuildOutcome($"{repository}@{digest}", digest, platforms);
    }

    private static async Task<BuildOutcome> DescribeArchiveAsync(string archive, CancellationToken cancellationToken)
    {
        await using var source = OciLayoutSource.Open(archive);
        var (digest, platforms) = await DescribeAsync(source, cancellationToken).ConfigureAwait(false);
        return new BuildOutcome(archive, digest, platforms);
    }

    /// <summary>The root's digest and the image platforms it lists (attestations left out), from one read of the root.</summary>
    private static async Task<(Digest Digest, IReadOnlyList<(string, string)> Platforms)> DescribeAsync(IImageSource source, CancellationToken cancellationToken)
    {
        var (content, mediaType, digest) = await source.ReadRootAsync(cancellationToken).ConfigureAwait(false);
        if (!MediaTypes.IsIndex(mediaType))
        {
            return (digest, [("(single)", digest.ToString())]);
        }

        var platforms = OciJson.ReadIndex(content, mediaType).Manifests
            .Where(m => !m.IsAttestation && m.Platform is not null)
            .Select(m => (m.Platform!.Normalized?.ToString() ?? m.Platform.ToString(), m.Digest.ToString()))
            .ToList();
        return (digest, platforms);
    }

    private async Task RunAsync(string file, IReadOnlyList<string> args, BuildRequest request, Action<ProcessLine> onLine, string what, CancellationToken cancellationToken)
    {
        var spec = new ProcessSpec(file, args) { Secrets = request.SensitiveValues, WorkingDirectory = request.Context };
        onLine(new ProcessLine(ProcessStream.StandardOutput, spec.ToDisplayString()));
        var result = await processes.RunAsync(spec, onLine, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new BuildException(nameof(Strings.BuildFailed), what, result.ExitCode, result.Tail(12));
        }
    }
}
