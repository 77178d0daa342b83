#!/usr/bin/env bash
# Stops the registries started by start.sh (by their recorded process ids).
set -u
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${SECGATE_REGISTRY_DIR:-$root/target/registry}"
for n in plain tls token; do
  if [ -f "$dir/$n.pid" ]; then
    kill "$(cat "$dir/$n.pid")" 2>/dev/null || true
    rm -f "$dir/$n.pid"
  fi
done
