#!/usr/bin/env bash
# Benchmark: validating a 5-platform index with attestations from a loopback registry, deep check included,
# against `docker buildx imagetools inspect` and `skopeo inspect --raw` on the same image.
# Writes the table into docs/benchmarks.md. Usage: bench/run.sh [iterations]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
iterations=${1:-20}
env_file=$(mktemp)
trap 'rm -f "$env_file"' EXIT
build/env/up.sh --engine --buildkit > "$env_file"
# shellcheck disable=SC1090
. "$env_file"

image="$MULTIARCH_TEST_REGISTRY/bench/five:v1"
platforms=linux/amd64,linux/arm64,linux/arm/v7,linux/s390x,linux/ppc64le
work=$(mktemp -d)
cat > "$work/Dockerfile" <<DOCKERFILE
FROM $MULTIARCH_BASE_IMAGE
COPY entrypoint.sh /usr/local/bin/entrypoint.sh
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
DOCKERFILE
printf '#!/bin/busybox sh\necho hello\n' > "$work/entrypoint.sh"
chmod 755 "$work/entrypoint.sh"
if [ -n "${MULTIARCH_TEST_BUILDX_BUILDER:-}" ]; then
  # buildx adds a provenance attestation per platform: 5 images + 5 attestation manifests.
  docker buildx build --builder "$MULTIARCH_TEST_BUILDX_BUILDER" --platform "$platforms" --provenance=mode=min \
    --tag "$image" --push "$work" >&2
  attestations="with buildx provenance attestations"
else
  list="localhost/bench-five-$$"
  podman build -q --tls-verify=false --platform "$platforms" --manifest "$list" "$work" >&2
  podman manifest push -q --all --tls-verify=false "$list" "docker://$image" >&2
  podman manifest rm "$list" >/dev/null
  attestations="without attestations (no buildx builder here; podman does not write them)"
fi
rm -rf "$work"

# bench/publish.sh owns its own section of docs/benchmarks.md: keep it.
kept_publish=$(sed -n '/<!-- publish-bench:begin -->/,/<!-- publish-bench:end -->/p' docs/benchmarks.md 2>/dev/null || true)
# A second image of real glibc programs and libraries (Debian's libc6, zlib1g, pigz for amd64 and arm64,
# downloaded by build/env/install.sh), whose entrypoint needs an interpreter and libraries: the start-up check's cost.
dynamic="$MULTIARCH_TEST_REGISTRY/bench/dynamic:v1"
dynamic_platforms=linux/amd64,linux/arm64
work=$(mktemp -d)
for a in amd64 arm64; do
  mkdir -p "$work/$a"
  for p in libc6 zlib1g pigz; do dpkg-deb --fsys-tarfile "$MULTIARCH_TEST_DEBS_DIR/$a/${p}"_*.deb > "$work/$a/$p.tar"; done
done
printf 'FROM scratch\nARG TARGETARCH\nADD ${TARGETARCH}/libc6.tar ${TARGETARCH}/zlib1g.tar ${TARGETARCH}/pigz.tar /\nENTRYPOINT ["/usr/bin/pigz", "--version"]\n' > "$work/Dockerfile"
list="localhost/bench-dynamic-$$"
podman build -q --platform "$dynamic_platforms" --manifest "$list" "$work" >&2
podman manifest push -q --all --tls-verify=false "$list" "docker://$dynamic" >&2
podman manifest rm "$list" >/dev/null
rm -rf "$work"

table=$(mktemp)
dotnet run -c Release --project bench/MultiArch.Build.Bench -- "$image" "$platforms" "$iterations" "$table" "$dynamic" "$dynamic_platforms"
# Sections other benchmarks write (bench/push-blob.sh) are kept.
kept=$(mktemp)
sed -n '/^<!-- push-blob/,$p' docs/benchmarks.md > "$kept" 2>/dev/null || true
{
  echo "# Benchmarks"
  echo
  echo "## Validating a 5-platform index from a loopback registry"
  echo
  echo "Produced by \`bench/run.sh $iterations\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m); image $attestations."
  echo "Every tool reads the same image from the same loopback registry (Debian's docker-registry)."
  echo "External tools run as separate processes, so their times include process start-up."
  echo "Tools: $( (docker buildx version 2>/dev/null || echo 'no docker buildx') | head -1 ) (built from its source tag for this machine; buildx is not packaged for Debian), $(skopeo --version 2>/dev/null || echo 'no skopeo')."
  echo
  cat "$table"
  echo
  echo "Read the times with the Reads column: the external tools list what the index claims; the validator also"
  echo "verifies every digest it reads and, with the deep check, unpacks every layer of every platform to judge the"
  echo "entrypoint binary. Allocation is measured in-process, so it is given for the validator only."
  echo
  echo "The start-up check (ELF interpreter and shared libraries resolved per platform) is measured on the busybox"
  echo "image (static: nothing to resolve) and on \\`$dynamic\\` (Debian's libc6, zlib1g and pigz for amd64 and"
  echo "arm64: about 3 MiB compressed per platform), with and without it."
  if [ -n "$kept_publish" ]; then echo; echo "$kept_publish"; fi
  if [ -s "$kept" ]; then echo; cat "$kept"; fi
} > docs/benchmarks.md
rm -f "$table" "$kept"
echo "wrote docs/benchmarks.md" >&2
