#!/usr/bin/env bash
# Builds and runs the demo workflow: five agents under one traced_run,
# spans in .flock/traces.duckdb, the trace printed as a tree.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -G Ninja >/dev/null
cmake --build "$root/build" --target flock_pizza_demo
cd "$root"
exec "$root/build/examples/flock_demo"
