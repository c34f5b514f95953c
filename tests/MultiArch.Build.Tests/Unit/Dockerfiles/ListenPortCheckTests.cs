using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Platforms;

namespace MultiArch.Build.Tests.Unit.Dockerfiles;

/// <summary>MULTIARCH5052: a custom Dockerfile's EXPOSEd port against the port its ASP.NET Core app is configured to listen on.</summary>
[TestClass]
public sealed class ListenPortCheckTests
{
    private const string Base = "FROM mcr.microsoft.com/dotnet/aspnet:10.0\nCOPY app/ /app/\n";

    private static string Codes(string dockerfile)
    {
        var parsed = DockerfileParser.Parse(dockerfile.Replace("\\n", "\n", StringComparison.Ordinal), "Dockerfile");
        Assert.IsFalse(parsed.HasErrors, string.Join("\n", parsed.Diagnostics));
        var findings = DockerfileAnalyzer.Analyze(parsed.Document, new DockerfileCheckOptions { TargetPlatforms = [OciPlatform.Parse("linux/amd64"), OciPlatform.Parse("linux/arm64")] });
        return string.Join(" ", findings.Where(f => f.Code == "MULTIARCH5052").Select(f => $"{f.Code}@{f.Line}"));
    }

    [TestMethod]
    [DataRow(Base + "ENV ASPNETCORE_HTTP_PORTS=8080\nEXPOSE 8080\n", "")]
    [DataRow(Base + "ENV ASPNETCORE_HTTP_PORTS=8080\nEXPOSE 8080/tcp 9000/udp\n", "")]
    [DataRow(Base + "ENV ASPNETCORE_URLS=http://+:8080\nEXPOSE 8080\n", "")]
    [DataRow(Base + "ENV ASPNETCORE_URLS=http://*:5000\nEXPOSE 8080\n", "MULTIARCH5052@4")]
    [DataRow(Base + "ENV ASPNETCORE_HTTP_PORTS=5000\nEXPOSE 8080\n", "MULTIARCH5052@4")]
    [DataRow(Base + "ENV URLS=http://0.0.0.0:5000\nEXPOSE 5000\n", "")]
    [DataRow(Base + "ENV ASPNETCORE_URLS=http://localhost:8080\nEXPOSE 8080\n", "MULTIARCH5052@3")]
    [DataRow(Base + "ARG PORT=8081\nENV ASPNETCORE_HTTP_PORTS=${PORT}\nEXPOSE ${PORT}\n", "")]
    [DataRow(Base + "ENV ASPNETCORE_HTTP_PORTS=8080\nEXPOSE 8081\n", "MULTIARCH5052@4")]
    [DataRow("FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS base\nENV ASPNETCORE_HTTP_PORTS=5000\nEXPOSE 8080\nFROM base\nCOPY app/ /app/\n", "MULTIARCH5052@3")]
    [DataRow(Base + "EXPOSE 8080\n", "")]
    [DataRow(Base + "ENV ASPNETCORE_HTTP_PORTS=8080\n", "")]
    [DataRow("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build\nENV ASPNETCORE_HTTP_PORTS=5000\nEXPOSE 8080\n" + Base, "")]
    public void The_exposed_port_and_the_apps_port_must_agree(string dockerfile, string expected)
        => Assert.AreEqual(expected, Codes(dockerfile));
}
