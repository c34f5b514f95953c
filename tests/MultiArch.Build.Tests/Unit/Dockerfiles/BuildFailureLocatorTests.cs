using MultiArch.Build.Dockerfiles;

namespace MultiArch.Build.Tests.Unit.Dockerfiles;

/// <summary>MULTIARCH3012 points at the line the tool names: buildx's "Dockerfile:N", podman's last "STEP n/m".</summary>
[TestClass]
public sealed class BuildFailureLocatorTests
{
    private const string TwoStages = """
        # syntax=docker/dockerfile:1
        ARG BASE=busybox
        FROM --platform=$BUILDPLATFORM ${BASE} AS build
        WORKDIR /src
        RUN echo compiling \
            && exit 3
        FROM ${BASE}
        COPY --from=build /src /app
        RUN ["/bin/busybox", "sh", "-c", "echo about to fail; exit 7"]
        """;

    private static int? Locate(string dockerfile, string output)
        => BuildFailureLocator.LineOfFailure(DockerfileParser.Parse(dockerfile, "/p/Dockerfile").Document, "Dockerfile", output.Split('\n'));

    [TestMethod]
    public void Buildx_names_the_line()
    {
        const string output = """
            #9 [linux/arm64 build 3/3] RUN echo compiling     && exit 3
            #9 ERROR: process "/bin/sh -c echo compiling     && exit 3" did not complete successfully: exit code: 3
            ------
             > [linux/arm64 build 3/3] RUN echo compiling     && exit 3:
            ------
            Dockerfile:5
            --------------------
               4 |     WORKDIR /src
               5 | >>> RUN echo compiling \
               6 | >>>     && exit 3
            --------------------
            ERROR: failed to solve: process "/bin/sh -c echo compiling     && exit 3" did not complete successfully: exit code: 3
            """;
        Assert.AreEqual(5, Locate(TwoStages, output));
    }

    [TestMethod]
    public void Podman_names_the_step_of_the_last_stage()
    {
        // As podman 4.3 prints it (the error quotes the instruction normalized, the STEP line as written).
        const string output = """
            [1/2] STEP 1/3: FROM busybox AS build
            [1/2] STEP 2/3: WORKDIR /src
            [1/2] STEP 3/3: RUN echo compiling     && exit 3
            compiling
            [2/2] STEP 1/3: FROM busybox
            [2/2] STEP 2/3: COPY --from=build /src /app
            [2/2] STEP 3/3: RUN ["/bin/busybox", "sh", "-c", "echo about to fail; exit 7"]
            about to fail
            Error: building at STEP "RUN /bin/busybox sh -c echo about to fail; exit 7": while running runtime: exit status 7
            """;
        Assert.AreEqual(9, Locate(TwoStages, output));
    }

    [TestMethod]
    public void Podman_single_stage_has_no_stage_prefix()
    {
        const string dockerfile = "FROM busybox\n\nRUN exit 7\n";
        Assert.AreEqual(3, Locate(dockerfile, "STEP 1/2: FROM busybox\nSTEP 2/2: RUN exit 7\nError: building at STEP \"RUN exit 7\": exit status 7"));
        Assert.AreEqual(1, Locate(dockerfile, "STEP 1/2: FROM busybox\nError: initializing source docker://busybox:latest: pinging container registry"));
    }

    [TestMethod]
    public void No_place_named_is_no_line()
    {
        Assert.IsNull(Locate(TwoStages, "Error: no space left on device"));
        Assert.IsNull(Locate(TwoStages, "[7/9] STEP 3/3: RUN x"));
        Assert.IsNull(Locate(TwoStages, "other.Dockerfile:5"));
    }
}
