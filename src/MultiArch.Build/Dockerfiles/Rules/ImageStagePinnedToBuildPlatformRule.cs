using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// MULTIARCH2001: the image stage runs on $BUILDPLATFORM (directly or through <c>FROM &lt;stage&gt;</c>) while the
/// build targets several or foreign platforms (the Helm/Ansible operator failure). Reported at the pinning FROM.
/// </summary>
internal sealed class ImageStagePinnedToBuildPlatformRule : DockerfileRule
{
    public override string ResourceName => nameof(Strings.ImageStagePinnedToBuildPlatform);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Error;

    public override string Title => "the image stage runs on $BUILDPLATFORM";

    public override void Check(DockerfileRuleContext context)
    {
        var image = context.Graph.ImageStage!;
        var platform = context.Graph.PlatformOf(image);
        if (platform.Kind == StagePlatformKind.Build && context.BuildsForeignPlatforms)
        {
            context.Add(Finding(image.DisplayName, context.TargetList), platform.DecidedAt);
        }
    }
}
