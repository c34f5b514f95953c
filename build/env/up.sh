#!/usr/bin/env bash
# Installs and starts what the tests, the demo and the benchmark use, and prints the environment they read
# (eval it). Always: Debian packages and busybox binaries (install.sh), the loopback registries
# (registry.sh), the multi-platform base image (base-images.sh) and the real .NET base images
# dotnet/runtime-deps, dotnet/runtime, dotnet/aspnet:10.0 (dotnet-images.sh). With --engine: the docker engine
# (docker.sh). With --buildkit: a BuildKit "remote" buildx builder, when buildkitd is installed (buildkit.sh).
# A service that cannot be set up is reported on stderr and left out; the tests that need it say so and skip.
# build/env/down.sh stops everything.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT

step() { # name command...
  local name=$1; shift
  if ! "$@" >> "$out"; then echo "[env] $name could not be set up; what needs it will be skipped" >&2; fi
  # shellcheck disable=SC1090
  . "$out"
}

engine=0; buildkit=0
for arg in "$@"; do
  case "$arg" in
    --engine) engine=1 ;;
    --buildkit) buildkit=1 ;;
    *) echo "usage: $0 [--engine] [--buildkit]" >&2; exit 2 ;;
  esac
done

step "install" "$here/install.sh"
step "the loopback registries" "$here/registry.sh" start
[ $engine = 1 ] && step "the docker engine" "$here/docker.sh" start
step "the base image" "$here/base-images.sh"
step "the .NET base images" "$here/dotnet-images.sh"
[ $buildkit = 1 ] && step "the buildx builder" "$here/buildkit.sh" start
cat "$out"
