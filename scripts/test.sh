#!/usr/bin/env bash
# `npm test`: every test tier (see README). Installs what is missing first; CI runs exactly this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
start=$SECONDS
bash scripts/ensure-deps.sh
bash scripts/provision.sh all
step() { printf '\n=== %s\n' "$*" >&2; }
step "lint (eslint --max-warnings 0)"; npx eslint . --max-warnings 0
step "format (prettier --check)";       npx prettier --check . --log-level warn
step "type check (tsc --noEmit)";       npx tsc --noEmit -p tsconfig.json
step "build";                           npm run --silent build
step "tests: unit, workflow (time-skipping server), end-to-end (real Temporal, PostgreSQL, SMTP)"
mkdir -p var
rm -f var/jest-results.json
status=0
npx jest --ci --json --outputFile=var/jest-results.json "$@" || status=$?
[ -f var/jest-results.json ] && node -e '
  const r = require("./var/jest-results.json");
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
'
echo "total: $((SECONDS - start)) s" >&2
exit $status
