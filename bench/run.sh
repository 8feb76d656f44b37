#!/usr/bin/env bash
# Builds flock_bench in Release and runs every benchmark, then prints the
# table of ratios against the baselines measured in the same run.
#   bench/run.sh                      # 5 repetitions, medians
#   REPS=9 bench/run.sh               # more repetitions
#   bench/run.sh --benchmark_filter=Span   # extra Google Benchmark flags
# Environment: BUILD_DIR (default build-bench), REPS (default 5),
# FLOCK_BENCH_FLUSH_EVERY (spans between paused flushes in benchmarks 1-2,
# default 4096, below TraceConfig::thread_queue_capacity = 8192).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
REPS="${REPS:-5}"

if [ ! -d "$ROOT/deps/node_modules" ]; then
  bash "$ROOT/scripts/install-deps.sh"
fi
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DFLOCK_BUILD_TESTS=OFF \
    -DFLOCK_BUILD_EXAMPLES=OFF -DFLOCK_BUILD_BENCH=ON
else
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DFLOCK_BUILD_BENCH=ON >/dev/null
fi
cmake --build "$BUILD_DIR" --target flock_bench

exec "$BUILD_DIR/bench/flock_bench" --benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true "$@"
