#!/usr/bin/env bash
# Builds the web dashboard into $1 (called by CMake). Installs web/'s npm
# packages from the lock file the first time.
set -euo pipefail
out="$1"
cd "$(dirname "${BASH_SOURCE[0]}")/../web"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent -- --outDir "$out" --emptyOutDir --logLevel warn
