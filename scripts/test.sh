#!/usr/bin/env bash
# The whole test suite from a fresh clone: packages, tools, services (Redis, the MongoDB-wire
# server, an S3 server), lint, type-check, jest.
# Services this run had to start are stopped again at the end; ones already running are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/npm-install.sh
# The fault tests start and stop Redis servers of their own.
node scripts/services.js ensure-tool redis-server redis-server
# The admin board test drives Bull Board in headless Chromium (playwright-core brings no browser).
node scripts/services.js ensure-tool chromium chromium
# The media pipeline runs ffmpeg and pocketsphinx; its test makes speech with espeak-ng.
node scripts/services.js ensure-tool ffmpeg ffmpeg
node scripts/services.js ensure-tool pocketsphinx_continuous pocketsphinx pocketsphinx-en-us
node scripts/services.js ensure-tool espeak-ng espeak-ng
# The multi-host test puts API and workers in network namespaces of their own (`ip netns`).
node scripts/services.js ensure-tool ip iproute2
started="$(mktemp)"
# The `cluster` jest project runs against a 6-node Redis Cluster on 7100..7105, started here when
# absent (and stopped again); the failover test starts and kills clusters and sentinels of its own.
cluster_started=0
stop_all() {
  bash scripts/services.sh down --only "$started"
  rm -f "$started"
  if [ "$cluster_started" = 1 ]; then node scripts/redis-cluster.js down 7100; fi
}
trap stop_all EXIT
bash scripts/services.sh up --s3 --record "$started"
if [ "$(node scripts/redis-cluster.js status 7100)" != ok ]; then
  node scripts/redis-cluster.js up 7100
  cluster_started=1
fi
npm run --silent lint
npm run --silent typecheck
# The failover project kills Redis masters under load (about 2.5 minutes).
npx jest --ci "$@" --selectProjects unit integration cluster failover
