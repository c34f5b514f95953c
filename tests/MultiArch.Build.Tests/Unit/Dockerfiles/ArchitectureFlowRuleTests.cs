using System.Globalization;
using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Platforms;

namespace MultiArch.Build.Tests.Unit.Dockerfiles;

/// <summary>
/// Issue 18 §2: architecture literals in downloads and paths (MULTIARCH2018), $BUILDPLATFORM stages whose downloaded
/// programs reach the image (2019), assignments that never reach the command (2020), package managers' architecture
/// flags (2021), each at the line that causes it; no false alarm on tonistiigi/xx or on TARGETARCH mappings; a dotnet
/// build output that never reaches the image is not MULTIARCH2003; ENV CARGO_BUILD_TARGET reported where cargo reads it.
/// </summary>
[TestClass]
public sealed class ArchitectureFlowRuleTests
{
    private const string Two = "linux/amd64,linux/arm64";
    private const string Tools = "FROM --platform=$BUILDPLATFORM alpine AS tools\n";
    private const string Go = "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETOS TARGETARCH\n";
    private const string Final = "FROM gcr.io/distroless/static\nCOPY --from=build /out/app /app\n";

    private static List<MultiArch.Build.Diagnostics.Diagnostic> Analyze(string dockerfile, string platforms = Two)
    {
        var parsed = DockerfileParser.Parse(dockerfile, "Dockerfile");
        Assert.IsFalse(parsed.HasErrors, string.Join("\n", parsed.Diagnostics));
        return DockerfileAnalyzer.Analyze(parsed.Document, new DockerfileCheckOptions
        {
            TargetPlatforms = platforms.Split(',').Select(OciPlatform.Parse).ToList(),
            NativePlatforms = [OciPlatform.Parse("linux/amd64")],
            Scope = DockerfileCheckScope.WithoutEmulation,
        }).ToList();
    }

    private static string Codes(IEnumerable<MultiArch.Build.Diagnostics.Diagnostic> findings) => string.Join(" ", findings.Select(f => $"{f.Code}@{f.Line}"));

    [TestMethod]
    // 2018: literals in URLs, file names and library paths of target-platform stages.
    [DataRow("FROM alpine\nRUN curl -fLo /usr/local/bin/kubectl https://dl.k8s.io/release/v1.32.0/bin/linux/amd64/kubectl\n", "MULTIARCH2018@2", "linux/amd64/kubectl")]
    [DataRow("FROM alpine\nADD https://github.com/krallin/tini/releases/download/v0.19.0/tini-amd64 /tini\n", "MULTIARCH2018@2", "tini-amd64")]
    [DataRow("FROM debian\nRUN wget -q https://nodejs.org/dist/v20.0.0/node-v20.0.0-linux-x64.tar.xz && tar xf node-v20.0.0-linux-x64.tar.xz\n", "MULTIARCH2018@2", "linux-x64")]
    [DataRow("FROM debian AS libs\nRUN apt-get update && apt-get install -y libssl3\nFROM debian\nCOPY --from=libs /usr/lib/x86_64-linux-gnu/libssl.so.3 /usr/lib/x86_64-linux-gnu/\n", "MULTIARCH2018@4", "/usr/lib/x86_64-linux-gnu")]
    [DataRow("FROM debian\nRUN dpkg -i /tmp/tool_1.0_arm64.deb\n", "MULTIARCH2018@2", "arm64")]
    [DataRow("FROM scratch\nCOPY --chmod=755 busybox-amd64 /bin/busybox\n", "MULTIARCH2018@2", "busybox-amd64")]
    // The build machine's architecture in a target-platform stage (Azure/tfmod-scaffold before 574a489).
    [DataRow("FROM alpine\nARG BUILDARCH\nRUN wget https://go.dev/dl/go1.22.0.linux-${BUILDARCH}.tar.gz\n", "MULTIARCH2018@3", "$BUILDARCH")]
    public void Architecture_literals_in_downloads_and_paths_are_reported_at_their_line(string dockerfile, string expected, string named)
    {
        var findings = Analyze(dockerfile);
        Assert.AreEqual(expected, Codes(findings), string.Join("\n", findings));
        StringAssert.Contains(findings.Single().Message, named);
        StringAssert.Contains(findings.Single().Message, "$TARGETARCH");
    }

    [TestMethod]
    [DataRow("FROM alpine\nARG TARGETARCH\nRUN curl -fLo /k https://dl.k8s.io/release/v1.32.0/bin/linux/${TARGETARCH}/kubectl\n", Two)]
    [DataRow("FROM alpine\nARG TARGETARCH\nRUN case \"$TARGETARCH\" in amd64) A=x86_64 ;; arm64) A=aarch64 ;; esac && curl -fLo /t https://example.com/tool-linux-x86_64 -o /t-$A\n", Two)]
    [DataRow("FROM alpine\nRUN if [ \"$(uname -m)\" = x86_64 ]; then curl -o /t https://example.com/t-x86_64; else curl -o /t https://example.com/t-aarch64; fi\n", Two)]
    [DataRow("FROM alpine\nRUN ARCH=$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/') && curl -o /t https://example.com/t-$ARCH\n", Two)]
    [DataRow("FROM alpine\nARG TARGETARCH\nRUN curl -o /t https://example.com/t-${TARGETARCH:-amd64}\n", Two)]
    // One platform of the named architecture; a $BUILDPLATFORM stage whose download is a build tool; a stage not in the image.
    [DataRow("FROM alpine\nRUN curl -o /t https://example.com/t-linux-amd64\n", "linux/amd64")]
    [DataRow(Go + "RUN curl -fsSL https://github.com/protocolbuffers/protobuf/releases/download/v25.1/protoc-25.1-linux-x86_64.zip -o /p.zip\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n" + Final, Two)]
    [DataRow("FROM alpine AS test\nRUN curl -o /t https://example.com/t-linux-amd64\nFROM alpine\nRUN true\n", Two)]
    // tonistiigi/xx: xx-info picks the target's architecture.
    [DataRow("FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx\nFROM alpine\nCOPY --from=xx / /\nRUN curl -o /t https://example.com/t-$(xx-info march)\n", Two)]
    public void Downloads_chosen_by_the_target_are_not_reported(string dockerfile, string platforms)
    {
        var findings = Analyze(dockerfile, platforms);
        Assert.AreEqual(string.Empty, Codes(findings.Where(f => f.Code == "MULTIARCH2018")), string.Join("\n", findings));
    }

    [TestMethod]
    // 2019: the helm case, with $(uname -m); a piped install script; ADD of a URL; copied through a chain.
    [DataRow(Tools + "RUN wget -qO- https://get.helm.sh/helm-v3.14.0-linux-$(uname -m).tar.gz | tar xz -C /usr/local/bin\nFROM alpine\nCOPY --from=tools /usr/local/bin/helm /usr/local/bin/helm\n", "MULTIARCH2019@2", "line 4")]
    [DataRow(Tools + "RUN apk add curl bash && curl -fsSL https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3 | bash\nFROM alpine\nCOPY --from=tools /usr/local/bin/helm /usr/local/bin/helm\n", "MULTIARCH2019@2", "| bash")]
    [DataRow(Tools + "ARG BUILDARCH\nRUN curl -fLo /crictl.tgz https://github.com/kubernetes-sigs/cri-tools/releases/download/v1.30.0/crictl-v1.30.0-linux-$BUILDARCH.tar.gz\nFROM tools AS unpacked\nRUN tar -C /usr/local/bin -xzf /crictl.tgz\nFROM alpine\nCOPY --from=unpacked /usr/local/bin/crictl /usr/local/bin/\n", "MULTIARCH2019@3", "$BUILDARCH")]
    public void A_build_platform_download_copied_into_the_image_is_reported(string dockerfile, string expected, string named)
    {
        var findings = Analyze(dockerfile);
        Assert.AreEqual(expected, Codes(findings), string.Join("\n", findings));
        StringAssert.Contains(findings.Single().Message, named);
    }

    [TestMethod]
    // The stage follows the target, uses xx, or its download never reaches the image; or one native platform is built.
    [DataRow(Tools + "ARG TARGETARCH\nRUN wget -qO- https://get.helm.sh/helm-v3.14.0-linux-${TARGETARCH}.tar.gz | tar xz -C /usr/local/bin\nFROM alpine\nCOPY --from=tools /usr/local/bin/helm /usr/local/bin/helm\n", Two)]
    [DataRow("FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.5.0 AS xx\n" + Tools + "COPY --from=xx / /\nRUN curl -fLo /k https://dl.k8s.io/release/v1.32.0/bin/linux/$(xx-info arch)/kubectl\nFROM alpine\nCOPY --from=tools /k /usr/local/bin/kubectl\n", Two)]
    [DataRow(Tools + "RUN wget -qO- https://get.helm.sh/helm-v3.14.0-linux-amd64.tar.gz | tar xz -C /usr/local/bin\nFROM alpine AS test\nCOPY --from=tools /usr/local/bin/helm /usr/local/bin/helm\nFROM alpine\nRUN true\n", Two)]
    [DataRow(Tools + "RUN curl -fsSLo /keys/release.asc https://example.com/release.asc\nFROM alpine\nCOPY --from=tools /keys /keys\n", Two)]
    [DataRow(Tools + "RUN wget -qO- https://get.helm.sh/helm-v3.14.0-linux-amd64.tar.gz | tar xz -C /usr/local/bin\nFROM alpine\nCOPY --from=tools /usr/local/bin/helm /usr/local/bin/helm\n", "linux/amd64")]
    public void Cross_compiling_or_unshipped_build_platform_downloads_are_not_reported(string dockerfile, string platforms)
    {
        var findings = Analyze(dockerfile, platforms);
        Assert.AreEqual(string.Empty, Codes(findings.Where(f => f.Code == "MULTIARCH2019")), string.Join("\n", findings));
    }

    /// <summary>
    /// A $BUILDPLATFORM stage may download tools to build portable things: what the image copies from it then holds no
    /// program for the build machine, and MULTIARCH2019 stays quiet (the tool ran where it should, on the build machine).
    /// </summary>
    [TestMethod]
    // A Java agent JAR (the OpenTelemetry pattern), downloaded and copied as is.
    [DataRow("FROM --platform=$BUILDPLATFORM alpine:3.20 AS agent\nARG OTEL_VERSION=2.4.0\nRUN apk add --no-cache curl && mkdir -p /otel && curl -fsSL -o /otel/opentelemetry-javaagent.jar https://github.com/open-telemetry/opentelemetry-java-instrumentation/releases/download/v${OTEL_VERSION}/opentelemetry-javaagent.jar\nFROM eclipse-temurin:21-jre\nCOPY --from=agent /otel/opentelemetry-javaagent.jar /otel/opentelemetry-javaagent.jar\nCOPY target/app.jar /app.jar\nENTRYPOINT [\"java\", \"-javaagent:/otel/opentelemetry-javaagent.jar\", \"-jar\", \"/app.jar\"]\n")]
    // node_modules of a pure-JavaScript app, installed with pnpm fetched by its install script.
    [DataRow("FROM --platform=$BUILDPLATFORM node:20-slim AS deps\nRUN apt-get update && apt-get install -y curl && curl -fsSL https://get.pnpm.io/install.sh | env PNPM_VERSION=9.1.0 sh -\nENV PATH=/root/.local/share/pnpm:$PATH\nWORKDIR /app\nCOPY package.json pnpm-lock.yaml ./\nRUN pnpm install --prod --frozen-lockfile\nFROM node:20-slim\nWORKDIR /app\nCOPY --from=deps /app/node_modules ./node_modules\nCOPY . .\nCMD [\"node\", \"server.js\"]\n")]
    // A framework-dependent .NET publish (no RID, no apphost), with the SDK installed by dotnet-install.sh.
    [DataRow("FROM --platform=$BUILDPLATFORM debian:12 AS build\nRUN apt-get update && apt-get install -y curl libicu72 && curl -sSL https://dot.net/v1/dotnet-install.sh | bash /dev/stdin --channel 8.0 --install-dir /usr/share/dotnet\nENV PATH=/usr/share/dotnet:$PATH\nWORKDIR /src\nCOPY . .\nRUN dotnet publish Api.csproj -c Release -o /app/publish -p:UseAppHost=false\nFROM mcr.microsoft.com/dotnet/aspnet:8.0\nWORKDIR /app\nCOPY --from=build /app/publish .\nENTRYPOINT [\"dotnet\", \"Api.dll\"]\n")]
    // A static site: hugo for the build machine (a literal amd64, rightly) renders public/, which nginx serves.
    [DataRow("FROM --platform=$BUILDPLATFORM debian:12-slim AS site\nARG HUGO_VERSION=0.125.4\nRUN apt-get update && apt-get install -y wget ca-certificates && wget -qO- https://github.com/gohugoio/hugo/releases/download/v${HUGO_VERSION}/hugo_extended_${HUGO_VERSION}_linux-amd64.tar.gz | tar -xz -C /usr/local/bin hugo\nWORKDIR /src\nCOPY . .\nRUN hugo --minify\nFROM nginx:1.27-alpine\nCOPY --from=site /src/public /usr/share/nginx/html\n")]
    // go mod download and a git clone of scripts next to a yq the build machine runs to render the config.
    [DataRow("FROM --platform=$BUILDPLATFORM golang:1.23 AS prep\nRUN curl -fsSLo /usr/local/bin/yq https://github.com/mikefarah/yq/releases/download/v4.44.1/yq_linux_amd64 && chmod +x /usr/local/bin/yq\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nRUN git clone --depth 1 https://github.com/example/ops-scripts /ops\nCOPY config.tmpl.yaml .\nRUN mkdir /rendered && yq '.env = \"prod\"' config.tmpl.yaml > /rendered/config.yaml\nFROM alpine:3.20\nCOPY --from=prep /ops/bin /ops\nCOPY --from=prep /rendered /etc/app\n")]
    // Helm charts pulled with a helm installed by get-helm-3: the charts are copied, not helm.
    [DataRow("FROM --platform=$BUILDPLATFORM alpine:3.20 AS charts\nRUN apk add --no-cache curl bash openssl && curl -fsSL https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3 | bash\nRUN helm pull oci://registry-1.docker.io/bitnamicharts/redis --version 19.5.0 --untar -d /charts\nFROM alpine:3.20\nCOPY --from=charts /charts /charts\n")]
    public void Build_platform_downloads_whose_copies_are_portable_are_not_reported(string dockerfile)
    {
        var findings = Analyze(dockerfile);
        Assert.AreEqual(string.Empty, Codes(findings.Where(f => f.Code == "MULTIARCH2019")), string.Join("\n", findings));
    }

    /// <summary>The failures stay reported when the image copies the tool itself: helm, kubectl, kustomize, crictl.</summary>
    [TestMethod]
    [DataRow("FROM --platform=$BUILDPLATFORM alpine:3.20 AS charts\nRUN apk add --no-cache curl bash openssl && curl -fsSL https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3 | bash\nRUN helm pull oci://registry-1.docker.io/bitnamicharts/redis --version 19.5.0 --untar -d /charts\nFROM alpine:3.20\nCOPY --from=charts /charts /charts\nCOPY --from=charts /usr/local/bin/helm /usr/local/bin/helm\n", "MULTIARCH2019@2", "line 6")]
    [DataRow("FROM --platform=$BUILDPLATFORM alpine:3.20 AS tools\nARG KUBECTL_VERSION=v1.30.2\nRUN apk add --no-cache curl && curl -fsSLo /tmp/kubectl https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/amd64/kubectl && install -m 0755 /tmp/kubectl /opt/tools/kubectl\nFROM alpine:3.20\nCOPY --from=tools /opt/tools/kubectl /usr/local/bin/kubectl\n", "MULTIARCH2019@3", "line 5")]
    [DataRow("FROM --platform=$BUILDPLATFORM alpine:3.20 AS tools\nRUN apk add --no-cache curl bash\nWORKDIR /tools\nRUN curl -s https://raw.githubusercontent.com/kubernetes-sigs/kustomize/master/hack/install_kustomize.sh | bash\nFROM alpine:3.20\nCOPY --from=tools /tools/kustomize /usr/local/bin/kustomize\n", "MULTIARCH2019@4", "line 6")]
    [DataRow("FROM --platform=$BUILDPLATFORM alpine:3.20 AS dl\nADD https://github.com/kubernetes-sigs/cri-tools/releases/download/v1.30.0/crictl-v1.30.0-linux-amd64.tar.gz /crictl.tgz\nFROM alpine:3.20\nCOPY --from=dl /crictl.tgz /tmp/\nRUN tar -C /usr/local/bin -xzf /tmp/crictl.tgz && rm /tmp/crictl.tgz\n", "MULTIARCH2019@2", "line 4")]
    public void Build_platform_tools_copied_into_the_image_are_still_reported(string dockerfile, string expected, string named)
    {
        var findings = Analyze(dockerfile).Where(f => f.Code == "MULTIARCH2019").ToList();
        Assert.AreEqual(expected, Codes(findings), string.Join("\n", findings));
        StringAssert.Contains(findings.Single().Message, named);
    }

    [TestMethod]
    // 2020: the case, with ';' and on lines of a heredoc script.
    [DataRow(Go + "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH && go build -o /out/app .\n" + Final, "MULTIARCH2020@3", "'CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH' is a statement of its own (followed by '&&')")]
    [DataRow(Go + "RUN GOARCH=$TARGETARCH; go build -o /out/app .\n" + Final, "MULTIARCH2020@3", "'go build -o /out/app .'")]
    [DataRow(Go + "RUN <<EOF\nGOARCH=$TARGETARCH\ngo build -o /out/app .\nEOF\n" + Final, "MULTIARCH2020@3", "followed by 'a new line'")]
    [DataRow("FROM node:20 AS build\nRUN npm_config_arch=x64 && npm ci\nFROM node:20-slim\nCOPY --from=build /app /app\n", "MULTIARCH2020@2 MULTIARCH2021@2", "npm_config_arch")]
    public void A_bare_assignment_that_never_reaches_the_command_is_reported(string dockerfile, string expected, string named)
    {
        var findings = Analyze(dockerfile);
        Assert.AreEqual(expected, Codes(findings), string.Join("\n", findings));
        StringAssert.Contains(findings.First(f => f.Code == "MULTIARCH2020").Message, named);
    }

    [TestMethod]
    [DataRow(Go + "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n" + Final)]
    [DataRow(Go + "RUN export GOOS=$TARGETOS GOARCH=$TARGETARCH && go build -o /out/app . && go build -o /out/tool ./tool\n" + Final)]
    [DataRow(Go + "RUN GOARCH=$TARGETARCH && export GOARCH && go build -o /out/app .\n" + Final)]
    [DataRow(Go + "RUN ARCH=$TARGETARCH && curl -fLo /out/tool https://example.com/tool-$ARCH && GOARCH=$TARGETARCH go build -o /out/app .\n" + Final)]
    [DataRow(Go + "RUN set -a && GOARCH=$TARGETARCH && go build -o /out/app .\n" + Final)]
    [DataRow("FROM alpine\nRUN DEBIAN_FRONTEND=noninteractive && echo done\n")]
    public void Assignments_that_reach_or_are_read_are_not_reported(string dockerfile)
    {
        var findings = Analyze(dockerfile);
        Assert.AreEqual(string.Empty, Codes(findings), string.Join("\n", findings));
    }

    [TestMethod]
    public void Goarch_on_the_first_command_only_leaves_the_next_go_build_for_the_build_machine()
    {
        // kserve/modelmesh-runtime-adapter before 791fa85: the prefix reaches the first go build, not the ones after &&.
        var findings = Analyze(Go + "RUN GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH:-amd64} go build -o puller ./puller && go build -o adapter ./adapter\n" + Final);
        Assert.AreEqual("MULTIARCH2003@3", Codes(findings), string.Join("\n", findings));
    }

    [TestMethod]
    [DataRow("FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci --ignore-scripts && npm rebuild --platform=linux --arch=x64 --libc=musl sharp\n", "MULTIARCH2021@4", "'--arch=x64'")]
    [DataRow("FROM node:20\nENV npm_config_arch=x64\nRUN npm ci\n", "MULTIARCH2021@2", "npm_config_arch=x64")]
    [DataRow("FROM node:20\nRUN yarn add --cpu=arm64 sharp\n", "MULTIARCH2021@2", "--cpu=arm64")]
    [DataRow("FROM python:3.12\nRUN pip download --only-binary=:all: --platform manylinux2014_x86_64 -d /wheels -r requirements.txt\n", "MULTIARCH2021@2", "manylinux2014_x86_64")]
    [DataRow("FROM python:3.12\nARG WHEEL_PLATFORM=manylinux2014_aarch64\nRUN pip install --platform $WHEEL_PLATFORM --target /deps -r requirements.txt\n", "MULTIARCH2021@3", "aarch64")]
    // A platform package installed by name (msaad00/agent-bom before d42e2f1; sharp's and esbuild's scoped packages).
    [DataRow("FROM node:22-bookworm-slim AS deps\nRUN npm install --no-save --ignore-scripts lightningcss-linux-x64-gnu@1.32.0\nFROM node:22-bookworm-slim\nCOPY --from=deps /app/node_modules ./node_modules\n", "MULTIARCH2021@2", "'lightningcss-linux-x64-gnu@1.32.0'")]
    [DataRow("FROM node:20-alpine\nRUN npm install --force @img/sharp-linuxmusl-arm64\n", "MULTIARCH2021@2", "@img/sharp-linuxmusl-arm64")]
    [DataRow("FROM node:20\nRUN pnpm add -D @esbuild/linux-x64\n", "MULTIARCH2021@2", "@esbuild/linux-x64")]
    public void Package_manager_architecture_flags_are_reported(string dockerfile, string expected, string named)
    {
        var findings = Analyze(dockerfile);
        Assert.AreEqual(expected, Codes(findings), string.Join("\n", findings));
        StringAssert.Contains(findings.Single().Message, named);
    }

    [TestMethod]
    [DataRow("FROM node:20-alpine\nRUN npm ci && npm rebuild --platform=linux --libc=musl sharp\n", Two)]
    [DataRow("FROM --platform=$BUILDPLATFORM node:20 AS build\nARG TARGETARCH\nRUN case \"$TARGETARCH\" in amd64) A=x64 ;; *) A=$TARGETARCH ;; esac && npm ci --arch=$A\nFROM node:20-slim\nCOPY --from=build /app /app\n", Two)]
    [DataRow("FROM python:3.12\nARG TARGETARCH\nARG WHEEL=manylinux2014_${TARGETARCH}\nRUN pip download --platform $WHEEL -d /wheels -r requirements.txt\n", Two)]
    [DataRow("FROM node:20\nRUN npm ci --arch=x64\n", "linux/amd64")]
    // The platform package chosen from $TARGETARCH, or named in a string that is no npm argument.
    [DataRow("FROM node:22-bookworm-slim\nARG TARGETARCH\nRUN case \"${TARGETARCH:-amd64}\" in amd64) pkg=\"lightningcss-linux-x64-gnu@1.32.0\" ;; arm64) pkg=\"lightningcss-linux-arm64-gnu@1.32.0\" ;; esac; npm install --no-save \"$pkg\"\n", Two)]
    [DataRow("FROM node:20\nRUN npm install && echo 'skip optional linux-x64 bindings' && npm ls\n", Two)]
    [DataRow("FROM node:20\nRUN npm install @img/sharp-linux-x64\n", "linux/amd64")]
    public void Package_manager_flags_from_the_target_are_not_reported(string dockerfile, string platforms)
    {
        var findings = Analyze(dockerfile, platforms);
        Assert.AreEqual(string.Empty, Codes(findings.Where(f => f.Code == "MULTIARCH2021")), string.Join("\n", findings));
    }

    [TestMethod]
    // tonistiigi/xx helpers cross-compile: no MULTIARCH2003 (issue 18's false alarm), nor any other finding.
    [DataRow("FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.5.0 AS xx\nFROM --platform=$BUILDPLATFORM golang:1.23-alpine AS build\nCOPY --from=xx / /\nARG TARGETPLATFORM\nRUN xx-apk add --no-cache musl-dev gcc\nRUN CGO_ENABLED=1 xx-go build -o /out/app . && xx-verify /out/app\n" + Final)]
    [DataRow("FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.5.0 AS xx\nFROM --platform=$BUILDPLATFORM golang:1.23 AS build\nCOPY --from=xx / /\nARG TARGETPLATFORM\nRUN xx-go --wrap\nRUN go build -o /out/app .\n" + Final)]
    [DataRow("FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.5.0 AS xx\nFROM --platform=$BUILDPLATFORM rust:1 AS build\nCOPY --from=xx / /\nARG TARGETPLATFORM\nRUN xx-apt-get install -y gcc libc6-dev\nRUN xx-cargo build --release --target-dir /build && cp /build/$(xx-cargo --print-target-triple)/release/app /out/app\n" + Final)]
    [DataRow("FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.5.0 AS xx\nFROM --platform=$BUILDPLATFORM alpine AS build\nCOPY --from=xx / /\nARG TARGETPLATFORM\nRUN xx-apk add clang lld && xx-clang --setup-target-triple && CC=xx-clang make -C src && mv src/app /out/app\n" + Final)]
    // The older xx image installs a go wrapper that reads $TARGETPLATFORM (carlosedp/docker-arm_exporter, nextdns).
    [DataRow("FROM --platform=$BUILDPLATFORM golang:1.14 AS build\nCOPY --from=tonistiigi/xx:golang / /\nARG TARGETPLATFORM\nRUN go build -o /out/app .\n" + Final)]
    public void Xx_helpers_are_not_taken_for_a_build_for_the_build_machine(string dockerfile)
    {
        var findings = Analyze(dockerfile);
        Assert.AreEqual(string.Empty, Codes(findings), string.Join("\n", findings));
    }

    [TestMethod]
    public void A_dotnet_build_output_that_never_reaches_the_image_is_not_multiarch2003()
    {
        // The Visual Studio template: build -o /app/build (never copied), publish -o /app/publish (copied) portable IL.
        const string Template = "FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY . .\nRUN dotnet build App.csproj -c Release -o /app/build\nFROM build AS publish\nRUN dotnet publish App.csproj -c Release -o {0} /p:UseAppHost=false\nFROM mcr.microsoft.com/dotnet/aspnet:8.0\nWORKDIR /app\nCOPY --from=publish {1} .\n";
        Assert.AreEqual(string.Empty, Codes(Analyze(string.Format(CultureInfo.InvariantCulture, Template, "/app/publish", "/app/publish"))));

        // The build output is what is copied (directly or as a folder above it, or relative to WORKDIR): reported.
        Assert.AreEqual("MULTIARCH2003@4", Codes(Analyze(string.Format(CultureInfo.InvariantCulture, Template, "/app/publish", "/app/build"))));
        Assert.AreEqual("MULTIARCH2003@4", Codes(Analyze(string.Format(CultureInfo.InvariantCulture, Template, "/app/publish", "/app"))));
        Assert.AreEqual("MULTIARCH2003@4", Codes(Analyze(string.Format(CultureInfo.InvariantCulture, Template, "/app/publish", "/app/build").Replace("-o /app/build", "-o ../app/build", StringComparison.Ordinal).Replace("WORKDIR /src", "WORKDIR /work", StringComparison.Ordinal).Replace("COPY --from=publish /app/build", "COPY --from=publish /app/build", StringComparison.Ordinal))));
    }
}
