using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Building;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;
using MultiArch.Build.Publishing;
using MultiArch.Build.Registry;

namespace MultiArch.Build.Tasks;

public sealed partial class PreflightContainerBuild : MultiArchTask
{
    protected override async System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        // Registry settings are checked before any tool is asked, so that a typo is named as one.
        var registry = TaskInputs.Registry(Registry);
        var registryOptions = TaskInputs.RegistryOptions(InsecureRegistries, RegistryTimeout, registry);
        if (Assemble)
        {
            // Nothing runs a build tool: none is asked for (the smoke run, if any, checks its own CLI). The Dockerfile
            // is read first: assembly is not claimed for one that runs or reads more (MULTIARCH3072).
            AssemblingBuilder.ReadCopyOnly(Dockerfile);
            Log.LogMessageFromResources(MessageImportance.High, nameof(Resources.Strings.AssemblyBuilderChosen));
            if (registry is not null)
            {
                var assembling = RegistrySession(registryOptions);
                assembling.DeclareDestination(registry.Host);
                await assembling.PingAsync(registry.Host, cancellationToken);
            }

            return;
        }

        var builder = string.IsNullOrWhiteSpace(Builder) ? Environment.GetEnvironmentVariable("BUILDX_BUILDER") : Builder.Trim();
        var result = await new BuildPreflight(ProcessRunner.Instance).RunAsync(
            new PreflightRequest
            {
                Cli = Cli,
                Builder = builder,
                CreateBuilder = CreateBuilder,
                Platforms = TaskInputs.Platforms(Platforms),
                Output = BuildOutputs.Parse(Output),
                PushByDigest = ValidateBeforeTag,
            },
            cancellationToken);

        foreach (var message in result.Messages)
        {
            if (message.Severity == DiagnosticSeverity.Message)
            {
                Log.LogMessage(MessageImportance.High, message.Message);
            }
            else
            {
                LogDiagnostic(message);
            }
        }

        if (result.Plan is { } plan)
        {
            // Which node builds which platform, natively or emulated: in the log and on the CI run's summary page.
            foreach (var line in plan.Lines())
            {
                Log.LogMessage(MessageImportance.High, line);
            }

            AppendStepSummary(plan.ToMarkdown());
        }

        // A registry that is down or refuses our credentials would fail the push after a long build: ask it now.
        if (registry is not null)
        {
            var session = RegistrySession(registryOptions);
            session.DeclareDestination(registry.Host);
            await session.PingAsync(registry.Host, cancellationToken);
        }

        UsedCli = result.Cli == ContainerCliKind.Podman ? "podman" : "docker";
        UsedBuilder = result.BuilderName ?? string.Empty;
        NativePlatforms = string.Join(",", result.NativePlatforms);
        BuildPlan = (result.Plan?.Entries ?? []).Select(e =>
        {
            var item = new TaskItem(e.Platform.ToString());
            item.SetMetadata("Node", e.Node ?? string.Empty);
            item.SetMetadata("Native", e.Native ? "true" : "false");
            item.SetMetadata("Invocation", e.Invocation.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return (ITaskItem)item;
        }).ToArray();
    }
}
