using Microsoft.Build.Framework;
using MultiArch.Build.Buildx;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;
using MultiArch.Build.Registry;

namespace MultiArch.Build.Tasks;

public sealed partial class PreflightContainerBuild : MultiArchTask
{
    protected override async System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        // Registry settings are checked before any tool is asked, so that a typo is named as one.
        var registry = TaskInputs.Registry(Registry);
        var registryOptions = TaskInputs.RegistryOptions(InsecureRegistries, RegistryTimeout, registry);
        var builder = string.IsNullOrWhiteSpace(Builder) ? Environment.GetEnvironmentVariable("BUILDX_BUILDER") : Builder.Trim();
        var result = await new BuildPreflight(ProcessRunner.Instance).RunAsync(
            new PreflightRequest
            {
                Cli = Cli,
                Builder = builder,
                CreateBuilder = CreateBuilder,
                Platforms = TaskInputs.Platforms(Platforms),
                Output = BuildOutputs.Parse(Output),
            },
            cancellationToken);

        foreach (var message in result.Messages)
        {
            Log.LogMessage(MessageImportance.High, message.Message);
        }

        // A registry that is down or refuses our credentials would fail the push after a long build: ask it now.
        if (registry is not null)
        {
            await RegistrySession(registryOptions).PingAsync(registry.Host, cancellationToken);
        }

        UsedCli = result.Cli == ContainerCliKind.Podman ? "podman" : "docker";
        UsedBuilder = result.BuilderName ?? string.Empty;
        NativePlatforms = string.Join(",", result.NativePlatforms);
    }
}
