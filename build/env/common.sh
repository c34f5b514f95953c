# Shared helpers for the test-environment scripts. Sourced, not run.
# State (pids, logs, registry storage) lives under $MULTIARCH_ENV_STATE, outside the repository.
MULTIARCH_ENV_STATE=${MULTIARCH_ENV_STATE:-/tmp/multiarch-build-env}
mkdir -p "$MULTIARCH_ENV_STATE"

log() { printf '[env] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else log "needs root for: $*"; return 1; fi
}

# Waits until a command succeeds, at most $1 seconds.
wait_for() {
  local seconds=$1; shift
  for _ in $(seq 1 $((seconds * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}
