using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Tasks;

public sealed partial class StagePublishOutput : MultiArchTask
{
    /// <summary>1980-01-01T00:00:00Z, the earliest time a ZIP (and so a NuGet package) can hold.</summary>
    private const long DefaultTimestamp = 315532800;

    protected override System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        var epoch = long.TryParse(Timestamp.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : DefaultTimestamp;
        var time = DateTimeOffset.FromUnixTimeSeconds(epoch).UtcDateTime;
        UsedTimestamp = epoch.ToString(CultureInfo.InvariantCulture);
        var destination = TaskInputs.FullPath("Destination", Destination, required: true, file: false)!;
        var written = new List<string>();
        try
        {
            if (Directory.Exists(destination))
            {
                Directory.Delete(destination, recursive: true);
            }

            // Platforms published once (framework-dependent IL) link to the first copy instead of copying again.
            var stagedBySource = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var item in Platforms)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var platform = TaskInputs.Platform(item).ToString();
                var source = Path.GetFullPath(item.GetMetadata("PublishDir"));
                if (!Directory.Exists(source))
                {
                    LogDiagnostic(Diagnostic.Error(nameof(Strings.PublishOutputMissing), platform, source));
                    return System.Threading.Tasks.Task.CompletedTask;
                }

                var target = Path.Combine(destination, platform.Replace('/', Path.DirectorySeparatorChar));
                var shared = stagedBySource.TryGetValue(source, out var twin);
                written.AddRange(CopyTree(shared ? twin! : source, target, link: shared));
                stagedBySource.TryAdd(source, target);
                Log.LogMessageFromResources(MessageImportance.Normal, nameof(Strings.PublishOutputStaged), platform, target, shared ? "linked to " + twin : "copied from " + source);
            }

            // Folders last: writing files into them moved their times.
            foreach (var path in written)
            {
                File.SetLastWriteTimeUtc(path, time);
            }

            foreach (var dir in Directory.EnumerateDirectories(destination, "*", SearchOption.AllDirectories).Append(destination).OrderByDescending(d => d.Length))
            {
                Directory.SetLastWriteTimeUtc(dir, time);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogDiagnostic(Diagnostic.Error(nameof(Strings.PublishStagingFailed), destination, ex.Message));
            return System.Threading.Tasks.Task.CompletedTask;
        }

        StagedFiles = written.Select(f => (ITaskItem)new TaskItem(f)).ToArray();
        return System.Threading.Tasks.Task.CompletedTask;
    }

    /// <summary>Copies (or hard-links) every file of <paramref name="source"/> under <paramref name="target"/>, in ordinal order.</summary>
    private static List<string> CopyTree(string source, string target, bool link)
    {
        var files = new List<string>();
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(source, file);
            var destination = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            if (!link || !HardLink(file, destination))
            {
                // File.Copy keeps the Unix mode (the apphost stays executable).
                File.Copy(file, destination, overwrite: true);
            }

            files.Add(destination);
        }

        return files;
    }

    private static bool HardLink(string existing, string newPath)
        => !OperatingSystem.IsWindows() && link(existing, newPath) == 0;

#pragma warning disable SA1300, IDE1006 // libc's name
    [DllImport("libc", SetLastError = true, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int link([MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath);
#pragma warning restore SA1300, IDE1006
}
