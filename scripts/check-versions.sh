#!/usr/bin/env bash
# Minimum versions of the Debian packages whose features the build relies on.
# Newer security builds always pass: only a floor is checked, never a pin.
set -euo pipefail
fail=0
need() { # package minimum why
  local have
  have="$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true)"
  if [ -z "$have" ]; then
    echo "check-versions: $1 is not installed ($3)" >&2; fail=1
  elif ! dpkg --compare-versions "$have" ge "$2"; then
    echo "check-versions: $1 $have is older than $2 ($3)" >&2; fail=1
  fi
}
need cmake 3.25 "CMake presets and protobuf_generate"
need g++-12 12.2 "C++20"
need nlohmann-json3-dev 3.11 "NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT"
need libprotobuf-dev 3.21 "proto3 optional fields of the OTLP messages"
need libboost1.81-dev 1.81 "Boost.Beast HTTP server with header deadlines"
# Node.js and npm: Vite 8 needs Node 20.19 and npm 10.
node_v="$(node --version 2>/dev/null | tr -d v || true)"
npm_v="$(npm --version 2>/dev/null || true)"
if [ -z "$node_v" ] || ! dpkg --compare-versions "$node_v" ge 20.19; then
  echo "check-versions: Node.js ${node_v:-is missing}; 20.19 or newer is needed (Vite 8, the test clients)" >&2; fail=1
fi
if [ -z "$npm_v" ] || ! dpkg --compare-versions "$npm_v" ge 10; then
  echo "check-versions: npm ${npm_v:-is missing}; 10 or newer is needed (lock files of version 3)" >&2; fail=1
fi
if [ -x /usr/bin/chromium ] && [ "${FLOCK_SKIP_BROWSER:-0}" != "1" ]; then
  v="$(dpkg-query -W -f='${Version}' chromium 2>/dev/null || echo 0)"
  dpkg --compare-versions "$v" ge 120 || { echo "check-versions: chromium $v is older than 120" >&2; fail=1; }
fi
exit "$fail"
