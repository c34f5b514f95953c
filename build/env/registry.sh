#!/usr/bin/env bash
# Starts or stops two real OCI registries (Debian's docker-registry) on loopback:
#   127.0.0.1:${MULTIARCH_REGISTRY_PORT:-5000}       open
#   127.0.0.1:${MULTIARCH_AUTH_REGISTRY_PORT:-5001}  basic auth (htpasswd), user "multiarch", password in $STATE/auth/password
# `start` prints the environment the tests read (eval it); it is idempotent.
set -euo pipefail
. "$(dirname "$0")/common.sh"

port=${MULTIARCH_REGISTRY_PORT:-5000}
auth_port=${MULTIARCH_AUTH_REGISTRY_PORT:-5001}
dir="$MULTIARCH_ENV_STATE/registry"

write_config() { # name port [auth]
  local name=$1 p=$2 auth=${3:-}
  mkdir -p "$dir/$name/data"
  {
    echo "version: 0.1"
    echo "log: {level: warn}"
    echo "storage:"
    echo "  filesystem: {rootdirectory: $dir/$name/data}"
    echo "  delete: {enabled: true}"
    echo "http:"
    echo "  addr: 127.0.0.1:$p"
    if [ -n "$auth" ]; then
      echo "auth:"
      echo "  htpasswd: {realm: multiarch-test, path: $dir/auth/htpasswd}"
    fi
  } > "$dir/$name/config.yml"
}

start_one() { # name port
  local name=$1 p=$2
  if curl -s -o /dev/null "http://127.0.0.1:$p/v2/"; then return 0; fi
  nohup docker-registry serve "$dir/$name/config.yml" > "$dir/$name/log" 2>&1 &
  echo $! > "$dir/$name/pid"
  wait_for 20 curl -s -o /dev/null "http://127.0.0.1:$p/v2/" || { log "registry $name did not start:"; tail -5 "$dir/$name/log" >&2; return 1; }
  log "registry $name on 127.0.0.1:$p"
}

case "${1:-}" in
  start)
    command -v docker-registry >/dev/null || { log "docker-registry is not installed (run build/env/install.sh)"; exit 1; }
    mkdir -p "$dir/auth"
    if [ ! -s "$dir/auth/password" ]; then
      head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$dir/auth/password"
      htpasswd -Bbn multiarch "$(cat "$dir/auth/password")" > "$dir/auth/htpasswd"
    fi
    write_config open "$port"
    write_config auth "$auth_port" auth
    start_one open "$port"
    start_one auth "$auth_port"
    echo "export MULTIARCH_TEST_REGISTRY=127.0.0.1:$port"
    echo "export MULTIARCH_TEST_AUTH_REGISTRY=127.0.0.1:$auth_port"
    echo "export MULTIARCH_TEST_AUTH_USER=multiarch"
    echo "export MULTIARCH_TEST_AUTH_PASSWORD_FILE=$dir/auth/password"
    echo "export MULTIARCH_TEST_REGISTRY_STORAGE=$dir/open/data"
    ;;
  stop)
    for name in open auth; do
      if [ -s "$dir/$name/pid" ]; then kill "$(cat "$dir/$name/pid")" 2>/dev/null || true; rm -f "$dir/$name/pid"; fi
    done
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
