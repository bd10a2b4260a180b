#!/usr/bin/env bash
# Runs the chaos suite (chaos/run.ts): 2 API + 2 worker processes of dist/main.js with a Redis (AOF)
# and a FerretDB of its own, under load and faults. Not part of `npm test` (it takes minutes).
# The shared services are started like the test command does (and stopped again if this script
# started them): that installs redis-server and builds FerretDB when missing. Knobs: CHAOS_* (see
# the header of chaos/run.ts). It runs once per Redis topology in CHAOS_TOPOLOGIES (default
# `single cluster sentinel`: one node with AOF, a 6-node cluster, Sentinel) and its last line
# adds them up: `chaos: N checks, M failed`.
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
checks=0
failed=0
status=0
for topology in ${CHAOS_TOPOLOGIES:-single cluster sentinel}; do
  out="$(mktemp)"
  CHAOS_REDIS="$topology" node .data/chaos-dist/chaos/run.js | tee "$out" || status=1
  line="$(grep -E "^chaos: [0-9]+ checks" "$out" | tail -n 1)"
  rm -f "$out"
  if [[ "$line" =~ ^chaos:\ ([0-9]+)\ checks,\ ([0-9]+)\ failed ]]; then
    checks=$((checks + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
  else
    failed=$((failed + 1))
  fi
  echo "chaos ($topology Redis): $line"
done
echo "chaos: $checks checks, $failed failed"
exit "$status"
