#!/usr/bin/env bash
# Pushes a multi-platform base image built from Debian's per-architecture busybox-static binaries to the
# loopback registry, since nothing can be pulled from public registries here:
#   ${MULTIARCH_TEST_REGISTRY:-127.0.0.1:5000}/multiarch/busybox:1.35  (linux/amd64, arm64, arm/v7, s390x, ppc64le)
# Idempotent: does nothing when the registry already has it. Needs podman (build/env/install.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"
registry=${MULTIARCH_TEST_REGISTRY:-127.0.0.1:5000}
image="$registry/multiarch/busybox:1.35"
if curl -sf -o /dev/null -H 'Accept: application/vnd.oci.image.index.v1+json' "http://$registry/v2/multiarch/busybox/manifests/1.35"; then
  echo "export MULTIARCH_BASE_IMAGE=$image"; exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
list="localhost/multiarch-base-$$"
podman manifest rm "$list" >/dev/null 2>&1 || true
for pair in amd64:linux/amd64 arm64:linux/arm64 armhf:linux/arm/v7 s390x:linux/s390x ppc64el:linux/ppc64le; do
  deb=${pair%%:*}; platform=${pair#*:}
  mkdir -p "$work/$deb"
  cp "$MULTIARCH_ENV_STATE/busybox/$deb/busybox" "$work/$deb/busybox"
  printf 'FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT ["/bin/busybox"]\n' > "$work/$deb/Dockerfile"
  # No RUN step: nothing executes under emulation while the base is made.
  podman build -q --platform "$platform" --manifest "$list" "$work/$deb" >&2
done
podman manifest push -q --all --tls-verify=false "$list" "docker://$image" >&2
podman manifest rm "$list" >/dev/null 2>&1 || true
log "base image $image"
echo "export MULTIARCH_BASE_IMAGE=$image"
