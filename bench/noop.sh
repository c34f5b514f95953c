#!/usr/bin/env bash
# Benchmark (issue 20): the no-op build of the SDK door against an empty SDK-style project's no-op build.
#   A: `dotnet build image.proj` of a copy of samples/helm-operator (4 platforms, the CLI chosen by the preflight),
#      after one real build: nothing changed, so it must start no tool, build nothing and validate nothing.
#   B: `dotnet build empty.proj` of a Microsoft.Build.NoTargets project with nothing in it, after one build.
# Both are whole `dotnet build` processes (implicit restore included, -nodeReuse:false, the same environment), run in
# turn A B A B ... so that the shared machine's drift hits both alike; the ratio A/B is taken pair by pair and its
# median is the figure (goal: at most 1.05). Every A run must say "Up to date" and start no docker or podman (wrappers
# first on PATH record any call); otherwise the script fails.
#
# Usage: bench/noop.sh [PAIRS]   (default 15)
# Needs what a real build of the sample needs: the loopback registry with the base image (build/env/up.sh;
# MULTIARCH_BASE_IMAGE) and podman or docker buildx. Prints one markdown row:
# | date | cores | load average before/after | pairs | A median s | B median s | median ratio A/B |
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pairs=${1:-15}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDTERMINALLOGGER=off
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version="0.1.0-bench.$(date +%s)"
dotnet pack "$root/src/MultiArch.Build/MultiArch.Build.csproj" -c Release -o "$work/feed" -nologo -v:q "-p:MultiArchBuildVersion=$version" >&2
export NUGET_PACKAGES="$work/packages"

config="<?xml version=\"1.0\" encoding=\"utf-8\"?>
<configuration><packageSources><add key=\"bench-local\" value=\"$work/feed\" /></packageSources></configuration>"

cp -r "$root/samples/helm-operator" "$work/sdk"
rm -rf "$work/sdk/bin" "$work/sdk/obj"
echo "$config" > "$work/sdk/nuget.config"
sed -i "s#Sdk=\"MultiArch.Build/[^\"]*\"#Sdk=\"MultiArch.Build/$version\"#" "$work/sdk/image.proj"

tfm="net$(dotnet --version | cut -d. -f1).0"
mkdir -p "$work/empty"
echo "$config" > "$work/empty/nuget.config"
echo "<Project Sdk=\"Microsoft.Build.NoTargets/3.7.0\"><PropertyGroup><TargetFramework>$tfm</TargetFramework></PropertyGroup></Project>" > "$work/empty/empty.proj"

# docker and podman behind wrappers that record every call, so that a no-op that starts a tool is caught.
mkdir -p "$work/bin"
for tool in docker podman; do
  real=$(command -v "$tool" || true)
  [ -n "$real" ] || continue
  printf '#!/bin/sh\necho "%s $*" >> "%s"\nexec "%s" "$@"\n' "$tool" "$work/tool-calls.log" "$real" > "$work/bin/$tool"
  chmod +x "$work/bin/$tool"
done
export PATH="$work/bin:$PATH"

build() { dotnet build "$1" -nologo -nodeReuse:false > "$work/last.log" 2>&1 || { cat "$work/last.log" >&2; echo "bench: failed: dotnet build $1" >&2; exit 1; }; }
build "$work/sdk/image.proj"     # the real build
build "$work/empty/empty.proj"
build "$work/sdk/image.proj"     # warm: the first no-op
build "$work/empty/empty.proj"

seconds() { local start end; start=$(date +%s.%N); build "$1"; end=$(date +%s.%N); echo "$end - $start" | bc; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
a_times=() b_times=() ratios=()
for _ in $(seq "$pairs"); do
  rm -f "$work/tool-calls.log"
  a=$(seconds "$work/sdk/image.proj")
  grep -q "Up to date: nothing that goes into the image changed" "$work/last.log" || { cat "$work/last.log" >&2; echo "bench: the SDK door build was not a no-op" >&2; exit 1; }
  if [ -s "$work/tool-calls.log" ]; then cat "$work/tool-calls.log" >&2; echo "bench: the no-op started a tool" >&2; exit 1; fi
  b=$(seconds "$work/empty/empty.proj")
  a_times+=("$a"); b_times+=("$b"); ratios+=("$(echo "scale=4; $a / $b" | bc)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.2f", m}'; }
echo "| $(date -u +%Y-%m-%d) | $(nproc) | $load_before / $(cut -d' ' -f1-3 /proc/loadavg) | $pairs | $(median "${a_times[@]}") | $(median "${b_times[@]}") | $(median "${ratios[@]}")x |"
