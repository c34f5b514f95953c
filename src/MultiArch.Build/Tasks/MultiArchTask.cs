using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Tasks;

/// <summary>
/// The boundary between the library and MSBuild: runs the task body, turns domain exceptions into
/// coded diagnostics, and logs <see cref="Diagnostic"/>s with their code, file and line.
/// Tasks that run processes or use the network cancel through <see cref="CancellationToken"/>.
/// </summary>
public abstract class MultiArchTask : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancellation = new();

    protected MultiArchTask()
        : base(Strings.ResourceManager)
    {
    }

    /// <summary>
    /// The project being built (<c>$(MSBuildProjectFullPath)</c>): diagnostics about its properties
    /// point here rather than into this package's targets file.
    /// </summary>
    public string ProjectFullPath { get; set; } = "";

    protected CancellationToken CancellationToken => _cancellation.Token;

    public void Cancel() => _cancellation.Cancel();

    public sealed override bool Execute()
    {
        try
        {
            ExecuteCoreAsync(CancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            Log.LogErrorWithCodeFromResources(nameof(Strings.TaskCanceled), GetType().Name);
        }
        catch (MultiArchException ex)
        {
            LogDiagnostic(ex.ToDiagnostic());
            Log.LogMessage(MessageImportance.Low, ex.ToString());
        }
        catch (Exception ex)
        {
            Log.LogErrorWithCodeFromResources(nameof(Strings.TaskUnexpectedError), GetType().Name, ex.Message);
            Log.LogMessage(MessageImportance.Low, ex.ToString());
        }

        return !Log.HasLoggedErrors;
    }

    protected abstract System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken);

    protected void LogDiagnostics(IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            LogDiagnostic(diagnostic);
        }
    }

    /// <summary>Logs one diagnostic in canonical form so IDEs and CI annotate the right file and line.</summary>
    protected void LogDiagnostic(Diagnostic diagnostic)
    {
        var message = diagnostic.Message;
        var code = diagnostic.Code;
        var file = diagnostic.File ?? ProjectFullPath;
        switch (diagnostic.Severity)
        {
            case DiagnosticSeverity.Error:
                Log.LogError(null, code, null, file, diagnostic.Line, diagnostic.Column, 0, 0, message);
                break;
            case DiagnosticSeverity.Warning:
                Log.LogWarning(null, code, null, file, diagnostic.Line, diagnostic.Column, 0, 0, message);
                break;
            default:
                Log.LogMessage(null, code, null, file, diagnostic.Line, diagnostic.Column, 0, 0, MessageImportance.Normal, message);
                break;
        }
    }
}
