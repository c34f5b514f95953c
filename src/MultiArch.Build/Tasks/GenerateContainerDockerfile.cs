using System.Globalization;
using Microsoft.Build.Framework;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Tasks;

public sealed partial class GenerateContainerDockerfile : MultiArchTask
{
    /// <summary>The port ASP.NET Core listens on in Microsoft's .NET 8+ images (their ASPNETCORE_HTTP_PORTS).</summary>
    private const int AspNetCorePort = 8080;

    protected override System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        var aspNetCore = FrameworkReferences.Any(f => f.ItemSpec.Equals("Microsoft.AspNetCore.App", StringComparison.OrdinalIgnoreCase));
        var ports = new List<ContainerPortSpec>();
        foreach (var port in Ports)
        {
            var type = TaskInputs.Text(port.GetMetadata("Type"))?.ToLowerInvariant() ?? "tcp";
            if (!int.TryParse(port.ItemSpec.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535 || type is not ("tcp" or "udp"))
            {
                LogDiagnostic(Diagnostic.Error(nameof(Strings.ContainerPortInvalid), port.ItemSpec));
                return System.Threading.Tasks.Task.CompletedTask;
            }

            ports.Add(new ContainerPortSpec(number, type));
        }

        if (ports.Count == 0 && aspNetCore)
        {
            ports.Add(new ContainerPortSpec(AspNetCorePort, "tcp"));
        }

        var baseImage = TaskInputs.Text(BaseImage);
        if (baseImage is null)
        {
            if (!TargetFrameworkVersion.TrimStart('v', 'V').Split('.')[0].All(char.IsAsciiDigit) || TargetFrameworkVersion.Trim().TrimStart('v', 'V').Length == 0)
            {
                LogDiagnostic(Diagnostic.Error(nameof(Strings.DotnetBaseImageUnknown), TargetFrameworkVersion));
                return System.Threading.Tasks.Task.CompletedTask;
            }

            baseImage = DotnetBaseImage.Compute(new DotnetBaseImageInputs
            {
                TargetFrameworkVersion = TargetFrameworkVersion,
                SdkVersion = SdkVersion,
                IsAspNetCore = aspNetCore,
                SelfContained = SelfContained,
                PublishAot = PublishAot,
                PublishTrimmed = PublishTrimmed,
                InvariantGlobalization = InvariantGlobalization,
                Family = TaskInputs.Text(Family),
                RuntimeIdentifiers = TaskInputs.List(RuntimeIdentifiers),
            });
        }

        var spec = new DotnetDockerfileSpec
        {
            BaseImage = baseImage,
            WorkingDirectory = TaskInputs.Text(WorkingDirectory) ?? "/app",
            User = TaskInputs.Text(User),
            PublishContext = TaskInputs.Text(PublishContext) ?? "publish",
            AppHost = AppHost,
            AssemblyName = AssemblyName,
            TargetFileName = TargetFileName,
            Ports = ports,
            AspNetCore = aspNetCore,
        };
        var text = DotnetDockerfile.Generate(spec);
        var path = TaskInputs.FullPath("OutputPath", OutputPath, required: true, file: true)!;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);

            // Unchanged text keeps its timestamp, so that what depends on the file can tell nothing changed.
            // A pin of the base image's digest (ResolveContainerBaseImage's, which runs next) is no change either.
            var existing = File.Exists(path) ? File.ReadAllText(path) : null;
            if (existing != text && !(KeepBaseImagePin && existing is not null && DotnetDockerfile.Unpin(existing) == text))
            {
                File.WriteAllText(path, text);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MultiArchException(nameof(Strings.PathInvalid), "OutputPath", OutputPath, ex.Message.TrimEnd('.'));
        }

        ComputedBaseImage = baseImage;
        Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.DockerfileGenerated), path, baseImage, AppHost ? "./" + AssemblyName : "dotnet " + TargetFileName);
        return System.Threading.Tasks.Task.CompletedTask;
    }
}
