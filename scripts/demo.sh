#!/usr/bin/env bash
# Builds and runs the demo workflow: five agents under one traced_run,
# spans in .flock/traces.duckdb, the trace printed as a tree; then
# `build/bin/flock dashboard` shows the same file in the browser.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FLOCK_SKIP_BROWSER=1 bash "$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -G Ninja >/dev/null
cmake --build "$root/build" --target flock_pizza_demo flock_cli flock_web
cd "$root"
exec "$root/build/examples/flock_demo"
