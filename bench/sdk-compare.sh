#!/usr/bin/env bash
# Side by side: this package's `dotnet publish -p:ContainerPlatforms=...` against the .NET SDK's own multi-RID
# `dotnet publish -t:PublishContainer -p:ContainerRuntimeIdentifiers=...`, on the same console app, the same base
# image, the same loopback registry and the same platforms. Every run is a clean publish (bin/ and obj/ removed:
# restore, compile, publish, image, push included); the two commands alternate (A B A B ...), and the ratio is taken
# pair by pair, so that the shared machine's drift hits both alike. The package's runs include its validation (deep
# check, start-up check) and tag; the SDK validates nothing. Each run's compile count is read from
# -clp:PerformanceSummary (the Csc task's calls).
#
# Usage: bench/sdk-compare.sh PAIRS APPHOST RIDS [RIDS ...]
#   PAIRS    runs of each command (default 5)
#   APPHOST  true (the SDK's default: framework-dependent with an apphost) or false (UseAppHost=false)
#   RIDS     one platform set per argument, ';'-separated RIDs, e.g. "linux-x64;linux-arm64"
# Needs the environment of build/env/up.sh (loopback registry, podman, the .NET base images): MULTIARCH_TEST_REGISTRY,
#   MULTIARCH_DOTNET_RUNTIME_IMAGE and MULTIARCH_DOTNET_BASE_IMAGE. Prints one markdown table row per platform set.
# The base image, the same for both commands:
#   APPHOST=true   the real dotnet/runtime:10.0 of build/env/dotnet-images.sh (linux/amd64, linux/arm64): the apphost
#                  starts there on both platforms, and the package's start-up check follows it to the runtime.
#   APPHOST=false  the stand-in of build/env/base-images.sh (linux/amd64, arm64, arm/v7, s390x; busybox as `dotnet`):
#                  no linux-arm64 `dotnet` muxer is served here, so no real image runs `dotnet app.dll` on arm64, and
#                  no real .NET image has linux/arm/v7 or linux/s390x (no runtime pack is served for them).
#   BENCH_BASE     overrides both.
# With APPHOST=false the SDK gets -p:EnableRuntimePackDownload=false -p:EnableAppHostPackDownload=false: with
#   RuntimeIdentifiers set its restore asks for Microsoft.NETCore.App.Runtime.<rid>, Microsoft.AspNetCore.App.Runtime.<rid>
#   and Microsoft.NETCore.App.Host.<rid> of every RID even for a framework-dependent app without an apphost, which uses
#   none of them; the feed here serves none for linux-arm and linux-s390x (NU1101). These two properties of the SDK's
#   Microsoft.NET.Sdk.FrameworkReferenceResolution.targets turn those downloads off; the package needs no pack at all.
#   BENCH_PACKAGE_CLI: podman or docker to measure the package with that build tool (default: none, the in-process
#   assembly of the generated Dockerfile).
#   BENCH_PACKAGE_ARGS / BENCH_SDK_ARGS: more arguments for one side's runs only.
#   BENCH_REPOSITORY_PREFIX: the repositories pushed to (default bench: bench/package-app, bench/sdk-app).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pairs=${1:-5}
apphost=${2:-true}
shift 2 || true
[ $# -gt 0 ] || set -- "linux-x64;linux-arm64"
: "${MULTIARCH_TEST_REGISTRY:?run build/env/up.sh and source its output}"
: "${MULTIARCH_DOTNET_BASE_IMAGE:?run build/env/up.sh and source its output}"
: "${MULTIARCH_DOTNET_RUNTIME_IMAGE:?run build/env/up.sh and source its output}"
registry=$MULTIARCH_TEST_REGISTRY
prefix=${BENCH_REPOSITORY_PREFIX:-bench}
sdk_args=${BENCH_SDK_ARGS:-}
if [ "$apphost" = true ]; then
  base=${BENCH_BASE:-$MULTIARCH_DOTNET_RUNTIME_IMAGE}
else
  base=${BENCH_BASE:-$MULTIARCH_DOTNET_BASE_IMAGE}
  sdk_args="-p:EnableRuntimePackDownload=false -p:EnableAppHostPackDownload=false $sdk_args"
fi
echo "base image: $base; SDK extra arguments: ${sdk_args:-none}; package extra arguments: ${BENCH_PACKAGE_ARGS:-none}" >&2
export DOTNET_CONTAINER_INSECURE_REGISTRIES=$registry   # the SDK's way to reach a plain-HTTP registry
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work=${BENCH_WORK:-$(mktemp -d)}
version="0.1.0-bench.$(date +%s)"
dotnet pack "$root/src/MultiArch.Build/MultiArch.Build.csproj" -c Release -o "$work/feed" -nologo -v:q "-p:MultiArchBuildVersion=$version" >&2
mkdir -p "$work/app"
cd "$work/app"
cat > nuget.config <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /><add key="local" value="$work/feed" /><add key="nuget.org" value="https://api.nuget.org/v3/index.json" /></packageSources></configuration>
EOF
cat > app.csproj <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <InvariantGlobalization>true</InvariantGlobalization>
    <UseAppHost>$apphost</UseAppHost>
  </PropertyGroup>
  <ItemGroup><PackageReference Include="MultiArch.Build" Version="$version" /></ItemGroup>
</Project>
EOF
echo 'System.Console.WriteLine(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture);' > Program.cs
dotnet restore -nologo -v:q >&2   # the package folder warm for both

package() {
  # No ContainerCli: the default path (the generated Dockerfile assembled in process, no build tool). BENCH_PACKAGE_CLI
  # (podman, docker) measures a tool's build instead.
  dotnet publish -c Release -nologo -clp:PerformanceSummary "-p:ContainerPlatforms=\"$1\"" ${BENCH_PACKAGE_CLI:+"-p:ContainerCli=$BENCH_PACKAGE_CLI"} \
    "-p:ContainerBaseImage=$base" "-p:ContainerRegistry=$registry" "-p:ContainerInsecureRegistries=$registry" \
    "-p:ContainerRepository=$prefix/package-app" -p:ContainerImageTag=bench ${BENCH_PACKAGE_ARGS:-}
}
sdk() {
  dotnet publish -c Release -nologo -clp:PerformanceSummary -t:PublishContainer "-p:ContainerRuntimeIdentifiers=\"$1\"" \
    "-p:RuntimeIdentifiers=\"$1\"" "-p:ContainerBaseImage=$base" "-p:ContainerRegistry=$registry" \
    "-p:ContainerRepository=$prefix/sdk-app" -p:ContainerImageTag=bench $sdk_args
}
# run NAME RIDS: one clean run; prints "seconds csc-calls"
run() {
  rm -rf bin obj
  local start end log="$work/$1.log"
  start=$(date +%s.%N)
  "$1" "$2" > "$log" 2>&1 || { tail -30 "$log" >&2; echo "bench: $1 failed for $2" >&2; exit 1; }
  end=$(date +%s.%N)
  printf '%s %s\n' "$(echo "$end - $start" | bc)" "$(awk '$3 == "Csc" && $5 == "calls" {print $4; exit}' "$log" | grep . || echo 0)"
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) printf "%.2f", a[(NR+1)/2]; else printf "%.2f", (a[NR/2]+a[NR/2+1])/2}'; }

for rids in "$@"; do
  : > "$work/pkg.t"; : > "$work/sdk.t"; : > "$work/ratio.t"
  for i in $(seq "$pairs"); do
    read -r p pc < <(run package "$rids")
    read -r s sc < <(run sdk "$rids")
    echo "$p" >> "$work/pkg.t"; echo "$s" >> "$work/sdk.t"; echo "scale=4; $p / $s" | bc >> "$work/ratio.t"
    echo "pair $i ($rids, apphost=$apphost): package ${p}s (Csc $pc), sdk ${s}s (Csc $sc), load $(cut -d' ' -f1 /proc/loadavg)" >&2
  done
  n=$(tr ';' '\n' <<< "$rids" | grep -c .)
  printf '| %s | %s | %s | %s | %s | %s (%s-%s) | %s | %s |\n' "$n" "$rids" "$apphost" "$(median < "$work/pkg.t")" "$(median < "$work/sdk.t")" \
    "$(median < "$work/ratio.t")" "$(sort -n "$work/ratio.t" | head -1 | xargs printf '%.2f')" "$(sort -n "$work/ratio.t" | tail -1 | xargs printf '%.2f')" "$pc" "$sc"
done
