namespace MultiArch.Build.Tests.Infrastructure;

/// <summary>
/// A small project on disk that imports the freshly packed MultiArch.Build through one of its two doors.
/// </summary>
public sealed class ThrowAwayProject
{
    private ThrowAwayProject(string directory, string projectFile)
    {
        Directory = directory;
        ProjectFile = projectFile;
    }

    public string Directory { get; }

    public string ProjectFile { get; }

    public string ProjectPath => Path.Combine(Directory, ProjectFile);

    /// <summary><c>&lt;Project Sdk="MultiArch.Build/version"&gt;</c>: no .NET code, no TargetFramework.</summary>
    public static async Task<ThrowAwayProject> SdkDoorAsync(string body = "", string name = "image")
    {
        await PackageFeed.EnsurePackedAsync();
        var dir = TestDirectories.Create(name);
        WriteNuGetConfig(dir);
        var file = $"{name}.proj";
        await File.WriteAllTextAsync(Path.Combine(dir, file), $"""
            <Project Sdk="MultiArch.Build/{PackageFeed.Version}">
            {body}
            </Project>
            """);
        return new ThrowAwayProject(dir, file);
    }

    /// <summary>A console app with <c>&lt;PackageReference Include="MultiArch.Build" /&gt;</c>.</summary>
    public static async Task<ThrowAwayProject> PackageReferenceDoorAsync(string properties = "", string name = "app", string items = "")
    {
        await PackageFeed.EnsurePackedAsync();
        var dir = TestDirectories.Create(name);
        WriteNuGetConfig(dir);
        var file = $"{name}.csproj";
        await File.WriteAllTextAsync(Path.Combine(dir, file), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net{System.Environment.Version.Major}.0</TargetFramework>
            {properties}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="MultiArch.Build" Version="{PackageFeed.Version}" />
            {items}
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "Program.cs"), "System.Console.WriteLine(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture);\n");
        return new ThrowAwayProject(dir, file);
    }

    /// <summary>A copy of <c>samples/&lt;name&gt;</c> that restores the freshly packed package (its version property set in the copy).</summary>
    public static async Task<ThrowAwayProject> SampleAsync(string sample)
    {
        await PackageFeed.EnsurePackedAsync();
        var dir = TestDirectories.Create(sample);
        var source = Path.Combine(Repository.Root, "samples", sample);
        foreach (var file in System.IO.Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
                     .Where(f => !Path.GetRelativePath(source, f).Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")))
        {
            var target = Path.Combine(dir, Path.GetRelativePath(source, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        WriteNuGetConfig(dir);
        var project = System.IO.Directory.GetFiles(dir, "*.csproj").Single();
        File.WriteAllText(project, File.ReadAllText(project).Replace(
            "<MultiArchBuildVersion Condition=\"'$(MultiArchBuildVersion)' == ''\">0.1.0</MultiArchBuildVersion>",
            $"<MultiArchBuildVersion>{PackageFeed.Version}</MultiArchBuildVersion>",
            StringComparison.Ordinal));
        return new ThrowAwayProject(dir, Path.GetFileName(project));
    }

    public Task<CliResult> DotnetAsync(params string[] arguments) => DotnetCli.RunAsync(Directory, arguments);

    /// <summary><c>dotnet msbuild -restore -t:target -getItem:.. -getProperty:..</c> with extra arguments.</summary>
    public Task<CliResult> MSBuildAsync(string target, IEnumerable<string>? getItems = null, IEnumerable<string>? getProperties = null, params string[] extra)
    {
        var args = new List<string> { "msbuild", ProjectFile, "-restore", $"-t:{target}", "-nodeReuse:false" };
        args.AddRange((getItems ?? []).Select(i => $"-getItem:{i}"));
        args.AddRange((getProperties ?? []).Select(p => $"-getProperty:{p}"));
        args.AddRange(extra);
        return DotnetCli.RunAsync(Directory, args, null);
    }

    public string WriteFile(string relativePath, string content)
    {
        var path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private static void WriteNuGetConfig(string dir)
        => File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="multiarch-local" value="{PackageFeed.Directory}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
}
