#!/usr/bin/env bash
# Installs playwright-core for the browser tests, pinned by package-lock.json,
# when node_modules is missing or incomplete. Debian's Chromium is installed by
# scripts/install-deps.sh, by name (see scripts/apt-packages.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ ! -x /usr/bin/chromium ]; then
  echo "browser tests: /usr/bin/chromium is missing: run scripts/install-deps.sh" >&2
  exit 1
fi
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
  echo "install-deps: npm ci in tests/browser/"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
