#!/usr/bin/env bash
# Builds the benchmarks in Release and runs them.
#   bench/run.sh                      # span/store/workflow benchmarks: 5 repetitions, medians, ratio table
#   REPS=9 bench/run.sh               # more repetitions
#   bench/run.sh --benchmark_filter=Span   # extra Google Benchmark flags
#   bench/run.sh targets              # the trace store's targets table (--spans, --big, --workflows, --api-runs)
#   bench/run.sh ingest [spans] [runs] # OTLP ingest (JS SDK -> flock dashboard) vs local spans, same run
#   bench/run.sh api                  # HTTP API: trace routes over 1,000,000 spans vs the same queries on DuckDB
#   FLOCK_BENCH_SPANS=200000 FLOCK_BENCH_RUNS=20 bench/run.sh api
# Environment: BUILD_DIR (default build-bench), REPS (default 5),
# FLOCK_BENCH_FLUSH_EVERY (spans between paused flushes in benchmarks 1-2,
# default 4096, below TraceConfig::thread_queue_capacity = 8192).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
REPS="${REPS:-5}"

if [ ! -d "$ROOT/deps/node_modules" ]; then
  FLOCK_SKIP_BROWSER=1 bash "$ROOT/scripts/install-deps.sh"
fi
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DFLOCK_BUILD_TESTS=OFF \
    -DFLOCK_BUILD_EXAMPLES=OFF -DFLOCK_BUILD_BENCH=ON -DFLOCK_BUILD_WEB=OFF
else
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DFLOCK_BUILD_BENCH=ON -DFLOCK_BUILD_WEB=OFF >/dev/null
fi

if [ "${1:-}" = "targets" ]; then
  shift
  cmake --build "$BUILD_DIR" --target flock_targets_bench
  exec "$BUILD_DIR/bench/flock_targets_bench" "$@"
fi
if [ "${1:-}" = "ingest" ]; then
  shift
  [ -d "$ROOT/tests/otlp/node_modules" ] || bash "$ROOT/tests/otlp/install.sh"
  cmake --build "$BUILD_DIR" --target flock_targets_bench flock_cli
  exec node "$ROOT/bench/ingest_rate.mjs" "$BUILD_DIR/bin/flock" "$BUILD_DIR/bench/flock_targets_bench" "$@"
fi
if [ "${1:-}" = "api" ]; then
  cmake --build "$BUILD_DIR" --target flock_api_bench
  exec "$BUILD_DIR/bench/flock_api_bench"
fi
cmake --build "$BUILD_DIR" --target flock_bench
exec "$BUILD_DIR/bench/flock_bench" --benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true "$@"
