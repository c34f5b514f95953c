using Microsoft.Build.Framework;
using MultiArch.Build.Buildx;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;

namespace MultiArch.Build.Tasks;

public sealed partial class PreflightContainerBuild : MultiArchTask
{
    protected override async System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        var builder = string.IsNullOrWhiteSpace(Builder) ? Environment.GetEnvironmentVariable("BUILDX_BUILDER") : Builder.Trim();
        var result = await new BuildPreflight(ProcessRunner.Instance).RunAsync(
            new PreflightRequest
            {
                Cli = Cli,
                Builder = builder,
                CreateBuilder = CreateBuilder,
                Platforms = Platforms.Select(p => OciPlatform.Parse(p.ItemSpec)).ToList(),
                Output = BuildOutputs.Parse(Output),
            },
            cancellationToken).ConfigureAwait(false);

        foreach (var message in result.Messages)
        {
            Log.LogMessage(MessageImportance.High, message.Message);
        }

        UsedCli = result.Cli == ContainerCliKind.Podman ? "podman" : "docker";
        UsedBuilder = result.BuilderName ?? string.Empty;
        NativePlatforms = string.Join(",", result.NativePlatforms);
    }
}
