using Microsoft.Build.Framework;

namespace MultiArch.Build.Tasks;

/// <summary>
/// Resolves the platforms to build from ContainerPlatforms, else ContainerRuntimeIdentifiers,
/// else RuntimeIdentifiers, else RuntimeIdentifier, else the build machine's platform.
/// </summary>
public sealed partial class ResolveContainerPlatforms
{
    /// <summary>OCI platforms and/or RIDs, separated by ';' or ','.</summary>
    public string ContainerPlatforms { get; set; } = "";

    /// <summary>RIDs to build images for when <see cref="ContainerPlatforms"/> is empty.</summary>
    public string ContainerRuntimeIdentifiers { get; set; } = "";

    /// <summary>The project's RuntimeIdentifiers; also used to pick the RID of an OCI platform entry.</summary>
    public string RuntimeIdentifiers { get; set; } = "";

    /// <summary>The project's RuntimeIdentifier.</summary>
    public string RuntimeIdentifier { get; set; } = "";

    /// <summary>
    /// One item per platform: Identity is the normalized platform (<c>linux/arm/v7</c>); metadata
    /// <c>RuntimeIdentifier</c>, <c>Os</c>, <c>Architecture</c>, <c>Variant</c>, <c>Requested</c>.
    /// </summary>
    [Output]
    public ITaskItem[] ResolvedPlatforms { get; private set; } = Array.Empty<ITaskItem>();

    /// <summary>The platforms comma-joined, as <c>buildx build --platform</c> takes them.</summary>
    [Output]
    public string PlatformList { get; private set; } = "";

    /// <summary>The property the platforms came from, or <c>host</c>.</summary>
    [Output]
    public string PlatformSource { get; private set; } = "";
}
