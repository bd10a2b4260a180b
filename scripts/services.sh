#!/usr/bin/env bash
# Runs scripts/services.js under a lock, so two callers (a test run and `npm run serve`, say)
# never start two copies of a service. See services.js for the commands.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$root/.data"
exec flock "$root/.data/services.lock" node "$root/scripts/services.js" "$@"
