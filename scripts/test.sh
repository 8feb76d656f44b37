#!/usr/bin/env bash
# Builds and runs every test:
#   1. the normal build: unit, integration (real programs read back with the
#      Node DuckDB client) and install tests;
#   2. AddressSanitizer + UndefinedBehaviorSanitizer over all of them;
#   3. ThreadSanitizer over the concurrent core (span pipeline, orchestrator).
# FLOCK_TEST_SANITIZERS=0 skips 2 and 3.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
jobs="$(nproc)"
# The tests set their own FLOCK_*/OTEL_* variables.
for v in $(env | grep -oE '^(FLOCK|OTEL)_[A-Z_]*' || true); do unset "$v"; done

# targets: what to build (all when empty).
run() {
  local name="$1" dir="$2" label="$3"; shift 3
  echo "=== $name ==="
  cmake -S "$root" -B "$root/$dir" -G Ninja "$@" >/dev/null
  cmake --build "$root/$dir" -j "$jobs" ${targets:+--target $targets}
  (cd "$root/$dir" && ctest --output-on-failure -j "$jobs" --timeout 600 ${label:+-L "$label"})
}

targets="" run "build and test" build "" -DFLOCK_BUILD_BENCH=ON
if [ "${FLOCK_TEST_SANITIZERS:-1}" != "0" ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
  # Sanitizer builds at -O1 without -O2's inlining work: they compile much
  # faster on 2 cores and still run the suites quickly.
  # The dashboard's browser tests run in the normal build only.
  targets="" run "ASan + UBSan" build-asan "" -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g -O1" -DFLOCK_SANITIZE=address,undefined -DFLOCK_BUILD_BENCH=OFF -DFLOCK_BUILD_EXAMPLES=ON -DFLOCK_BUILD_WEB=OFF
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
  targets=flock_concurrent_tests run "TSan (concurrent core)" build-tsan concurrent -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g -O1" -DFLOCK_SANITIZE=thread -DFLOCK_BUILD_BENCH=OFF -DFLOCK_BUILD_EXAMPLES=OFF -DFLOCK_BUILD_WEB=OFF
fi
echo "all tests passed"
