#!/usr/bin/env bash
# Proves the install steps on this machine's Debian archive, even where the
# packages are installed already (a CI machine keeps what earlier runs
# installed, which can hide a package that no longer installs): refreshes the
# package lists and simulates a fresh install of every package the project's
# scripts name (scripts/apt-packages.sh). Fails when a name is unknown, a
# dependency cannot be met, or a package cannot be downloaded any more.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=apt-packages.sh
source "$here/scripts/apt-packages.sh"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
# Node.js and npm come with the machine, not from Debian: check-versions.sh checks them.
pkgs=("${FLOCK_APT_BUILD[@]}" "${FLOCK_APT_BROWSER[@]}")
# --reinstall makes apt resolve and fetch-check each package even when it is
# installed; --simulate changes nothing.
out="$(DEBIAN_FRONTEND=noninteractive apt-get install --simulate --reinstall -y --no-install-recommends "${pkgs[@]}" 2>&1)" || {
  echo "$out" >&2
  echo "check-install: apt-get cannot install: ${pkgs[*]}" >&2
  exit 1
}
n="$(grep -c '^Inst ' <<<"$out" || true)"
echo "check-install: ${#pkgs[@]} packages resolve and install on this archive (simulated: $n to install)"
bash "$here/scripts/check-versions.sh"
