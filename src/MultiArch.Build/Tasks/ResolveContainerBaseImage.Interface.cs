using Microsoft.Build.Framework;

namespace MultiArch.Build.Tasks;

/// <summary>
/// Reads the base image of the Dockerfile (generated from <c>ContainerBaseImage</c>, or the project's own: every stage
/// that follows the target platform and feeds the image) from its registry once, before anything is compiled or
/// published: a base that cannot be read (<c>MULTIARCH8040</c>) or lacks a requested platform (<c>MULTIARCH8041</c>)
/// stops the publish there, naming <c>ContainerBaseImage</c> (or the <c>FROM</c> line) and the fix.
/// </summary>
public sealed partial class ResolveContainerBaseImage
{
    /// <summary>Full path of the Dockerfile the build will use.</summary>
    [Required]
    public string Dockerfile { get; set; } = "";

    /// <summary>True when the Dockerfile was generated (its base is <c>ContainerBaseImage</c> or the SDK's default).</summary>
    public bool Generated { get; set; }

    /// <summary>
    /// With <see cref="Generated"/>: the base image as named (<c>$(MultiArchComputedBaseImage)</c>). It is read by that
    /// name (its tag), and the generated Dockerfile's <c>FROM</c> is then pinned to the digest read, so that the build
    /// uses exactly the base checked here and the validation's scan reads it by digest from this build's session.
    /// </summary>
    public string BaseImage { get; set; } = "";

    /// <summary>The platforms being built: <c>@(ContainerPlatform)</c>.</summary>
    [Required]
    public ITaskItem[] Platforms { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The stage that becomes the image (<c>ContainerBuildTarget</c>); empty: the last stage.</summary>
    public string BuildTarget { get; set; } = "";

    /// <summary><c>@(ContainerBuildArg)</c>: Identity is the name, metadata <c>Value</c> the value.</summary>
    public ITaskItem[] BuildArgs { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The destination registry: its push credentials are never sent to a base image's registry.</summary>
    public string Registry { get; set; } = "";

    /// <summary>Registries reached over plain HTTP besides loopback ones.</summary>
    public string InsecureRegistries { get; set; } = "";

    /// <summary><c>ContainerRegistryTimeout</c>: seconds per registry request.</summary>
    public string RegistryTimeout { get; set; } = "";

    /// <summary>
    /// Each base image read: Identity = the reference as named, metadata <c>Digest</c>, <c>Pinned</c> (the same image by
    /// digest) and <c>Platforms</c> (comma-separated).
    /// </summary>
    [Output]
    public ITaskItem[] BaseImages { get; private set; } = Array.Empty<ITaskItem>();
}
