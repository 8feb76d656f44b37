#!/usr/bin/env bash
# Installs what the browser tests need: Debian's Chromium (pinned to
# bookworm's version) when /usr/bin/chromium is missing, and playwright-core
# (pinned by package-lock.json) when node_modules is missing or incomplete.
# Idempotent: each step runs only when its result is absent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
chromium_version="156.0.8078.108-1~deb12u1"

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "install-deps: apt-get install chromium=${chromium_version}"
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends \
    "chromium=${chromium_version}" "chromium-common=${chromium_version}" fonts-dejavu-core=2.37-6
fi

if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
  echo "install-deps: npm ci in tests/browser/"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
