#!/usr/bin/env bash
# Pushes multi-platform base images built from Debian's per-architecture busybox-static binaries to the
# loopback registry, since nothing can be pulled from public registries here:
#   ${MULTIARCH_TEST_REGISTRY:-127.0.0.1:5000}/multiarch/busybox:1.35  (linux/amd64, arm64, arm/v7, s390x, ppc64le)
#   ${MULTIARCH_TEST_REGISTRY:-127.0.0.1:5000}/multiarch/dotnet-standin:10.0  (linux/amd64, arm64, arm/v7, s390x): a stand-in
#     for mcr.microsoft.com/dotnet/aspnet, used by the `dotnet publish` sample: the real per-platform busybox stands in
#     for `dotnet` (/usr/bin/dotnet -> /bin/busybox): no `dotnet` muxer is served for linux-arm64 (nor any .NET for
#     arm/v7 and s390x here), so the tests of `dotnet App.dll` on several platforms keep it. It can be validated (the
#     entrypoint resolves to a real binary of the right CPU), not run as .NET. The real .NET images, on which apphost
#     and self-contained apps run: dotnet-images.sh.
# Idempotent: an image the registry already has is not made again. Needs podman (build/env/install.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"
registry=${MULTIARCH_TEST_REGISTRY:-127.0.0.1:5000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# make_image REPO:TAG "deb:platform ..." ROOTFS_FUNCTION DOCKERFILE_TAIL
make_image() {
  local ref=$1 pairs=$2 rootfs=$3 tail=$4
  local repo=${ref%%:*} tag=${ref#*:}
  if curl -sf -o /dev/null -H 'Accept: application/vnd.oci.image.index.v1+json' "http://$registry/v2/$repo/manifests/$tag"; then
    return 0
  fi
  local list="localhost/multiarch-base-$$-${repo//\//-}"
  podman manifest rm "$list" >/dev/null 2>&1 || true
  for pair in $pairs; do
    local deb=${pair%%:*} platform=${pair#*:}
    local dir="$work/${repo//\//-}-$deb"
    mkdir -p "$dir/rootfs/bin"
    cp "$MULTIARCH_ENV_STATE/busybox/$deb/busybox" "$dir/rootfs/bin/busybox"
    "$rootfs" "$dir/rootfs"
    printf 'FROM scratch\nCOPY rootfs/ /\n%s\n' "$tail" > "$dir/Dockerfile"
    # No RUN step: nothing executes under emulation while the base is made.
    podman build -q --platform "$platform" --manifest "$list" "$dir" >&2
  done
  podman manifest push -q --all --tls-verify=false "$list" "docker://$registry/$ref" >&2
  podman manifest rm "$list" >/dev/null 2>&1 || true
  log "base image $registry/$ref"
}

busybox_rootfs() { :; }
dotnet_rootfs() {
  mkdir -p "$1/usr/bin"
  ln -sf busybox "$1/bin/sh"
  ln -sf /bin/busybox "$1/usr/bin/dotnet"
}

make_image multiarch/busybox:1.35 "amd64:linux/amd64 arm64:linux/arm64 armhf:linux/arm/v7 s390x:linux/s390x ppc64el:linux/ppc64le" \
  busybox_rootfs 'ENTRYPOINT ["/bin/busybox"]'
make_image multiarch/dotnet-standin:10.0 "amd64:linux/amd64 arm64:linux/arm64 armhf:linux/arm/v7 s390x:linux/s390x" \
  dotnet_rootfs 'ENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
echo "export MULTIARCH_BASE_IMAGE=$registry/multiarch/busybox:1.35"
echo "export MULTIARCH_DOTNET_BASE_IMAGE=$registry/multiarch/dotnet-standin:10.0"
