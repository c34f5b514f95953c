using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Registry;
using MultiArch.Build.Resources;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tasks;

public sealed partial class ValidateContainerImage : MultiArchTask
{
    protected override async System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Image))
        {
            LogDiagnostic(Diagnostic.Error(nameof(Strings.ValidationImageRequired)));
            return;
        }

        var reportPath = TaskInputs.FullPath("ContainerValidationReport", ReportPath, required: false, file: true);
        await using var source = ImageSources.Open(Image.Trim(), RegistrySession(TaskInputs.RegistryOptions(InsecureRegistries, RegistryTimeout)));
        var report = await new ManifestValidator().ValidateAsync(
            source,
            new ValidationOptions { ExpectedPlatforms = TaskInputs.Platforms(ExpectedPlatforms), DeepCheck = DeepCheck },
            cancellationToken);

        LogDiagnostics(report.Diagnostics);
        IndexDigest = report.Digest;
        ValidatedPlatforms = report.Platforms.Select(p =>
        {
            var item = new TaskItem(p.Platform);
            item.SetMetadata("ManifestDigest", p.ManifestDigest);
            item.SetMetadata("Binary", p.Binary.ToString());
            item.SetMetadata("Executable", p.Executable ?? string.Empty);
            return (ITaskItem)item;
        }).ToArray();
        WriteReports(report, reportPath);

        if (report.Passed)
        {
            var named = report.Image.Contains(report.Digest, StringComparison.Ordinal) ? report.Image : $"{report.Image}@{report.Digest}";
            Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.ValidationPassed), named, report.Platforms.Count, report.Platforms.Count(p => p.Binary == BinaryVerdict.Verified), report.Attestations.Count);
        }
    }

    private void WriteReports(ValidationReport report, string? reportPath)
    {
        var markdown = report.ToMarkdown();
        try
        {
            if (reportPath is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(reportPath)!);
                File.WriteAllText(reportPath, report.ToJson());
                File.WriteAllText(Path.ChangeExtension(reportPath, ".md"), markdown);
                Log.LogMessageFromResources(MessageImportance.Normal, nameof(Strings.ValidationReportWritten), reportPath);
            }

            // GitHub Actions shows this file on the run's summary page.
            AppendStepSummary(markdown);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogDiagnostic(Diagnostic.Warning(nameof(Strings.ValidationReportWriteFailed), ReportPath, ex.Message));
        }
    }
}
