#!/usr/bin/env bash
# `npm run dev`: the whole system on embedded defaults (see README). Installs what is missing first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-deps.sh
bash scripts/provision.sh temporal-cli
npm run --silent build
# A .env file (see .env.example), when present, is read by Node itself.
if [ -f .env ]; then exec node --env-file=.env dist/scripts/dev.js; fi
exec node dist/scripts/dev.js
