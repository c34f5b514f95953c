namespace MultiArch.Build.Tests.Infrastructure;

/// <summary>
/// Packs MultiArch.Build once per test run, with a version of its own so that no NuGet cache can
/// serve an older build, into a local feed that throw-away projects restore from.
/// </summary>
public static class PackageFeed
{
    private static readonly Lazy<Task<string>> Packed = new(PackAsync);

    public static string Version { get; } = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{System.Environment.ProcessId}";

    public static string Directory { get; } = Path.Combine(TestDirectories.RunRoot, "feed");

    public static Task<string> EnsurePackedAsync() => Packed.Value;

    private static async Task<string> PackAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var result = await DotnetCli.RunAsync(
            Repository.Root,
            "pack", Repository.PackageProject, "-c", "Release", "-o", Directory, $"-p:MultiArchBuildVersion={Version}", "-nodeReuse:false");
        var nupkg = Path.Combine(Directory, $"MultiArch.Build.{Version}.nupkg");
        if (result.ExitCode != 0 || !File.Exists(nupkg))
        {
            throw new InvalidOperationException("Packing MultiArch.Build failed: " + result.Describe());
        }

        return nupkg;
    }
}

/// <summary>Throw-away folders under one root per test run, removed when the run ends.</summary>
public static class TestDirectories
{
    public static string RunRoot { get; } = Path.Combine(Path.GetTempPath(), "multiarch-tests", $"{DateTime.UtcNow:yyyyMMddHHmmss}-{System.Environment.ProcessId}");

    public static string Create(string name)
    {
        var dir = Path.Combine(RunRoot, $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 9, 60)]);
        System.IO.Directory.CreateDirectory(dir);
        return dir;
    }

    public static void DeleteRunRoot()
    {
        try
        {
            if (System.IO.Directory.Exists(RunRoot))
            {
                System.IO.Directory.Delete(RunRoot, recursive: true);
            }
        }
        catch (IOException)
        {
            // A process still holding a file: the temp folder is cleaned by the OS later.
        }
    }
}

[TestClass]
public static class AssemblyLifetime
{
    [AssemblyCleanup]
    public static void Cleanup() => TestDirectories.DeleteRunRoot();
}
