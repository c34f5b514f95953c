#!/usr/bin/env bash
# Runs the whole test suite: installs and starts the real services the tests use (loopback registries,
# the docker engine, qemu emulation), runs every test, stops the services, and prints one line
# counted from the test results:  N passed, N failed, N skipped
# Exit code: non-zero when anything failed (or nothing could be counted).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"

env_file=$(mktemp)
trap 'build/env/down.sh; rm -f "$env_file"' EXIT
# A service that cannot be set up makes its tests skip (with the reason), never the run fail.
build/env/up.sh --engine --buildkit > "$env_file"
# shellcheck disable=SC1090
. "$env_file"

dotnet test MultiArch.Build.sln -c Release --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=normal" --results-directory "$results"
test_rc=$?

trx="$results/tests.trx"
if [ ! -s "$trx" ]; then
  echo "[test] no test results were written (dotnet test exited $test_rc: the build or the test host failed)" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
count() { grep -oE "<UnitTestResult [^>]*outcome=\"$1\"" "$trx" | wc -l; }
passed=$(count Passed)
failed=$(( $(count Failed) + $(count Error) + $(count Timeout) + $(count Aborted) ))
skipped=$(( $(count NotExecuted) + $(count Inconclusive) ))
# Each skip with the reason the test gave (what is missing).
awk '
  /<UnitTestResult / { skip = ($0 ~ /outcome="(NotExecuted|Inconclusive)"/); if (skip) { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11) } }
  skip && /<Message>/ { msg = $0; sub(/.*<Message>/, "", msg); sub(/<\/Message>.*/, "", msg); print "[test] skipped: " name ": " msg > "/dev/stderr"; skip = 0 }
  skip && /<\/UnitTestResult>/ { print "[test] skipped: " name > "/dev/stderr"; skip = 0 }
' "$trx"
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$failed" -gt 0 ] || [ "$test_rc" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
