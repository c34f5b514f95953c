using System.Text.Json;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Registry;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Publishing;

internal sealed record MergeRequest
{
    public required IReadOnlyList<MergePart> Parts { get; init; }

    /// <summary>The platforms the index must hold; null: exactly the union of the parts.</summary>
    public IReadOnlyList<OciPlatform>? ExpectedPlatforms { get; init; }

    /// <summary>Where the index goes: <c>host[:port]</c> and repository.</summary>
    public required string Registry { get; init; }

    public required string Repository { get; init; }

    /// <summary>Annotations of the index itself (what <c>--annotation index:key=value</c> gives a one-node build).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> IndexAnnotations { get; init; } = [];
}

/// <summary>One image of the merged index and the part it came from.</summary>
internal sealed record MergedImage(OciPlatform Platform, Descriptor Descriptor, MergePart Part);

/// <summary>An attestation manifest carried along with the part it came from.</summary>
internal sealed record MergedAttestation(Descriptor Descriptor, MergePart Part);

/// <summary>What the merge would push, or why it is refused (errors in <see cref="Diagnostics"/>: then nothing is pushed).</summary>
internal sealed record MergePlan(MergeRequest Request, IReadOnlyList<MergedImage> Images, IReadOnlyList<MergedAttestation> Attestations, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool Refused => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}

/// <summary>The pushed index (untagged) and what it took.</summary>
internal sealed record MergeResult(string Image, Digest Digest, string MediaType, IReadOnlyList<MergedImage> Images, int Attestations, int MountedBlobs, int CopiedManifests);

/// <summary>
/// Merges per-platform images (pushed by separate jobs, each a single manifest or an index with or without
/// attestations) into one image index, through the registry API only: blobs stay where they are (a part in
/// another repository of the same registry is linked with a cross-repository mount), manifests are re-sent as
/// they are (so every image keeps its digest), attestation manifests come along, and the new index is pushed by
/// digest. Tagging is the caller's, after validation. Everything that would make the index lie (a platform
/// given twice, an expected one missing, an unexpected one, a part that does not exist or sits in another
/// registry) is found by <see cref="PlanAsync"/> before anything is written.
/// </summary>
internal sealed class ImageMerger(Func<string, RegistryClient> clientFor)
{
    private const long MaxConfigBytes = 8 * 1024 * 1024;

    public async Task<MergePlan> PlanAsync(MergeRequest request, CancellationToken cancellationToken)
    {
        var diagnostics = new List<Diagnostic>();
        var images = new List<MergedImage>();
        var attestations = new List<MergedAttestation>();
        foreach (var part in request.Parts)
        {
            if (!part.Reference.Registry.Equals(request.Registry, StringComparison.OrdinalIgnoreCase))
            {
                diagnostics.Add(Diagnostic.Error(nameof(Strings.MergePartOtherRegistry), part.Source, part.Reference.Registry, request.Registry, $"{request.Registry}/{request.Repository}"));
                continue;
            }

            var client = clientFor(part.Reference.Registry);
            ManifestResponse root;
            try
            {
                root = await client.GetManifestAsync(part.Reference.Repository, part.Reference.Digest!.Value.ToString(), cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryNotFoundException)
            {
                diagnostics.Add(Diagnostic.Error(nameof(Strings.MergePartMissing), part.Source, $"{part.Reference.Registry}/{part.Reference.Repository}@{part.Reference.Digest}"));
                continue;
            }

            if (MediaTypes.IsIndex(root.MediaType))
            {
                foreach (var entry in Parse(part, () => OciJson.ReadIndex(root.Content, root.MediaType)).Manifests)
                {
                    if (entry.IsAttestation)
                    {
                        attestations.Add(new MergedAttestation(entry, part));
                    }
                    else if (MediaTypes.IsIndex(entry.MediaType) || entry.Platform?.Normalized is null)
                    {
                        diagnostics.Add(Diagnostic.Error(nameof(Strings.MergePartEntryUnusable), part.Source, entry.Digest, MediaTypes.IsIndex(entry.MediaType) ? "it is a nested index" : $"its platform '{entry.Platform?.ToString() ?? "(none)"}' is not an OCI platform"));
                    }
                    else
                    {
                        images.Add(new MergedImage(entry.Platform.Normalized, entry, part));
                    }
                }

                continue;
            }

            // A single manifest: its config says the platform.
            var manifest = Parse(part, () => OciJson.ReadManifest(root.Content, root.MediaType));
            var configBytes = await client.GetBlobBytesAsync(part.Reference.Repository, manifest.Config, MaxConfigBytes, cancellationToken).ConfigureAwait(false);
            var config = Parse(part, () => OciJson.ReadConfig(configBytes));
            var platform = new DescriptorPlatform(config.Os ?? string.Empty, config.Architecture ?? string.Empty, config.Variant, null);
            if (platform.Normalized is not { } normalized)
            {
                diagnostics.Add(Diagnostic.Error(nameof(Strings.MergePartEntryUnusable), part.Source, root.Digest, $"its config's platform '{platform}' is not an OCI platform"));
                continue;
            }

            images.Add(new MergedImage(normalized, new Descriptor(root.MediaType, root.Digest, root.Content.Length, platform, new Dictionary<string, string>()), part));
        }

        // Each platform once: two jobs building the same platform is a broken matrix, not a choice to make here.
        var kept = new List<MergedImage>();
        foreach (var image in images)
        {
            if (kept.FirstOrDefault(k => k.Platform.Equals(image.Platform)) is { } first)
            {
                diagnostics.Add(Diagnostic.Error(nameof(Strings.MergePlatformTwice), image.Platform, first.Part.Source, first.Descriptor.Digest.Short, image.Part.Source, image.Descriptor.Digest.Short));
                continue;
            }

            kept.Add(image);
        }

        if (request.ExpectedPlatforms is { } expected)
        {
            var given = kept.Count == 0 ? "nothing" : string.Join(", ", kept.Select(k => k.Platform));
            foreach (var missing in expected.Where(e => kept.All(k => !k.Platform.Equals(e))))
            {
                diagnostics.Add(Diagnostic.Error(nameof(Strings.MergePlatformMissing), missing, given));
            }

            foreach (var extra in kept.Where(k => !expected.Contains(k.Platform)))
            {
                diagnostics.Add(Diagnostic.Error(nameof(Strings.MergePlatformUnexpected), extra.Platform, extra.Part.Source, string.Join(", ", expected)));
            }

            // The index lists platforms in the order the user asked for them.
            kept = kept.OrderBy(k => IndexOf(expected, k.Platform)).ToList();
        }

        if (kept.Count == 0 && diagnostics.Count == 0)
        {
            diagnostics.Add(Diagnostic.Error(nameof(Strings.MergeNoInputs)));
        }

        var keptDigests = kept.Select(k => k.Descriptor.Digest).ToHashSet();
        var keptAttestations = attestations
            .Where(a => !a.Descriptor.Annotations.TryGetValue(Descriptor.ReferenceDigestAnnotation, out var subject) || (Digest.TryParse(subject, out var d) && keptDigests.Contains(d.Value)))
            .ToList();
        return new MergePlan(request, kept, keptAttestations, diagnostics);
    }

    /// <summary>Links every blob and manifest into the target repository, then pushes the index by digest.</summary>
    public async Task<MergeResult> PushAsync(MergePlan plan, CancellationToken cancellationToken)
    {
        if (plan.Refused)
        {
            throw new InvalidOperationException("a refused merge is not pushed");
        }

        var request = plan.Request;
        var target = clientFor(request.Registry);
        var mounted = 0;
        var copied = 0;
        var descriptors = plan.Images.Select(i => (i.Descriptor, i.Part)).Concat(plan.Attestations.Select(a => (a.Descriptor, a.Part)));
        foreach (var (descriptor, part) in descriptors)
        {
            if (part.Reference.Repository == request.Repository)
            {
                continue;
            }

            var source = clientFor(part.Reference.Registry);
            var manifest = await source.GetManifestAsync(part.Reference.Repository, descriptor.Digest.ToString(), cancellationToken).ConfigureAwait(false);
            var image = Parse(part, () => OciJson.ReadManifest(manifest.Content, manifest.MediaType));
            foreach (var blob in image.Layers.Prepend(image.Config).DistinctBy(b => b.Digest))
            {
                if (await target.BlobExistsAsync(request.Repository, blob.Digest, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                if (!await target.MountBlobAsync(request.Repository, blob.Digest, part.Reference.Repository, cancellationToken).ConfigureAwait(false))
                {
                    throw new MultiArchException(nameof(Strings.MergeMountRefused), request.Registry, blob.Digest, part.Reference.Repository, request.Repository, part.Source);
                }

                mounted++;
            }

            await target.PutManifestAsync(request.Repository, descriptor.Digest.ToString(), manifest.Content, manifest.MediaType, cancellationToken).ConfigureAwait(false);
            copied++;
        }

        var (content, mediaType) = IndexJson(plan);
        var digest = await target.PutManifestAsync(request.Repository, Digest.Compute(content).ToString(), content, mediaType, cancellationToken).ConfigureAwait(false);
        return new MergeResult($"{request.Registry}/{request.Repository}@{digest}", digest, mediaType, plan.Images, plan.Attestations.Count, mounted, copied);
    }

    /// <summary>
    /// The index: images in plan order, then their attestations. A Docker manifest list when every image is a
    /// Docker v2 manifest and no attestation or index annotation comes along (Docker clients of every age read it); an OCI index otherwise.
    /// </summary>
    public static (byte[] Content, string MediaType) IndexJson(MergePlan plan)
    {
        var docker = plan.Attestations.Count == 0 && plan.Request.IndexAnnotations.Count == 0 && plan.Images.All(i => i.Descriptor.MediaType == MediaTypes.DockerManifest);
        var mediaType = docker ? MediaTypes.DockerManifestList : MediaTypes.OciIndex;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", 2);
            json.WriteString("mediaType", mediaType);
            json.WriteStartArray("manifests");
            foreach (var descriptor in plan.Images.Select(i => i.Descriptor).Concat(plan.Attestations.Select(a => a.Descriptor)))
            {
                WriteDescriptor(json, descriptor);
            }

            json.WriteEndArray();
            if (plan.Request.IndexAnnotations.Count > 0)
            {
                json.WriteStartObject("annotations");
                foreach (var (key, value) in plan.Request.IndexAnnotations.GroupBy(a => a.Key, StringComparer.Ordinal).Select(g => g.Last()).OrderBy(a => a.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return (buffer.ToArray(), mediaType);
    }

    private static void WriteDescriptor(Utf8JsonWriter json, Descriptor descriptor)
    {
        json.WriteStartObject();
        json.WriteString("mediaType", descriptor.MediaType);
        json.WriteString("digest", descriptor.Digest.ToString());
        json.WriteNumber("size", descriptor.Size);
        if (descriptor.ArtifactType is not null)
        {
            json.WriteString("artifactType", descriptor.ArtifactType);
        }

        if (descriptor.Platform is { } platform)
        {
            json.WriteStartObject("platform");
            json.WriteString("architecture", platform.Architecture);
            json.WriteString("os", platform.Os);
            if (platform.OsVersion is not null)
            {
                json.WriteString("os.version", platform.OsVersion);
            }

            if (platform.Variant is { Length: > 0 })
            {
                json.WriteString("variant", platform.Variant);
            }

            json.WriteEndObject();
        }

        if (descriptor.Annotations.Count > 0)
        {
            json.WriteStartObject("annotations");
            foreach (var (key, value) in descriptor.Annotations.OrderBy(a => a.Key, StringComparer.Ordinal))
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static int IndexOf(IReadOnlyList<OciPlatform> platforms, OciPlatform platform)
    {
        for (var i = 0; i < platforms.Count; i++)
        {
            if (platforms[i].Equals(platform))
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private static T Parse<T>(MergePart part, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (ManifestFormatException ex)
        {
            throw new InvalidManifestException(part.Reference.ToString(), ex.Reason, ex);
        }
    }
}
