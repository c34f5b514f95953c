using Microsoft.Build.Framework;

namespace MultiArch.Build.Tasks;

/// <summary>Points the tags at a validated index (pushed by digest): only now does a tag name the image.</summary>
public sealed partial class TagContainerImage
{
    /// <summary><c>registry/repo@sha256:...</c>.</summary>
    [Required]
    public string Image { get; set; } = "";

    /// <summary>Tags (not full references).</summary>
    public ITaskItem[] Tags { get; set; } = Array.Empty<ITaskItem>();

    public string InsecureRegistries { get; set; } = "";

    /// <summary><c>ContainerRegistryTimeout</c>: seconds one registry request may wait for an answer (default 60; 1-3600).</summary>
    public string RegistryTimeout { get; set; } = "";
}
