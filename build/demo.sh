#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine with the .NET SDK (run as root, or with sudo):
#   1. installs what it needs (podman, qemu-user-static, docker-registry, ...: build/env/install.sh),
#   2. starts a loopback registry and pushes a multi-platform base image to it (nothing is pulled from
#      public registries),
#   3. packs MultiArch.Build into artifacts/feed,
#   4. runs `dotnet build` on samples/helm-operator/image.proj: platforms resolved, Dockerfile checked,
#      builder preflighted (it prints which builder it used and why: docker buildx, or podman when buildx's
#      builder has the docker driver), linux/arm64+amd64+s390x+ppc64le built in one build (QEMU for the foreign ones),
#      pushed by digest, validated (every platform present, every entrypoint binary for its CPU), then tagged;
#   5. runs `dotnet publish` on samples/aspnet-app for linux/amd64 and linux/arm64 with its apphost (the SDK's default):
#      published per RID (the IL compiled once), staged by platform, its Dockerfile generated (FROM pinned to the base's
#      digest, read once before anything is compiled), built, pushed by digest, validated (entrypoint,
#      every CPU-specific file of /app, and the start-up check following each apphost to hostfxr and the
#      Microsoft.NETCore.App and Microsoft.AspNetCore.App versions its runtimeconfig asks for), then tagged. Its base
#      image is the real dotnet/aspnet:10.0 that build/env/dotnet-images.sh makes offline from Debian 12's packages and
#      the served ASP.NET Core and .NET runtime packs (no linux-arm64 `dotnet` muxer is served, so the app starts
#      through its apphost on both platforms). Each platform's container is then started (arm64 under QEMU) and asked
#      for http://localhost:8080/healthz until it answers 200 (ContainerSmokeTestUrl): one line per platform.
# The registry keeps running so that you can look at the result; build/env/registry.sh stop stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
env_file=$(mktemp)
trap 'rm -f "$env_file"' EXIT
build/env/up.sh > "$env_file"
# shellcheck disable=SC1090
. "$env_file"
if [ -z "${MULTIARCH_BASE_IMAGE:-}" ] || [ -z "${MULTIARCH_DOTNET_ASPNET_IMAGE:-}" ]; then echo "demo: the loopback registry or the base image could not be set up (see above)" >&2; exit 1; fi

echo "== packing MultiArch.Build"
dotnet pack src/MultiArch.Build/MultiArch.Build.csproj -c Release -o artifacts/feed -nologo -v:q
# A private package folder, so that the sample always restores the package just packed.
export NUGET_PACKAGES="$root/artifacts/nuget-packages"
rm -rf "$NUGET_PACKAGES/multiarch.build"

# Which builder each build used, and why: the preflight's own lines from the build log.
builder_used() {
  echo "Builder used:"
  grep -E "Building with |building with podman instead|Builder [^ ]+ \(driver |Builder: assembled in process|^ *Assembled [0-9]+ platform" "$1" | sed 's/^ */  /' || echo "  (the preflight printed no choice)"
}
log=$(mktemp)
trap 'rm -f "$env_file" "$log"' EXIT

echo "== building samples/helm-operator for 4 platforms"
cd samples/helm-operator
# ContainerCli is left empty: the preflight chooses docker buildx when its builder can build the 4 platforms, else
# podman (build/env/install.sh installs Debian's docker-buildx, whose builder here has the docker driver).
dotnet publish image.proj -nologo \
  -p:ContainerRegistry="$MULTIARCH_TEST_REGISTRY" \
  -p:ContainerInsecureRegistries="$MULTIARCH_TEST_REGISTRY" | tee "$log"
echo
builder_used "$log"

echo
echo "== validation summary (samples/helm-operator/obj/multiarch/validation.md)"
cat obj/multiarch/validation.md
echo
echo "The image: $MULTIARCH_TEST_REGISTRY/samples/helm-operator:v0.1.0"
echo "Inspect it:  curl -s -H 'Accept: application/vnd.oci.image.index.v1+json' http://$MULTIARCH_TEST_REGISTRY/v2/samples/helm-operator/manifests/v0.1.0"

echo
echo "== dotnet publish samples/aspnet-app for linux/amd64 and linux/arm64"
cd "$root/samples/aspnet-app"
dotnet publish -c Release -nologo \
  -p:ContainerPlatforms='"linux/amd64;linux/arm64"' \
  -p:ContainerBaseImage="$MULTIARCH_DOTNET_ASPNET_IMAGE" \
  -p:ContainerSmokeTestUrl=http://localhost:8080/healthz \
  -p:ContainerRegistry="$MULTIARCH_TEST_REGISTRY" \
  -p:ContainerInsecureRegistries="$MULTIARCH_TEST_REGISTRY" | tee "$log"
echo
builder_used "$log"

echo
echo "== generated Dockerfile (samples/aspnet-app/obj/multiarch/Dockerfile)"
cat obj/multiarch/Dockerfile
echo
echo "== validation summary (samples/aspnet-app/obj/multiarch/validation.md)"
cat obj/multiarch/validation.md
echo
echo "The image: $MULTIARCH_TEST_REGISTRY/samples/aspnet-app:v0.1.0"
echo "Stop the registry: build/env/registry.sh stop"
