using MultiArch.Build.Diagnostics;
using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Images;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Validation;

/// <summary>What the whole-image scan needs besides the image: where the build started, and the Dockerfile that made it.</summary>
internal sealed record ArchitectureScanOptions
{
    /// <summary>The base image's name as the user gave it (for messages); null: unknown, every layer counts as the build's.</summary>
    public string? BaseImageName { get; init; }

    /// <summary>Where <see cref="BaseImageName"/> came from: <c>ContainerValidationBaseImage</c>, the Dockerfile's final stage.</summary>
    public string? BaseImageOrigin { get; init; }

    /// <summary>The base image to read each platform's layers from; null with <see cref="BaseImageName"/> <c>scratch</c> or unknown.</summary>
    public IImageSource? BaseImage { get; init; }

    /// <summary>Why the base image named cannot be read at all (an invalid reference): every layer is then the build's.</summary>
    public string? BaseImageProblem { get; init; }

    /// <summary>The Dockerfile that made the image, to point at the instruction behind a layer; null: unknown.</summary>
    public string? DockerfilePath { get; init; }

    /// <summary>The instructions of the image's stage and the stages it is <c>FROM</c>, in order (the layer-making ones count).</summary>
    public IReadOnlyList<Instruction> ImageInstructions { get; init; } = [];

    /// <summary>Path prefixes (<c>/usr/aarch64-linux-gnu/</c>) whose files are not judged: a cross toolchain's target libraries, test data.</summary>
    public IReadOnlyList<string> IgnoredPaths { get; init; } = [];

    /// <summary>Paths named in a message at most; the count says the rest.</summary>
    public int PathsShown { get; init; } = 5;
}

/// <summary>A file with machine code in one platform's image, and the layer it came from.</summary>
internal sealed record NativeFile(string Path, NativeCode Code, string? Layer);

/// <summary>What the scan found in one platform's image (the JSON report's <c>platforms[].scan</c>).</summary>
internal sealed record ArchitectureScanResult(int Checked, int Foreign, int ForeignInBase, int BaseLayers, string? BaseImage, string? Note);

/// <summary>
/// The whole-image architecture scan: every ELF executable and shared object, and every PE with native code, in
/// the layers the build added above its base image must be for the platform's machine, word size, byte order and OS
/// ABI; files in the base image's own layers are reported as a warning (the build did not put them there). The files
/// come from the deep check's one pass over the layers (<see cref="ImageFilesystem.IdentifyNativeCode"/>); this
/// class only judges. The base's layers are told by its <c>rootfs.diff_ids</c>, read for the same platform, being
/// the start of the image's; the instruction behind a layer by the image config's <c>history</c>, matched to the
/// Dockerfile's layer-making instructions from the last one down.
/// </summary>
internal sealed class ArchitectureScan(ArchitectureScanOptions options)
{
    /// <summary>Device firmware: loaded into hardware, never run by the CPU.</summary>
    private static readonly string[] NeverJudged = ["/lib/firmware/", "/usr/lib/firmware/"];

    private static readonly string[] LayerKeywords = ["RUN", "COPY", "ADD", "WORKDIR"];

    private Task<(byte[] Content, string MediaType, Digest Digest)>? _baseRoot;

    public ArchitectureScanOptions Options => options;

    /// <summary>
    /// The base image of the stage that becomes the image (following <c>FROM &lt;stage&gt;</c> to the image it
    /// starts from, ARGs expanded as BuildKit would) and the instructions of that chain of stages, in order.
    /// <c>scratch</c> is a base of no layers.
    /// </summary>
    public static (string? BaseImage, int Line, IReadOnlyList<Instruction> Instructions) FromDockerfile(DockerfileDocument document, IReadOnlyDictionary<string, string>? buildArgs, string? buildTarget)
    {
        if (document.Stages.Count == 0)
        {
            return (null, 0, []);
        }

        var graph = new StageGraph(document, buildArgs, buildTarget);
        var chain = new List<DockerfileStage>();
        for (var stage = graph.ImageStage; stage is not null && !chain.Contains(stage); stage = graph.ParentOf(stage))
        {
            chain.Insert(0, stage);
        }

        if (chain.Count == 0)
        {
            return (null, 0, []);
        }

        var image = graph.ExpandGlobal(chain[0].BaseImage, markers: false).Trim();
        return (image.Length == 0 ? null : image, chain[0].From.Line, chain.SelectMany(s => s.Instructions).ToList());
    }

    /// <summary>The files with machine code of a filesystem read with <see cref="ImageFilesystem.IdentifyNativeCode"/>.</summary>
    public static IReadOnlyList<NativeFile> NativeFiles(ImageFilesystem fs)
        => fs.FilesUnder("/").Where(f => f.Entry.Native is not null).Select(f => new NativeFile(f.Path, f.Entry.Native!, f.Entry.Layer)).ToList();

    /// <summary>
    /// Judges one platform's files. <paramref name="incomplete"/> says why not every file could be read (a layer that
    /// cannot be unpacked: then <paramref name="files"/> is null; more paths than are kept): the scan says so.
    /// </summary>
    public async Task<ArchitectureScanResult> JudgeAsync(
        OciPlatform platform,
        ImageManifest manifest,
        ImageConfig config,
        IReadOnlyList<NativeFile>? files,
        string? incomplete,
        string? appDirectory,
        List<Diagnostic> diagnostics,
        CancellationToken cancellationToken)
    {
        if (incomplete is not null || files is null)
        {
            diagnostics.Add(Diagnostic.Warning(nameof(Strings.ScanIncomplete), platform, incomplete ?? "its layers could not be read"));
        }

        if (files is null)
        {
            return new ArchitectureScanResult(0, 0, 0, 0, options.BaseImageName, incomplete);
        }

        var baseLayers = await BaseLayerCountAsync(platform, config, diagnostics, cancellationToken).ConfigureAwait(false);
        var layerIndex = manifest.Layers.Select((l, i) => (l.Digest.ToString(), i)).GroupBy(x => x.Item1).ToDictionary(g => g.Key, g => g.Last().i, StringComparer.Ordinal);
        var appPrefix = appDirectory is null ? null : ImageFilesystem.Normalize(appDirectory).TrimEnd('/') + "/";
        var judged = files.Where(f => !Skipped(f.Path, appPrefix)).ToList();
        var foreign = judged.Where(f => IsForeign(f, platform)).Select(f => (File: f, Layer: f.Layer is not null && layerIndex.TryGetValue(f.Layer, out var i) ? i : -1)).ToList();

        var inBase = foreign.Where(f => f.Layer >= 0 && f.Layer < baseLayers).Select(f => f.File).ToList();
        if (inBase.Count > 0)
        {
            diagnostics.Add(Diagnostic.Warning(nameof(Strings.ScanForeignInBase), platform, options.BaseImageName, inBase.Count, List(inBase)));
        }

        foreach (var group in foreign.Where(f => f.Layer < 0 || f.Layer >= baseLayers).GroupBy(f => f.Layer).OrderBy(g => g.Key))
        {
            var (instruction, createdBy) = group.Key < 0 ? (null, null) : InstructionFor(group.Key, manifest.Layers.Count, config);
            var layer = group.Key < 0
                ? "an unknown layer"
                : $"layer {group.Key + 1} of {manifest.Layers.Count} ({manifest.Layers[group.Key].Digest.Short})";
            var by = instruction is not null ? $", added by {Shorten(instruction.Keyword + " " + instruction.Arguments)} (line {instruction.Line})"
                : createdBy is not null ? $", added by {Shorten(createdBy)}"
                : string.Empty;
            var diagnostic = Diagnostic.Error(nameof(Strings.ScanForeignFiles), platform, group.Count(), layer + by, List(group.Select(g => g.File).ToList()));
            diagnostics.Add(instruction is not null && options.DockerfilePath is not null ? diagnostic.At(options.DockerfilePath, instruction.Line, 1) : diagnostic);
        }

        var foreignAdded = foreign.Count - inBase.Count;
        if (foreign.Count == 0)
        {
            diagnostics.Add(Diagnostic.Info(nameof(Strings.ScanPassed), platform, judged.Count, manifest.Layers.Count - baseLayers, baseLayers, BaseText()));
        }

        return new ArchitectureScanResult(judged.Count, foreignAdded, inBase.Count, baseLayers, options.BaseImageName, incomplete);
    }

    /// <summary>Whether a file's code cannot run on the platform (or, under a folder named for a platform, on that one).</summary>
    public static bool IsForeign(NativeFile file, OciPlatform platform)
    {
        var expected = PlatformFolderArchitecture(file.Path, out var named) ?? (named ? null : platform.Architecture);
        if (named && expected is null)
        {
            // A folder for a platform this tool does not map (runtimes/osx/, prebuilds/darwin-x64/): chosen at run time, not judged.
            return false;
        }

        if (file.Code.Architecture != expected)
        {
            return true;
        }

        return !named && platform.Os == "linux" && file.Code.Identity.Kind == BinaryKind.Elf && !file.Code.ForLinux;
    }

    /// <summary>
    /// Files a program picks by platform at run time sit in folders named for it: a .NET app's
    /// <c>runtimes/&lt;rid&gt;/</c> and Node's prebuilt addons (<c>prebuilds/linux-arm64/</c>, node-gyp-build). Their
    /// CPU must be the folder's, not the image's.
    /// </summary>
    private static string? PlatformFolderArchitecture(string path, out bool named)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i + 2 < parts.Length; i++)
        {
            if (parts[i] == "runtimes")
            {
                named = true;
                return RuntimeIdentifierMap.TryGetPlatform(parts[i + 1], out var ridPlatform) ? ridPlatform.Architecture : null;
            }

            if (parts[i] == "prebuilds" && parts[i + 1].IndexOf('-', StringComparison.Ordinal) is var dash and > 0)
            {
                named = true;
                return parts[i + 1][(dash + 1)..] switch
                {
                    "x64" => "amd64",
                    "ia32" => "386",
                    "arm64" => "arm64",
                    "arm" => "arm",
                    "s390x" => "s390x",
                    "ppc64" => "ppc64le",
                    "riscv64" => "riscv64",
                    "loong64" => "loong64",
                    _ => null,
                };
            }
        }

        named = false;
        return null;
    }

    private bool Skipped(string path, string? appPrefix)
        => NeverJudged.Any(p => path.StartsWith(p, StringComparison.Ordinal))
            || (appPrefix is not null && path.StartsWith(appPrefix, StringComparison.Ordinal))
            || options.IgnoredPaths.Any(p => path.StartsWith(ImageFilesystem.Normalize(p).TrimEnd('/') + "/", StringComparison.Ordinal) || path == ImageFilesystem.Normalize(p));

    /// <summary>How many of the image's bottom layers are the base image's (0: none known, every layer is the build's).</summary>
    private async Task<int> BaseLayerCountAsync(OciPlatform platform, ImageConfig config, List<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        if (options.BaseImageProblem is not null)
        {
            diagnostics.Add(Diagnostic.Warning(nameof(Strings.ScanBaseUnreadable), platform, options.BaseImageName, options.BaseImageOrigin, options.BaseImageProblem));
        }

        if (options.BaseImage is not { } source)
        {
            return 0;
        }

        IReadOnlyList<string> baseDiffIds;
        try
        {
            baseDiffIds = await BaseDiffIdsAsync(source, platform, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MultiArchException or ManifestFormatException)
        {
            diagnostics.Add(Diagnostic.Warning(nameof(Strings.ScanBaseUnreadable), platform, options.BaseImageName, options.BaseImageOrigin, ex.Message));
            return 0;
        }

        var shared = 0;
        while (shared < baseDiffIds.Count && shared < config.DiffIds.Count && string.Equals(baseDiffIds[shared], config.DiffIds[shared], StringComparison.Ordinal))
        {
            shared++;
        }

        if (shared < baseDiffIds.Count)
        {
            diagnostics.Add(Diagnostic.Warning(nameof(Strings.ScanBaseNotUnderneath), platform, options.BaseImageName, shared, baseDiffIds.Count));
        }

        return shared;
    }

    private async Task<IReadOnlyList<string>> BaseDiffIdsAsync(IImageSource source, OciPlatform platform, CancellationToken cancellationToken)
    {
        var (content, mediaType, _) = await (_baseRoot ??= source.ReadRootAsync(cancellationToken)).ConfigureAwait(false);
        var manifestBytes = content;
        var manifestType = mediaType;
        if (MediaTypes.IsIndex(mediaType))
        {
            var entry = OciJson.ReadIndex(content, mediaType).Manifests.FirstOrDefault(m => !m.IsAttestation && !MediaTypes.IsIndex(m.MediaType) && platform.Equals(m.Platform?.Normalized))
                ?? throw new InvalidManifestException(source.Name, $"it has no {platform} image");
            manifestBytes = await source.ReadManifestAsync(entry, cancellationToken).ConfigureAwait(false);
            manifestType = entry.MediaType;
        }

        var manifest = OciJson.ReadManifest(manifestBytes, manifestType);
        return OciJson.ReadConfig(await source.ReadBlobAsync(manifest.Config, 8 * 1024 * 1024, cancellationToken).ConfigureAwait(false)).DiffIds;
    }

    /// <summary>
    /// The instruction that made layer <paramref name="layer"/>: the config's history entries with a layer are the
    /// layers in order; walking both from the top, each entry takes the nearest earlier Dockerfile instruction of
    /// its keyword. Without a Dockerfile (or when they do not line up) the history's own <c>created_by</c> is told.
    /// </summary>
    private (Instruction? Instruction, string? CreatedBy) InstructionFor(int layer, int layerCount, ImageConfig config)
    {
        var history = config.History.Where(h => !h.EmptyLayer).ToList();
        if (history.Count != layerCount)
        {
            return (null, null);
        }

        var createdBy = Clean(history[layer].CreatedBy);
        var instructions = options.ImageInstructions.Where(i => LayerKeywords.Any(i.Is)).ToList();
        var next = instructions.Count - 1;
        for (var i = layerCount - 1; i >= layer && next >= 0; i--)
        {
            var keyword = KeywordOf(history[i].CreatedBy);
            while (next >= 0 && !instructions[next].Is(keyword))
            {
                next--;
            }

            if (next < 0)
            {
                break;
            }

            if (i == layer)
            {
                return (instructions[next], createdBy);
            }

            next--;
        }

        return (null, createdBy);
    }

    /// <summary>BuildKit writes <c>RUN /bin/sh -c ... # buildkit</c>, <c>COPY src dst # buildkit</c>; buildah <c>/bin/sh -c #(nop) COPY ...</c> and <c>/bin/sh -c cmd</c> for RUN.</summary>
    private static string KeywordOf(string? createdBy)
    {
        var text = (createdBy ?? string.Empty).Trim();
        const string Nop = "/bin/sh -c #(nop) ";
        if (text.StartsWith(Nop, StringComparison.Ordinal))
        {
            text = text[Nop.Length..].TrimStart();
        }

        var word = text.Split(' ', 2)[0].ToUpperInvariant();
        return LayerKeywords.Contains(word) ? word : "RUN";
    }

    private static string? Clean(string? createdBy)
    {
        if (string.IsNullOrWhiteSpace(createdBy))
        {
            return null;
        }

        var text = createdBy.Trim();
        const string BuildKit = "# buildkit";
        return text.EndsWith(BuildKit, StringComparison.Ordinal) ? text[..^BuildKit.Length].TrimEnd() : text;
    }

    private static string Shorten(string text)
    {
        var line = string.Join(' ', text.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= 100 ? $"`{line}`" : $"`{line[..97]}...`";
    }

    private string List(IReadOnlyList<NativeFile> files)
    {
        var shown = files.Take(options.PathsShown).Select(f => $"{f.Path} ({f.Code.Description})");
        var text = string.Join(", ", shown);
        return files.Count > options.PathsShown ? $"{text} and {files.Count - options.PathsShown} more" : text;
    }

    private string BaseText()
        => options.BaseImageName is null ? "base image unknown, every layer judged as the build's"
            : options.BaseImage is null ? $"base {options.BaseImageName}"
            : $"base {options.BaseImageName}, from {options.BaseImageOrigin}";
}
