using Microsoft.Build.Framework;

namespace MultiArch.Build.Tasks;

/// <summary>
/// Writes the Dockerfile of a published .NET app when the project has none: the base image chosen as the .NET SDK
/// chooses it (or <c>ContainerBaseImage</c>), the app copied from the publish context by platform, working directory,
/// non-root user, ports, and an entrypoint matching the publish. Written only when its text changes.
/// </summary>
public sealed partial class GenerateContainerDockerfile
{
    /// <summary>Where to write it (under obj/, kept for inspection).</summary>
    [Required]
    public string OutputPath { get; set; } = "";

    /// <summary><c>ContainerBaseImage</c>: when set, used as it is.</summary>
    public string BaseImage { get; set; } = "";

    /// <summary><c>ContainerFamily</c>: appended to the inferred tag (<c>alpine</c>, <c>noble-chiseled</c>).</summary>
    public string Family { get; set; } = "";

    /// <summary><c>$(TargetFrameworkVersion)</c> (<c>v10.0</c>).</summary>
    public string TargetFrameworkVersion { get; set; } = "";

    /// <summary><c>$(NETCoreSdkVersion)</c>.</summary>
    public string SdkVersion { get; set; } = "";

    /// <summary><c>@(FrameworkReference)</c>: <c>Microsoft.AspNetCore.App</c> selects the aspnet image and port 8080.</summary>
    public ITaskItem[] FrameworkReferences { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The RIDs published (all <c>linux-musl-*</c> selects Alpine).</summary>
    public string RuntimeIdentifiers { get; set; } = "";

    public bool SelfContained { get; set; }

    public bool PublishAot { get; set; }

    public bool PublishTrimmed { get; set; }

    public bool InvariantGlobalization { get; set; }

    /// <summary>Published with an apphost: entrypoint <c>./AssemblyName</c>; else <c>dotnet TargetFileName</c>.</summary>
    public bool AppHost { get; set; }

    [Required]
    public string AssemblyName { get; set; } = "";

    [Required]
    public string TargetFileName { get; set; } = "";

    /// <summary><c>ContainerWorkingDirectory</c>; empty: <c>/app</c>.</summary>
    public string WorkingDirectory { get; set; } = "";

    /// <summary><c>ContainerUser</c>; empty: the .NET images' <c>app</c> user (<c>$APP_UID</c>).</summary>
    public string User { get; set; } = "";

    /// <summary><c>@(ContainerPort)</c>: Identity = number, <c>Type</c> = tcp (default) or udp.</summary>
    public ITaskItem[] Ports { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>
    /// The base image is read before the build (<c>ResolveContainerBaseImage</c>), which pins the <c>FROM</c> line to
    /// the digest it read: a file that differs from the text written here only by that pin is left as it is (the pin is
    /// renewed, or kept, when the base is read again), so that an unchanged project keeps an unchanged Dockerfile.
    /// </summary>
    public bool KeepBaseImagePin { get; set; }

    /// <summary>The name of the publish build context.</summary>
    public string PublishContext { get; set; } = "publish";

    /// <summary>The base image used.</summary>
    [Output]
    public string ComputedBaseImage { get; private set; } = "";
}
