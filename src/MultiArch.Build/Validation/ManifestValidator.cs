using MultiArch.Build.Diagnostics;
using MultiArch.Build.Images;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Validation;

internal sealed record ValidationOptions
{
    /// <summary>The platforms the index must hold (normalized).</summary>
    public required IReadOnlyList<OciPlatform> ExpectedPlatforms { get; init; }

    /// <summary>Read the layers and check the entrypoint binary's CPU (the deep check).</summary>
    public bool DeepCheck { get; init; } = true;

    /// <summary>With the deep check: would each platform's entrypoint start (interpreter and shared libraries, <see cref="StartupCheck"/>).</summary>
    public bool StartupCheck { get; init; } = true;

    /// <summary>Largest image config read.</summary>
    public long MaxConfigBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>
    /// A .NET app's folder in the image (<c>/app</c>): with the deep check, every ELF and every PE with CPU-specific code
    /// under it (the apphost, native libraries, ReadyToRun assemblies) must be for the image's platform, not only the
    /// entrypoint. Files under <c>runtimes/&lt;rid&gt;/</c> are judged against that RID. Null: no such pass.
    /// </summary>
    public string? AppDirectory { get; init; }

    /// <summary>
    /// With the deep check: the whole-image architecture scan (<see cref="Validation.ArchitectureScan"/>), every file with
    /// machine code in the layers the build added must be for the platform. Null: not done.
    /// </summary>
    public ArchitectureScanOptions? ArchitectureScan { get; init; }

    /// <summary>Nested indexes followed at most.</summary>
    public int MaxIndexDepth { get; init; } = 3;
}

/// <summary>
/// Proves an image index true: every expected platform present once, attestations recognised and never
/// counted, each image's config agreeing with its descriptor, no two "platforms" sharing the same layers,
/// and (deep check) the binary each image would run built for that platform's CPU. Reads through an
/// <see cref="IImageSource"/>, so registries and OCI archives are judged alike.
/// </summary>
internal static class ManifestValidator
{
    public static async Task<ValidationReport> ValidateAsync(IImageSource source, ValidationOptions options, CancellationToken cancellationToken)
    {
        var diagnostics = new List<Diagnostic>();
        var (rootContent, rootType, rootDigest) = await source.ReadRootAsync(cancellationToken).ConfigureAwait(false);
        var expected = options.ExpectedPlatforms.Distinct().ToList();

        List<Descriptor> entries;
        if (MediaTypes.IsIndex(rootType))
        {
            entries = await FlattenAsync(source, Parse(source, () => OciJson.ReadIndex(rootContent, rootType)), options.MaxIndexDepth, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // A single-platform image: its config says the platform.
            if (expected.Count > 1)
            {
                diagnostics.Add(Diagnostic.Error(nameof(Strings.ValidationNotAnIndex), source.Name, rootType, string.Join(", ", expected)));
            }

            var manifest = Parse(source, () => OciJson.ReadManifest(rootContent, rootType));
            var configBytes = await source.ReadBlobAsync(manifest.Config, options.MaxConfigBytes, cancellationToken).ConfigureAwait(false);
            var config = Parse(source, () => OciJson.ReadConfig(configBytes));
            entries = [new Descriptor(rootType, rootDigest, rootContent.Length, new DescriptorPlatform(config.Os ?? string.Empty, config.Architecture ?? string.Empty, config.Variant, null), new Dictionary<string, string>())];
        }

        var attestations = entries.Where(e => e.IsAttestation).ToList();
        var images = entries.Where(e => !e.IsAttestation).ToList();

        var byPlatform = new List<(OciPlatform Platform, Descriptor Descriptor)>();
        foreach (var image in images)
        {
            if (image.Platform?.Normalized is not { } platform)
            {
                diagnostics.Add(Diagnostic.Error(nameof(Strings.ValidationEntryPlatformInvalid), image.Digest, image.Platform?.ToString() ?? "(none)"));
                continue;
            }

            if (byPlatform.FirstOrDefault(p => p.Platform.Equals(platform)) is { Descriptor: not null } twin)
            {
                diagnostics.Add(Diagnostic.Error(nameof(Strings.ValidationPlatformDuplicate), platform, twin.Descriptor.Digest.Short, image.Digest.Short));
                continue;
            }

            byPlatform.Add((platform, image));
        }

        foreach (var missing in expected.Where(e => byPlatform.All(p => !p.Platform.Equals(e))))
        {
            diagnostics.Add(Diagnostic.Error(nameof(Strings.ValidationPlatformMissing), missing, source.Name, Describe(byPlatform.Select(p => p.Platform))));
        }

        foreach (var extra in byPlatform.Where(p => !expected.Contains(p.Platform)))
        {
            diagnostics.Add(Diagnostic.Warning(nameof(Strings.ValidationPlatformUnexpected), extra.Platform, source.Name));
        }

        var results = new List<PlatformResult>();
        var deepCache = new Dictionary<string, DeepInspection>(StringComparer.Ordinal);
        var layers = new LayerCache();
        if (options.DeepCheck)
        {
            // Layers shared by platforms are read once: count who needs each before reading any.
            foreach (var (_, descriptor) in byPlatform)
            {
                var manifestBytes = await source.ReadManifestAsync(descriptor, cancellationToken).ConfigureAwait(false);
                layers.Expect(Parse(source, () => OciJson.ReadManifest(manifestBytes, descriptor.MediaType)).Layers);
            }
        }

        var scan = options.DeepCheck && options.ArchitectureScan is { } scanOptions ? new ArchitectureScan(scanOptions) : null;
        foreach (var (platform, descriptor) in byPlatform)
        {
            results.Add(await CheckImageAsync(source, platform, descriptor, options, deepCache, new(layers, scan), diagnostics, cancellationToken).ConfigureAwait(false));
        }

        CheckIdenticalLayers(results, diagnostics);

        var imageDigests = byPlatform.Select(p => p.Descriptor.Digest.ToString()).ToHashSet(StringComparer.Ordinal);
        var attestationResults = new List<AttestationResult>();
        foreach (var attestation in attestations)
        {
            var target = attestation.Annotations.GetValueOrDefault(Descriptor.ReferenceDigestAnnotation);
            var ok = target is not null && imageDigests.Contains(target);
            if (!ok)
            {
                diagnostics.Add(Diagnostic.Warning(nameof(Strings.ValidationAttestationOrphan), attestation.Digest.Short, target ?? "(no vnd.docker.reference.digest annotation)"));
            }

            attestationResults.Add(new AttestationResult(attestation.Digest.ToString(), target, ok));
        }

        return new ValidationReport(
            source.Name,
            rootDigest.ToString(),
            rootType,
            expected.Select(e => e.ToString()).ToList(),
            results,
            attestationResults,
            diagnostics);
    }

    private static async Task<PlatformResult> CheckImageAsync(
        IImageSource source,
        OciPlatform platform,
        Descriptor descriptor,
        ValidationOptions options,
        Dictionary<string, DeepInspection> deepCache,
        (LayerCache Layers, ArchitectureScan? Scan) whole,
        List<Diagnostic> diagnostics,
        CancellationToken cancellationToken)
    {
        var manifestBytes = await source.ReadManifestAsync(descriptor, cancellationToken).ConfigureAwait(false);
        var manifest = Parse(source, () => OciJson.ReadManifest(manifestBytes, descriptor.MediaType));
        var configBytes = await source.ReadBlobAsync(manifest.Config, options.MaxConfigBytes, cancellationToken).ConfigureAwait(false);
        var config = Parse(source, () => OciJson.ReadConfig(configBytes));

        string? configPlatformText = config.Architecture is null ? null : new DescriptorPlatform(config.Os ?? "?", config.Architecture, config.Variant, null).ToString();
        var configPlatform = OciPlatform.TryCreate(config.Os, config.Architecture, config.Variant, out var cp, out _) ? cp : null;

        // A config without a variant for arm64 or amd64 is the baseline; for arm, buildx and podman both write it, and its absence means v7.
        if (configPlatform is null || !configPlatform.Equals(platform))
        {
            diagnostics.Add(Diagnostic.Error(nameof(Strings.ValidationConfigMismatch), platform, descriptor.Digest.Short, configPlatformText ?? "(no os/architecture)"));
        }

        var layers = manifest.Layers.Select(l => l.Digest.ToString()).ToList();
        if (!options.DeepCheck)
        {
            return new PlatformResult(platform.ToString(), descriptor.Digest.ToString(), configPlatformText, layers, BinaryVerdict.Skipped, null, null, null);
        }

        var key = string.Join(",", layers) + "|" + string.Join(" ", config.Entrypoint.Concat(["|"]).Concat(config.Cmd)) + "|" + config.WorkingDir + "|" + string.Join("\n", config.Env);
        if (!deepCache.TryGetValue(key, out var deep))
        {
            deep = await InspectBinaryAsync(source, manifest, config, options, whole, cancellationToken).ConfigureAwait(false);
            deepCache[key] = deep;
        }

        var (verdict, executable, description, note, identity, startup) = deep;
        if (deep.App is not null)
        {
            CheckAppFolder(platform, deep.App, diagnostics);
        }

        if (verdict == BinaryVerdict.Verified && identity is not null && !ArchitectureMatches(identity, platform))
        {
            verdict = BinaryVerdict.Mismatch;
            diagnostics.Add(Diagnostic.Error(nameof(Strings.ValidationBinaryMismatch), platform, executable, description));
        }
        else if (verdict == BinaryVerdict.Undetermined)
        {
            diagnostics.Add(Diagnostic.Warning(nameof(Strings.ValidationBinaryUndetermined), platform, note));
        }
        else
        {
            diagnostics.Add(Diagnostic.Info(nameof(Strings.ValidationPlatformVerified), platform, descriptor.Digest.Short, executable, description));
        }

        diagnostics.AddRange(startup?.DiagnosticsFor(platform) ?? []);
        var scanned = whole.Scan is null ? null
            : await whole.Scan.JudgeAsync(platform, manifest, config, deep.NativeFiles, deep.LayerProblem, options.AppDirectory, diagnostics, cancellationToken).ConfigureAwait(false);
        return new PlatformResult(platform.ToString(), descriptor.Digest.ToString(), configPlatformText, layers, verdict, executable, description, note)
        {
            Startup = startup?.ResultFor(platform),
            Scan = scanned,
        };
    }

    private static async Task<DeepInspection> InspectBinaryAsync(IImageSource source, ImageManifest manifest, ImageConfig config, ValidationOptions options, (LayerCache Layers, ArchitectureScan? Scan) whole, CancellationToken cancellationToken)
    {
        var (startupCheck, appDirectory) = (options.StartupCheck, options.AppDirectory);
        var fs = new ImageFilesystem(appDirectory) { ReadLinkerFiles = startupCheck, IdentifyNativeCode = whole.Scan is not null };
        foreach (var layer in manifest.Layers)
        {
            var (content, problem) = await whole.Layers.ReadAsync(source, layer, fs, cancellationToken).ConfigureAwait(false);
            if (content is null)
            {
                return new(BinaryVerdict.Undetermined, null, null, problem, null, null) { LayerProblem = problem };
            }

            fs.Apply(content);
        }

        var truncated = fs.Truncated ? $"the image has more than {ImageFilesystem.MaxEntries} paths; those past it were not read" : null;

        var resolved = EntrypointResolver.Resolve(config, fs);

        // The entrypoint's own files are judged by the entrypoint check (MULTIARCH5007): the scan takes every other one.
        var entrypointFiles = resolved.Identity?.Architecture is null ? [] : resolved.Chain.Select(ImageFilesystem.Normalize).ToHashSet(StringComparer.Ordinal);
        var nativeFiles = whole.Scan is null ? null : ArchitectureScan.NativeFiles(fs).Where(f => !entrypointFiles.Contains(ImageFilesystem.Normalize(f.Path))).ToList();
        var startup = startupCheck ? StartupCheck.Analyze(resolved, fs, config) : null;
        var executable = resolved.Chain.Count == 0 ? null : resolved.ChainText;
        var appFolder = appDirectory is null ? null : AppFolder.Read(fs, appDirectory);
        if (resolved.Undetermined is not null || resolved.Identity?.Architecture is null)
        {
            return new(BinaryVerdict.Undetermined, executable, resolved.Identity?.Description, resolved.Undetermined ?? $"{resolved.Identity?.Description} is for no known architecture", resolved.Identity, startup) { App = appFolder, NativeFiles = nativeFiles, LayerProblem = truncated };
        }

        return new(BinaryVerdict.Verified, executable, resolved.Identity.Description, null, resolved.Identity, startup) { App = appFolder, NativeFiles = nativeFiles, LayerProblem = truncated };
    }

    /// <summary>
    /// The .NET pass: every CPU-specific file of the app folder must be for this platform's CPU (or, under
    /// <c>runtimes/&lt;rid&gt;/</c>, for that RID's), so a wrong apphost or a native library of another RID is caught
    /// even when the entrypoint is right.
    /// </summary>
    private static void CheckAppFolder(OciPlatform platform, AppFolder folder, List<Diagnostic> diagnostics)
    {
        if (!folder.Exists)
        {
            diagnostics.Add(Diagnostic.Warning(nameof(Strings.ValidationAppFolderMissing), platform, folder.Directory));
            return;
        }

        var checkedFiles = 0;
        foreach (var (path, identity) in folder.Files)
        {
            var expected = AppFolder.ExpectedArchitecture(folder.Directory, path, platform);
            if (expected is null || identity.Architecture is null)
            {
                continue;
            }

            checkedFiles++;
            if (identity.Architecture != expected)
            {
                diagnostics.Add(Diagnostic.Error(nameof(Strings.ValidationAppFileMismatch), platform, path, identity.Description, expected));
            }
        }

        diagnostics.Add(Diagnostic.Info(nameof(Strings.ValidationAppFolderChecked), platform, folder.Directory, checkedFiles, folder.Files.Count));
    }

    /// <summary>What the deep check found in one set of layers and entrypoint (shared by platforms with the same content).</summary>
    private sealed record DeepInspection(BinaryVerdict Verdict, string? Executable, string? Description, string? Note, BinaryIdentity? Identity, StartupAnalysis? Startup)
    {
        /// <summary>The .NET app folder's files, when <see cref="ValidationOptions.AppDirectory"/> asked for them.</summary>
        public AppFolder? App { get; init; }

        /// <summary>Every file with machine code, for the whole-image scan; null when it was not asked for or the layers could not all be read.</summary>
        public IReadOnlyList<NativeFile>? NativeFiles { get; init; }

        /// <summary>Why the layers could not all be read (then the scan is incomplete).</summary>
        public string? LayerProblem { get; init; }
    }

    private static bool ArchitectureMatches(BinaryIdentity identity, OciPlatform platform)
        => identity.Architecture == platform.Architecture;

    /// <summary>
    /// The pinned-final-stage signature. With an architecture-specific executable in those images it is an
    /// error (and MULTIARCH5007 names the wrong binary); when none was judged (deep check off, or only
    /// architecture-independent files such as configs and scripts) identical layers can be legitimate, so it
    /// is a warning that says so.
    /// </summary>
    private static void CheckIdenticalLayers(List<PlatformResult> results, List<Diagnostic> diagnostics)
    {
        foreach (var group in results.Where(r => r.Layers.Count > 0).GroupBy(r => string.Join(",", r.Layers)).Where(g => g.Count() > 1))
        {
            if (group.Select(r => r.ConfigPlatform).Distinct().Count() < 2)
            {
                continue;
            }

            var platforms = string.Join(", ", group.Select(r => r.Platform));
            var judgedBinary = group.Any(r => r.Binary is BinaryVerdict.Verified or BinaryVerdict.Mismatch);
            diagnostics.Add(judgedBinary
                ? Diagnostic.Error(nameof(Strings.ValidationIdenticalLayers), platforms, group.First().Layers.Count)
                : Diagnostic.Warning(nameof(Strings.ValidationIdenticalLayersNeutral), platforms, group.First().Layers.Count));
        }
    }

    private static async Task<List<Descriptor>> FlattenAsync(IImageSource source, ImageIndex index, int depth, CancellationToken cancellationToken)
    {
        var result = new List<Descriptor>();
        foreach (var entry in index.Manifests)
        {
            if (MediaTypes.IsIndex(entry.MediaType))
            {
                if (depth <= 0)
                {
                    throw new InvalidManifestException(source.Name, "image indexes nested deeper than this tool follows");
                }

                var nested = await source.ReadManifestAsync(entry, cancellationToken).ConfigureAwait(false);
                result.AddRange(await FlattenAsync(source, Parse(source, () => OciJson.ReadIndex(nested, entry.MediaType)), depth - 1, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                result.Add(entry);
            }
        }

        return result;
    }

    private static T Parse<T>(IImageSource source, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (ManifestFormatException ex)
        {
            throw new InvalidManifestException(source.Name, ex.Reason, ex);
        }
    }

    private static string Describe(IEnumerable<OciPlatform> platforms)
    {
        var list = platforms.Select(p => p.ToString()).ToList();
        return list.Count == 0 ? "no platform" : string.Join(", ", list);
    }
}

/// <summary>The files of a .NET app's folder in an image, each with what its first bytes say.</summary>
internal sealed record AppFolder(string Directory, bool Exists, IReadOnlyList<(string Path, BinaryIdentity Identity)> Files)
{
    public static AppFolder Read(ImageFilesystem fs, string directory)
    {
        var dir = ImageFilesystem.Normalize(directory);
        var exists = fs.Resolve(dir) is { Entry.Kind: FsEntryKind.Directory };
        var files = fs.FilesUnder(dir).Where(f => f.Entry.Head is not null).Select(f => (f.Path, BinaryInspector.Identify(f.Entry.Head))).ToList();
        return new AppFolder(dir, exists, files);
    }

    /// <summary>
    /// The CPU a file must be for: the platform's, or under <c>runtimes/&lt;rid&gt;/</c> (a portable publish keeps every
    /// RID's assets there and the host picks one) that RID's; null when the RID is not one this tool maps.
    /// </summary>
    public static string? ExpectedArchitecture(string directory, string path, OciPlatform platform)
    {
        var relative = path[(directory.TrimEnd('/').Length + 1)..].Split('/');
        var runtimes = Array.IndexOf(relative, "runtimes");
        if (runtimes >= 0 && runtimes + 2 < relative.Length)
        {
            return RuntimeIdentifierMap.TryGetPlatform(relative[runtimes + 1], out var ridPlatform) ? ridPlatform.Architecture : null;
        }

        return platform.Architecture;
    }
}
