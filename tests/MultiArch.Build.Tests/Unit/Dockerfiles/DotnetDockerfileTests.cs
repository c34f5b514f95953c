using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Dockerfiles;

namespace MultiArch.Build.Tests.Unit.Dockerfiles;

[TestClass]
public sealed class DotnetDockerfileTests
{
    // The rules of dotnet/sdk ComputeDotnetBaseImageAndTag, row by row.
    [TestMethod]
    [DataRow("v10.0", false, false, false, false, false, "", "", "mcr.microsoft.com/dotnet/runtime:10.0")]
    [DataRow("v10.0", true, false, false, false, false, "", "", "mcr.microsoft.com/dotnet/aspnet:10.0")]
    [DataRow("v8.0", true, true, false, false, false, "", "", "mcr.microsoft.com/dotnet/runtime-deps:8.0")]
    [DataRow("v9.0", false, false, true, false, true, "", "", "mcr.microsoft.com/dotnet/runtime-deps:9.0-noble-chiseled")]
    [DataRow("v9.0", false, false, true, false, false, "", "", "mcr.microsoft.com/dotnet/runtime-deps:9.0-noble-chiseled-extra")]
    [DataRow("v8.0", false, true, false, true, false, "", "", "mcr.microsoft.com/dotnet/runtime-deps:8.0-noble-chiseled-extra")]
    [DataRow("v10.0", true, false, false, false, false, "", "linux-musl-x64;linux-musl-arm64", "mcr.microsoft.com/dotnet/aspnet:10.0-alpine")]
    [DataRow("v10.0", true, false, false, false, false, "", "linux-musl-x64;linux-arm64", "mcr.microsoft.com/dotnet/aspnet:10.0")]
    [DataRow("v10.0", true, false, false, false, false, "noble-chiseled", "", "mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled-extra")]
    [DataRow("v10.0", true, false, false, false, true, "noble-chiseled", "", "mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled")]
    [DataRow("v10.0", false, false, false, false, false, "alpine", "", "mcr.microsoft.com/dotnet/runtime:10.0-alpine")]
    [DataRow("v6.0", false, false, false, false, false, "", "", "mcr.microsoft.com/dotnet/runtime:6.0")]
    public void Base_image_is_chosen_as_the_sdk_chooses_it(string tfm, bool aspNet, bool selfContained, bool aot, bool trimmed, bool invariant, string family, string rids, string expected)
    {
        var image = DotnetBaseImage.Compute(new DotnetBaseImageInputs
        {
            TargetFrameworkVersion = tfm,
            SdkVersion = "10.0.401",
            IsAspNetCore = aspNet,
            SelfContained = selfContained,
            PublishAot = aot,
            PublishTrimmed = trimmed,
            InvariantGlobalization = invariant,
            Family = family,
            RuntimeIdentifiers = rids.Split(';', StringSplitOptions.RemoveEmptyEntries),
        });
        Assert.AreEqual(expected, image);
    }

    [TestMethod]
    public void Framework_dependent_without_apphost_runs_dotnet_with_the_dll()
    {
        var text = DotnetDockerfile.Generate(new DotnetDockerfileSpec
        {
            BaseImage = "mcr.microsoft.com/dotnet/aspnet:10.0",
            AssemblyName = "Shop.Api",
            TargetFileName = "Shop.Api.dll",
            Ports = [new ContainerPortSpec(8080, "tcp")],
            AspNetCore = true,
        });
        var lines = text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        CollectionAssert.AreEqual(
            new[]
            {
                "FROM mcr.microsoft.com/dotnet/aspnet:10.0",
                "ARG TARGETPLATFORM",
                "COPY --from=publish ${TARGETPLATFORM}/ /app/",
                "WORKDIR /app",
                "ENV ASPNETCORE_HTTP_PORTS=8080",
                "EXPOSE 8080/tcp",
                "USER ${APP_UID:-1654}",
                "ENTRYPOINT [\"dotnet\", \"Shop.Api.dll\"]",
            },
            lines);
    }

    [TestMethod]
    public void Apphost_user_and_working_directory_are_honoured_and_the_result_passes_the_checks()
    {
        var text = DotnetDockerfile.Generate(new DotnetDockerfileSpec
        {
            BaseImage = "mcr.microsoft.com/dotnet/runtime-deps:10.0",
            AssemblyName = "worker",
            TargetFileName = "worker.dll",
            AppHost = true,
            User = "10001",
            WorkingDirectory = "/srv/worker/",
            Ports = [new ContainerPortSpec(9000, "udp")],
        });
        StringAssert.Contains(text, "COPY --from=publish ${TARGETPLATFORM}/ /srv/worker/\nWORKDIR /srv/worker\nEXPOSE 9000/udp\nUSER 10001\nENTRYPOINT [\"./worker\"]\n");

        // The generated file is one the package's own Dockerfile checks accept for a multi-platform build.
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, text);
            var findings = DockerfileChecker.Check(file, new DockerfileCheckOptions
            {
                TargetPlatforms = [OciPlatform.Parse("linux/amd64"), OciPlatform.Parse("linux/arm64"), OciPlatform.Parse("linux/arm/v7")],
                NativePlatforms = [OciPlatform.Parse("linux/amd64")],
            });
            Assert.AreEqual(0, findings.Count(f => f.Severity != DiagnosticSeverity.Message), string.Join("\n", findings.Select(f => f.Message)));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TestMethod]
    public void An_aspnet_core_app_listens_on_every_tcp_port_it_exposes_whatever_the_base_and_a_console_app_gets_no_env()
    {
        var spec = new DotnetDockerfileSpec
        {
            BaseImage = "127.0.0.1:5000/dotnet/runtime-deps:10.0",
            AssemblyName = "web",
            TargetFileName = "web.dll",
            AppHost = true,
            Ports = [new ContainerPortSpec(8080, "tcp"), new ContainerPortSpec(9000, "udp"), new ContainerPortSpec(8081, "tcp")],
            AspNetCore = true,
        };

        StringAssert.Contains(DotnetDockerfile.Generate(spec), "WORKDIR /app\nENV ASPNETCORE_HTTP_PORTS=8080;8081\nEXPOSE 8080/tcp\nEXPOSE 9000/udp\nEXPOSE 8081/tcp\n");
        Assert.IsFalse(DotnetDockerfile.Generate(spec with { AspNetCore = false }).Contains("ASPNETCORE", StringComparison.Ordinal));
    }

    [TestMethod]
    public void The_base_is_pinned_to_its_digest_with_its_name_kept_and_a_new_digest_replaces_the_old_pin()
    {
        const string name = "127.0.0.1:5000/dotnet/aspnet:10.0";
        var generated = DotnetDockerfile.Generate(new DotnetDockerfileSpec { BaseImage = name, AssemblyName = "web", TargetFileName = "web.dll", AppHost = true });
        var digest1 = "127.0.0.1:5000/dotnet/aspnet@sha256:" + new string('1', 64);
        var digest2 = "127.0.0.1:5000/dotnet/aspnet@sha256:" + new string('2', 64);

        var pinned = DotnetDockerfile.PinBaseImage(generated, name, digest1);

        StringAssert.Contains(pinned, $"\n# {name}, resolved before the build and pinned to its digest: what is built is the base that was checked\nFROM {digest1}\nARG TARGETPLATFORM\n");
        Assert.IsFalse(pinned.Contains("FROM " + name, StringComparison.Ordinal), pinned);
        Assert.AreEqual(generated, DotnetDockerfile.Unpin(pinned));
        Assert.AreEqual(generated, DotnetDockerfile.Unpin(generated), "an unpinned Dockerfile is left as it is");
        Assert.AreEqual(pinned, DotnetDockerfile.PinBaseImage(pinned, name, digest1), "pinned again to the same digest: the same text");
        var repinned = DotnetDockerfile.PinBaseImage(pinned, name, digest2);
        StringAssert.Contains(repinned, "FROM " + digest2 + "\n");
        Assert.IsFalse(repinned.Contains(digest1, StringComparison.Ordinal), repinned);
        Assert.AreEqual(generated, DotnetDockerfile.PinBaseImage(generated, "127.0.0.1:5000/other:1", digest1), "another base's name: nothing to pin");
    }
}
