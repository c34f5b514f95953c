#!/usr/bin/env bash
# The whole-image architecture scan on a 500 MB image (docs/benchmarks.md): an OCI layout written once under
# ${TMPDIR:-/tmp}, validated with the deep check with and without the scan. Needs the busybox binaries that
# build/env/ fetches ($MULTIARCH_TEST_BUSYBOX_DIR/<debian arch>/busybox).
set -euo pipefail
cd "$(dirname "$0")/.."
iterations="${1:-3}"
layout="${TMPDIR:-/tmp}/multiarch-bench-scan"
dotnet run -c Release --project bench/MultiArch.Build.Bench -- scan "$layout" "${MULTIARCH_TEST_BUSYBOX_DIR:?source the test environment}" "$iterations" "${2:-bench-scan.md}"
