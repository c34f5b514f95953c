namespace MultiArch.Build.Registry;

/// <summary>
/// Everything one build says to registries: a client per registry (one connection pool, one token cache per
/// repository and access, one credential look-up), a ping per registry, and the manifests pushed or read by
/// digest, so that the index a build pushes reaches validation and tagging without another handshake or read.
/// The task layer keeps one per build (MSBuild's registered task objects) and disposes it when the build ends.
/// </summary>
internal sealed class RegistrySession(RegistryOptions options, ICredentialProvider? credentials = null, HttpMessageHandler? transport = null) : IDisposable
{
    private readonly Dictionary<string, RegistryClient> _clients = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Task> _pings = new(StringComparer.OrdinalIgnoreCase);
    private string? _destination;

    private ICredentialProvider? _credentials = credentials;

    /// <summary>Where request lines go (the task that currently uses the session sets it).</summary>
    public Action<string>? Log { get; set; }

    public RegistryOptions Options => options;

    /// <summary>
    /// The registry this build pushes to (<c>ContainerRegistry</c>): the SDK's push credentials go to it alone, and
    /// other registries (base images) get only the pull ones. Declared before anything asks a registry for credentials.
    /// </summary>
    public void DeclareDestination(string? registry)
    {
        if (registry is { Length: > 0 })
        {
            _destination = registry;
        }
    }

    /// <summary>The one client of this build for <paramref name="registry"/> (<c>host[:port]</c>).</summary>
    public RegistryClient ClientFor(string registry)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(registry, out var client))
            {
                _credentials ??= new DockerConfigCredentialProvider(destination: () => _destination);
                client = new RegistryClient(registry, _credentials, options, transport is null ? null : new PassThroughHandler(transport), line => Log?.Invoke(line));
                _clients[registry] = client;
            }

            return client;
        }
    }

    /// <summary>Asks the registry once per build whether it answers and takes our credentials.</summary>
    public Task PingAsync(string registry, CancellationToken cancellationToken)
    {
        lock (_pings)
        {
            if (!_pings.TryGetValue(registry, out var ping) || ping.IsFaulted || ping.IsCanceled)
            {
                ping = ClientFor(registry).PingAsync(cancellationToken);
                _pings[registry] = ping;
            }

            return ping;
        }
    }

    public void Dispose()
    {
        lock (_clients)
        {
            foreach (var client in _clients.Values)
            {
                client.Dispose();
            }

            _clients.Clear();
        }
    }

    /// <summary>
    /// Lets several clients share one test transport without disposing it: the transport belongs to whoever gave it
    /// to the session, so requests go through an invoker that leaves it alone when disposed.
    /// </summary>
    private sealed class PassThroughHandler(HttpMessageHandler inner) : HttpMessageHandler
    {
        private readonly HttpMessageInvoker _invoker = new(inner, disposeHandler: false);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => _invoker.SendAsync(request, cancellationToken);

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
            => _invoker.Send(request, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _invoker.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
