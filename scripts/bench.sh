#!/usr/bin/env bash
# Runs one benchmark from bench/ against the real services, started like the test command does.
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/bench.sh <name>}"
bash scripts/npm-install.sh
started="$(mktemp)"
trap 'bash scripts/services.sh down --only "$started"; rm -f "$started"' EXIT
bash scripts/services.sh up --record "$started"
npx tsc -p tsconfig.bench.json
node ".data/bench-dist/bench/${name}.js"
