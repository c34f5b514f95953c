using MultiArch.Build.Building;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Oci;
using MultiArch.Build.Processes;
using MultiArch.Build.Registry;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Publishing;

/// <summary>
/// The third peer of the build tools (<see cref="IImageBuildTool"/>, next to buildx and podman): a copy-only image
/// assembled in process by <see cref="ImageAssembler"/>, pushed by digest, no CLI run. It lives here rather than in
/// Building/ because it speaks to registries (a layer below would have to). <paramref name="describe"/> turns the
/// request into what the assembler needs (the Dockerfile's steps, the base image, the platforms' folders).
/// </summary>
internal sealed class AssemblingBuilder(ImageAssembler assembler, Func<BuildRequest, AssemblyRequest> describe) : IImageBuildTool
{
    /// <summary>The builder an assembled image's stamp records (no tool builds it).</summary>
    public const string BuilderName = "(assembled in process)";

    /// <summary>1980-01-01T00:00:00Z: the time of an assembled image without SOURCE_DATE_EPOCH (never the wall clock).</summary>
    private const long DefaultEpoch = 315532800;

    public ContainerCliKind Kind => ContainerCliKind.None;

    /// <summary>What the last build pushed (base digest, mounted and uploaded blobs), for the log.</summary>
    public AssemblyResult? Result { get; private set; }

    public async Task<BuildOutcome> BuildAsync(BuildRequest request, Action<ProcessLine> onLine, CancellationToken cancellationToken)
    {
        if (request.Output != BuildOutputKind.Push || request.TagAtBuild)
        {
            // The targets never ask it (an archive or a load goes through a CLI): a caller's mistake, not a user's.
            throw new InvalidOperationException("in-process assembly pushes by digest only");
        }

        Result = await assembler.AssembleAsync(describe(request), cancellationToken).ConfigureAwait(false);
        return new BuildOutcome(BuildOutputKind.Push, null, Result.Digest);
    }

    /// <summary>
    /// The in-process peer of the build tools for the copy-only <paramref name="dockerfile"/>: its base (by the digest
    /// the early check resolved, <paramref name="resolvedDigest"/> of the base as written, read through the build's
    /// session), each platform's staged folder of the named context, the labels and annotations a tool's build would
    /// get; pushed by digest, untagged. A Dockerfile that is not copy-only is refused here, before any build.
    /// </summary>
    public static AssemblingBuilder For(string dockerfile, Func<string, string?> resolvedDigest, long? epoch, string workFolder, Func<string, RegistryClient> clientFor)
    {
        var (steps, escapeCharacter) = ReadCopyOnly(dockerfile);
        var baseImage = ImageReference.Parse(steps.BaseImage);
        if (baseImage.Digest is null && Digest.TryParse(resolvedDigest(steps.BaseImage), out var digest))
        {
            // The index the early check read: the session still holds it, so it is not asked for again.
            baseImage = baseImage.WithDigest(digest.Value);
        }

        return new AssemblingBuilder(new ImageAssembler(clientFor), request => Describe(request, dockerfile, escapeCharacter, steps, baseImage, epoch, workFolder));
    }

    /// <summary>
    /// The copy-only steps of <paramref name="dockerfile"/> and its escape character; a Dockerfile that runs or reads
    /// more is MULTIARCH3072. The preflight asks this before it says the image will be assembled.
    /// </summary>
    public static (CopyOnlyDockerfile Steps, char EscapeCharacter) ReadCopyOnly(string dockerfile)
    {
        if (!File.Exists(dockerfile))
        {
            throw new MultiArchException(nameof(Strings.DockerfileNotFound), dockerfile);
        }

        var document = DockerfileParser.Parse(File.ReadAllText(dockerfile), dockerfile).Document;
        var steps = CopyOnlyDockerfile.Read(document, out var reason)
            ?? throw new MultiArchException(nameof(Strings.AssemblyNotCopyOnly), dockerfile, reason);
        return (steps, document.EscapeCharacter);
    }

    /// <summary>The build's request as the assembler takes it, for the copy-only Dockerfile's <paramref name="steps"/>.</summary>
    internal static AssemblyRequest Describe(BuildRequest request, string dockerfile, char escapeCharacter, CopyOnlyDockerfile steps, ImageReference baseImage, long? epoch, string workFolder)
    {
        var context = request.NamedContexts.FirstOrDefault(c => c.Key == steps.Context).Value
            ?? throw new MultiArchException(nameof(Strings.AssemblyNotCopyOnly), dockerfile, $"no build context named '{steps.Context}' is given");
        var reference = ImageReference.Parse(request.Repository!);
        var annotations = request.Annotations.Select(BuildAnnotation.Parse).ToList();
        return new AssemblyRequest
        {
            BaseImage = baseImage,
            Platforms = request.Platforms.Select(p => new AssembledPlatform(p, Path.Combine(context, p.ToString().Replace('/', Path.DirectorySeparatorChar)))).ToList(),
            Registry = reference.Registry,
            Repository = reference.Repository,
            Dockerfile = steps,
            Labels = steps.Labels.Select(l => new KeyValuePair<string, string>(l.Name, l.Value)).Concat(request.Labels).ToList(),
            IndexAnnotations = annotations.Where(a => a.IsFor("index")).Select(a => new KeyValuePair<string, string>(a.Key, a.Value)).ToList(),
            ManifestAnnotations = annotations.Where(a => a.Types.Count == 0 || a.IsFor("manifest")).ToList(),
            Created = DateTimeOffset.FromUnixTimeSeconds(epoch ?? DefaultEpoch),
            Expand = (text, lookup) => VariableExpander.Expand(text, lookup, escapeCharacter),
            WorkFolder = workFolder,
        };
    }
}
