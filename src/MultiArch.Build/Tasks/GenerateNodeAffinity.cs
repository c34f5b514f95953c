using Microsoft.Build.Framework;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Kubernetes;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Tasks;

public sealed partial class GenerateNodeAffinity : MultiArchTask
{
    private const string KubebuilderNamespace = "system";

    protected override System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        var platforms = TaskInputs.Platforms(Platforms);
        if (platforms.Count == 0)
        {
            LogDiagnostic(Diagnostic.Error(nameof(Strings.NodeAffinityNoPlatforms)));
            return System.Threading.Tasks.Task.CompletedTask;
        }

        var patchPath = TaskInputs.FullPath("ContainerNodeAffinityPatch", PatchPath, required: true, file: true)!;
        if (LeaveToMerge)
        {
            Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.NodeAffinityLeftToMerge), string.Join(", ", platforms), patchPath);
            return System.Threading.Tasks.Task.CompletedTask;
        }

        var patchFileName = Path.GetFileName(patchPath);
        var deployment = TaskInputs.Text(Deployment);
        string? @namespace = null;
        try
        {
            if (TaskInputs.Text(Manifest) is { } manifest)
            {
                var found = CheckManifest(TaskInputs.FullPath("ContainerNodeAffinityManifest", manifest, required: true, file: true)!, platforms, deployment, patchFileName);
                if (found is null)
                {
                    return System.Threading.Tasks.Task.CompletedTask;
                }

                deployment ??= found.Name;
                @namespace = found.Namespace;
            }
            else if (deployment is null)
            {
                // No manifest to read it from: Kubebuilder's scaffold names the manager controller-manager in namespace system.
                @namespace = KubebuilderNamespace;
            }

            CheckKustomization(Path.GetDirectoryName(patchPath)!, patchFileName);
        }
        catch (ManifestFormatException ex)
        {
            LogDiagnostic(ex.ToDiagnosticAt());
            return System.Threading.Tasks.Task.CompletedTask;
        }

        deployment ??= NodeAffinityPatch.DefaultDeployment;
        var content = NodeAffinityPatch.Render(platforms, deployment, @namespace, patchFileName);
        var described = string.Join(", ", platforms.Select(p => p.ToString()).Distinct().Order(StringComparer.Ordinal));
        PatchedDeployment = deployment;
        PatchWritten = WriteIfChanged(patchPath, content);
        if (PatchWritten)
        {
            Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.NodeAffinityPatchWritten), patchPath, deployment, described);
        }
        else if (!Log.HasLoggedErrors)
        {
            Log.LogMessageFromResources(MessageImportance.Normal, nameof(Strings.NodeAffinityPatchUnchanged), patchPath, deployment, described);
        }

        return System.Threading.Tasks.Task.CompletedTask;
    }

    /// <summary>Logs the drift of the manifest's affinity; returns the Deployment to patch (null after an error), or an empty one when the manifest has none.</summary>
    private Workload? CheckManifest(string path, IReadOnlyList<Platforms.OciPlatform> platforms, string? deployment, string patchFileName)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogDiagnostic(Diagnostic.Error(nameof(Strings.NodeAffinityManifestMissing), path, ex.Message));
            return null;
        }

        var check = ManifestAffinityChecker.Check(path, text, platforms, deployment, patchFileName);
        if (deployment is not null && check.Workloads.Count == 0)
        {
            var present = ManifestAffinityChecker.Check(path, text, platforms, null, patchFileName).Workloads.Where(w => w.Kind == "Deployment").Select(w => w.Name);
            LogDiagnostic(Diagnostic.Error(nameof(Strings.NodeAffinityDeploymentNotFound), deployment, path, string.Join(", ", present.DefaultIfEmpty("no Deployment"))));
            return null;
        }

        LogDiagnostics(check.Diagnostics);
        return check.Workloads.FirstOrDefault(w => w.Kind == "Deployment") ?? new Workload("Deployment", deployment ?? NodeAffinityPatch.DefaultDeployment, KubebuilderNamespace, 0);
    }

    private void CheckKustomization(string directory, string patchFileName)
    {
        var kustomization = KustomizationCheck.FileNames.Select(n => Path.Combine(directory, n)).FirstOrDefault(File.Exists);
        if (kustomization is not null && KustomizationCheck.Check(kustomization, File.ReadAllText(kustomization), patchFileName) is { } warning)
        {
            LogDiagnostic(warning);
        }
    }

    /// <summary>Writes through a temporary file beside the patch, and only when the content differs (no rewrite, no new timestamp).</summary>
    private bool WriteIfChanged(string path, string content)
    {
        try
        {
            if (File.Exists(path) && File.ReadAllText(path) == content)
            {
                return false;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + ".new";
            File.WriteAllText(temporary, content);
            File.Move(temporary, path, overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogDiagnostic(Diagnostic.Error(nameof(Strings.NodeAffinityPatchWriteFailed), path, ex.Message));
            return false;
        }
    }
}
