using MultiArch.Build.Diagnostics;
using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Registry;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Validation;

/// <summary>
/// Check 6 (opt-in, it reads registries): every base image that a target-platform stage feeding the image
/// starts from must offer every requested platform. BuildKit only warns and then builds on whatever it got.
/// </summary>
internal static class BaseImagePlatformCheck
{
    /// <summary>The external base images of stages that follow $TARGETPLATFORM and feed the image, with their FROM lines.</summary>
    public static IReadOnlyList<(string Image, Instruction From)> BaseImages(DockerfileDocument document, DockerfileCheckOptions options)
    {
        if (document.Stages.Count == 0)
        {
            return [];
        }

        var graph = new StageGraph(document, options.BuildArgs, options.BuildTarget);
        return graph.FeedingStages
            .Where(s => graph.ParentOf(s) is null && graph.PlatformOf(s).Kind == StagePlatformKind.Target)
            .Select(s => (Image: graph.ExpandGlobal(s.BaseImage, markers: false), s.From))
            .Where(b => b.Image.Length > 0 && !b.Image.Equals("scratch", StringComparison.OrdinalIgnoreCase))
            .ToList();
    }

    public static async Task<IReadOnlyList<Diagnostic>> CheckAsync(
        DockerfileDocument document,
        DockerfileCheckOptions options,
        Func<string, RegistryClient> clientFor,
        CancellationToken cancellationToken)
    {
        var findings = new List<Diagnostic>();
        foreach (var (image, from) in BaseImages(document, options))
        {
            try
            {
                var (_, offered) = await OfferedPlatformsAsync(image, clientFor, cancellationToken).ConfigureAwait(false);
                var missing = options.TargetPlatforms.Where(t => !offered.Contains(t)).ToList();
                if (missing.Count > 0)
                {
                    findings.Add(Diagnostic.Warning(nameof(Strings.BaseImageLacksPlatform), image, string.Join(", ", missing), offered.Count == 0 ? "none" : string.Join(", ", offered))
                        .At(document.Path, from.Line, 1));
                }
            }
            catch (Exception ex) when (ex is MultiArchException or ManifestFormatException)
            {
                findings.Add(Diagnostic.Warning(nameof(Strings.BaseImageCheckFailed), image, ex.Message).At(document.Path, from.Line, 1));
            }
        }

        return findings;
    }

    /// <summary>
    /// The platforms an image offers, from one read of its root (an index's entries without attestations; a single
    /// manifest's config), and the root's digest. Throws the registry's exceptions (unreachable, not found, denied).
    /// </summary>
    public static async Task<(Digest Digest, IReadOnlyList<OciPlatform> Platforms)> OfferedPlatformsAsync(string image, Func<string, RegistryClient> clientFor, CancellationToken cancellationToken)
    {
        var reference = ImageReference.Parse(image);
        var client = clientFor(reference.Registry);
        var root = await client.GetManifestAsync(reference.Repository, reference.Reference, cancellationToken).ConfigureAwait(false);
        var offered = new List<OciPlatform>();
        if (MediaTypes.IsIndex(root.MediaType))
        {
            offered.AddRange(OciJson.ReadIndex(root.Content, root.MediaType).Manifests
                .Where(m => !m.IsAttestation)
                .Select(m => m.Platform?.Normalized)
                .OfType<OciPlatform>());
        }
        else
        {
            var manifest = OciJson.ReadManifest(root.Content, root.MediaType);
            var config = OciJson.ReadConfig(await client.GetBlobBytesAsync(reference.Repository, manifest.Config, 8 * 1024 * 1024, cancellationToken).ConfigureAwait(false));
            if (OciPlatform.TryCreate(config.Os, config.Architecture, config.Variant, out var single, out _))
            {
                offered.Add(single);
            }
        }

        return (root.Digest, offered);
    }
}
