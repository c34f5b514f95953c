#!/usr/bin/env bash
# Optional: when a buildkitd binary and the docker buildx plugin are installed on this machine (neither is
# packaged for Debian, so nothing here installs them), starts buildkitd on loopback and registers it as a
# buildx "remote" builder, so the buildx tests run real multi-platform builds. Otherwise prints nothing
# and those tests are skipped, saying so. `stop` stops what `start` started and removes only that builder.
set -euo pipefail
. "$(dirname "$0")/common.sh"
dir="$MULTIARCH_ENV_STATE/buildkit"
name=multiarch-test-remote
addr=tcp://127.0.0.1:${MULTIARCH_BUILDKIT_PORT:-1234}
mkdir -p "$dir"

case "${1:-}" in
  start)
    buildkitd=${MULTIARCH_BUILDKITD:-$(command -v buildkitd || true)}
    if [ -z "$buildkitd" ] || ! docker buildx version >/dev/null 2>&1; then
      log "no buildkitd or no docker buildx on this machine: buildx build tests will be skipped"; exit 0
    fi
    if ! docker buildx inspect "$name" >/dev/null 2>&1 || ! docker buildx inspect --bootstrap "$name" >/dev/null 2>&1; then
      {
        for r in "${MULTIARCH_TEST_REGISTRY:-127.0.0.1:5000}" "${MULTIARCH_TEST_AUTH_REGISTRY:-127.0.0.1:5001}"; do
          printf '[registry."%s"]\n  http = true\n  insecure = true\n' "$r"
        done
      } > "$dir/buildkitd.toml"
      nohup "$buildkitd" --config "$dir/buildkitd.toml" --addr "$addr" --root "$dir/root" \
        --oci-worker=true --containerd-worker=false > "$dir/log" 2>&1 &
      echo $! > "$dir/pid"
      docker buildx rm "$name" >/dev/null 2>&1 || true
      docker buildx create --name "$name" --driver remote "$addr" >/dev/null
      wait_for 30 docker buildx inspect --bootstrap "$name" || { log "buildkitd did not come up:"; tail -5 "$dir/log" >&2; exit 0; }
      log "buildx builder $name -> $addr"
    fi
    echo "export MULTIARCH_TEST_BUILDX_BUILDER=$name"
    ;;
  stop)
    if [ -s "$dir/pid" ]; then
      docker buildx rm "$name" >/dev/null 2>&1 || true
      kill "$(cat "$dir/pid")" 2>/dev/null || true; rm -f "$dir/pid"
    fi
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
