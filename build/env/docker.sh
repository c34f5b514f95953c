#!/usr/bin/env bash
# Starts or stops Debian's docker engine (dockerd) when none is running. Idempotent; `stop` only
# stops an engine this script started. `start` prints the environment the tests read.
set -euo pipefail
. "$(dirname "$0")/common.sh"
dir="$MULTIARCH_ENV_STATE/docker"
mkdir -p "$dir"

case "${1:-}" in
  start)
    if docker info >/dev/null 2>&1; then echo "export MULTIARCH_TEST_DOCKER=1"; exit 0; fi
    command -v dockerd >/dev/null || { log "dockerd is not installed (run build/env/install.sh)"; exit 0; }
    # No bridge or iptables: nothing here needs container networking, and the sandbox may forbid it.
    nohup dockerd --host=unix:///var/run/docker.sock --iptables=false --ip-masq=false --bridge=none \
      --data-root="$dir/data" --exec-root="$dir/exec" --pidfile="$dir/dockerd.pid" > "$dir/log" 2>&1 &
    if wait_for 40 docker info; then
      log "docker engine started"; echo "export MULTIARCH_TEST_DOCKER=1"
    else
      log "docker engine did not start (tests that need it will be skipped):"; tail -5 "$dir/log" >&2
    fi
    ;;
  stop)
    if [ -s "$dir/dockerd.pid" ]; then kill "$(cat "$dir/dockerd.pid")" 2>/dev/null || true; rm -f "$dir/dockerd.pid"; fi
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
