using Microsoft.Build.Framework;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Platforms;
using MultiArch.Build.Registry;
using MultiArch.Build.Resources;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tasks;

public sealed partial class CheckDockerfile : MultiArchTask
{
    protected override async System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        if (!TryParseSeverities(out var severities))
        {
            return;
        }

        var native = TaskInputs.List(NativePlatforms).Select(OciPlatform.Parse).ToList();
        var options = new DockerfileCheckOptions
        {
            TargetPlatforms = TaskInputs.Platforms(Platforms),
            NativePlatforms = native.Count > 0 ? native : [OciPlatform.Host()],
            BuildTarget = string.IsNullOrWhiteSpace(BuildTarget) ? null : BuildTarget.Trim(),
            Scope = Enum.TryParse<DockerfileCheckScope>(Scope.Trim(), ignoreCase: true, out var scope) && Enum.IsDefined(scope) ? scope : DockerfileCheckScope.All,
            BuildArgs = BuildArgs.GroupBy(a => a.ItemSpec, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().GetMetadata("Value"), StringComparer.Ordinal),
        };

        KeepOutOfLogs(BuildArgs.Where(a => Building.BuildRequest.IsSensitiveName(a.ItemSpec)).Select(a => a.GetMetadata("Value")));
        var dockerfile = TaskInputs.FullPath("ContainerDockerfile", Dockerfile, required: true, file: true)!;
        var diagnostics = DockerfileChecker.Check(dockerfile, options, out var document).ToList();
        if (CheckBaseImagePlatforms && document is not null && options.Scope != DockerfileCheckScope.EmulationOnly)
        {
            var session = RegistrySession(TaskInputs.RegistryOptions(InsecureRegistries, RegistryTimeout));

            // Base images are pulled: the push credentials of the destination must not reach their registries.
            session.DeclareDestination(TaskInputs.Registry(Registry)?.Host);
            diagnostics.AddRange(await BaseImagePlatformCheck.CheckAsync(document, options, session.ClientFor, cancellationToken));
        }

        var findings = diagnostics
            .Select(d => Apply(d, severities))
            .OfType<Diagnostic>()
            .ToList();
        LogDiagnostics(findings);
        FindingCount = findings.Count(f => f.Severity != DiagnosticSeverity.Message);
        Log.LogMessageFromResources(MessageImportance.Normal, nameof(Strings.DockerfileChecked), Dockerfile, FindingCount);
    }

    private static Diagnostic? Apply(Diagnostic diagnostic, Dictionary<string, DiagnosticSeverity?> severities)
    {
        if (!severities.TryGetValue(diagnostic.Code, out var severity))
        {
            return diagnostic;
        }

        return severity is null ? null : diagnostic with { Severity = severity.Value };
    }

    private bool TryParseSeverities(out Dictionary<string, DiagnosticSeverity?> severities)
    {
        severities = new Dictionary<string, DiagnosticSeverity?>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in TaskInputs.List(Severities))
        {
            var eq = entry.IndexOf('=');
            var code = eq > 0 ? entry[..eq].Trim().ToUpperInvariant() : string.Empty;
            DiagnosticSeverity? severity = eq > 0 ? entry[(eq + 1)..].Trim().ToLowerInvariant() switch
            {
                "error" => DiagnosticSeverity.Error,
                "warning" => DiagnosticSeverity.Warning,
                "message" or "info" => DiagnosticSeverity.Message,
                _ => null,
            } : null;
            var off = eq > 0 && entry[(eq + 1)..].Trim().Equals("none", StringComparison.OrdinalIgnoreCase);
            if (!code.StartsWith("MULTIARCH2", StringComparison.Ordinal) || code.Length != 13 || (severity is null && !off))
            {
                LogDiagnostic(Diagnostic.Error(nameof(Strings.DockerfileCheckSeverityInvalid), entry));
                continue;
            }

            severities[code] = severity;
        }

        return !Log.HasLoggedErrors;
    }
}
