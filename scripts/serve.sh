#!/usr/bin/env bash
# From a fresh clone to a running click-api on embedded defaults:
# installs packages, starts Redis and the MongoDB-wire server when absent, builds, runs.
# `--s3` (npm run serve:s3): files go to a local S3 server (SeaweedFS, started too) instead of
# local folders, as they would on several machines.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/npm-install.sh

# Secrets never live in the code: the first run writes them, random, into the git-ignored .env.
random() { node -e "process.stdout.write(require('crypto').randomBytes($1).toString('$2'))"; }
has() { [ -f .env ] && grep -qE "^$1=.+" .env; }
add() { echo "$1=$2" >> .env; echo "serve: wrote a generated $1 to .env"; }
[ -f .env ] || echo "# written by scripts/serve.sh; see .env.example for every variable" > .env
has JWT_SECRET || add JWT_SECRET "$(random 48 base64url)"
has TOKEN_ENCRYPTION_KEY || add TOKEN_ENCRYPTION_KEY "$(random 32 hex)"
has ADMIN_EMAIL || add ADMIN_EMAIL "admin@click.local"
has ADMIN_PASSWORD || add ADMIN_PASSWORD "$(random 12 base64url)"

# The media workers run ffmpeg/ffprobe and, for English transcripts, pocketsphinx.
node scripts/services.js ensure-tool ffmpeg ffmpeg
node scripts/services.js ensure-tool pocketsphinx_continuous pocketsphinx pocketsphinx-en-us
if [ "${1:-}" = "--s3" ]; then
  bash scripts/services.sh up --s3
  # The dev server's endpoint and credentials, as services.js wrote them (never into .env).
  eval "$(node -e "const s=require('./.data/s3-dev.json');console.log('export STORAGE_URL=s3://click-dev/ S3_ENDPOINT='+s.endpoint+' S3_ACCESS_KEY_ID='+s.accessKeyId+' S3_SECRET_ACCESS_KEY='+s.secretAccessKey+' S3_CREATE_BUCKET=true')")"
else
  bash scripts/services.sh up
fi
npx nest build
echo "serve: admin sign-in: $(grep -E '^ADMIN_EMAIL=' .env | cut -d= -f2-) / $(grep -E '^ADMIN_PASSWORD=' .env | cut -d= -f2-)  (POST /api/auth/login; OpenAPI at /api/docs)"
exec node dist/main.js
