#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo use. Idempotent: installs only what is missing.
#   docker.io        a real engine (its built-in BuildKit has only the docker driver)
#   docker-registry  a real OCI registry, started on loopback by registry.sh
#   podman, buildah  daemonless multi-platform builds
#   docker-buildx    0.13.1 from Debian 13 (trixie), the only package taken from trixie (see below)
#   qemu-user-static + binfmt-support  emulation for foreign-architecture RUN steps
#   skopeo           a second opinion on what a registry holds (benchmarks)
#   apache2-utils    htpasswd, for the registry behind basic auth
#   busybox-static for amd64, arm64, armhf, s390x, ppc64el: real per-architecture binaries for test images
set -euo pipefail
. "$(dirname "$0")/common.sh"

packages=(docker.io docker-registry podman buildah qemu-user-static binfmt-support skopeo apache2-utils uidmap)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  as_root apt-get update -q >&2 || log "apt-get update reported errors; continuing with the lists it has"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# docker buildx: Debian 12 ships none; Debian 13's docker-buildx 0.13.1 needs only libc6 >= 2.34 and installs on
# Debian 12. Add trixie as a source that nothing uses by default (Pin-Priority 1 for all of trixie) and pin this
# one package to it, so that an upgrade never pulls anything else from trixie. With the engine's built-in
# BuildKit, buildx has the docker driver: single-platform builds; multi-platform needs podman or a remote builder.
buildx_version=0.13.1
if ! dpkg-query -W -f='${Version}' docker-buildx 2>/dev/null | grep -q "^${buildx_version}"; then
  trixie=/etc/apt/sources.list.d/multiarch-trixie.sources
  pin=/etc/apt/preferences.d/multiarch-trixie
  if [ ! -s "$trixie" ]; then
    log "adding trixie as a source pinned to docker-buildx only"
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' | as_root tee "$trixie" >/dev/null
  fi
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 1\n\nPackage: docker-buildx\nPin: release n=trixie\nPin-Priority: 500\n' | as_root tee "$pin" >/dev/null
  as_root apt-get update -q >&2 || log "apt-get update reported errors; continuing with the lists it has"
  version=$(apt-cache madison docker-buildx 2>/dev/null | awk -v v="$buildx_version" '$3 ~ "^"v {print $3; exit}')
  if [ -n "$version" ]; then
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "docker-buildx=$version" >&2 \
      || log "docker-buildx $version could not be installed: buildx tests will fail under CI"
  else
    log "docker-buildx $buildx_version is not offered by the Debian mirror: buildx tests will fail under CI"
  fi
fi

# Go for samples/go-operator's builder image (tests make it from the host's toolchain: public images cannot be
# pulled). Debian 12 ships Go 1.23 in bookworm-backports only.
go_root=/usr/lib/go-1.23
if [ ! -x "$go_root/bin/go" ]; then
  backports=/etc/apt/sources.list.d/multiarch-bookworm-backports.sources
  if [ "$(. /etc/os-release && echo "${VERSION_CODENAME:-}")" = bookworm ] && ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    log "adding bookworm-backports (for golang-1.23)"
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' | as_root tee "$backports" >/dev/null
  fi
  as_root apt-get update -q >&2 || log "apt-get update reported errors; continuing with the lists it has"
  target=(); apt-cache policy golang-1.23-go 2>/dev/null | grep -q bpo && target=(-t bookworm-backports)
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${target[@]}" golang-1.23-go >&2 \
    || log "golang-1.23-go could not be installed: the Go sample's test will fail"
fi
[ -x "$go_root/bin/go" ] && echo "export MULTIARCH_TEST_GOROOT=$go_root"

# Emulation: binfmt_misc must be mounted before update-binfmts can register the qemu handlers.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  as_root mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || log "could not mount binfmt_misc: emulated builds will be skipped"
fi
if [ -e /proc/sys/fs/binfmt_misc/register ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  as_root update-binfmts --enable >&2 || log "update-binfmts --enable failed: emulated builds will be skipped"
fi

# Per-architecture busybox binaries, extracted to $MULTIARCH_ENV_STATE/busybox/<debian-arch>/busybox.
arches=(amd64 arm64 armhf s390x ppc64el)
need_update=0
for a in "${arches[@]}"; do
  [ -x "$MULTIARCH_ENV_STATE/busybox/$a/busybox" ] && continue
  if [ "$a" != "$(dpkg --print-architecture)" ] && ! dpkg --print-foreign-architectures | grep -qx "$a"; then
    as_root dpkg --add-architecture "$a"; need_update=1
  fi
done
# A partial update (a mirror mid-sync for one architecture) still leaves the main lists usable.
[ $need_update = 1 ] && { as_root apt-get update -q >&2 || log "apt-get update reported errors; continuing with the lists it has"; }
for a in "${arches[@]}"; do
  dest="$MULTIARCH_ENV_STATE/busybox/$a"
  [ -x "$dest/busybox" ] && continue
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -q "busybox-static:$a" >&2)
  dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/root"
  mkdir -p "$dest" && cp "$tmp/root/bin/busybox" "$dest/busybox" && chmod 755 "$dest/busybox"
  rm -rf "$tmp"
  log "busybox for $a: $dest/busybox"
done
echo "export MULTIARCH_TEST_BUSYBOX_DIR=$MULTIARCH_ENV_STATE/busybox"

# Real Debian programs and C libraries per architecture, for the start-up check and smoke-run tests
# (a glibc program with and without its C library, on a musl layout, a library on one architecture only;
# libgcc-s1 and libstdc++6 make the base a self-contained ASP.NET Core app runs on for the server smoke run):
# the .deb files go to $MULTIARCH_ENV_STATE/debs/<debian-arch>/ and the tests unpack what they need.
deb_packages=(hello libc6 libgcc-s1 libstdc++6 musl pigz zlib1g)
for a in amd64 arm64; do
  dest="$MULTIARCH_ENV_STATE/debs/$a"
  mkdir -p "$dest"
  for p in "${deb_packages[@]}"; do
    ls "$dest/${p}"_*.deb >/dev/null 2>&1 && continue
    if [ "$a" != "$(dpkg --print-architecture)" ] && ! dpkg --print-foreign-architectures | grep -qx "$a"; then
      as_root dpkg --add-architecture "$a"
      as_root apt-get update -q >&2 || log "apt-get update reported errors; continuing with the lists it has"
    fi
    (cd "$dest" && apt-get download -q "$p:$a" >&2) || log "could not download $p:$a: the start-up check tests will say so"
  done
done
echo "export MULTIARCH_TEST_DEBS_DIR=$MULTIARCH_ENV_STATE/debs"
