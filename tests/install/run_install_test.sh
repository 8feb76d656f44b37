#!/usr/bin/env bash
# Installs the build into a temporary prefix, builds a consumer project with
# find_package(flock), and runs it with no LD_LIBRARY_PATH: libflock and
# libduckdb must be found through the install tree's RUNPATH.
set -euo pipefail
build_dir="$1"
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$source_dir" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null

cd "$work"
out="$(env -u LD_LIBRARY_PATH FLOCK_TRACE_FILE=true ./build/consumer)"
echo "$out"
grep -q '^Truffle pizza, 30 cm$' <<<"$out" || { echo "consumer printed no pizza" >&2; exit 1; }
[ -s "$work/.flock/traces.duckdb" ] || { echo "no trace store written" >&2; exit 1; }
# The installed tree carries the DuckDB library beside libflock.
ls "$work/prefix/lib/libduckdb.so" "$work/prefix/lib/cmake/flock/flockConfig.cmake" >/dev/null
echo "install test: ok"
