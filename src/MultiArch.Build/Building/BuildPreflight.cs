using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;
using MultiArch.Build.Resources;
using NuGet.Versioning;

namespace MultiArch.Build.Building;

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

    /// <summary>A push goes by digest, its tags only after validation (<c>ContainerValidateBeforeTag</c>, the default).</summary>
    public bool PushByDigest { get; init; } = true;

    /// <summary>Whether this machine's CPU has an x86-64 level (v2-v4); tests replace /proc/cpuinfo.</summary>
    public Func<string?, bool> CpuHasLevel { get; init; } = BuildPreflight.HostCpuHasLevel;

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
            string why;
            var fallback = false;
            if (buildx is { Succeeded: true })
            {
                try
                {
                    var docker = await DockerPreflightAsync(request, [], buildxVersion, cancellationToken).ConfigureAwait(false);
                    messages.Add(Diagnostic.Info(nameof(Strings.ContainerCliChosen), "docker buildx", "docker buildx works"));
                    messages.AddRange(docker.Messages);
                    return docker with { Messages = messages };
                }
                catch (BuildException ex) when (ex.ResourceName is nameof(Strings.DockerDriverMultiPlatform) or nameof(Strings.DockerDriverPushByDigest))
                {
                    // buildx works, but its builder has the docker driver, which cannot make this image: where podman
                    // can, it builds (as it did before buildx was installed); otherwise the coded refusal stands.
                    var podman = await TryAsync("podman", ["version", "--format", "{{.Client.Version}}"], cancellationToken).ConfigureAwait(false);
                    if (podman is not { Succeeded: true })
                    {
                        throw;
                    }

                    messages.Add(Diagnostic.Info(
                        nameof(Strings.ContainerCliDockerDriverFallback),
                        ex.Arguments[0],
                        ex.ResourceName == nameof(Strings.DockerDriverPushByDigest) ? "cannot push by digest" : $"cannot build {request.Platforms.Count} platform(s) into one image index or export one"));
                    return PodmanPreflight(request, messages);
                }
                catch (BuildException ex) when (ex.ResourceName is nameof(Strings.DaemonUnreachable))
                {
                    // buildx is installed but its daemon is down: podman needs no daemon, so it can still build.
                    why = $"the docker daemon cannot be reached ({ex.Arguments[0]})";
                    var podman = await TryAsync("podman", ["version", "--format", "{{.Client.Version}}"], cancellationToken).ConfigureAwait(false);
                    if (podman is not { Succeeded: true })
                    {
                        throw;
                    }

                    fallback = true;
                }
            }
            else
            {
                var podman = await TryAsync("podman", ["version", "--format", "{{.Client.Version}}"], cancellationToken).ConfigureAwait(false);
                if (podman is not { Succeeded: true })
                {
                    var missing = buildx is null ? "docker is not installed" : $"docker buildx does not work ({FirstLine(buildx)})";
                    throw new BuildException(nameof(Strings.NoContainerCli), missing + (podman is null ? "; podman is not installed" : $"; podman does not work ({FirstLine(podman)})"));
                }

                why = buildx is null ? "docker is not installed" : "docker buildx is not available";
            }

            messages.Add(fallback ? Diagnostic.Info(nameof(Strings.ContainerCliFallback), why) : Diagnostic.Info(nameof(Strings.ContainerCliChosen), "podman", why));
            return PodmanPreflight(request, messages);
        }

        return cli == "podman"
            ? PodmanPreflight(request, messages)
            : await DockerPreflightAsync(request, messages, buildxVersion, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Why no engine of <paramref name="cli"/> can build <paramref name="platform"/> however it is set up, or null:
    /// images are Linux or Windows images, podman builds Linux ones only, and an x86-64 level (amd64/v2-v4) runs on
    /// the CPUs that have it, which emulation does not change.
    /// </summary>
    public static string? NeverBuildable(ContainerCliKind cli, OciPlatform platform, OciPlatform host, Func<string?, bool> cpuHasLevel)
    {
        if (platform.Os is not ("linux" or "windows"))
        {
            return $"container images run on Linux or Windows, and no builder makes a {platform.Os} image; build {platform.Os} binaries outside the image, or drop {platform}";
        }

        if (platform.Os == "windows")
        {
            return cli == ContainerCliKind.Podman
                ? $"podman builds Linux images only, and a Windows image needs a Windows build host; drop {platform} from the platforms"
                : null;
        }

        if (platform.Architecture == "amd64" && platform.Variant is { Length: > 0 } level && host.Architecture == "amd64" && !cpuHasLevel(level))
        {
            return $"x86-64-{level} runs only on CPUs that have that level's instructions, and this machine's CPU lacks them; build on such a machine, or ask for linux/amd64 (which runs on every x86-64 CPU)";
        }

        return null;
    }

    /// <summary>Whether this machine's CPU has the x86-64 micro-architecture level (v1-v4), from /proc/cpuinfo's flags.</summary>
    public static bool HostCpuHasLevel(string? level) => CpuHasLevel(level, ReadCpuFlags());

    public static bool CpuHasLevel(string? level, IReadOnlySet<string> flags)
    {
        string[] v2 = ["cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3"];
        string[] v3 = [.. v2, "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"];
        string[] v4 = [.. v3, "avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"];
        var needed = level switch
        {
            null or "" or "v1" => [],
            "v2" => v2,
            "v3" => v3,
            "v4" => v4,
            _ => null,
        };
        return needed is not null && needed.All(flags.Contains);
    }

    private static HashSet<string> ReadCpuFlags()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            return line is null ? new HashSet<string>() : line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new HashSet<string>();
        }
    }

    /// <summary>
    /// podman needs no daemon or builder: each platform is native, an x86-64 level this CPU has, 386 on amd64, or
    /// emulated by a registered QEMU binfmt handler. A multi-platform ContainerLoad keeps the manifest list in
    /// podman's own storage, so podman has no MULTIARCH3009 (that is a docker image store's limit).
    /// </summary>
    private static PreflightResult PodmanPreflight(PreflightRequest request, List<Diagnostic> messages)
    {
        var host = OciPlatform.Host();
        var native = new List<OciPlatform> { host };
        foreach (var platform in request.Platforms.Where(p => !native.Contains(p)))
        {
            if (NeverBuildable(ContainerCliKind.Podman, platform, host, request.CpuHasLevel) is { } never)
            {
                throw new BuildException(nameof(Strings.PlatformNeverBuildable), platform, "podman", never);
            }

            if (platform.Os == host.Os && platform.Architecture == host.Architecture)
            {
                // An x86-64 level (checked above) or a variant of the host's own architecture: runs natively.
                native.Add(platform);
                continue;
            }

            var handler = QemuHandler(platform);
            var path = Path.Combine(request.BinfmtDirectory, "qemu-" + handler);
            var registered = handler is not null && File.Exists(path) && File.ReadAllText(path).StartsWith("enabled", StringComparison.Ordinal);
            if (!registered && !(host.Architecture == "amd64" && platform.Architecture == "386"))
            {
                throw new BuildException(nameof(Strings.PodmanPlatformNotBuildable), platform, host, handler ?? platform.Architecture);
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

        // The KubeRay failure: the docker driver on the classic store builds one platform and cannot export an index
        // (or an archive); and it pushes only under tags ("push-by-digest is currently not implemented for docker driver").
        var dockerDriverLimit = builder.Driver != "docker" || containerd ? null
            : request.Platforms.Count > 1 || request.Output == BuildOutputKind.Archive ? nameof(Strings.DockerDriverMultiPlatform)
            : request.Output == BuildOutputKind.Push && request.PushByDigest ? nameof(Strings.DockerDriverPushByDigest)
            : null;
        if (dockerDriverLimit is not null)
        {
            if (!request.CreateBuilder)
            {
                throw new BuildException(dockerDriverLimit, builder.Name, request.Platforms.Count);
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
            // A platform no node lists still builds on a node that runs it in compatible mode (arm/v7 on arm64, 386 on
            // amd64): buildx sends it there (BuilderPlan.CompatibleNode), so it is no reason to refuse the build.
            if (!buildable.Contains(platform) && BuilderPlan.CompatibleNode(builder.Nodes.Where(n => n.IsRunning), platform) is not null)
            {
                continue;
            }

            if (!buildable.Contains(platform) && NeverBuildable(ContainerCliKind.Docker, platform, OciPlatform.Host(), request.CpuHasLevel) is { } never)
            {
                throw new BuildException(nameof(Strings.PlatformNeverBuildable), platform, $"builder '{builder.Name}'", never);
            }

            if (!buildable.Contains(platform) && platform.Os == "windows")
            {
                throw new BuildException(nameof(Strings.PlatformNeverBuildable), platform, $"builder '{builder.Name}'", $"it has no Windows node (it builds {string.Join(", ", buildable)}); QEMU cannot run Windows, so add a node on a Windows host (docker buildx create --append --name {builder.Name} ...) or drop {platform}");
            }

            if (!buildable.Contains(platform))
            {
                throw new BuildException(nameof(Strings.PlatformNotBuildable), builder.Name, platform, buildable.Count == 0 ? "nothing" : string.Join(", ", buildable), platform.Architecture);
            }
        }

        messages.Add(Diagnostic.Info(nameof(Strings.BuilderInspected), builder.Name, builder.Driver, string.Join(", ", builder.NativePlatforms), string.Join(", ", buildable.Except(builder.NativePlatforms))));
        var plan = BuilderPlan.For(builder, request.Platforms);
        if (builder.Nodes.FirstOrDefault(n => !n.IsRunning) is { } down && !plan.AllDeclared(builder))
        {
            // buildx goes to the declared platforms first and starts only their nodes; failing that it starts every
            // node of the builder to list their platforms, and one that cannot be reached fails the build.
            throw new BuildException(nameof(Strings.BuilderNodeDownBlocksBuild), down.Name, builder.Name, down.Status, string.Join(", ", request.Platforms));
        }

        if (plan.IsMultiNode && request.Output != BuildOutputKind.Push)
        {
            // buildx refuses an OCI export from several nodes ("oci for multi-node builds currently not supported"),
            // and each node would load its own platform into the engine under the same tag: say so before building.
            throw new BuildException(
                nameof(Strings.MultiNodeLocalOutput),
                builder.Name,
                string.Join(", ", plan.Entries.Select(e => $"{e.Platform} -> {e.Node}")),
                request.Output == BuildOutputKind.Load ? "loaded into the engine" : "written to an OCI archive");
        }

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

        // With the daemon down, buildx inspect --bootstrap still exits 0 and prints the docker CLI's complaint. In a
        // builder of several nodes one node may say so about its own endpoint while the others run: only a builder
        // with no running node at all means the daemon behind it is down.
        if (DaemonDown(result) is { } complaint && !BuilderInfo.Parse(result.StandardOutput).Nodes.Any(n => n.IsRunning))
        {
            throw new BuildException(nameof(Strings.DaemonUnreachable), complaint);
        }

        if (!result.Succeeded)
        {
            // One node that cannot be reached fails the whole --bootstrap ("context deadline exceeded"), without
            // saying which. Asked without --bootstrap, buildx shows each node: the running ones with their platforms,
            // the others "inactive". The plan then decides whether the build can do without them (MULTIARCH3054).
            var plain = await TryAsync("docker", args.Where(a => a != "--bootstrap").ToList(), cancellationToken).ConfigureAwait(false);
            var partial = plain is { Succeeded: true } ? BuilderInfo.Parse(plain.StandardOutput) : null;
            if (partial is null || !partial.Nodes.Any(n => n.IsRunning) || partial.Nodes.All(n => n.IsRunning))
            {
                throw new BuildException(nameof(Strings.BuilderUnavailable), name ?? "(current)", result.Tail(3));
            }

            return partial;
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

    /// <summary>
    /// The docker CLI's "Cannot connect to the Docker daemon" line (or the permission error on its socket), or null;
    /// the column padding of `buildx inspect` ("Error:         Cannot connect ...") is squeezed to one space.
    /// </summary>
    private static string? DaemonDown(ProcessResult result)
        => (result.StandardError + "\n" + result.StandardOutput).Split('\n', StringSplitOptions.TrimEntries)
            .Where(l => l.Contains("Cannot connect to the Docker daemon", StringComparison.OrdinalIgnoreCase)
                || (l.Contains("permission denied", StringComparison.OrdinalIgnoreCase) && l.Contains("docker.sock", StringComparison.Ordinal)))
            .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .FirstOrDefault();

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
