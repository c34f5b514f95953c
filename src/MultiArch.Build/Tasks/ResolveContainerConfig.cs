using System.Globalization;
using Microsoft.Build.Framework;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Oci;
using MultiArch.Build.Registry;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Tasks;

public sealed partial class ResolveContainerConfig : MultiArchTask
{
    protected override System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        foreach (var item in Switches)
        {
            var value = item.GetMetadata("Value").Trim();
            if (value.Length > 0 && !value.Equals("true", StringComparison.OrdinalIgnoreCase) && !value.Equals("false", StringComparison.OrdinalIgnoreCase))
            {
                LogDiagnostic(Diagnostic.Error(nameof(Strings.SwitchPropertyInvalid), item.ItemSpec, value));
            }
        }

        if (Log.HasLoggedErrors)
        {
            return System.Threading.Tasks.Task.CompletedTask;
        }

        ResolvedRepository = TaskInputs.Text(Repository) ?? DefaultRepository();

        var tag = TaskInputs.Text(ImageTag);
        var tags = TaskInputs.List(ImageTags);
        if (tag is not null && tags.Count > 0 && FromCommandLine("ContainerImageTag") != FromCommandLine("ContainerImageTags"))
        {
            // One given on the command line (`-p:ContainerImageTag=v1.2.0` in a CI job), the other in the project: the
            // command line says which tags this run moves, as a global property overrides a project property.
            if (FromCommandLine("ContainerImageTag"))
            {
                Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.TagPropertyFromCommandLine), "ContainerImageTag", tag, "ContainerImageTags", string.Join(";", tags));
                tags = [];
            }
            else
            {
                Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.TagPropertyFromCommandLine), "ContainerImageTags", string.Join(";", tags), "ContainerImageTag", tag);
                tag = null;
            }
        }

        if (tag is not null && tags.Count > 0)
        {
            // The SDK's PublishContainer refuses this (CONTAINER2008); the pipeline keeps accepting it, but says so.
            LogDiagnostic(Diagnostic.Warning(nameof(Strings.BothTagPropertiesSet), tag, string.Join(";", tags)));
        }

        ResolvedTags = string.Join(";", (tag is null ? tags : tags.Prepend(tag)).Distinct(StringComparer.Ordinal).DefaultIfEmpty("latest"));

        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(DockerConfigCredentialProvider.ObsoletePasswordVariable))
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTAINER_REGISTRY_PWORD")))
        {
            LogDiagnostic(Diagnostic.Warning(nameof(Strings.ObsoletePasswordVariable), DockerConfigCredentialProvider.ObsoletePasswordVariable));
        }

        if (TaskInputs.Text(SourceDateEpoch) is { } epoch)
        {
            if (!long.TryParse(epoch, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            {
                LogDiagnostic(Diagnostic.Error(nameof(Strings.SourceDateEpochInvalid), epoch));
                return System.Threading.Tasks.Task.CompletedTask;
            }

            ResolvedSourceDateEpoch = seconds.ToString(CultureInfo.InvariantCulture);
        }

        Log.LogMessageFromResources(MessageImportance.Low, nameof(Strings.ContainerConfigResolved), ResolvedRepository, ResolvedTags, ResolvedSourceDateEpoch.Length > 0 ? ResolvedSourceDateEpoch : "-");
        return System.Threading.Tasks.Task.CompletedTask;
    }

    /// <summary>Whether <paramref name="property"/> is a global property of this build (<c>-p:</c> on the command line).</summary>
    private bool FromCommandLine(string property)
        => BuildEngine is IBuildEngine6 engine && engine.GetGlobalProperties().ContainsKey(property);

    private string DefaultRepository()
    {
        var source = TaskInputs.Text(AssemblyName) ?? ProjectName;
        return RepositoryName.FromProjectName(source)
            ?? throw new MultiArchException(nameof(Strings.RepositoryNotDerivable), source);
    }
}
