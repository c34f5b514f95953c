using Microsoft.Build.Framework;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Tasks;

public sealed partial class CheckRuntimePacks : MultiArchTask
{
    protected override System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        var root = TaskInputs.FullPath("NuGetPackageRoot", PackageRoot, required: true, file: false)!;
        var missing = Packs
            .Where(p => TaskInputs.Text(p.GetMetadata("Version")) is { } version
                        && !Directory.Exists(Path.Combine(root, p.ItemSpec.ToLowerInvariant(), version.ToLowerInvariant())))
            .GroupBy(p => (Id: p.ItemSpec, Version: p.GetMetadata("Version")), p => p.GetMetadata("RuntimeIdentifier"))
            .ToList();
        foreach (var pack in missing)
        {
            var rids = string.Join(", ", pack.Where(r => r.Length > 0).Distinct(StringComparer.Ordinal));
            LogDiagnostic(Diagnostic.Error(nameof(Strings.RuntimePackNotServed), pack.Key.Id, pack.Key.Version, rids, Purpose(pack.Key.Id)));
        }

        MissingPacks = Packs.Where(p => missing.Any(m => m.Key.Id == p.ItemSpec)).ToArray();
        return System.Threading.Tasks.Task.CompletedTask;
    }

    /// <summary>What the pack is for, in the words of the fix.</summary>
    private static string Purpose(string id) => id switch
    {
        _ when id.Contains(".Host.", StringComparison.OrdinalIgnoreCase) => Strings.RuntimePackPurposeAppHost,
        _ when id.Contains("Crossgen2", StringComparison.OrdinalIgnoreCase) => Strings.RuntimePackPurposeReadyToRun,
        _ when id.Contains("ILCompiler", StringComparison.OrdinalIgnoreCase) || id.Contains("NativeAOT", StringComparison.OrdinalIgnoreCase) => Strings.RuntimePackPurposeAot,
        _ => Strings.RuntimePackPurposeRuntime,
    };
}
