#!/usr/bin/env bash
# Benchmark: wall time of the whole multi-platform `dotnet publish` (publish + stage + podman build + push by digest +
# validation + tag) of samples/aspnet-app for 1, 2 and 4 platforms, against a plain loop of per-RID `dotnet publish`
# runs (publish only, no image) of the same app. Every run starts from a clean bin/ and obj/ (restore included).
# 1 and 2 platforms: the sample as it is (framework-dependent with its apphost, the SDK's default: published per RID,
# compiled once) on the real dotnet/aspnet:10.0 of build/env/dotnet-images.sh, which has linux/amd64 and linux/arm64.
# 4 platforms (and the 1-platform run it is compared with): UseAppHost=false on the stand-in of build/env/base-images.sh,
# the only base here with linux/arm/v7 and linux/s390x (no runtime or apphost pack is served for linux-arm or
# linux-s390x, so no real .NET image or apphost can be made for them).
# Writes its section of docs/benchmarks.md (between the publish-bench markers). Usage: bench/publish.sh [iterations]
# Needs the environment of build/env/up.sh (loopback registry, podman, QEMU, the .NET base images).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
iterations=${1:-3}
if [ -z "${MULTIARCH_TEST_REGISTRY:-}" ] || [ -z "${MULTIARCH_DOTNET_BASE_IMAGE:-}" ] || [ -z "${MULTIARCH_DOTNET_ASPNET_IMAGE:-}" ]; then
  env_file=$(mktemp)
  trap 'rm -f "$env_file"' EXIT
  build/env/up.sh > "$env_file"
  # shellcheck disable=SC1090
  . "$env_file"
fi

work=$(mktemp -d)
version="0.1.0-bench.$(date +%s)"
dotnet pack src/MultiArch.Build/MultiArch.Build.csproj -c Release -o "$work/feed" -nologo -v:q "-p:MultiArchBuildVersion=$version" >&2
cp -r samples/aspnet-app "$work/app"
rm -rf "$work/app/bin" "$work/app/obj"
sed -i "s#../../artifacts/feed#$work/feed#" "$work/app/nuget.config"
export NUGET_PACKAGES="$work/packages"
cd "$work/app"
dotnet restore -nologo -v:q "-p:MultiArchBuildVersion=$version" >&2   # fills the package folder once

# seconds RUN...: the median wall time of `iterations` runs of the command, each from a clean bin/ and obj/.
median() {
  local times=()
  for _ in $(seq "$iterations"); do
    rm -rf bin obj
    local start end
    start=$(date +%s.%N)
    "$@" > "$work/last.log" 2>&1 || { cat "$work/last.log" >&2; echo "bench: failed: $*" >&2; exit 1; }
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]}'
}

# image_publish PLATFORMS BASE [ARGS...]
image_publish() {
  local platforms=$1 base=$2
  shift 2
  dotnet publish -c Release -nologo "-p:MultiArchBuildVersion=$version" "-p:ContainerPlatforms=\"$platforms\"" \
    -p:ContainerCli=podman "-p:ContainerBaseImage=$base" \
    "-p:ContainerRegistry=$MULTIARCH_TEST_REGISTRY" "-p:ContainerInsecureRegistries=$MULTIARCH_TEST_REGISTRY" \
    "-p:ContainerRepository=${BENCH_REPOSITORY_PREFIX:-bench}/aspnet-app" -p:ContainerImageTag=bench "$@"
}
apphost() { image_publish "$1" "$MULTIARCH_DOTNET_ASPNET_IMAGE"; }
no_apphost() { image_publish "$1" "$MULTIARCH_DOTNET_BASE_IMAGE" -p:UseAppHost=false; }

# Framework-dependent without an apphost: no pack is needed for any RID.
rid_loop() {
  for rid in "$@"; do
    dotnet publish -c Release -nologo "-p:MultiArchBuildVersion=$version" -r "$rid" --self-contained false -p:UseAppHost=false -o "out/$rid"
  done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
plain=$(median dotnet publish -c Release -nologo "-p:MultiArchBuildVersion=$version")
one=$(median apphost "linux/amd64")
two=$(median apphost "linux/amd64;linux/arm64")
one_fd=$(median no_apphost "linux/amd64")
four=$(median no_apphost "linux/amd64;linux/arm64;linux/arm/v7;linux/s390x")
loop1=$(median rid_loop linux-x64)
loop4=$(median rid_loop linux-x64 linux-arm64 linux-arm linux-s390x)
ratio() { echo "scale=2; $1 / $2" | bc | sed 's/^\./0./'; }

section=$(mktemp)
{
  echo "<!-- publish-bench:begin -->"
  echo "## \`dotnet publish\` of a multi-platform image: 1, 2 and 4 platforms"
  echo
  echo "Produced by \`bench/publish.sh $iterations\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), $(dotnet --version) SDK, $(podman --version)."
  echo "App: samples/aspnet-app (ASP.NET Core, framework-dependent). Median of $iterations runs, each from a clean \`bin/\` and"
  echo "\`obj/\` (restore, compile, publish included). The image runs push to the loopback registry by digest, validate with the"
  echo "deep check (reading every layer back) and the start-up check, and tag. With its apphost (the SDK's default; published"
  echo "per RID, compiled once): on the real \`dotnet/aspnet:10.0\` of build/env/dotnet-images.sh (linux/amd64, linux/arm64)."
  echo "Without (\`UseAppHost=false\`, one publish): on the stand-in of build/env/base-images.sh, the only base here with"
  echo "linux/arm/v7 and linux/s390x (no runtime or apphost pack is served for linux-arm or linux-s390x)."
  echo
  echo "Load average (1/5/15 min) before the runs: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg). The machine is shared: with"
  echo "a high load the single runs are noisy (a 2-platform median can exceed the 4-platform one); compare the ratios."
  echo
  echo "| Command | Apphost, base | Platforms | Wall time (s) | vs 1 platform |"
  echo "|---|---|---|---|---|"
  echo "| \`dotnet publish\` (no image) | yes, - | - | $plain | |"
  echo "| \`dotnet publish -p:ContainerPlatforms=...\` | yes, dotnet/aspnet:10.0 | linux/amd64 | $one | 1.00x |"
  echo "| \`dotnet publish -p:ContainerPlatforms=...\` | yes, dotnet/aspnet:10.0 | linux/amd64, linux/arm64 | $two | $(ratio "$two" "$one")x |"
  echo "| \`dotnet publish -p:ContainerPlatforms=... -p:UseAppHost=false\` | no, stand-in | linux/amd64 | $one_fd | 1.00x |"
  echo "| \`dotnet publish -p:ContainerPlatforms=... -p:UseAppHost=false\` | no, stand-in | linux/amd64, linux/arm64, linux/arm/v7, linux/s390x | $four | $(ratio "$four" "$one_fd")x |"
  echo "| loop of \`dotnet publish -r RID -p:UseAppHost=false\` (publish only) | no, - | linux-x64 | $loop1 | 1.00x |"
  echo "| loop of \`dotnet publish -r RID -p:UseAppHost=false\` (publish only) | no, - | linux-x64, linux-arm64, linux-arm, linux-s390x | $loop4 | $(ratio "$loop4" "$loop1")x |"
  echo
  echo "The 4-platform image publish costs $(ratio "$four" "$one_fd")x the 1-platform one (goal: at most 1.5x), and $(ratio "$four" "$loop4")x a per-RID"
  echo "publish loop that makes no image at all: without an apphost the IL is published once and staged for every platform (hard links), and"
  echo "the image build has no RUN step, so nothing runs under emulation; what grows with platforms is the per-platform"
  echo "layer export, the push of one manifest per platform (the app layer is the same blob for every platform, pushed"
  echo "once) and the validation of each platform."
  echo "<!-- publish-bench:end -->"
} > "$section"

cd "$root"
python3 - "$section" <<'PY'
import re, sys
section = open(sys.argv[1]).read().strip()
path = "docs/benchmarks.md"
text = open(path).read()
if "<!-- publish-bench:begin -->" in text:
    text = re.sub(r"<!-- publish-bench:begin -->.*?<!-- publish-bench:end -->", lambda _: section, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
rm -rf "$work" "$section"
echo "wrote docs/benchmarks.md" >&2
