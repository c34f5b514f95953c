#!/usr/bin/env bash
# Benchmark: pushing one large layer (default 1 GiB) to a registry streams it: managed memory growth stays under
# 64 MiB. Runs against a private docker-registry on a free loopback port (its storage is removed afterwards),
# so the shared test registry is not filled. Writes its section of docs/benchmarks.md.
# Usage: bench/push-blob.sh [size MiB]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
size=${1:-1024}
command -v docker-registry >/dev/null || { echo "docker-registry is not installed (build/env/install.sh)" >&2; exit 1; }
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
cat > "$work/config.yml" <<YAML
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $work/data}
http:
  addr: 127.0.0.1:$port
YAML
docker-registry serve "$work/config.yml" > "$work/log" 2>&1 &
registry_pid=$!
trap 'kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.2; done

table="$work/table.md"
status=0
dotnet run -c Release --project bench/MultiArch.Build.Bench -- push-blob "127.0.0.1:$port" "$size" "$table" || status=$?

section=$(mktemp)
{
  echo "<!-- push-blob: written by bench/push-blob.sh; bench/run.sh keeps it -->"
  echo "## Pushing a ${size} MiB layer"
  echo
  echo "Produced by \`bench/push-blob.sh $size\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), to Debian's docker-registry on loopback."
  echo "The layer is streamed from a file to the registry (a POST that opens the upload and fetches the push token, then one"
  echo "PUT with Content-Length), never held in memory: \`RegistryClient.PushBlobAsync(repository, digest, length, open)\`,"
  echo "which \`ImagePublisher\` calls with each blob's verifying stream from the OCI archive."
  echo
  cat "$table"
} > "$section"
doc=docs/benchmarks.md
if grep -q '^<!-- push-blob' "$doc"; then
  sed -i '/^<!-- push-blob/,$d' "$doc"
fi
{ echo; cat "$section"; } >> "$doc"
rm -f "$section"
echo "wrote the push section of $doc" >&2
exit $status
