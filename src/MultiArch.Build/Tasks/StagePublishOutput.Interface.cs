using Microsoft.Build.Framework;

namespace MultiArch.Build.Tasks;

/// <summary>
/// Lays the published app out as a build context by OCI platform (<c>linux/amd64/</c>, <c>linux/arm/v7/</c>), so that
/// a Dockerfile says <c>COPY --from=publish ${TARGETPLATFORM}/ /app/</c>. Platforms that share one publish share the
/// files (hard links); every file and folder gets one timestamp, so identical content gives identical layers.
/// </summary>
public sealed partial class StagePublishOutput
{
    /// <summary>One item per platform: Identity = OCI platform (<c>linux/arm64</c>), <c>PublishDir</c> = that platform's publish output.</summary>
    [Required]
    public ITaskItem[] Platforms { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The context folder to (re)create; its previous content is removed.</summary>
    [Required]
    public string Destination { get; set; } = "";

    /// <summary>Seconds since the Unix epoch given to every staged file and folder (<c>SOURCE_DATE_EPOCH</c>); empty: 1980-01-01.</summary>
    public string Timestamp { get; set; } = "";

    /// <summary>The timestamp given, in seconds since the Unix epoch: the build gives the folders COPY creates the same.</summary>
    [Output]
    public string UsedTimestamp { get; private set; } = "";

    /// <summary>Every file written (for <c>FileWrites</c>).</summary>
    [Output]
    public ITaskItem[] StagedFiles { get; private set; } = Array.Empty<ITaskItem>();
}
