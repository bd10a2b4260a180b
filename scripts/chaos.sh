#!/usr/bin/env bash
# Runs the chaos suite (chaos/run.ts): 2 API + 2 worker processes of dist/main.js with a Redis (AOF)
# and a FerretDB of its own, under load and faults. Not part of `npm test` (it takes minutes).
# The shared services are started like the test command does (and stopped again if this script
# started them): that installs redis-server and builds FerretDB when missing. Knobs: CHAOS_* (see
# the header of chaos/run.ts). Its last line is `chaos: N checks, M failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/npm-install.sh
started="$(mktemp)"
trap 'bash scripts/services.sh down --only "$started"; rm -f "$started"' EXIT
bash scripts/services.sh up --record "$started"
npx nest build
npx tsc -p tsconfig.chaos.json
# The helpers from test/support find the repository as two folders above themselves (dist/main.js,
# scripts/services.js): beside the compiled copy those are links back to the real ones.
ln -sfn ../../dist .data/chaos-dist/dist
ln -sfn ../../scripts .data/chaos-dist/scripts
node .data/chaos-dist/chaos/run.js
