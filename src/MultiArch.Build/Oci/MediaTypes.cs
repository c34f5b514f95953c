namespace MultiArch.Build.Oci;

/// <summary>The OCI and Docker media types an image index and its parts use.</summary>
internal static class MediaTypes
{
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayerTar = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string InTotoLayer = "application/vnd.in-toto+json";

    /// <summary>The Accept header for manifests: every index and manifest type this tool reads.</summary>
    public static readonly string[] ManifestAccept = [OciIndex, DockerManifestList, OciManifest, DockerManifest];

    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;

    public static bool IsGzipLayer(string? mediaType) => mediaType is OciLayerGzip or DockerLayerGzip or "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" or "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";

    public static bool IsTarLayer(string? mediaType) => mediaType is OciLayerTar or "application/vnd.oci.image.layer.nondistributable.v1.tar";
}
