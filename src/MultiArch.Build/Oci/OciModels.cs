using System.Text.Json;
using MultiArch.Build.Platforms;

namespace MultiArch.Build.Oci;

/// <summary>An OCI descriptor: what a manifest or index points at.</summary>
internal sealed record Descriptor(
    string MediaType,
    Digest Digest,
    long Size,
    DescriptorPlatform? Platform,
    IReadOnlyDictionary<string, string> Annotations,
    string? ArtifactType = null)
{
    public const string ReferenceTypeAnnotation = "vnd.docker.reference.type";
    public const string ReferenceDigestAnnotation = "vnd.docker.reference.digest";
    public const string AttestationManifest = "attestation-manifest";

    /// <summary>A buildx attestation manifest (platform unknown/unknown, annotated), not an image for a platform.</summary>
    public bool IsAttestation
        => (Annotations.TryGetValue(ReferenceTypeAnnotation, out var type) && type == AttestationManifest)
           || (Platform is { Os: "unknown", Architecture: "unknown" });
}

/// <summary>The platform of a descriptor as written, before normalization.</summary>
internal sealed record DescriptorPlatform(string Os, string Architecture, string? Variant, string? OsVersion)
{
    public OciPlatform? Normalized => OciPlatform.TryCreate(Os, Architecture, Variant, out var p, out _) ? p : null;

    public override string ToString() => Variant is { Length: > 0 } ? $"{Os}/{Architecture}/{Variant}" : $"{Os}/{Architecture}";
}

internal sealed record ImageIndex(string MediaType, IReadOnlyList<Descriptor> Manifests, IReadOnlyDictionary<string, string> Annotations);

internal sealed record ImageManifest(string MediaType, Descriptor Config, IReadOnlyList<Descriptor> Layers, IReadOnlyDictionary<string, string> Annotations);

/// <summary>The parts of an image config the validator reads.</summary>
internal sealed record ImageConfig(
    string? Os,
    string? Architecture,
    string? Variant,
    IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string> Cmd,
    string? WorkingDir,
    IReadOnlyList<string> Env,
    IReadOnlyList<string> DiffIds)
{
    /// <summary>The config's <c>history</c>: the instruction behind each layer (entries with <c>empty_layer</c> have none).</summary>
    public IReadOnlyList<HistoryEntry> History { get; init; } = [];
}

/// <summary>One <c>history</c> entry of an image config: what made it (<c>created_by</c>) and whether it added a layer.</summary>
internal sealed record HistoryEntry(string? CreatedBy, bool EmptyLayer);

/// <summary>Strict JSON readers for indexes, manifests and configs; malformed input is a <see cref="ManifestFormatException"/>.</summary>
internal static class OciJson
{
    public static ImageIndex ReadIndex(ReadOnlySpan<byte> json, string? mediaTypeHeader)
    {
        using var doc = Parse(json, "image index");
        var root = RequireObject(doc.RootElement, "image index");
        var mediaType = String(root, "mediaType") ?? mediaTypeHeader ?? MediaTypes.OciIndex;
        if (!MediaTypes.IsIndex(mediaType))
        {
            throw new ManifestFormatException($"expected an image index, got media type '{mediaType}'");
        }

        RequireSchemaVersion(root);
        if (!root.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array)
        {
            throw new ManifestFormatException("image index has no 'manifests' array");
        }

        return new ImageIndex(mediaType, manifests.EnumerateArray().Select(ReadDescriptor).ToList(), Annotations(root));
    }

    public static ImageManifest ReadManifest(ReadOnlySpan<byte> json, string? mediaTypeHeader)
    {
        using var doc = Parse(json, "image manifest");
        var root = RequireObject(doc.RootElement, "image manifest");
        var mediaType = String(root, "mediaType") ?? mediaTypeHeader ?? MediaTypes.OciManifest;
        if (!MediaTypes.IsManifest(mediaType))
        {
            throw new ManifestFormatException($"expected an image manifest, got media type '{mediaType}'");
        }

        RequireSchemaVersion(root);
        if (!root.TryGetProperty("config", out var config) || config.ValueKind != JsonValueKind.Object)
        {
            throw new ManifestFormatException("image manifest has no 'config' descriptor");
        }

        var layers = root.TryGetProperty("layers", out var l) && l.ValueKind == JsonValueKind.Array
            ? l.EnumerateArray().Select(ReadDescriptor).ToList()
            : throw new ManifestFormatException("image manifest has no 'layers' array");
        return new ImageManifest(mediaType, ReadDescriptor(config), layers, Annotations(root));
    }

    /// <summary>The media type a manifest document declares, or null.</summary>
    public static string? PeekMediaType(ReadOnlySpan<byte> json)
    {
        using var doc = Parse(json, "manifest");
        return doc.RootElement.ValueKind == JsonValueKind.Object ? String(doc.RootElement, "mediaType") : null;
    }

    public static ImageConfig ReadConfig(ReadOnlySpan<byte> json)
    {
        using var doc = Parse(json, "image config");
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ManifestFormatException("image config is not a JSON object");
        }

        var config = root.TryGetProperty("config", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        var diffIds = root.TryGetProperty("rootfs", out var rootfs) && rootfs.ValueKind == JsonValueKind.Object && rootfs.TryGetProperty("diff_ids", out var d) && d.ValueKind == JsonValueKind.Array
            ? d.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : string.Empty).ToList()
            : [];
        return new ImageConfig(
            String(root, "os"),
            String(root, "architecture"),
            String(root, "variant"),
            config.ValueKind == JsonValueKind.Object ? Strings(config, "Entrypoint") : [],
            config.ValueKind == JsonValueKind.Object ? Strings(config, "Cmd") : [],
            config.ValueKind == JsonValueKind.Object ? String(config, "WorkingDir") : null,
            config.ValueKind == JsonValueKind.Object ? Strings(config, "Env") : [],
            diffIds)
        {
            History = root.TryGetProperty("history", out var history) && history.ValueKind == JsonValueKind.Array
                ? history.EnumerateArray()
                    .Where(h => h.ValueKind == JsonValueKind.Object)
                    .Select(h => new HistoryEntry(String(h, "created_by"), h.TryGetProperty("empty_layer", out var empty) && empty.ValueKind == JsonValueKind.True))
                    .ToList()
                : [],
        };
    }

    public static Descriptor ReadDescriptor(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ManifestFormatException("a descriptor is not a JSON object");
        }

        var mediaType = String(element, "mediaType") ?? throw new ManifestFormatException("a descriptor has no mediaType");
        var digestText = String(element, "digest");
        if (!Digest.TryParse(digestText, out var digest))
        {
            throw new ManifestFormatException($"a descriptor has an invalid digest '{Truncate(digestText)}'");
        }

        if (!element.TryGetProperty("size", out var sizeElement) || sizeElement.ValueKind != JsonValueKind.Number || !sizeElement.TryGetInt64(out var size) || size < 0)
        {
            throw new ManifestFormatException($"descriptor {digest.Value} has no valid size");
        }

        DescriptorPlatform? platform = null;
        if (element.TryGetProperty("platform", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            platform = new DescriptorPlatform(
                String(p, "os") ?? string.Empty,
                String(p, "architecture") ?? string.Empty,
                String(p, "variant"),
                String(p, "os.version"));
        }

        return new Descriptor(mediaType, digest.Value, size, platform, Annotations(element), String(element, "artifactType"));
    }

    private static JsonDocument Parse(ReadOnlySpan<byte> json, string what)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 32, CommentHandling = JsonCommentHandling.Disallow });
            return JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            throw new ManifestFormatException($"the {what} is not valid JSON ({ex.Message})");
        }
    }

    private static JsonElement RequireObject(JsonElement root, string what)
        => root.ValueKind == JsonValueKind.Object ? root : throw new ManifestFormatException($"the {what} is not a JSON object");

    private static void RequireSchemaVersion(JsonElement root)
    {
        if (!root.TryGetProperty("schemaVersion", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version) || version != 2)
        {
            throw new ManifestFormatException("schemaVersion is not 2");
        }
    }

    private static string? String(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static IReadOnlyList<string> Strings(JsonElement element, string name)
        => element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
            : [];

    private static IReadOnlyDictionary<string, string> Annotations(JsonElement element)
        => element.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object
            ? a.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!)
            : new Dictionary<string, string>();

    private static string Truncate(string? text) => text is null ? "(none)" : text.Length > 80 ? text[..80] + "..." : text;
}
