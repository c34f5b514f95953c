using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Platforms;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Tasks;

public sealed partial class ResolveContainerPlatforms : MultiArchTask
{
    protected override System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        var resolution = ContainerPlatformResolver.Resolve(new PlatformRequest(
            ContainerPlatforms, ContainerRuntimeIdentifiers, RuntimeIdentifiers, RuntimeIdentifier, OciPlatform.Host()));
        LogDiagnostics(resolution.Diagnostics);
        if (resolution.HasErrors)
        {
            return System.Threading.Tasks.Task.CompletedTask;
        }

        ResolvedPlatforms = resolution.Platforms.Select(ToItem).ToArray();
        PlatformList = resolution.PlatformList;
        PlatformSource = resolution.Source;
        Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.PlatformsResolved), resolution.Source, PlatformList);
        return System.Threading.Tasks.Task.CompletedTask;
    }

    internal static ITaskItem ToItem(ResolvedPlatform resolved)
    {
        var item = new TaskItem(resolved.Platform.ToString());
        item.SetMetadata("RuntimeIdentifier", resolved.RuntimeIdentifier);
        item.SetMetadata("Os", resolved.Platform.Os);
        item.SetMetadata("Architecture", resolved.Platform.Architecture);
        item.SetMetadata("Variant", resolved.Platform.Variant ?? string.Empty);
        item.SetMetadata("Requested", resolved.Requested);
        return item;
    }
}
