using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultiArch.Build.Building;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Registry;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Publishing;

/// <summary>One platform of an assembled image: the folder copied into it.</summary>
internal sealed record AssembledPlatform(OciPlatform Platform, string Folder);

/// <summary>
/// An image made of a base image and one folder per platform, with configuration only (what a copy-only Dockerfile
/// says: <see cref="CopyOnlyDockerfile"/>). Values are as written; <see cref="Expand"/> expands them against each platform's
/// environment, as BuildKit does.
/// </summary>
internal sealed record AssemblyRequest
{
    /// <summary>The base image (by digest when it was resolved before the build).</summary>
    public required ImageReference BaseImage { get; init; }

    public required IReadOnlyList<AssembledPlatform> Platforms { get; init; }

    /// <summary>Where the image goes: <c>host[:port]</c> and repository. Pushed by digest, never tagged.</summary>
    public required string Registry { get; init; }

    public required string Repository { get; init; }

    /// <summary>
    /// What the copy-only Dockerfile asks of the image: where each platform's folder goes (<c>/app</c>), the
    /// configuration steps and the history lines (exactly one adds the layer). Its labels are not read here:
    /// <see cref="Labels"/> holds them, with the build's.
    /// </summary>
    public required CopyOnlyDockerfile Dockerfile { get; init; }

    /// <summary>Labels of the image config, in order (a later one with the same key wins).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> IndexAnnotations { get; init; } = [];

    /// <summary>Annotations of the image manifests; one that names a platform goes to that platform's manifest only.</summary>
    public IReadOnlyList<BuildAnnotation> ManifestAnnotations { get; init; } = [];

    /// <summary>SOURCE_DATE_EPOCH: the created time and every file time of the new layer.</summary>
    public required DateTimeOffset Created { get; init; }

    /// <summary>Expands a Dockerfile word with a variable lookup (the Dockerfile layer's expander).</summary>
    public required Func<string, Func<string, string?>, string> Expand { get; init; }

    /// <summary>A folder for the layer files (written, then streamed to the registry).</summary>
    public required string WorkFolder { get; init; }
}

/// <summary>What an assembly pushed.</summary>
internal sealed record AssemblyResult(string Image, Digest Digest, IReadOnlyList<ImagePlatformEntry> Platforms, int MountedBlobs, int UploadedBlobs, int PresentBlobs, string BaseImage, Digest BaseDigest);

/// <summary>
/// Builds a multi-platform image with no build tool, over the registry API, for a Dockerfile that runs nothing: per
/// platform the base image's manifest and config are read, one layer is written from the platform's folder
/// (<see cref="AppLayer"/>), the base config gets the Dockerfile's configuration as BuildKit would apply it
/// (environment, exposed ports, working directory, user, entrypoint with Cmd reset, labels, diff_ids and history,
/// the created time), and the result is pushed by digest through <see cref="ImagePublisher"/>: the base layers
/// mounted from the base's repository when it is on the same registry (no byte sent), streamed from the base's
/// registry otherwise. An OCI index with each platform on its descriptor. Nothing is tagged.
/// </summary>
internal sealed class ImageAssembler(Func<string, RegistryClient> clientFor)
{
    private const long MaxConfigBytes = 8 * 1024 * 1024;

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    public async Task<AssemblyResult> AssembleAsync(AssemblyRequest request, CancellationToken cancellationToken)
    {
        var baseClient = clientFor(request.BaseImage.Registry);
        var root = await baseClient.GetManifestAsync(request.BaseImage.Repository, request.BaseImage.Reference, cancellationToken).ConfigureAwait(false);
        var entries = await BaseEntriesAsync(request, baseClient, root, cancellationToken).ConfigureAwait(false);

        // Each platform's layer and config at once: the layers are CPU work, the base reads are requests.
        var parts = await Task.WhenAll(request.Platforms.Select((platform, n) => PlatformAsync(request, baseClient, entries[n], platform, n, cancellationToken))).ConfigureAwait(false);
        var (indexContent, indexDigest) = Json(IndexNode(request, parts));
        var source = new AssembledImageSource($"{request.Registry}/{request.Repository}@{indexDigest}", indexContent, indexDigest, parts, baseClient, request.BaseImage.Repository);
        var target = clientFor(request.Registry);
        var publisher = new ImagePublisher(target, request.Repository);
        var sameRegistry = request.BaseImage.Registry.Equals(request.Registry, StringComparison.OrdinalIgnoreCase) && request.BaseImage.Repository != request.Repository;
        var baseLayers = parts.SelectMany(p => p.BaseLayers).Select(l => l.Digest).ToHashSet();
        await using (source.ConfigureAwait(false))
        {
            await publisher.PushByDigestAsync(source, cancellationToken, d => sameRegistry && baseLayers.Contains(d.Digest) ? request.BaseImage.Repository : null).ConfigureAwait(false);
        }

        var platforms = parts.Select(p => new ImagePlatformEntry(p.Platform.ToString(), p.ManifestDigest.ToString())).ToList();
        return new AssemblyResult($"{request.Registry}/{request.Repository}@{indexDigest}", indexDigest, platforms, publisher.Mounted, publisher.Uploaded, publisher.Present, request.BaseImage.ToString(), root.Digest);
    }

    /// <summary>The base's manifest descriptor for each requested platform, in request order; a platform it lacks is a coded error.</summary>
    private static async Task<IReadOnlyList<Descriptor>> BaseEntriesAsync(AssemblyRequest request, RegistryClient client, ManifestResponse root, CancellationToken cancellationToken)
    {
        var name = request.BaseImage.ToString();
        if (!MediaTypes.IsIndex(root.MediaType))
        {
            // A single-platform base: its config says which platform it is.
            var manifest = Parse(name, () => OciJson.ReadManifest(root.Content, root.MediaType));
            var configBytes = await client.GetBlobBytesAsync(request.BaseImage.Repository, manifest.Config, MaxConfigBytes, cancellationToken).ConfigureAwait(false);
            var config = Parse(name, () => OciJson.ReadConfig(configBytes));
            var platform = new DescriptorPlatform(config.Os ?? string.Empty, config.Architecture ?? string.Empty, config.Variant, null);
            var descriptor = new Descriptor(root.MediaType, root.Digest, root.Content.Length, platform, new Dictionary<string, string>());
            return request.Platforms.Select(p => platform.Normalized is { } offered && offered.Equals(p.Platform)
                ? descriptor
                : throw new MultiArchException(nameof(Strings.AssemblyBasePlatformMissing), name, p.Platform, platform.Normalized?.ToString() ?? platform.ToString())).ToList();
        }

        var index = Parse(name, () => OciJson.ReadIndex(root.Content, root.MediaType));
        var images = index.Manifests.Where(m => !m.IsAttestation && MediaTypes.IsManifest(m.MediaType) && m.Platform?.Normalized is not null).ToList();
        return request.Platforms.Select(p => images.FirstOrDefault(m => m.Platform!.Normalized!.Equals(p.Platform))
            ?? throw new MultiArchException(nameof(Strings.AssemblyBasePlatformMissing), name, p.Platform, images.Count == 0 ? "none" : string.Join(", ", images.Select(m => m.Platform!.Normalized)))).ToList();
    }

    private static async Task<AssembledPart> PlatformAsync(AssemblyRequest request, RegistryClient baseClient, Descriptor entry, AssembledPlatform platform, int n, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(platform.Folder))
        {
            throw new MultiArchException(nameof(Strings.AssemblyFolderMissing), platform.Platform, platform.Folder);
        }

        var layerTask = Task.Run(() => AppLayer.WriteAsync(platform.Folder, request.Dockerfile.Destination, request.Created, Path.Combine(request.WorkFolder, $"layer-{n}.tar.gz"), cancellationToken), cancellationToken);
        var name = $"{request.BaseImage.Registry}/{request.BaseImage.Repository}@{entry.Digest}";
        ImageManifest baseManifest;
        byte[] baseConfig;
        try
        {
            var manifestResponse = await baseClient.GetManifestAsync(request.BaseImage.Repository, entry.Digest.ToString(), cancellationToken).ConfigureAwait(false);
            baseManifest = Parse(name, () => OciJson.ReadManifest(manifestResponse.Content, manifestResponse.MediaType));
            baseConfig = await baseClient.GetBlobBytesAsync(request.BaseImage.Repository, baseManifest.Config, MaxConfigBytes, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The layer being written is of no use now; its file is closed before the failure is reported.
            await layerTask.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            throw;
        }

        var layer = await layerTask.ConfigureAwait(false);

        var (configContent, configDigest) = Json(ConfigNode(request, baseConfig, name, layer.DiffId));
        var configDescriptor = new Descriptor(MediaTypes.OciConfig, configDigest, configContent.Length, null, new Dictionary<string, string>());

        // Docker v2 layer types become their OCI twins (the same gzip bytes): the manifest is OCI throughout.
        var baseLayers = baseManifest.Layers.Select(l => l with { MediaType = l.MediaType == MediaTypes.DockerLayerGzip ? MediaTypes.OciLayerGzip : l.MediaType }).ToList();
        var (manifestContent, manifestDigest) = Json(ManifestNode(request, platform.Platform, configDescriptor, baseLayers.Append(layer.Descriptor)));
        return new AssembledPart(platform.Platform, manifestContent, manifestDigest, configDescriptor, configContent, baseLayers, layer);
    }

    /// <summary>The base config with the Dockerfile's steps applied, as BuildKit applies them.</summary>
    internal static JsonObject ConfigNode(AssemblyRequest request, byte[] baseConfig, string baseName, Digest diffId)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(baseConfig) as JsonObject ?? throw new ManifestFormatException("the image config is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new InvalidManifestException(baseName, $"its config is not valid JSON ({ex.Message})", ex);
        }
        catch (ManifestFormatException ex)
        {
            throw new InvalidManifestException(baseName, ex.Reason, ex);
        }

        var created = request.Created.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        root["created"] = created;
        var config = root["config"] as JsonObject ?? new JsonObject();
        root["config"] = config;

        // The environment as the steps see it, in order: the base's, then each ENV (an existing name is replaced in place).
        var env = (config["Env"] as JsonArray)?.Select(e => e?.GetValue<string>() ?? string.Empty).ToList() ?? [];
        string? Lookup(string variable)
            => env.LastOrDefault(e => e.StartsWith(variable + "=", StringComparison.Ordinal)) is { } found ? found[(variable.Length + 1)..] : null;

        foreach (var (name, value) in request.Dockerfile.Env)
        {
            var expanded = $"{name}={request.Expand(value, Lookup)}";
            var at = env.FindIndex(e => e.StartsWith(name + "=", StringComparison.Ordinal));
            if (at >= 0)
            {
                env[at] = expanded;
            }
            else
            {
                env.Add(expanded);
            }
        }

        if (env.Count > 0)
        {
            config["Env"] = new JsonArray(env.Select(e => (JsonNode)JsonValue.Create(e)!).ToArray());
        }

        if (request.Dockerfile.ExposedPorts.Count > 0)
        {
            var ports = config["ExposedPorts"] as JsonObject ?? new JsonObject();
            foreach (var port in request.Dockerfile.ExposedPorts.Where(p => !ports.ContainsKey(p)))
            {
                ports[port] = new JsonObject();
            }

            config["ExposedPorts"] = ports;
        }

        if (request.Dockerfile.WorkingDirectory is { } workdir)
        {
            config["WorkingDir"] = request.Expand(workdir, Lookup);
        }

        if (request.Dockerfile.User is { } user)
        {
            // ${APP_UID:-1654}: the base's APP_UID when it sets one, else the default, as BuildKit expands it.
            config["User"] = request.Expand(user, Lookup);
        }

        if (request.Dockerfile.Entrypoint is { } entrypoint)
        {
            // An ENTRYPOINT resets the inherited CMD (BuildKit: the stage sets no CMD of its own).
            config["Entrypoint"] = new JsonArray(entrypoint.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray());
            config.Remove("Cmd");
        }

        if (request.Labels.Count > 0)
        {
            var labels = config["Labels"] as JsonObject ?? new JsonObject();
            foreach (var (key, value) in request.Labels)
            {
                labels[key] = value;
            }

            config["Labels"] = labels;
        }

        var rootfs = root["rootfs"] as JsonObject ?? new JsonObject { ["type"] = "layers" };
        var diffIds = rootfs["diff_ids"] as JsonArray ?? new JsonArray();
        diffIds.Add(diffId.ToString());
        rootfs["diff_ids"] = diffIds;
        root["rootfs"] = rootfs;

        var history = root["history"] as JsonArray ?? new JsonArray();
        foreach (var (createdBy, addsLayer) in request.Dockerfile.Steps)
        {
            var step = new JsonObject { ["created"] = created, ["created_by"] = createdBy, ["comment"] = "MultiArch.Build: assembled in process" };
            if (!addsLayer)
            {
                step["empty_layer"] = true;
            }

            history.Add(step);
        }

        root["history"] = history;
        return root;
    }

    private static JsonObject ManifestNode(AssemblyRequest request, OciPlatform platform, Descriptor config, IEnumerable<Descriptor> layers)
    {
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciManifest,
            ["config"] = DescriptorNode(config),
            ["layers"] = new JsonArray(layers.Select(l => (JsonNode)DescriptorNode(l with { Platform = null, Annotations = new Dictionary<string, string>() })).ToArray()),
        };
        AddAnnotations(manifest, request.ManifestAnnotations.Where(a => a.IsManifestOf(platform)).Select(a => new KeyValuePair<string, string>(a.Key, a.Value)).ToList());
        return manifest;
    }

    private static JsonObject IndexNode(AssemblyRequest request, IReadOnlyList<AssembledPart> parts)
    {
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciIndex,
            ["manifests"] = new JsonArray(parts.Select(p => (JsonNode)DescriptorNode(p.ManifestDescriptor)).ToArray()),
        };
        AddAnnotations(index, request.IndexAnnotations);
        return index;
    }

    private static void AddAnnotations(JsonObject node, IReadOnlyList<KeyValuePair<string, string>> annotations)
    {
        if (annotations.Count == 0)
        {
            return;
        }

        var values = new JsonObject();
        foreach (var (key, value) in annotations.GroupBy(a => a.Key, StringComparer.Ordinal).Select(g => g.Last()).OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            values[key] = value;
        }

        node["annotations"] = values;
    }

    private static JsonObject DescriptorNode(Descriptor descriptor)
    {
        var node = new JsonObject
        {
            ["mediaType"] = descriptor.MediaType,
            ["digest"] = descriptor.Digest.ToString(),
            ["size"] = descriptor.Size,
        };
        if (descriptor.Platform is { } platform)
        {
            var p = new JsonObject { ["architecture"] = platform.Architecture, ["os"] = platform.Os };
            if (platform.Variant is { Length: > 0 } variant)
            {
                p["variant"] = variant;
            }

            node["platform"] = p;
        }

        if (descriptor.Annotations.Count > 0)
        {
            node["annotations"] = new JsonObject(descriptor.Annotations.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => new KeyValuePair<string, JsonNode?>(a.Key, a.Value)));
        }

        return node;
    }

    private static (byte[] Content, Digest Digest) Json(JsonNode node)
    {
        var content = JsonSerializer.SerializeToUtf8Bytes(node, Compact);
        return (content, Digest.Compute(content));
    }

    private static T Parse<T>(string name, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (ManifestFormatException ex)
        {
            throw new InvalidManifestException(name, ex.Reason, ex);
        }
    }

    /// <summary>One platform's pushed parts.</summary>
    private sealed record AssembledPart(OciPlatform Platform, byte[] Manifest, Digest ManifestDigest, Descriptor Config, byte[] ConfigContent, IReadOnlyList<Descriptor> BaseLayers, LayerFile Layer)
    {
        public Descriptor ManifestDescriptor => new(
            MediaTypes.OciManifest,
            ManifestDigest,
            Manifest.Length,
            new DescriptorPlatform(Platform.Os, Platform.Architecture, Platform.Variant, null),
            new Dictionary<string, string>());
    }

    /// <summary>
    /// The assembled image as an image source, for <see cref="ImagePublisher"/>: index, manifests and configs from
    /// memory, the new layers from their files, the base layers streamed from the base's registry.
    /// </summary>
    private sealed class AssembledImageSource(string name, byte[] index, Digest indexDigest, IReadOnlyList<AssembledPart> parts, RegistryClient baseClient, string baseRepository) : IImageSource
    {
        public string Name => name;

        public Task<(byte[] Content, string MediaType, Digest Digest)> ReadRootAsync(CancellationToken cancellationToken)
            => Task.FromResult((index, MediaTypes.OciIndex, indexDigest));

        public Task<byte[]> ReadManifestAsync(Descriptor descriptor, CancellationToken cancellationToken)
            => Task.FromResult(parts.First(p => p.ManifestDigest == descriptor.Digest).Manifest);

        public Task<byte[]> ReadBlobAsync(Descriptor descriptor, long maxBytes, CancellationToken cancellationToken)
            => Task.FromResult(parts.First(p => p.Config.Digest == descriptor.Digest).ConfigContent);

        public Task<VerifyingStream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
        {
            if (parts.FirstOrDefault(p => p.Config.Digest == descriptor.Digest) is { } withConfig)
            {
                return Task.FromResult(new VerifyingStream(new MemoryStream(withConfig.ConfigContent, writable: false), descriptor, name));
            }

            if (parts.FirstOrDefault(p => p.Layer.Descriptor.Digest == descriptor.Digest) is { } withLayer)
            {
                return Task.FromResult(new VerifyingStream(File.OpenRead(withLayer.Layer.Path), descriptor, name));
            }

            return baseClient.OpenBlobAsync(baseRepository, descriptor, cancellationToken);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
