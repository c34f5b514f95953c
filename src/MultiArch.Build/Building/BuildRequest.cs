using MultiArch.Build.Platforms;

namespace MultiArch.Build.Building;

internal enum ContainerCliKind
{
    Docker,
    Podman,

    /// <summary>No CLI: the image is assembled in process over the registry API (Publishing's <c>AssemblingBuilder</c>).</summary>
    None,
}

internal enum BuildOutputKind
{
    /// <summary>Pushed to a registry (by digest first when tags come after validation).</summary>
    Push,

    /// <summary>An OCI layout archive on disk.</summary>
    Archive,

    /// <summary>Loaded into the local engine.</summary>
    Load,
}

/// <summary>A <c>--secret</c>: from a file (<c>Source</c>) or an environment variable (<c>Environment</c>). Never its value.</summary>
internal sealed record BuildSecret(string Id, string? Source, string? Environment);

/// <summary>Everything one multi-platform build needs, independent of the CLI that runs it.</summary>
internal sealed record BuildRequest
{
    public required IReadOnlyList<OciPlatform> Platforms { get; init; }

    public required string Dockerfile { get; init; }

    public required string Context { get; init; }

    public string? Target { get; init; }

    /// <summary>
    /// The network mode of RUN steps (<c>--network</c>: <c>default</c>, <c>none</c>, <c>host</c>, or for podman any of
    /// its modes); null: the tool's default (a bridge, which an engine started with <c>--bridge=none</c> does not have).
    /// </summary>
    public string? Network { get; init; }

    /// <summary>
    /// Named build contexts (<c>--build-context name=dir</c>), e.g. the .NET publish output staged by platform, which a
    /// Dockerfile reads with <c>COPY --from=publish</c>. buildx and podman (4.3 and later) both take the option.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> NamedContexts { get; init; } = [];

    /// <summary>The builder to use (<c>--builder</c>); null: buildx's current one.</summary>
    public string? Builder { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> BuildArgs { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; init; } = [];

    /// <summary><c>--annotation</c> values as written (<c>index:org.opencontainers.image.source=...</c>).</summary>
    public IReadOnlyList<string> Annotations { get; init; } = [];

    /// <summary>The <c>--cache-from</c> specs, expanded for <see cref="Platforms"/> (<see cref="CacheScopes"/>).</summary>
    public IReadOnlyList<string> CacheFrom { get; init; } = [];

    /// <summary>The <c>--cache-to</c> specs, expanded for <see cref="Platforms"/>.</summary>
    public IReadOnlyList<string> CacheTo { get; init; } = [];

    /// <summary>The cache specs before expansion: what a request for some of the platforms expands again (<see cref="ForPlatforms"/>).</summary>
    public CacheSpecs? Cache { get; init; }

    /// <summary>null: buildx's default (provenance on, SBOM off).</summary>
    public bool? Provenance { get; init; }

    public bool? Sbom { get; init; }

    public IReadOnlyList<BuildSecret> Secrets { get; init; } = [];

    /// <summary>
    /// SOURCE_DATE_EPOCH (seconds): buildx gets it as a build arg and rewrites every timestamp of the exported
    /// image to it (BuildKit's <c>rewrite-timestamp</c>); podman stamps it with <c>--timestamp</c>. Null: the tools' own
    /// behaviour (and no <c>created</c> label: MultiArch.Build never stamps the wall clock).
    /// </summary>
    public long? SourceDateEpoch { get; init; }

    public required BuildOutputKind Output { get; init; }

    /// <summary>For Push: the repository without tag (<c>registry/repo</c>).</summary>
    public string? Repository { get; init; }

    /// <summary>Full references to tag (<c>registry/repo:tag</c>); at build time only when <see cref="TagAtBuild"/>.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Push the tags with the build (validation after); false: push by digest, tag after validation.</summary>
    public bool TagAtBuild { get; init; }

    /// <summary>For Archive (and podman pushes, which go through an archive): the OCI archive path.</summary>
    public string? ArchivePath { get; init; }

    public string? MetadataFile { get; init; }

    /// <summary>
    /// Registries reached over plain HTTP: the insecure ones and the loopback registries the Dockerfile's FROM lines
    /// name. podman pulls from these (and only these) over HTTP, through a registries.conf for the build.
    /// </summary>
    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];

    /// <summary>Where podman's registries.conf for this build is written (next to the other intermediate files).</summary>
    public string? RegistriesConfPath { get; init; }

    /// <summary>The same build for some of its platforms (one node's share of a multi-node plan), its caches expanded for them.</summary>
    public BuildRequest ForPlatforms(IReadOnlyList<OciPlatform> platforms) => this with
    {
        Platforms = platforms,
        CacheFrom = Cache?.FromFor(platforms) ?? CacheFrom,
        CacheTo = Cache?.ToFor(platforms) ?? CacheTo,
    };

    /// <summary>Values to keep out of logged command lines: build args whose name says they are secret.</summary>
    public IReadOnlyList<string> SensitiveValues
        => BuildArgs.Where(a => IsSensitiveName(a.Key)).Select(a => a.Value).Where(v => v.Length > 0).ToList();

    /// <summary>
    /// Whether a build argument's name says its value is secret: <c>*PASS*</c> (PASSWORD, PASSWD, PASSPHRASE),
    /// <c>*PWD*</c>, <c>*PAT</c> (a personal access token: GITHUB_PAT), <c>*TOKEN*</c>, <c>*SECRET*</c>,
    /// <c>*KEY*</c>, <c>*CREDENTIAL*</c>, <c>*AUTH*</c>, in any case. A false alarm only masks a harmless value.
    /// </summary>
    public static bool IsSensitiveName(string name)
        => SensitiveParts.Any(s => name.Contains(s, StringComparison.OrdinalIgnoreCase)) || name.TrimEnd().EndsWith("PAT", StringComparison.OrdinalIgnoreCase);

    private static readonly string[] SensitiveParts = ["PASS", "PWD", "TOKEN", "SECRET", "KEY", "CREDENTIAL", "AUTH"];
}
