using System.Diagnostics;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Containers;

/// <summary>One container to run once: an image pinned by digest, for one platform, isolated.</summary>
internal sealed record ContainerRunRequest(string Cli, string Image, OciPlatform Platform)
{
    /// <summary>Arguments after the image (they replace the image's Cmd, the Entrypoint stays); null runs the image's own.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Give the container the engine's default network; otherwise it has none.</summary>
    public bool Network { get; init; }

    /// <summary>More <c>run</c> options, placed before the image (already checked by the policy).</summary>
    public IReadOnlyList<string> RunArgs { get; init; } = [];

    /// <summary>Talk to the image's registry over plain HTTP (podman's <c>--tls-verify=false</c>).</summary>
    public bool InsecureRegistry { get; init; }

    /// <summary>Lines of output kept for the report.</summary>
    public int KeepLines { get; init; } = 20;
}

/// <summary>What one run did. <see cref="ExitCode"/> is the container's (or the engine's 125-127 when it could not start it).</summary>
internal sealed record ContainerRunOutcome(
    int? ExitCode,
    bool TimedOut,
    TimeSpan Duration,
    IReadOnlyList<string> Output,
    IReadOnlyList<string> Arguments,
    string? ResourceLimits);

/// <summary>The engine could not fetch the image to run (pull failed); the container never started.</summary>
internal sealed class ContainerPullException(string cli, string image, string detail)
    : MultiArchException(nameof(Strings.SmokeTestPullFailed), cli, image, detail);

internal interface IContainerRunner
{
    Task<ContainerRunOutcome> RunAsync(ContainerRunRequest request, Action<string>? onLine, CancellationToken cancellationToken);
}

/// <summary>
/// Runs an image once with <c>podman run</c> or <c>docker run</c>: pulled first (so the engine's pull chatter
/// never mixes with the program's output, and a pull failure is told apart from a start failure), then run
/// with <c>--rm</c>, a unique name, <c>--platform</c>, no network unless asked, no published port and no
/// mount. A run past its time-out is removed with <c>rm -f</c> (the engine's client alone does not stop it).
/// An image this run pulled is removed again afterwards.
/// </summary>
internal sealed class ContainerRunner(IProcessRunner processes) : IContainerRunner
{
    /// <summary>
    /// Resource limits a rootful podman could not apply here: it asks for nofile=1048576 and nproc=4194304,
    /// which fail ("error setting rlimit") inside a container or user namespace without CAP_SYS_RESOURCE. The
    /// retry asks for these, lowered to this process's own soft limits when those are smaller.
    /// </summary>
    public static readonly (string Name, long Value)[] FallbackLimits = [("nofile", 1024), ("nproc", 4096)];

    private string? _limitArgs;

    /// <summary>The engine to run with: <paramref name="cli"/> when given, else podman when it works, else docker when its daemon answers.</summary>
    public static async Task<string> ChooseCliAsync(IProcessRunner processes, string? cli, CancellationToken cancellationToken)
    {
        var reasons = new List<string>();
        foreach (var candidate in cli is { Length: > 0 } ? [cli] : new[] { "podman", "docker" })
        {
            try
            {
                var probe = await processes.RunAsync(new ProcessSpec(candidate, ["version", "--format", candidate == "podman" ? "{{.Client.Version}}" : "{{.Server.Version}}"]), null, cancellationToken).ConfigureAwait(false);
                if (probe.Succeeded)
                {
                    return candidate;
                }

                reasons.Add($"{candidate} does not work ({probe.Tail(1)})");
            }
            catch (ToolNotFoundException)
            {
                reasons.Add($"{candidate} is not installed");
            }
        }

        throw new MultiArchException(nameof(Strings.SmokeTestNoEngine), string.Join("; ", reasons));
    }

    public async Task<ContainerRunOutcome> RunAsync(ContainerRunRequest request, Action<string>? onLine, CancellationToken cancellationToken)
    {
        var podman = request.Cli == "podman";
        var tls = podman && request.InsecureRegistry ? new[] { "--tls-verify=false" } : [];
        var existed = (await processes.RunAsync(new ProcessSpec(request.Cli, podman ? ["image", "exists", request.Image] : ["image", "inspect", "--format", "{{.Id}}", request.Image]), null, cancellationToken).ConfigureAwait(false)).Succeeded;
        if (!existed)
        {
            var pull = await processes.RunAsync(new ProcessSpec(request.Cli, ["pull", "-q", .. tls, "--platform", request.Platform.ToString(), request.Image]), null, cancellationToken).ConfigureAwait(false);
            if (!pull.Succeeded)
            {
                throw new ContainerPullException(request.Cli, request.Image, pull.Tail(5));
            }
        }

        try
        {
            var outcome = await RunOnceAsync(request, _limitArgs, onLine, cancellationToken).ConfigureAwait(false);
            if (podman && _limitArgs is null && outcome.ExitCode is 125 or 126 && outcome.Output.Any(l => l.Contains("rlimit", StringComparison.OrdinalIgnoreCase)))
            {
                // The container never started (runc failed before exec): retry once with limits it may set, and keep them.
                _limitArgs = string.Join(' ', FallbackLimits.Select(l => $"--ulimit {l.Name}={Lowered(l.Name, l.Value)}:{Lowered(l.Name, l.Value)}"));
                outcome = await RunOnceAsync(request, _limitArgs, onLine, cancellationToken).ConfigureAwait(false);
            }

            return outcome;
        }
        finally
        {
            if (!existed)
            {
                await processes.RunAsync(new ProcessSpec(request.Cli, ["rmi", request.Image]), null, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The <c>run</c> arguments, pure: what is isolated and how.</summary>
    public static IReadOnlyList<string> RunArguments(ContainerRunRequest request, string name, string? limitArgs)
    {
        var args = new List<string> { "run", "--rm", "--name", name, "--platform", request.Platform.ToString(), "--pull=never" };
        if (!request.Network)
        {
            args.Add("--network=none");
        }

        if (limitArgs is not null)
        {
            args.AddRange(limitArgs.Split(' '));
        }

        args.AddRange(request.RunArgs);
        args.Add(request.Image);
        args.AddRange(request.Command ?? []);
        return args;
    }

    private async Task<ContainerRunOutcome> RunOnceAsync(ContainerRunRequest request, string? limitArgs, Action<string>? onLine, CancellationToken cancellationToken)
    {
        var name = $"multiarch-smoke-{Guid.NewGuid():N}";
        var args = RunArguments(request, name, limitArgs);
        var lines = new List<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(request.Timeout);
        var clock = Stopwatch.StartNew();

        // Past the time-out the client is killed, but the container lives on under conmon (podman) or the
        // daemon (docker) and may hold the output open: remove it at once.
        Task? removal = null;
        using var onTimeout = timeout.Token.Register(() => removal = processes.RunAsync(new ProcessSpec(request.Cli, ["rm", "-f", name]), null, CancellationToken.None));
        try
        {
            var result = await processes.RunAsync(
                new ProcessSpec(request.Cli, args),
                line =>
                {
                    lock (lines)
                    {
                        if (lines.Count < request.KeepLines)
                        {
                            lines.Add(line.Text);
                        }
                    }

                    onLine?.Invoke(line.Text);
                },
                timeout.Token).ConfigureAwait(false);
            return new ContainerRunOutcome(result.ExitCode, false, clock.Elapsed, Snapshot(lines), args, limitArgs);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ContainerRunOutcome(null, true, clock.Elapsed, Snapshot(lines), args, limitArgs);
        }
        finally
        {
            if (removal is not null)
            {
                await removal.ConfigureAwait(false);
                await EnsureRemovedAsync(request.Cli, name).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A first <c>rm -f</c> can race the killed client (the container still starting, or locked while it stops):
    /// ask the engine until the container is really gone, a few times, a moment apart. Never fails the run.
    /// </summary>
    private async Task EnsureRemovedAsync(string cli, string name)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var exists = await processes.RunAsync(new ProcessSpec(cli, ["container", "inspect", "--format", "{{.Id}}", name]), null, CancellationToken.None).ConfigureAwait(false);
            if (!exists.Succeeded)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(300 * (attempt + 1))).ConfigureAwait(false);
            await processes.RunAsync(new ProcessSpec(cli, ["rm", "-f", name]), null, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static List<string> Snapshot(List<string> lines)
    {
        lock (lines)
        {
            return lines.ToList();
        }
    }

    /// <summary>This process's soft limit when it is lower than <paramref name="value"/> (read from /proc/self/limits).</summary>
    private static long Lowered(string name, long value)
    {
        var label = name == "nofile" ? "Max open files" : "Max processes";
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith(label, StringComparison.Ordinal)
                    && line[label.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var soft, ..]
                    && long.TryParse(soft, out var current))
                {
                    return Math.Min(current, value);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return value;
    }
}
