#!/usr/bin/env bash
# Runs one benchmark from bench/ (throughput, scale, enqueue) against the real services, started
# like the test command does (and stopped again if this script started them). Each bench's own
# header says what it measures, its BENCH_* knobs and its output; its figure is the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/bench.sh <throughput|scale|enqueue|http|cluster-throughput>}"
bash scripts/npm-install.sh
started="$(mktemp)"
trap 'bash scripts/services.sh down --only "$started"; rm -f "$started"' EXIT
bash scripts/services.sh up --record "$started"
npx tsc -p tsconfig.bench.json
# --expose-gc: benches collect garbage between measurements (never inside a timed one).
node --expose-gc ".data/bench-dist/bench/${name}.js"
