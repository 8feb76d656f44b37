#!/usr/bin/env bash
# Builds flock_api_bench in Release and runs it: the trace-list and
# trace-detail routes over a store of 1,000,000 spans, p50/p95, against the
# same queries run directly on DuckDB in the same run.
#   bench/run_api.sh                         # 1,000,000 spans, 30 runs per route
#   FLOCK_BENCH_SPANS=200000 bench/run_api.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
if [ ! -d "$ROOT/deps/node_modules" ]; then
  bash "$ROOT/scripts/install-deps.sh"
fi
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DFLOCK_BUILD_TESTS=OFF \
    -DFLOCK_BUILD_EXAMPLES=OFF -DFLOCK_BUILD_BENCH=ON -DFLOCK_BUILD_WEB=OFF
else
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DFLOCK_BUILD_BENCH=ON -DFLOCK_BUILD_WEB=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" --target flock_api_bench
exec "$BUILD_DIR/bench/flock_api_bench"
