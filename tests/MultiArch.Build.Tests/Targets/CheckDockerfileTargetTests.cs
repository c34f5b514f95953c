using MultiArch.Build.Platforms;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Targets;

[ServiceTestClass]
public sealed class CheckDockerfileTargetTests
{
    private const string HelmAfterSed = """
        # Build the manager binary
        FROM --platform=${BUILDPLATFORM} quay.io/operator-framework/helm-operator:v1.34.1

        ENV HOME=/opt/helm
        COPY watches.yaml ${HOME}/watches.yaml
        RUN echo "$TARGETARCH"
        """;

    private static async Task<ThrowAwayProject> OperatorProjectAsync(string dockerfile, string properties = "")
    {
        var project = await ThrowAwayProject.SdkDoorAsync($"""
              <PropertyGroup>
                <ContainerPlatforms>linux/arm64;linux/amd64;linux/s390x;linux/ppc64le</ContainerPlatforms>
                <MultiArchNativePlatforms>linux/amd64</MultiArchNativePlatforms>
            {properties}
              </PropertyGroup>
            """);
        project.WriteFile("Dockerfile", dockerfile);
        return project;
    }

    [TestMethod]
    public async Task CheckDockerfile_runs_alone_and_reports_in_canonical_form()
    {
        var project = await OperatorProjectAsync(HelmAfterSed);

        var result = await project.MSBuildAsync("CheckDockerfile");

        Assert.AreNotEqual(0, result.ExitCode, result.Describe());
        var dockerfile = Path.Combine(project.Directory, "Dockerfile");
        StringAssert.Contains(result.Output, $"{dockerfile}(2,1): error MULTIARCH2001: The image stage '0' runs on $BUILDPLATFORM", result.Describe());
        StringAssert.Contains(result.Output, $"{dockerfile}(6,1): warning MULTIARCH2004: $TARGETARCH is used", result.Describe());
        CollectionAssert.AreEqual(new[] { "MULTIARCH2001" }, result.ErrorCodes.ToArray());
        CollectionAssert.AreEqual(new[] { "MULTIARCH2004" }, result.WarningCodes.ToArray());
    }

    [TestMethod]
    public async Task Sdk_door_dotnet_build_runs_the_checks_first()
    {
        var project = await OperatorProjectAsync(HelmAfterSed);

        var result = await project.DotnetAsync("build", project.ProjectFile, "-nodeReuse:false");

        Assert.AreNotEqual(0, result.ExitCode, result.Describe());
        CollectionAssert.Contains(result.ErrorCodes.ToArray(), "MULTIARCH2001");
    }

    [TestMethod]
    public async Task NoWarn_and_WarningsAsErrors_work_in_the_sdk_door()
    {
        const string dockerfile = "FROM alpine\nRUN echo $TARGETARCH\n";
        var silenced = await (await OperatorProjectAsync(dockerfile, "<NoWarn>$(NoWarn);MULTIARCH2004;MULTIARCH2007</NoWarn>")).MSBuildAsync("CheckDockerfile");
        var promoted = await (await OperatorProjectAsync(dockerfile, "<WarningsAsErrors>MULTIARCH2004</WarningsAsErrors>")).MSBuildAsync("CheckDockerfile");

        Assert.AreEqual(0, silenced.ExitCode, silenced.Describe());
        Assert.AreEqual(0, silenced.WarningCodes.Count, silenced.Describe());
        Assert.AreNotEqual(0, promoted.ExitCode, promoted.Describe());
        CollectionAssert.Contains(promoted.ErrorCodes.ToArray(), "MULTIARCH2004", promoted.Describe());
    }

    [TestMethod]
    public async Task Checks_can_be_turned_off_or_reconfigured()
    {
        var off = await (await OperatorProjectAsync(HelmAfterSed, "<MultiArchDockerfileChecks>false</MultiArchDockerfileChecks>")).MSBuildAsync("CheckDockerfile");
        var demoted = await (await OperatorProjectAsync(HelmAfterSed, "<MultiArchDockerfileCheckSeverity>MULTIARCH2001=warning</MultiArchDockerfileCheckSeverity>")).MSBuildAsync("CheckDockerfile");

        Assert.AreEqual(0, off.ExitCode, off.Describe());
        Assert.AreEqual(0, off.WarningCodes.Count + off.ErrorCodes.Count, off.Describe());
        Assert.AreEqual(0, demoted.ExitCode, demoted.Describe());
        CollectionAssert.Contains(demoted.WarningCodes.ToArray(), "MULTIARCH2001");
    }

    [TestMethod]
    public async Task Dockerfile_path_target_and_build_args_are_honoured()
    {
        var project = await OperatorProjectAsync("", """
                <ContainerDockerfile>docker/release.Dockerfile</ContainerDockerfile>
                <ContainerBuildTarget>release</ContainerBuildTarget>
            """);
        project.WriteFile("docker/release.Dockerfile", """
            ARG BUILDER=$BUILDPLATFORM
            FROM --platform=$BUILDER golang:1.22 AS builder
            ARG TARGETARCH
            RUN GOARCH=$TARGETARCH go build -o /app .
            FROM --platform=$BUILDPLATFORM alpine AS debug
            FROM scratch AS release
            COPY --from=builder /app /app
            """);

        var clean = await project.MSBuildAsync("CheckDockerfile");
        var wrongTarget = await project.MSBuildAsync("CheckDockerfile", null, null, "-p:ContainerBuildTarget=debug");
        var missingTarget = await project.MSBuildAsync("CheckDockerfile", null, null, "-p:ContainerBuildTarget=nope");

        Assert.AreEqual(0, clean.ExitCode, clean.Describe());
        Assert.AreEqual(0, clean.WarningCodes.Count, clean.Describe());
        CollectionAssert.AreEqual(new[] { "MULTIARCH2001" }, wrongTarget.ErrorCodes.ToArray(), wrongTarget.Describe());
        CollectionAssert.AreEqual(new[] { "MULTIARCH2013" }, missingTarget.ErrorCodes.ToArray(), missingTarget.Describe());
    }

    /// <summary>
    /// In the pipeline the emulation checks wait for the preflight: they are judged once, against the platforms
    /// the builder runs natively (podman's: this machine's), after the preflight has spoken.
    /// </summary>
    [TestMethod]
    [Requires(RequiresAttribute.Podman)]
    public async Task In_the_pipeline_the_emulation_checks_follow_the_preflight()
    {
        var project = await OperatorProjectAsync("FROM alpine\nRUN apk add curl\n", "<ContainerCli>podman</ContainerCli><MultiArchNativePlatforms></MultiArchNativePlatforms>");

        var result = await project.MSBuildAsync("_MultiArchBeginPipeline;CheckDockerfile;PreflightContainerBuild;CheckDockerfileEmulation", null, null, "-v:d");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        var lines = result.Output.Split('\n');
        var emulated = lines.Select((line, at) => (line, at)).Where(l => l.line.Contains("MULTIARCH2007:", StringComparison.Ordinal) && !l.line.Contains("Task Parameter", StringComparison.Ordinal)).ToList();
        Assert.AreEqual(1, emulated.Count, "judged once: " + result.Describe());
        var preflightDone = Array.FindIndex(lines, l => l.Contains("Done building target \"PreflightContainerBuild\"", StringComparison.Ordinal));
        Assert.IsTrue(preflightDone >= 0 && preflightDone < emulated[0].at, "judged after the preflight: " + result.Describe());
        var judged = emulated[0].line[emulated[0].line.IndexOf("(QEMU) for ", StringComparison.Ordinal)..];
        StringAssert.Contains(judged, "linux/arm64");
        Assert.IsFalse(judged.Contains($"{OciPlatform.Host()}:", StringComparison.Ordinal) || judged.Contains($"{OciPlatform.Host()},", StringComparison.Ordinal), "this machine's own platform runs natively: " + judged);
    }

    [TestMethod]
    public async Task Missing_dockerfile_is_a_coded_error()
    {
        var project = await ThrowAwayProject.SdkDoorAsync();
        var result = await project.MSBuildAsync("CheckDockerfile");
        Assert.AreNotEqual(0, result.ExitCode);
        CollectionAssert.AreEqual(new[] { "MULTIARCH2010" }, result.ErrorCodes.ToArray(), result.Describe());
    }
}

[ServiceTestClass]
public sealed class BaseImagePlatformCheckTargetTests
{
    [TestMethod]
    [Requires(RequiresAttribute.Registry, RequiresAttribute.BaseImage)]
    public async Task Base_image_without_a_requested_platform_is_reported_at_its_from_line()
    {
        var project = await ThrowAwayProject.SdkDoorAsync($"""
              <PropertyGroup>
                <ContainerPlatforms>linux/amd64;linux/riscv64;linux/arm64</ContainerPlatforms>
                <MultiArchCheckBaseImagePlatforms>true</MultiArchCheckBaseImagePlatforms>
              </PropertyGroup>
            """);
        project.WriteFile("Dockerfile", $"FROM 127.0.0.1:1/nothing/here:1 AS unused\nFROM --platform=$BUILDPLATFORM {Environments.BaseImage} AS tools\nFROM {Environments.BaseImage}\nCOPY --from=tools /bin/busybox /x\n");

        var result = await project.MSBuildAsync("CheckDockerfile");
        var off = await project.MSBuildAsync("CheckDockerfile", null, null, "-p:MultiArchCheckBaseImagePlatforms=false");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        StringAssert.Contains(result.Output, $"{Path.Combine(project.Directory, "Dockerfile")}(3,1): warning MULTIARCH2009: The base image '{Environments.BaseImage}' has no linux/riscv64", result.Describe());
        CollectionAssert.AreEqual(new[] { "MULTIARCH2009" }, result.WarningCodes.ToArray(), "the $BUILDPLATFORM stage and the unused stage are not checked");
        Assert.IsFalse(off.WarningCodes.Contains("MULTIARCH2009"), off.Describe());
    }

    [TestMethod]
    public async Task Unreachable_registry_is_a_warning_not_a_failure()
    {
        var project = await ThrowAwayProject.SdkDoorAsync("""
              <PropertyGroup>
                <ContainerPlatforms>linux/amd64;linux/arm64</ContainerPlatforms>
                <MultiArchCheckBaseImagePlatforms>true</MultiArchCheckBaseImagePlatforms>
              </PropertyGroup>
            """);
        project.WriteFile("Dockerfile", "FROM 127.0.0.1:9/nothing/here:1\n");

        var result = await project.MSBuildAsync("CheckDockerfile");

        Assert.AreEqual(0, result.ExitCode, result.Describe());
        CollectionAssert.AreEqual(new[] { "MULTIARCH2015" }, result.WarningCodes.ToArray(), result.Describe());
        StringAssert.Contains(result.Output, "MULTIARCH4008");
    }
}
