namespace MultiArch.Build.Tests.Infrastructure;

/// <summary>Fixtures kept as files under TestData/ (copied to the output folder), so that they read as what they are.</summary>
public static class TestDataFiles
{
    /// <summary>A Kubernetes manifest from TestData/Kubernetes/ (Kubebuilder's manager and the nodeAffinity cases).</summary>
    public static string Kubernetes(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "Kubernetes", name));
}
