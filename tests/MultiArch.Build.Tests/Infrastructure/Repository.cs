namespace MultiArch.Build.Tests.Infrastructure;

/// <summary>Paths inside this repository, found from the test assembly's location.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PackageProject => Path.Combine(Root, "src", "MultiArch.Build", "MultiArch.Build.csproj");

    public static string ResourcesFile => Path.Combine(Root, "src", "MultiArch.Build", "Resources", "Strings.resx");

    public static string Docs(string name) => Path.Combine(Root, "docs", name);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MultiArch.Build.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("MultiArch.Build.sln not found above " + AppContext.BaseDirectory);
    }
}
