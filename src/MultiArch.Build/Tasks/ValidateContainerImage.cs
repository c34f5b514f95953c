using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using System.Globalization;
using MultiArch.Build.Containers;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;
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

        // The smoke run's inputs and the report path are checked before anything is read or run.
        var reportPath = TaskInputs.FullPath("ContainerValidationReport", ReportPath, required: false, file: true);
        var smokeOptions = SmokeTest ? ReadSmokeTestOptions() : null;
        if (SmokeTest && smokeOptions is null)
        {
            return;
        }

        var session = RegistrySession(TaskInputs.RegistryOptions(InsecureRegistries, RegistryTimeout));
        await using var source = ImageSources.Open(Image.Trim(), session);
        var scanOptions = DeepCheck && ScanAllBinaries ? ScanOptions(session) : null;
        await using var baseSource = scanOptions?.BaseImage;
        var report = await ManifestValidator.ValidateAsync(
            source,
            new ValidationOptions
            {
                ExpectedPlatforms = TaskInputs.Platforms(ExpectedPlatforms),
                DeepCheck = DeepCheck,
                StartupCheck = StartupCheck,
                AppDirectory = TaskInputs.Text(AppDirectory),
                ArchitectureScan = scanOptions,
            },
            cancellationToken);

        if (smokeOptions is not null)
        {
            report = await RunSmokeTestsAsync(report, smokeOptions, cancellationToken);
        }

        LogDiagnostics(report.Diagnostics);
        IndexDigest = report.Digest;
        ValidatedPlatforms = report.Platforms.Select(p =>
        {
            var item = new TaskItem(p.Platform);
            item.SetMetadata("ManifestDigest", p.ManifestDigest);
            item.SetMetadata("Binary", p.Binary.ToString());
            item.SetMetadata("Executable", p.Executable ?? string.Empty);
            item.SetMetadata("Startup", p.Startup?.Verdict.ToString() ?? string.Empty);
            return (ITaskItem)item;
        }).ToArray();
        WriteReports(report, reportPath);

        if (report.Passed)
        {
            var named = report.Image.Contains(report.Digest, StringComparison.Ordinal) ? report.Image : $"{report.Image}@{report.Digest}";
            Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.ValidationPassed), named, report.Platforms.Count, report.Platforms.Count(p => p.Binary == BinaryVerdict.Verified), report.Attestations.Count);
        }
    }

    /// <summary>
    /// What the whole-image scan knows of the image's origin: the base named by ContainerValidationBaseImage, else the
    /// Dockerfile's final stage (when this build made the image), and that Dockerfile's instructions.
    /// </summary>
    private ArchitectureScanOptions ScanOptions(RegistrySession session)
    {
        var dockerfile = TaskInputs.Text(Dockerfile) is { } d && File.Exists(d) ? Path.GetFullPath(d) : null;
        var (fromDockerfile, line, instructions) = dockerfile is null
            ? (null, 0, [])
            : ArchitectureScan.FromDockerfile(
                DockerfileParser.Parse(File.ReadAllText(dockerfile), dockerfile).Document,
                BuildArgs.GroupBy(a => a.ItemSpec, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().GetMetadata("Value"), StringComparer.Ordinal),
                TaskInputs.Text(BuildTarget));
        var named = TaskInputs.Text(BaseImage);
        var baseImage = named ?? fromDockerfile;

        // Read before the build (ResolveContainerBaseImage): the same image by the digest read then, from the session.
        var pinned = ResolvedBaseImages.FirstOrDefault(b => b.ItemSpec == baseImage)?.GetMetadata("Pinned");
        var origin = named is not null ? "ContainerValidationBaseImage" : $"{dockerfile}, line {line}";
        var scratch = baseImage is not null && baseImage.Equals("scratch", StringComparison.OrdinalIgnoreCase);
        IImageSource? baseSource = null;
        string? problem = null;
        try
        {
            baseSource = baseImage is null || scratch ? null : ImageSources.Open(TaskInputs.Text(pinned) ?? baseImage, session);
        }
        catch (MultiArchException ex)
        {
            problem = ex.Message;
        }

        return new ArchitectureScanOptions
        {
            BaseImageName = baseImage,
            BaseImageOrigin = baseImage is null ? null : origin,
            BaseImage = baseSource,
            BaseImageProblem = problem,
            DockerfilePath = dockerfile,
            ImageInstructions = instructions,
            IgnoredPaths = TaskInputs.List(IgnoredPaths),
        };
    }

    /// <summary>The ContainerSmokeTest* inputs, checked; null (with the error logged) when one is invalid.</summary>
    private SmokeTestOptions? ReadSmokeTestOptions()
    {
        var timeout = 60;
        var exitCode = 0;
        var parallel = Environment.ProcessorCount;
        Uri? url = null;
        var reach = ContainerReach.Auto;
        IReadOnlyList<string>? command = null;
        IReadOnlyList<string> runArgs;
        try
        {
            if (TaskInputs.Text(SmokeTestTimeout) is { } t && (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out timeout) || timeout < 1))
            {
                throw new SmokeInputException("ContainerSmokeTestTimeout", t, "give whole seconds, 1 or more");
            }

            if (TaskInputs.Text(SmokeTestExitCode) is { } e && (!int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out exitCode) || exitCode > 255))
            {
                throw new SmokeInputException("ContainerSmokeTestExitCode", e, "give an exit code from 0 to 255");
            }

            if (TaskInputs.Text(SmokeTestParallel) is { } n && (!int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out parallel) || parallel < 1))
            {
                throw new SmokeInputException("ContainerSmokeTestParallel", n, "give how many platforms may run at once, 1 or more");
            }

            if (TaskInputs.Text(SmokeTestReach) is { } h && !Enum.TryParse(h, ignoreCase: true, out reach))
            {
                throw new SmokeInputException("ContainerSmokeTestReach", h, "give auto, namespace or publish");
            }

            if (TaskInputs.Text(SmokeTestUrl) is { } u)
            {
                url = Validation.SmokeTest.ParseUrl(u) ?? throw new SmokeInputException("ContainerSmokeTestUrl", u, "give http://localhost:PORT/path: the container's PORT, asked over plain HTTP");
            }

            command = TaskInputs.Text(SmokeTestCommand) is { } c ? Split("ContainerSmokeTestCommand", c) : null;
            runArgs = TaskInputs.Text(SmokeTestRunArgs) is { } r ? Split("ContainerSmokeTestRunArgs", r) : [];
        }
        catch (SmokeInputException ex)
        {
            LogDiagnostic(Diagnostic.Error(nameof(Strings.SmokeTestInputInvalid), ex.Property, ex.Value, ex.Message));
            return null;
        }

        if (Validation.SmokeTest.RefusedOption(runArgs) is { } refused)
        {
            LogDiagnostic(Diagnostic.Error(nameof(Strings.SmokeTestRunArgRefused), refused));
            return null;
        }

        return new SmokeTestOptions
        {
            Cli = TaskInputs.Text(SmokeTestCli)?.ToLowerInvariant() ?? string.Empty,
            Command = command,
            Timeout = TimeSpan.FromSeconds(timeout),
            ExpectedExitCode = exitCode,
            Network = SmokeTestNetwork,
            RunArgs = runArgs,
            InsecureRegistries = TaskInputs.List(InsecureRegistries),
            Url = url,
            Reach = reach,
            Parallel = parallel,
        };

        static IReadOnlyList<string> Split(string property, string value)
        {
            try
            {
                return Validation.SmokeTest.SplitCommand(value);
            }
            catch (FormatException ex)
            {
                throw new SmokeInputException(property, value, ex.Message);
            }
        }
    }

    private async System.Threading.Tasks.Task<ValidationReport> RunSmokeTestsAsync(ValidationReport report, SmokeTestOptions options, CancellationToken cancellationToken)
    {
        var cli = await ContainerRunner.ChooseCliAsync(ProcessRunner.Instance, options.Cli, cancellationToken);
        var runner = new ContainerRunner(ProcessRunner.Instance);
        Log.LogMessageFromResources(
            MessageImportance.High,
            nameof(Strings.SmokeTestStarting),
            report.Platforms.Count,
            cli,
            (int)options.Timeout.TotalSeconds,
            options.Url is { } url ? $"a 2xx from {url}" : $"exit code {options.ExpectedExitCode}",
            options.Network ? "the engine's default" : options.Url is null ? "none" : runner.ReachFor(new ContainerRunRequest(cli, report.Image, OciPlatform.Host()) { Probe = new ContainerHttpProbe(options.Url), Reach = options.Reach }) == ContainerReach.Namespace ? "none (the URL is asked inside the container's network namespace)" : "the engine's default (the port published on 127.0.0.1 only)",
            Math.Min(options.Parallel, Math.Max(1, report.Platforms.Count)));
        var log = LogFromAnyThread(MessageImportance.Normal);
        var (results, findings) = await Validation.SmokeTest.RunAsync(runner, report, options with { Cli = cli }, (platform, line) => log($"[{platform}] {line}"), cancellationToken);

        // One line per platform at the default verbosity, whatever the verdict: the evidence of the run.
        foreach (var result in results)
        {
            Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.SmokeTestPlatformLine), result.Platform, result.Execution, result.Summary());
        }

        return report with { Diagnostics = [.. report.Diagnostics, .. findings], SmokeTests = results };
    }

    private sealed class SmokeInputException(string property, string value, string why) : Exception(why)
    {
        public string Property { get; } = property;

        public string Value { get; } = value;
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
