using Microsoft.Build.Framework;

namespace MultiArch.Build.Tasks;

/// <summary>
/// Resolves the image settings the pipeline uses (repository, tags, SOURCE_DATE_EPOCH) from the properties the
/// .NET SDK's container support shares with MultiArch.Build, without assigning any of them: the results go to
/// <c>_MultiArch*</c> properties (target <c>_MultiArchComputeContainerConfig</c>), as the SDK's own
/// <c>ComputeContainerConfig</c> resolves its defaults inside a target.
/// </summary>
public sealed partial class ResolveContainerConfig
{
    /// <summary><c>$(ContainerRepository)</c>; empty: derived from <see cref="AssemblyName"/> as the SDK derives it.</summary>
    public string Repository { get; set; } = "";

    /// <summary><c>$(AssemblyName)</c> (empty on the SDK door, which has none).</summary>
    public string AssemblyName { get; set; } = "";

    /// <summary><c>$(MSBuildProjectName)</c>: the fallback when there is no assembly name.</summary>
    [Required]
    public string ProjectName { get; set; } = "";

    /// <summary><c>$(ContainerImageTag)</c>.</summary>
    public string ImageTag { get; set; } = "";

    /// <summary><c>$(ContainerImageTags)</c>, ';' separated.</summary>
    public string ImageTags { get; set; } = "";

    /// <summary><c>$(SOURCE_DATE_EPOCH)</c> (the environment variable, or a property): seconds since 1970-01-01 UTC.</summary>
    public string SourceDateEpoch { get; set; } = "";

    /// <summary>
    /// The pipeline's on/off properties as the targets read them: Identity the property's name, <c>Value</c> what it is
    /// set to. Each must be empty, <c>true</c> or <c>false</c> (any case): the targets compare with those words only, so
    /// anything else would silently count as the other one (MULTIARCH8005).
    /// </summary>
    public ITaskItem[] Switches { get; set; } = [];

    /// <summary>The repository to build (without registry).</summary>
    [Output]
    public string ResolvedRepository { get; private set; } = "";

    /// <summary>The tags, ';' separated, <c>latest</c> when none is given.</summary>
    [Output]
    public string ResolvedTags { get; private set; } = "";

    /// <summary>SOURCE_DATE_EPOCH as a plain integer, or empty.</summary>
    [Output]
    public string ResolvedSourceDateEpoch { get; private set; } = "";
}
