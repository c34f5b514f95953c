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

    /// <summary>A server's URL, asked until it answers; null: the run is judged by its exit.</summary>
    public ContainerHttpProbe? Probe { get; init; }

    /// <summary>Watch for a server (a listening socket) while it runs: seen listening, it is stopped at once.</summary>
    public bool WatchListening { get; init; }

    /// <summary>How <see cref="Probe"/> reaches the container's port.</summary>
    public ContainerReach Reach { get; init; } = ContainerReach.Auto;
}

/// <summary>How a smoke run reaches a server's port.</summary>
internal enum ContainerReach
{
    /// <summary>The container's network namespace when this process may enter it, else a port published on 127.0.0.1.</summary>
    Auto,

    /// <summary>A socket made inside the container's network namespace: no network, no published port (<see cref="NetworkNamespace"/>).</summary>
    Namespace,

    /// <summary>The port published on 127.0.0.1 at a port the engine picks (<c>-p 127.0.0.1::PORT</c>); needs the engine's default network.</summary>
    Publish,
}

/// <summary>An HTTP GET of <see cref="Url"/> (its host is the container) sent to the container's <see cref="Port"/>.</summary>
internal sealed record ContainerHttpProbe(Uri Url)
{
    public int Port => Url.Port;
}

/// <summary>What was seen of a running server: its answer, the sockets it listened on, how it was reached.</summary>
internal sealed record ServerObservation
{
    /// <summary>The last HTTP status the URL answered with.</summary>
    public int? Status { get; init; }

    /// <summary>Why the last request got no answer (connection refused, reset, ...).</summary>
    public string? Error { get; init; }

    public IReadOnlyList<ListeningSocket> Listening { get; init; } = [];

    /// <summary>How the port was reached: "network namespace" or the published address.</summary>
    public string? Reached { get; init; }

    /// <summary>Why the port could not be reached at all (namespace not enterable, no port published); the server was not asked.</summary>
    public string? Unreachable { get; init; }
}

/// <summary>What one run did. <see cref="ExitCode"/> is the container's (or the engine's 125-127 when it could not start it).</summary>
internal sealed record ContainerRunOutcome(
    int? ExitCode,
    bool TimedOut,
    TimeSpan Duration,
    IReadOnlyList<string> Output,
    IReadOnlyList<string> Arguments,
    string? ResourceLimits)
{
    /// <summary>The last lines of output (the first ones are <see cref="Output"/>).</summary>
    public IReadOnlyList<string> LastLines { get; init; } = [];

    /// <summary>What was seen of it as a server (a probe or watch); null when it was only run.</summary>
    public ServerObservation? Server { get; init; }

    /// <summary>It was still running when the probe or watch ended, and was stopped then (not a time-out).</summary>
    public bool Stopped { get; init; }
}

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
/// An image this run pulled is removed again afterwards. A server is asked over HTTP while it runs
/// (<see cref="ContainerHttpProbe"/>), through its network namespace or a port published on 127.0.0.1 only,
/// then stopped and removed. Safe to call for several platforms at once.
/// </summary>
internal sealed class ContainerRunner(IProcessRunner processes) : IContainerRunner
{
    /// <summary>How often a server is asked while it starts.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(300);

    /// <summary>The last lines of output kept for a failure's message.</summary>
    private const int TailLines = 10;

    /// <summary>
    /// Resource limits a rootful podman could not apply here: it asks for nofile=1048576 and nproc=4194304,
    /// which fail ("error setting rlimit") inside a container or user namespace without CAP_SYS_RESOURCE. The
    /// retry asks for these, lowered to this process's own soft limits when those are smaller.
    /// </summary>
    public static readonly (string Name, long Value)[] FallbackLimits = [("nofile", 1024), ("nproc", 4096)];

    private volatile string? _limitArgs;

    /// <summary>Set once entering a namespace failed for a container here (a remote engine): later runs publish at once.</summary>
    private volatile bool _publishOnly;

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
            var reach = ReachFor(request);
            var limits = _limitArgs;
            var outcome = await RunOnceAsync(request, limits, reach, onLine, cancellationToken).ConfigureAwait(false);
            if (podman && limits is null && (outcome.ExitCode is 125 or 126 || outcome.Stopped || outcome.TimedOut) && outcome.Output.Any(IsRlimitFailure))
            {
                // The container never started (runc failed before exec; podman's client may even linger after saying
                // so): retry once with limits it may set, and keep them.
                _limitArgs = string.Join(' ', FallbackLimits.Select(l => $"--ulimit {l.Name}={Lowered(l.Name, l.Value)}:{Lowered(l.Name, l.Value)}"));
                outcome = await RunOnceAsync(request, _limitArgs, reach, onLine, cancellationToken).ConfigureAwait(false);
            }

            if (request.Reach == ContainerReach.Auto && reach == ContainerReach.Namespace && outcome.Server?.Unreachable is not null)
            {
                // The engine's container is not this machine's process (a remote engine): publish the port instead.
                _publishOnly = true;
                outcome = await RunOnceAsync(request, _limitArgs, ContainerReach.Publish, onLine, cancellationToken).ConfigureAwait(false);
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

    /// <summary>runc's refusal to apply podman's default resource limits: the container never started.</summary>
    private static bool IsRlimitFailure(string line) => line.Contains("error setting rlimit", StringComparison.OrdinalIgnoreCase);

    /// <summary>How a request's server is reached here: <see cref="ContainerReach.Auto"/> resolved.</summary>
    public ContainerReach ReachFor(ContainerRunRequest request) => request.Reach switch
    {
        _ when request.Probe is null => ContainerReach.Namespace,
        ContainerReach.Auto => !_publishOnly && NetworkNamespace.CanEnter ? ContainerReach.Namespace : ContainerReach.Publish,
        var chosen => chosen,
    };

    /// <summary>The <c>run</c> arguments, pure: what is isolated and how.</summary>
    public static IReadOnlyList<string> RunArguments(ContainerRunRequest request, string name, string? limitArgs, ContainerReach reach = ContainerReach.Namespace)
    {
        var args = new List<string> { "run", "--rm", "--name", name, "--platform", request.Platform.ToString(), "--pull=never" };
        if (request.Probe is not null && reach == ContainerReach.Publish)
        {
            // Published on the loopback only, at a port the engine picks (so platforms side by side never collide);
            // publishing needs the engine's default network.
            args.AddRange(["-p", $"127.0.0.1::{request.Probe.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}"]);
        }
        else if (!request.Network)
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

    private async Task<ContainerRunOutcome> RunOnceAsync(ContainerRunRequest request, string? limitArgs, ContainerReach reach, Action<string>? onLine, CancellationToken cancellationToken)
    {
        var name = $"multiarch-smoke-{Guid.NewGuid():N}";
        var args = RunArguments(request, name, limitArgs, reach);
        var lines = new List<string>();
        var tail = new Queue<string>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(request.Timeout);
        var clock = Stopwatch.StartNew();

        // Past the time-out (or once a server was seen) the client is killed, but the container lives on under
        // conmon (podman) or the daemon (docker) and may hold the output open: remove it at once.
        Task? removal = null;
        using var onStop = stop.Token.Register(() => removal = processes.RunAsync(new ProcessSpec(request.Cli, RemoveArguments(request.Cli, name)), null, CancellationToken.None));
        var stopped = false;
        var neverStarted = false;
        ServerObservation? server = null;
        try
        {
            var run = processes.RunAsync(
                new ProcessSpec(request.Cli, args),
                line =>
                {
                    lock (lines)
                    {
                        if (lines.Count < request.KeepLines)
                        {
                            lines.Add(line.Text);
                        }

                        tail.Enqueue(line.Text);
                        if (tail.Count > TailLines)
                        {
                            tail.Dequeue();
                        }
                    }

                    neverStarted |= IsRlimitFailure(line.Text);

                    onLine?.Invoke(line.Text);
                },
                stop.Token);
            if (request.Probe is not null || request.WatchListening)
            {
                server = await ObserveAsync(request, name, reach, run, () => Volatile.Read(ref neverStarted), stop.Token).ConfigureAwait(false);
                if (!run.IsCompleted && !stop.IsCancellationRequested)
                {
                    stopped = true;
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }

            var result = await run.ConfigureAwait(false);
            return new ContainerRunOutcome(result.ExitCode, false, clock.Elapsed, Snapshot(lines, lines), args, limitArgs) { LastLines = Snapshot(lines, tail), Server = server, Stopped = stopped };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ContainerRunOutcome(null, !stopped, clock.Elapsed, Snapshot(lines, lines), args, limitArgs) { LastLines = Snapshot(lines, tail), Server = server, Stopped = stopped };
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
    /// Watches a running container until its URL answers (2xx, or a status that will not change), it is seen
    /// listening (a watch), it exits, or the time-out: what was seen. Never throws for the server's sake.
    /// </summary>
    private async Task<ServerObservation> ObserveAsync(ContainerRunRequest request, string name, ContainerReach reach, Task<ProcessResult> run, Func<bool> neverStarted, CancellationToken stop)
    {
        var seen = new ServerObservation();
        try
        {
            // The container's ID and its first process, once it runs.
            string? id = null;
            var pid = 0;
            while (!run.IsCompleted && !neverStarted())
            {
                var inspect = await processes.RunAsync(new ProcessSpec(request.Cli, ["container", "inspect", "--format", "{{.Id}} {{.State.Pid}}", name]), null, stop).ConfigureAwait(false);
                if (inspect.Succeeded && inspect.StandardOutput.Trim().Split(' ') is [var i, var p] && int.TryParse(p, out pid) && pid > 0)
                {
                    id = i;
                    break;
                }

                await Task.Delay(PollInterval / 3, stop).ConfigureAwait(false);
            }

            if (id is null)
            {
                return seen;
            }

            // Only a process of this machine whose cgroup names the container is read (a remote engine's PID is not ours).
            var namespacePath = NetworkNamespace.OfContainer(pid, id);
            Func<CancellationToken, Task<System.Net.Sockets.Socket>>? connect = null;
            if (request.Probe is { } probe)
            {
                if (reach == ContainerReach.Namespace)
                {
                    if (namespacePath is null || !NetworkNamespace.CanEnter)
                    {
                        return seen with { Unreachable = namespacePath is null ? $"the container's process ({pid}) is not visible on this machine" : "entering a network namespace needs CAP_SYS_ADMIN (root)" };
                    }

                    connect = ct => NetworkNamespace.ConnectAsync(namespacePath, probe.Port, ct);
                    seen = seen with { Reached = "its network namespace" };
                }
                else
                {
                    var published = await PublishedPortAsync(request.Cli, name, probe.Port, run, stop).ConfigureAwait(false);
                    if (published is null)
                    {
                        return run.IsCompleted ? seen : seen with { Unreachable = $"{request.Cli} published no port for {probe.Port}/tcp (a docker engine without a bridge network, --bridge=none, publishes none)" };
                    }

                    connect = async ct =>
                    {
                        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                        try
                        {
                            await socket.ConnectAsync(published, ct).ConfigureAwait(false);
                            return socket;
                        }
                        catch
                        {
                            socket.Dispose();
                            throw;
                        }
                    };
                    seen = seen with { Reached = published.ToString() };
                }
            }

            using var http = connect is null ? null : HttpClientFor(connect);
            while (!run.IsCompleted && !stop.IsCancellationRequested)
            {
                if (namespacePath is not null)
                {
                    seen = seen with { Listening = ListeningSockets.Of(pid) };
                }

                if (http is null)
                {
                    if (seen.Listening.Count > 0)
                    {
                        // A server: it started and listens. A moment more, to see it stays up.
                        await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(1), stop)).ConfigureAwait(false);
                        return seen;
                    }
                }
                else
                {
                    try
                    {
                        using var response = await http.GetAsync(request.Probe!.Url, HttpCompletionOption.ResponseHeadersRead, stop).ConfigureAwait(false);
                        var status = (int)response.StatusCode;
                        seen = seen with { Status = status, Error = null };
                        if (status is >= 200 and < 300 || (status is >= 400 and < 500 && status is not (408 or 425 or 429)))
                        {
                            // Settled: a 2xx, or a client error that will not change however long it is asked.
                            if (namespacePath is not null)
                            {
                                seen = seen with { Listening = ListeningSockets.Of(pid) };
                            }

                            return seen;
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or IOException or System.Net.Sockets.SocketException || (ex is OperationCanceledException && !stop.IsCancellationRequested))
                    {
                        seen = seen with { Error = Innermost(ex) };
                    }
                }

                await Task.WhenAny(run, Task.Delay(PollInterval, stop)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        return seen;
    }

    /// <summary>The host address the engine published <paramref name="port"/> at (<c>port NAME PORT/tcp</c>), asked for a few seconds.</summary>
    private async Task<System.Net.IPEndPoint?> PublishedPortAsync(string cli, string name, int port, Task run, CancellationToken stop)
    {
        for (var attempt = 0; attempt < 10 && !run.IsCompleted; attempt++)
        {
            var result = await processes.RunAsync(new ProcessSpec(cli, ["port", name, $"{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}/tcp"]), null, stop).ConfigureAwait(false);
            foreach (var line in result.Succeeded ? result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [])
            {
                if (System.Net.IPEndPoint.TryParse(line, out var endpoint) && endpoint.Port > 0)
                {
                    return System.Net.IPAddress.Any.Equals(endpoint.Address) || System.Net.IPAddress.IPv6Any.Equals(endpoint.Address) ? new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, endpoint.Port) : endpoint;
                }
            }

            await Task.Delay(PollInterval, stop).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>A client whose every connection is made by <paramref name="connect"/>, fresh each time (a server restarting is asked anew), no proxy, no redirect.</summary>
    private static HttpClient HttpClientFor(Func<CancellationToken, Task<System.Net.Sockets.Socket>> connect)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectCallback = async (_, ct) => new System.Net.Sockets.NetworkStream(await connect(ct).ConfigureAwait(false), ownsSocket: true),
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
    }

    private static string Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex.Message;
    }

    /// <summary><c>rm -f</c>; podman's waits 10 s for a stop signal a server as PID 1 may ignore, so it is told not to.</summary>
    private static string[] RemoveArguments(string cli, string name) => cli == "podman" ? ["rm", "-f", "-t", "0", name] : ["rm", "-f", name];

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
            await processes.RunAsync(new ProcessSpec(cli, RemoveArguments(cli, name)), null, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>A copy of <paramref name="items"/>, taken under the lock the output callback holds.</summary>
    private static List<string> Snapshot(List<string> gate, IEnumerable<string> items)
    {
        lock (gate)
        {
            return items.ToList();
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
