#!/usr/bin/env bash
# Installs the npm package of the LLM engine tests (the official OpenAI
# JavaScript client, which checks that the fake server's answers parse as
# real chat completions), pinned by package-lock.json. Idempotent: npm ci
# runs only when node_modules is missing or incomplete.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ ! -f "$here/node_modules/openai/package.json" ]; then
  echo "install-deps: npm ci in tests/llm/"
  (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
