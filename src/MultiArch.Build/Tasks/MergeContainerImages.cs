using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Oci;
using MultiArch.Build.Publishing;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Tasks;

public sealed partial class MergeContainerImages : MultiArchTask
{
    protected override async System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        var project = TaskInputs.FullPath("MSBuildProjectFullPath", ProjectFullPath, required: false, file: true);
        var baseDirectory = project is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(project)!;
        var parts = MergeInputs.Resolve(Inputs.Select(i => i.ItemSpec).Concat(InputList.Split(';')), baseDirectory);
        if (parts.Count == 0)
        {
            LogDiagnostic(Diagnostic.Error(nameof(Strings.MergeNoInputs)));
            return;
        }

        var registry = TaskInputs.Text(Registry)?.TrimEnd('/');
        if (registry is null)
        {
            var registries = parts.Select(p => p.Reference.Registry).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (registries.Count != 1)
            {
                LogDiagnostic(Diagnostic.Error(nameof(Strings.MergeNoRegistry), string.Join(", ", registries)));
                return;
            }

            registry = registries[0];
        }

        var target = ImageReference.Parse($"{registry}/{Repository.Trim()}");
        var session = RegistrySession(TaskInputs.RegistryOptions(InsecureRegistries, RegistryTimeout));
        var merger = new ImageMerger(session.ClientFor);
        var expected = ExpectedPlatforms.Length > 0 ? TaskInputs.Platforms(ExpectedPlatforms) : null;
        var plan = await merger.PlanAsync(new MergeRequest { Parts = parts, ExpectedPlatforms = expected, Registry = target.Registry, Repository = target.Repository }, cancellationToken);
        LogDiagnostics(plan.Diagnostics);
        if (plan.Refused)
        {
            return;
        }

        Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.MergePlanned), parts.Count, target.Registry, target.Repository, string.Join(", ", plan.Images.Select(i => $"{i.Platform} from {Named(i.Part, baseDirectory)}")));
        var result = await merger.PushAsync(plan, cancellationToken);
        Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.MergePushed), result.Image, result.Images.Count, result.Attestations, result.MountedBlobs);

        Image = result.Image;
        IndexDigest = result.Digest.ToString();
        MergedPlatforms = result.Images.Select(i =>
        {
            var item = new TaskItem(i.Platform.ToString());
            item.SetMetadata("Os", i.Platform.Os);
            item.SetMetadata("Architecture", i.Platform.Architecture);
            item.SetMetadata("Variant", i.Platform.Variant ?? string.Empty);
            item.SetMetadata("ManifestDigest", i.Descriptor.Digest.ToString());
            item.SetMetadata("Source", i.Part.Source);
            return (ITaskItem)item;
        }).ToArray();
    }

    /// <summary>A part as the log names it: its record by path (relative to the project when under it; every record is called image-record.json), else the reference.</summary>
    private static string Named(MergePart part, string baseDirectory)
    {
        if (part.Record is null)
        {
            return part.Source;
        }

        var relative = Path.GetRelativePath(baseDirectory, part.Source);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? part.Source : relative;
    }
}
