using Microsoft.Build.Framework;

namespace MultiArch.Build.Tasks;

/// <summary>
/// After the per-RID restores failed: every pack a RID needs (apphost, runtime, crossgen2, ILCompiler; the SDK's
/// <c>@(_PackageToDownload)</c> of that RID) must be in the package folder; one that is not was not served by the
/// feed, and is reported as <c>MULTIARCH8042</c> with the pack, its version and the RID, before anything is compiled.
/// </summary>
public sealed partial class CheckRuntimePacks
{
    /// <summary>Identity = package id, metadata <c>Version</c> and <c>RuntimeIdentifier</c>.</summary>
    public ITaskItem[] Packs { get; set; } = Array.Empty<ITaskItem>();

    /// <summary><c>$(NuGetPackageRoot)</c>: where restore puts packages (id and version in lower case).</summary>
    [Required]
    public string PackageRoot { get; set; } = "";

    /// <summary>The packs that were not found.</summary>
    [Output]
    public ITaskItem[] MissingPacks { get; private set; } = Array.Empty<ITaskItem>();
}
