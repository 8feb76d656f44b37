#!/usr/bin/env bash
# Installs everything the build, demo and tests need. Idempotent: a second run
# only checks.
#
# Debian packages are installed by name from the release, never pinned to an
# exact version: Debian keeps only the newest security build of a package, so
# an exact pin stops installing at its next update. Where a minimum version
# matters, scripts/check-versions.sh checks it after the install. npm packages
# (DuckDB 1.4.4's libduckdb.so and duckdb.h, the Node DuckDB client, the web
# and test tools) are pinned exactly by their package-lock.json files.
#
# FLOCK_SKIP_BROWSER=1 skips Chromium and playwright-core (the demo needs
# neither). scripts/apt-packages.sh lists every Debian package named here.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=apt-packages.sh
source "$here/scripts/apt-packages.sh"

pkgs=("${FLOCK_APT_BUILD[@]}")
[ "${FLOCK_SKIP_BROWSER:-0}" = "1" ] || pkgs+=("${FLOCK_APT_BROWSER[@]}")

missing=()
for name in "${pkgs[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$name" 2>/dev/null || true)"
  [ "${status:0:2}" = "ii" ] || missing+=("$name")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
bash "$here/scripts/check-versions.sh"
# Node.js and npm come with the machine (Debian's Node 18 is too old for
# Vite 8 and the OpenTelemetry packages); check-versions.sh names a missing one.

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

# playwright-core for the browser tests (Chromium itself came from apt above).
if [ "${FLOCK_SKIP_BROWSER:-0}" != "1" ]; then
  bash "$here/tests/browser/install.sh"
fi
