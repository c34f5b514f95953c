using Microsoft.Build.Framework;

namespace MultiArch.Build.Tasks;

/// <summary>
/// Writes a kustomize patch that pins the manager Deployment's pods (requiredDuringSchedulingIgnoredDuringExecution
/// on <c>kubernetes.io/arch</c> and <c>kubernetes.io/os</c>) to the platforms built, only when its content changes,
/// and warns at the exact line where an existing manifest's affinity drifts from them.
/// </summary>
public sealed partial class GenerateNodeAffinity
{
    /// <summary>The platforms to pin to: validated, else built, else resolved (<c>@(ContainerPlatform)</c>).</summary>
    public ITaskItem[] Platforms { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Where the patch goes (<c>ContainerNodeAffinityPatch</c>).</summary>
    [Required]
    public string PatchPath { get; set; } = "";

    /// <summary>The manifest to check (<c>ContainerNodeAffinityManifest</c>); empty: none.</summary>
    public string Manifest { get; set; } = "";

    /// <summary>The Deployment to patch and check (<c>ContainerNodeAffinityDeployment</c>); empty: the manifest's Deployment, else <c>controller-manager</c>.</summary>
    public string Deployment { get; set; } = "";

    /// <summary>
    /// A fan-out job (<c>ContainerPushByDigestOnly=true</c>) builds a part of the platforms: the patch is left as it is
    /// (no write, no manifest check) for MergeContainerImages to write from the merged platforms, and the task says so.
    /// </summary>
    public bool LeaveToMerge { get; set; }

    /// <summary>True when the patch was (re)written; false when it already held this content.</summary>
    [Output]
    public bool PatchWritten { get; private set; }

    /// <summary>The Deployment the patch names.</summary>
    [Output]
    public string PatchedDeployment { get; private set; } = "";
}
