#!/usr/bin/env bash
# Stops what build/env/up.sh started (only what these scripts started).
here=$(cd "$(dirname "$0")" && pwd)
"$here/buildkit.sh" stop
"$here/registry.sh" stop
"$here/docker.sh" stop
