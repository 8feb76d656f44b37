#!/usr/bin/env bash
# Installs the npm packages of the OTLP tests (the OpenTelemetry JavaScript
# decoders and W3C propagator, and the SDK's exporters that send to flock's receiver), pinned by package-lock.json. Idempotent: npm ci
# runs only when node_modules is missing or incomplete.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
need=(
  "$here/node_modules/@opentelemetry/otlp-transformer/package.json"
  "$here/node_modules/@opentelemetry/core/package.json"
  "$here/node_modules/@opentelemetry/api/package.json"
  "$here/node_modules/protobufjs/package.json"
  "$here/node_modules/@opentelemetry/exporter-trace-otlp-proto/package.json"
  "$here/node_modules/@opentelemetry/exporter-trace-otlp-http/package.json"
  "$here/node_modules/@opentelemetry/sdk-trace-base/package.json"
  "$here/node_modules/@opentelemetry/resources/package.json"
)
for f in "${need[@]}"; do
  if [ ! -f "$f" ]; then
    echo "install-deps: npm ci in tests/otlp/"
    # --ignore-scripts: protobufjs's postinstall only checks its CLI's deps.
    (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    exit 0
  fi
done
