using System.Text.Json;
using System.Text.RegularExpressions;
using MultiArch.Build.Processes;

namespace MultiArch.Build.Tests.Infrastructure;

/// <summary>The result of a real <c>dotnet</c> (or bash) run, with helpers to read diagnostics and -getItem output.</summary>
public sealed partial record CliResult(int ExitCode, string StandardOutput, string StandardError, string CommandLine)
{
    public string Output => StandardOutput + StandardError;

    /// <summary>Codes of the errors printed (MSBuild prints each twice: once inline, once in the summary).</summary>
    public IReadOnlyList<string> ErrorCodes => Codes("error");

    public IReadOnlyList<string> WarningCodes => Codes("warning");

    public JsonElement Json => JsonDocument.Parse(StandardOutput).RootElement;

    public IReadOnlyList<JsonElement> Items(string itemType)
        => Json.GetProperty("Items").GetProperty(itemType).EnumerateArray().ToList();

    public string Describe() => $"`{CommandLine}` exited {ExitCode}\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";

    private List<string> Codes(string severity)
        => DiagnosticPattern().Matches(Output).Where(m => m.Groups[1].Value == severity)
            .Select(m => m.Groups[2].Value).Distinct().ToList();

    [GeneratedRegex(@"\b(error|warning) (MULTIARCH\d{4}):")]
    private static partial Regex DiagnosticPattern();
}

/// <summary>Runs the real dotnet CLI in a clean environment (no MSBuild variables leaking from the test host).</summary>
public static class DotnetCli
{
    private static readonly string[] LeakingVariables =
    [
        "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildExtensionsPath", "MSBuildLoadMicrosoftTargetsReadOnly",
        "MSBUILDNOINPROCNODE", "VSTEST_HOST_DEBUG", "DOTNET_HOST_PATH", "_MSBUILDTLENABLED",
    ];

    public static Task<CliResult> RunAsync(string workingDirectory, params string[] arguments)
        => RunAsync(workingDirectory, arguments, null);

    /// <summary>Runs dotnet; a cancelled <paramref name="cancellationToken"/> stops it and its process tree (OperationCanceledException).</summary>
    public static async Task<CliResult> RunAsync(string workingDirectory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?>? environment, CancellationToken cancellationToken = default)
    {
        var spec = new ProcessSpec("dotnet", arguments) { WorkingDirectory = workingDirectory, Environment = Environment(environment) };
        var result = await ProcessRunner.Instance.RunAsync(spec, null, cancellationToken);
        return new CliResult(result.ExitCode, result.StandardOutput, result.StandardError, spec.ToDisplayString());
    }

    /// <summary>
    /// The start of a <c>dotnet</c> run the test drives itself (to signal it while it runs), in the same clean
    /// environment as <see cref="RunAsync(string, IReadOnlyList{string}, IReadOnlyDictionary{string, string?}?)"/>,
    /// its output redirected.
    /// </summary>
    public static System.Diagnostics.ProcessStartInfo StartInfo(string workingDirectory, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in Environment(null))
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return start;
    }

    /// <summary>Runs a command line through bash exactly as a user would type it.</summary>
    public static async Task<CliResult> BashAsync(string workingDirectory, string commandLine, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var spec = new ProcessSpec("bash", ["-c", commandLine]) { WorkingDirectory = workingDirectory, Environment = Environment(environment) };
        var result = await ProcessRunner.Instance.RunAsync(spec);
        return new CliResult(result.ExitCode, result.StandardOutput, result.StandardError, commandLine);
    }

    private static Dictionary<string, string?> Environment(IReadOnlyDictionary<string, string?>? extra)
    {
        var env = LeakingVariables.ToDictionary(v => v, _ => (string?)null);
        env["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        env["DOTNET_NOLOGO"] = "1";
        env["MSBUILDDISABLENODEREUSE"] = "1";
        env["DOTNET_CLI_UI_LANGUAGE"] = "en";
        // Terminal logger off: plain, parseable output.
        env["MSBUILDTERMINALLOGGER"] = "off";
        foreach (var (k, v) in extra ?? new Dictionary<string, string?>())
        {
            env[k] = v;
        }

        return env;
    }
}
