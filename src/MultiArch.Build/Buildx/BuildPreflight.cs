using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;
using MultiArch.Build.Resources;
using NuGet.Versioning;

namespace MultiArch.Build.Buildx;

internal sealed record PreflightRequest
{
    /// <summary><c>docker</c>, <c>podman</c>, or empty: docker when its buildx works, else podman.</summary>
    public string? Cli { get; init; }

    /// <summary><c>ContainerBuilder</c>, else <c>BUILDX_BUILDER</c>, else buildx's current builder.</summary>
    public string? Builder { get; init; }

    public bool CreateBuilder { get; init; }

    public string CreatedBuilderName { get; init; } = "multiarch-build";

    public required IReadOnlyList<OciPlatform> Platforms { get; init; }

    public required BuildOutputKind Output { get; init; }

    /// <summary>Where binfmt_misc handlers are registered (for podman's emulation check).</summary>
    public string BinfmtDirectory { get; init; } = "/proc/sys/fs/binfmt_misc";
}

/// <summary>What the preflight found: which CLI and builder to use, and which platforms run natively.</summary>
internal sealed record PreflightResult(
    ContainerCliKind Cli,
    NuGetVersion? BuildxVersion,
    BuilderInfo? Builder,
    string? BuilderName,
    bool ContainerdImageStore,
    IReadOnlyList<OciPlatform> NativePlatforms,
    IReadOnlyList<Diagnostic> Messages,
    BuilderPlan? Plan = null);

/// <summary>
/// Fails fast, before any build step runs: finds the CLI (docker with buildx, or podman), checks the buildx
/// version, the daemon and the builder (driver, status, platforms), and refuses the builds that cannot work
/// (the docker driver with the classic image store asked for several platforms, a platform no node can
/// build, a multi-platform --load) with a coded error that says how to fix it.
/// </summary>
internal sealed class BuildPreflight(IProcessRunner processes)
{
    private const string ContainerdSnapshotter = "io.containerd.snapshotter.v1";

    public async Task<PreflightResult> RunAsync(PreflightRequest request, CancellationToken cancellationToken)
    {
        var messages = new List<Diagnostic>();
        var cli = (request.Cli ?? string.Empty).Trim().ToLowerInvariant();
        if (cli is not ("" or "docker" or "podman"))
        {
            throw new BuildException(nameof(Strings.ContainerCliUnknown), request.Cli);
        }

        ProcessResult? buildxVersion = null;
        if (cli == "")
        {
            var buildx = buildxVersion = await TryAsync("docker", ["buildx", "version"], cancellationToken).ConfigureAwait(false);
            if (buildx is { Succeeded: true })
            {
                cli = "docker";
                messages.Add(Diagnostic.Info(nameof(Strings.ContainerCliChosen), "docker buildx", "docker buildx works"));
            }
            else
            {
                var podman = await TryAsync("podman", ["version", "--format", "{{.Client.Version}}"], cancellationToken).ConfigureAwait(false);
                if (podman is not { Succeeded: true })
                {
                    var why = buildx is null ? "docker is not installed" : $"docker buildx does not work ({FirstLine(buildx)})";
                    throw new BuildException(nameof(Strings.NoContainerCli), why + (podman is null ? "; podman is not installed" : $"; podman does not work ({FirstLine(podman)})"));
                }

                cli = "podman";
                messages.Add(Diagnostic.Info(nameof(Strings.ContainerCliChosen), "podman", buildx is null ? "docker is not installed" : "docker buildx is not available"));
            }
        }

        return cli == "podman"
            ? PodmanPreflight(request, messages)
            : await DockerPreflightAsync(request, messages, buildxVersion, cancellationToken).ConfigureAwait(false);
    }

    private PreflightResult PodmanPreflight(PreflightRequest request, List<Diagnostic> messages)
    {
        if (request.Output == BuildOutputKind.Load && request.Platforms.Count > 1)
        {
            throw new BuildException(nameof(Strings.MultiPlatformLoad), request.Platforms.Count);
        }

        var host = OciPlatform.Host();
        var native = new List<OciPlatform> { host };
        foreach (var platform in request.Platforms.Where(p => !native.Contains(p)))
        {
            var handler = QemuHandler(platform);
            var path = Path.Combine(request.BinfmtDirectory, "qemu-" + handler);
            var registered = handler is not null && File.Exists(path) && File.ReadAllText(path).StartsWith("enabled", StringComparison.Ordinal);
            if (!registered && !(host.Architecture == "amd64" && platform.Architecture == "386"))
            {
                throw new BuildException(nameof(Strings.PlatformNotBuildable), "podman", platform, host, platform.Architecture);
            }
        }

        var plan = BuilderPlan.Local("podman", host, request.Platforms);
        return new PreflightResult(ContainerCliKind.Podman, null, null, null, false, plan.NativePlatforms.Union(native).ToList(), messages, plan);
    }

    /// <param name="buildxVersion">The answer of <c>docker buildx version</c> when choosing the CLI already asked it.</param>
    private async Task<PreflightResult> DockerPreflightAsync(PreflightRequest request, List<Diagnostic> messages, ProcessResult? buildxVersion, CancellationToken cancellationToken)
    {
        var versionResult = buildxVersion ?? await TryAsync("docker", ["buildx", "version"], cancellationToken).ConfigureAwait(false)
            ?? throw new BuildException(nameof(Strings.ToolNotFound), "docker", "not found on PATH");
        if (!versionResult.Succeeded)
        {
            throw new BuildException(nameof(Strings.BuildxMissing), FirstLine(versionResult));
        }

        var version = BuildxVersion.Parse(versionResult.StandardOutput);
        if (version is not null && version < BuildxVersion.Minimum && !version.IsPrerelease && version.Major + version.Minor > 0)
        {
            throw new BuildException(nameof(Strings.BuildxTooOld), version, BuildxVersion.Minimum);
        }

        var builderName = request.Builder is { Length: > 0 } ? request.Builder : null;
        var builder = await InspectAsync(builderName, cancellationToken).ConfigureAwait(false);

        var needsDaemon = builder.Driver is "docker" or "docker-container";
        var containerd = false;
        if (needsDaemon)
        {
            var info = await TryAsync("docker", ["info", "--format", "{{json .DriverStatus}}"], cancellationToken).ConfigureAwait(false);
            if (info is not { Succeeded: true })
            {
                throw new BuildException(nameof(Strings.DaemonUnreachable), info is null ? "docker is not installed" : FirstLine(info));
            }

            containerd = info.StandardOutput.Contains(ContainerdSnapshotter, StringComparison.Ordinal);
        }

        // The KubeRay failure: the docker driver on the classic store builds one platform and cannot export an index.
        var dockerDriverLimited = builder.Driver == "docker" && !containerd && (request.Platforms.Count > 1 || request.Output == BuildOutputKind.Archive);
        if (dockerDriverLimited)
        {
            if (!request.CreateBuilder)
            {
                throw new BuildException(nameof(Strings.DockerDriverMultiPlatform), builder.Name, request.Platforms.Count);
            }

            builderName = request.CreatedBuilderName;
            builder = await EnsureContainerBuilderAsync(builderName, cancellationToken).ConfigureAwait(false);
            messages.Add(Diagnostic.Info(nameof(Strings.BuilderCreated), builderName));
        }

        if (request.Output == BuildOutputKind.Load && request.Platforms.Count > 1 && !containerd)
        {
            throw new BuildException(nameof(Strings.MultiPlatformLoad), request.Platforms.Count);
        }

        // Only running nodes build: a stopped node's platforms are not on offer (the plan says so, MULTIARCH3050).
        var buildable = builder.Nodes.Where(n => n.IsRunning).SelectMany(n => n.Platforms).Distinct().ToList();
        foreach (var platform in request.Platforms)
        {
            if (!buildable.Contains(platform))
            {
                throw new BuildException(nameof(Strings.PlatformNotBuildable), builder.Name, platform, buildable.Count == 0 ? "nothing" : string.Join(", ", buildable), platform.Architecture);
            }
        }

        messages.Add(Diagnostic.Info(nameof(Strings.BuilderInspected), builder.Name, builder.Driver, string.Join(", ", builder.NativePlatforms), string.Join(", ", buildable.Except(builder.NativePlatforms))));
        var plan = BuilderPlan.For(builder, request.Platforms);
        messages.AddRange(plan.Warnings);
        // Native: what the plan runs natively, plus the nodes' other native platforms that were not requested (so
        // the list is never empty). A requested platform planned on an emulating node is not native, even if
        // another node could have run it (MULTIARCH3051 says so).
        var native = plan.NativePlatforms.Union(builder.Nodes.Where(n => n.IsRunning).SelectMany(n => n.NativePlatforms).Except(request.Platforms)).ToList();
        return new PreflightResult(ContainerCliKind.Docker, version, builder, builderName, containerd, native, messages, plan);
    }

    private async Task<BuilderInfo> InspectAsync(string? name, CancellationToken cancellationToken)
    {
        var args = new List<string> { "buildx", "inspect", "--bootstrap" };
        if (name is not null)
        {
            args.Add(name);
        }

        var result = await processes.RunAsync(new ProcessSpec("docker", args), null, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new BuildException(nameof(Strings.BuilderUnavailable), name ?? "(current)", result.Tail(3));
        }

        var info = BuilderInfo.Parse(result.StandardOutput);
        var down = info.Nodes.Where(n => !n.Status.Equals("running", StringComparison.OrdinalIgnoreCase)).ToList();
        if (info.Nodes.Count == 0 || down.Count == info.Nodes.Count)
        {
            throw new BuildException(nameof(Strings.BuilderUnavailable), info.Name, info.Nodes.Count == 0 ? "it has no nodes" : $"node {down[0].Name} is {down[0].Status}");
        }

        return info;
    }

    /// <summary>Creates (once) a docker-container builder; never switches the user's current builder, never removes one.</summary>
    private async Task<BuilderInfo> EnsureContainerBuilderAsync(string name, CancellationToken cancellationToken)
    {
        var existing = await TryAsync("docker", ["buildx", "inspect", "--bootstrap", name], cancellationToken).ConfigureAwait(false);
        if (existing is { Succeeded: true })
        {
            return BuilderInfo.Parse(existing.StandardOutput);
        }

        var created = await processes.RunAsync(new ProcessSpec("docker", ["buildx", "create", "--name", name, "--driver", "docker-container", "--bootstrap"]), null, cancellationToken).ConfigureAwait(false);
        if (!created.Succeeded)
        {
            throw new BuildException(nameof(Strings.BuilderCreateFailed), name, created.Tail(3));
        }

        return await InspectAsync(name, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ProcessResult?> TryAsync(string file, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        try
        {
            return await processes.RunAsync(new ProcessSpec(file, args), null, cancellationToken).ConfigureAwait(false);
        }
        catch (ToolNotFoundException)
        {
            return null;
        }
    }

    private static string FirstLine(ProcessResult result) => result.Tail(1);

    /// <summary>The qemu-user binfmt handler name for a platform (qemu-aarch64 for linux/arm64).</summary>
    public static string? QemuHandler(OciPlatform platform) => platform.Architecture switch
    {
        "amd64" => "x86_64",
        "386" => "i386",
        "arm64" => "aarch64",
        "arm" => "arm",
        "s390x" => "s390x",
        "ppc64le" => "ppc64le",
        "riscv64" => "riscv64",
        "loong64" => "loongarch64",
        "mips64le" => "mips64el",
        "mips64" => "mips64",
        _ => null,
    };
}
