using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>MULTIARCH2002: the image stage is pinned to one constant platform (<c>--platform=linux/amd64</c>) while the build targets others.</summary>
internal sealed class ImageStagePinnedToConstantPlatformRule : DockerfileRule
{
    public override string ResourceName => nameof(Strings.ImageStagePinnedToConstantPlatform);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Error;

    public override string Title => "the image stage is pinned to a constant platform";

    public override void Check(DockerfileRuleContext context)
    {
        var image = context.Graph.ImageStage!;
        var platform = context.Graph.PlatformOf(image);
        if (platform.Kind == StagePlatformKind.Constant && context.Options.TargetPlatforms.Any(t => !t.Equals(platform.Constant)))
        {
            context.Add(Finding(image.DisplayName, platform.Constant, context.TargetList, platform.Raw), platform.DecidedAt);
        }
    }
}
