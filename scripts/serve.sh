#!/usr/bin/env bash
# From a fresh clone to a running click-api on embedded defaults:
# installs packages, starts Redis and the MongoDB-wire server when absent, builds, runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/npm-install.sh
if [ ! -f .env ]; then
  # Secrets never live in the code: the first run writes a git-ignored .env with fresh ones.
  {
    echo "# written by scripts/serve.sh on $(date -u +%FT%TZ); see .env.example for every variable"
    echo "JWT_SECRET=$(node -e 'process.stdout.write(require("crypto").randomBytes(48).toString("base64url"))')"
    echo "TOKEN_ENCRYPTION_KEY=$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))')"
  } > .env
  echo "serve: wrote .env with a generated JWT_SECRET and TOKEN_ENCRYPTION_KEY"
fi
bash scripts/services.sh up
npx nest build
exec node dist/main.js
