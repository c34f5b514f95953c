using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Platforms;

namespace MultiArch.Build.Tests.Unit.Dockerfiles;

/// <summary>
/// Issue 10 §5: a constant that reaches a cross-compile variable through ARG/ENV defaults and substitutions is the
/// same bug as a literal (MULTIARCH2006), for GOARCH, GOOS, GOARM, CC, cargo/rustc --target, CARGO_BUILD_TARGET
/// and dotnet -r/-a; values from TARGET* args, build args, shell variables or $TARGETARCH mappings are not; and a
/// global default of an automatic arg is reported once, at its ARG, with no advice to write what is written.
/// </summary>
[TestClass]
public sealed class CrossCompileValueTests
{
    private const string Two = "linux/amd64,linux/arm64";
    private const string Builder = "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\n";
    private const string Final = "FROM gcr.io/distroless/static\nCOPY --from=build /out/app /app\n";

    private static List<MultiArch.Build.Diagnostics.Diagnostic> Analyze(string dockerfile, string platforms, IReadOnlyDictionary<string, string>? buildArgs = null)
    {
        var parsed = DockerfileParser.Parse(dockerfile.Replace("\\n", "\n", StringComparison.Ordinal), "Dockerfile");
        Assert.IsFalse(parsed.HasErrors, string.Join("\n", parsed.Diagnostics));
        return DockerfileAnalyzer.Analyze(parsed.Document, new DockerfileCheckOptions
        {
            TargetPlatforms = platforms.Split(',').Select(OciPlatform.Parse).ToList(),
            BuildArgs = buildArgs ?? new Dictionary<string, string>(),
        }).ToList();
    }

    private static string Codes(IEnumerable<MultiArch.Build.Diagnostics.Diagnostic> findings) => string.Join(" ", findings.Select(f => $"{f.Code}@{f.Line}"));

    [TestMethod]
    // GOARCH from an ARG default, substituted or read from the environment by go itself.
    [DataRow(Builder + "ARG GOARCH=amd64\nRUN GOARCH=${GOARCH} go build -o /out/app .\n" + Final, Two, "MULTIARCH2006@3", "GOARCH is 'amd64', from the ARG at line 2")]
    [DataRow(Builder + "ARG GOARCH=amd64\nRUN go build -o /out/app .\n" + Final, Two, "MULTIARCH2006@3", "GOARCH is 'amd64', from the ARG at line 2")]
    [DataRow("ARG GOARCH=arm64\n" + Builder + "ARG GOARCH\nRUN go build -o /out/app .\n" + Final, Two, "MULTIARCH2006@4", "from the ARG at line 1")]
    // Through another name (a "TARGETARCH mapping" with a constant), and through ENV.
    [DataRow(Builder + "ARG ARCH=amd64\nRUN GOARCH=$ARCH go build -o /out/app .\n" + Final, Two, "MULTIARCH2006@3", "ARCH is 'amd64', from the ARG at line 2")]
    [DataRow(Builder + "ARG ARCH=amd64\nENV GOARCH=${ARCH}\nRUN go build -o /out/app .\n" + Final, Two, "MULTIARCH2006@3", "ARCH is 'amd64'")]
    [DataRow(Builder + "ENV GOARCH=arm64\nRUN go build -o /out/app .\n" + Final, Two, "MULTIARCH2006@2", "'GOARCH=arm64'")]
    [DataRow(Builder + "ARG TARGETARCH\nRUN make build GOARCH=amd64\n" + Final, Two, "MULTIARCH2006@3", "'GOARCH=amd64'")]
    // GOOS, GOARM, CC, cargo/rustc, CARGO_BUILD_TARGET, dotnet.
    [DataRow(Builder + "ARG TARGETARCH\nARG OS=darwin\nRUN GOOS=$OS GOARCH=$TARGETARCH go build -o /out/app .\n" + Final, Two, "MULTIARCH2006@4", "OS is 'darwin'")]
    [DataRow(Builder + "ARG TARGETARCH\nRUN GOARM=7 GOARCH=$TARGETARCH go build -o /out/app .\n" + Final, "linux/arm/v6,linux/arm/v7", "MULTIARCH2006@3", "'GOARM=7'")]
    [DataRow(Builder + "ARG CROSS=aarch64-linux-gnu-gcc\nRUN CC=$CROSS CGO_ENABLED=1 GOARCH=$TARGETARCH go build -o /out/app .\n" + Final, Two, "MULTIARCH2004@3 MULTIARCH2006@3", "CROSS is 'aarch64-linux-gnu-gcc'")]
    [DataRow("FROM --platform=$BUILDPLATFORM rust:1 AS build\nARG RUST_TARGET=x86_64-unknown-linux-gnu\nRUN cargo build --release --target $RUST_TARGET\n" + Final, Two, "MULTIARCH2006@3", "RUST_TARGET is 'x86_64-unknown-linux-gnu'")]
    [DataRow("FROM --platform=$BUILDPLATFORM rust:1 AS build\nENV CARGO_BUILD_TARGET=aarch64-unknown-linux-gnu\nRUN cargo build --release\n" + Final, Two, "MULTIARCH2006@3", "CARGO_BUILD_TARGET is 'aarch64-unknown-linux-gnu', from the ENV at line 2")]
    [DataRow("FROM --platform=$BUILDPLATFORM rust:1 AS build\nRUN rustc --target=aarch64-unknown-linux-gnu main.rs -o /out/app\n" + Final, Two, "MULTIARCH2006@2", "'--target=aarch64-unknown-linux-gnu'")]
    [DataRow("FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build\nARG RID=linux-x64\nRUN dotnet publish -r $RID -o /out\n" + Final, Two, "MULTIARCH2006@3", "RID is 'linux-x64'")]
    // An architecture-named variable with a constant default, used in a download URL or a path (squat/kilo before 40a3daa).
    [DataRow("FROM alpine AS dl\nARG ARCH=amd64\nRUN wget -O /t.tgz https://example.com/linux-$ARCH.tgz\nFROM alpine\nCOPY --from=dl /t.tgz /\n", Two, "MULTIARCH2006@3 MULTIARCH2007@3", "ARCH is 'amd64', from the ARG at line 2")]
    [DataRow("FROM alpine\nARG BIN_ARCH=arm64\nCOPY bin/linux/${BIN_ARCH}/app /app\n", Two, "MULTIARCH2006@3", "BIN_ARCH is 'arm64'")]
    public void A_constant_that_reaches_a_cross_compile_variable_is_hard_coding(string dockerfile, string platforms, string expected, string named)
    {
        var findings = Analyze(dockerfile, platforms);

        Assert.AreEqual(expected, Codes(findings), string.Join("\n", findings));
        var finding = findings.Single(f => f.Code == "MULTIARCH2006");
        StringAssert.Contains(finding.Message, named);
    }

    [TestMethod]
    [DataRow(Builder + "ARG TARGETARCH\nARG GOARCH=${TARGETARCH}\nRUN GOARCH=$GOARCH go build -o /out/app .\n" + Final, Two)]
    [DataRow(Builder + "ARG TARGETOS TARGETARCH\nENV GOOS=$TARGETOS GOARCH=$TARGETARCH\nRUN go build -o /out/app .\n" + Final, Two)]
    [DataRow(Builder + "ARG TARGETARCH\nRUN case \"$TARGETARCH\" in arm64) CC=aarch64-linux-gnu-gcc ;; amd64) CC=x86_64-linux-gnu-gcc ;; esac && CC=$CC GOARCH=$TARGETARCH go build -o /out/app .\n" + Final, Two)]
    [DataRow(Builder + "ARG TARGETARCH\nRUN ARCH=$(go env GOARCH) && GOARCH=$ARCH go build -o /out/app .\n" + Final, Two)]
    [DataRow(Builder + "ARG TARGETARCH\nRUN X=$TARGETARCH; GOARCH=$X go build -o /out/app .\n" + Final, Two)]
    [DataRow(Builder + "ARG TARGETARCH\nRUN GOOS=linux GOARCH=$TARGETARCH CC=gcc go build -o /out/app .\n" + Final, Two)]
    // GOARM with no 32-bit arm platform: go ignores it.
    [DataRow(Builder + "ARG TARGETARCH\nRUN GOARM=7 GOARCH=$TARGETARCH go build -o /out/app .\n" + Final, Two)]
    // A one-platform build for the constant's own architecture.
    [DataRow(Builder + "ARG GOARCH=amd64\nRUN go build -o /out/app .\n" + Final, "linux/amd64")]
    // A test stage whose output never reaches the image may build for the build machine.
    [DataRow(Builder + "ARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /out/app .\nFROM --platform=$BUILDPLATFORM golang:1.23 AS test\nARG GOARCH=amd64\nRUN go test ./...\n" + Final, Two)]
    // Architecture-named variables whose value is no architecture, or that follow the target.
    [DataRow("FROM alpine\nARG ARCH=generic\nCOPY bin/$ARCH/app /app\n", Two)]
    [DataRow("FROM alpine\nARG TARGETARCH\nARG ARCH=${TARGETARCH}\nCOPY bin/$ARCH/app /app\n", Two)]
    public void Values_that_follow_the_target_or_never_reach_the_image_are_not_reported(string dockerfile, string platforms)
    {
        var findings = Analyze(dockerfile, platforms);

        Assert.AreEqual(string.Empty, Codes(findings), string.Join("\n", findings));
    }

    [TestMethod]
    public void A_build_arg_the_user_passes_is_their_choice_not_a_hard_coded_value()
    {
        var findings = Analyze(Builder + "ARG GOARCH\nRUN go build -o /out/app .\n" + Final, Two, new Dictionary<string, string> { ["GOARCH"] = "amd64" });

        Assert.IsFalse(findings.Any(f => f.Code == "MULTIARCH2006"), string.Join("\n", findings));
    }

    [TestMethod]
    [DataRow("ARG BUILDPLATFORM=linux/amd64\nFROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /out/app .\n" + Final, "MULTIARCH2005@1")]
    [DataRow("ARG BUILDPLATFORM=linux/amd64\nFROM --platform=${BUILDPLATFORM} golang:1.23 AS build\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /out/app .\nFROM --platform=$BUILDPLATFORM build AS tools\nRUN echo tools\n" + Final, "MULTIARCH2005@1")]
    [DataRow("ARG TARGETARCH=amd64\nFROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /out/app .\n" + Final, "MULTIARCH2005@1")]
    [DataRow("FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETARCH=arm64\nRUN GOARCH=$TARGETARCH go build -o /out/app .\n" + Final, "MULTIARCH2005@2")]
    public void A_default_given_to_an_automatic_arg_is_reported_once_and_never_advises_what_is_written(string dockerfile, string expected)
    {
        var findings = Analyze(dockerfile, Two);

        Assert.AreEqual(expected, Codes(findings), string.Join("\n", findings));
        var lines = dockerfile.Split("\\n");
        foreach (var finding in findings)
        {
            foreach (var advised in new[] { "--platform=$BUILDPLATFORM", "GOARCH=$TARGETARCH" })
            {
                Assert.IsFalse(finding.Message.Contains("Use " + advised, StringComparison.Ordinal) && lines[finding.Line - 1].Contains(advised, StringComparison.Ordinal), $"advises '{advised}' on a line that has it: {finding}");
            }
        }
    }
}
