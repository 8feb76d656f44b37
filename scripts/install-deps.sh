#!/usr/bin/env bash
# Installs everything the build, demo and tests need. Idempotent: a second run
# only checks. Debian packages are pinned to bookworm's versions; DuckDB 1.4.4
# (libduckdb.so and duckdb.h) and the Node DuckDB client come from npm, pinned
# in deps/package-lock.json.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

apt_pkgs=(
  "build-essential=12.9"
  "cmake=3.25.1-1"
  "ninja-build=1.11.1-2~deb12u1"
  "ccache=4.8+really4.7.5-1"
  "pkg-config=1.8.1-1"
  "nlohmann-json3-dev=3.11.2-2"
  "libcli11-dev=2.1.2+ds-1"
  "libreaderwriterqueue-dev=1.0.6-1"
  "libgtest-dev=1.12.1-0.2"
  "libgmock-dev=1.12.1-0.2"
  "libbenchmark-dev=1.7.1-1"
  "libprotobuf-dev=3.21.12-3+deb12u1"
  "protobuf-compiler=3.21.12-3+deb12u1"
  "libcurl4-openssl-dev=7.88.1-10+deb12u15"
  "zlib1g-dev=1:1.2.13.dfsg-1"
  "libcpp-httplib-dev=0.11.4+ds-1+deb12u1"
)

missing=()
for spec in "${apt_pkgs[@]}"; do
  name="${spec%%=*}"; want="${spec#*=}"
  have="$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)"
  [ "$have" = "$want" ] || missing+=("$spec")
done
command -v node >/dev/null 2>&1 || missing+=("nodejs")
command -v npm >/dev/null 2>&1 || missing+=("npm")

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm: DuckDB's official shared library + header, and @duckdb/node-api for tests.
# --ignore-scripts: the duckdb package's install script would download a
# prebuilt Node addon; we only need its C header.
lib="$here/deps/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so"
hdr="$here/deps/node_modules/duckdb/src/duckdb/src/include/duckdb.h"
api="$here/deps/node_modules/@duckdb/node-api/package.json"
if [ ! -f "$lib" ] || [ ! -f "$hdr" ] || [ ! -f "$api" ]; then
  echo "install-deps: npm install in deps/"
  # npm install, not npm ci: npm 11 refuses ci when optional platform packages
  # of @duckdb/node-bindings are absent from the lock; the lock still pins
  # every installed version.
  (cd "$here/deps" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

# The OpenTelemetry JavaScript packages the OTLP tests decode with.
bash "$here/tests/otlp/install.sh"

# The official OpenAI JavaScript client the LLM tests check their fake server with.
bash "$here/tests/llm/install.sh"

# The web dashboard's build tools (Vite, TypeScript, React), pinned by
# web/package-lock.json.
if [ ! -f "$here/web/node_modules/vite/package.json" ]; then
  echo "install-deps: npm ci in web/"
  (cd "$here/web" && npm ci --no-audit --no-fund --loglevel=error)
fi

# Debian's Chromium and playwright-core for the browser tests (skipped by
# FLOCK_SKIP_BROWSER=1, e.g. for the demo alone).
if [ "${FLOCK_SKIP_BROWSER:-0}" != "1" ] && [ -f "$here/tests/browser/install.sh" ]; then
  bash "$here/tests/browser/install.sh"
fi
