#!/usr/bin/env bash
# README.md "Using the library", steps 3 to 5: installs the build into a
# temporary prefix, builds the README's project (CMakeLists.txt here, the
# quick start docs/examples/quickstart.cpp as main.cpp) with
# find_package(flock), and runs it with no LD_LIBRARY_PATH: libflock and
# libduckdb must be found through the install tree's RUNPATH.
set -euo pipefail
build_dir="$1"
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$source_dir/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The project this test builds is the one README.md shows.
readme_project="$(sed -n '/^   ```cmake$/,/^   ```$/p' "$repo/README.md" | sed -e '1d;$d' -e 's/^   //')"
grep -v '^#' "$source_dir/CMakeLists.txt" | diff <(echo "$readme_project") - >&2 \
  || { echo "README.md step 4 and tests/install/CMakeLists.txt differ" >&2; exit 1; }

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
mkdir "$work/pizzeria"
cp "$source_dir/CMakeLists.txt" "$work/pizzeria/CMakeLists.txt"
cp "$repo/docs/examples/quickstart.cpp" "$work/pizzeria/main.cpp"
cd "$work/pizzeria"
cmake -S . -B build -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build build >/dev/null

out="$(env -u LD_LIBRARY_PATH FLOCK_TRACE_FILE=true ./build/quickstart)"
echo "$out"
grep -q '^Truffle pizza, 30 cm$' <<<"$out" || { echo "the quick start printed no pizza" >&2; exit 1; }
grep -q 'pizza_workflow .* <- ROOT' <<<"$out" || { echo "the quick start printed no trace tree" >&2; exit 1; }
[ -s .flock/traces.duckdb ] || { echo "no trace store written" >&2; exit 1; }
# The installed tree carries the DuckDB library beside libflock.
ls "$work/prefix/lib/libduckdb.so" "$work/prefix/lib/cmake/flock/flockConfig.cmake" >/dev/null
# The flock command runs from the prefix and reads the consumer's store.
env -u LD_LIBRARY_PATH "$work/prefix/bin/flock" traces list | grep -q 'pizza_workflow' \
  || { echo "installed flock traces list shows no pizza_workflow" >&2; exit 1; }
env -u LD_LIBRARY_PATH "$work/prefix/bin/flock" traces stats .flock/traces.duckdb | grep -q '^total_spans: [1-9]' \
  || { echo "installed flock traces stats failed" >&2; exit 1; }
# The dashboard files are installed where the server looks for them: the
# installed server serves index.html with no FLOCK_WEB_ROOT.
if [ -f "$build_dir/web-dist/index.html" ]; then
  [ -f "$work/prefix/share/flock/web/index.html" ] || { echo "dashboard files not installed" >&2; exit 1; }
  env -u LD_LIBRARY_PATH -u FLOCK_WEB_ROOT "$work/prefix/bin/flock" dashboard .flock/traces.duckdb --port 0 \
    >"$work/dash.out" 2>"$work/dash.err" &
  pid=$!
  for _ in $(seq 1 100); do grep -q 'dashboard at' "$work/dash.out" && break; sleep 0.1; done
  url="$(grep -o 'http://[0-9.:]*/' "$work/dash.out" || true)"
  page="$(node -e 'fetch(process.argv[1]).then(r => r.text()).then(t => process.stdout.write(t)).catch(() => {})' "$url" || true)"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  grep -q '<div id="root">' <<<"$page" || grep -q 'Flock dashboard' <<<"$page" \
    || { echo "installed dashboard did not serve index.html: $(cat "$work/dash.err")" >&2; exit 1; }
fi
echo "install test: ok"
