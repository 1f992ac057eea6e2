#!/usr/bin/env bash
# Installs the npm dependencies from the lock file when node_modules is missing or older than it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[deps] npm ci (first run on this checkout)…" >&2
  start=$SECONDS
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "[deps] installed in $((SECONDS - start)) s" >&2
fi
