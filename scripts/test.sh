#!/usr/bin/env bash
# Set up (.venv from requirements-dev.txt, headless Chromium for the browser tests, the walk-through's JSON:API client
# under Node) and run the whole test suite.
# Extra arguments go to pytest. SQLite by default; DATABASE_URL=postgres://... runs the same suite on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh requirements-dev.txt
./scripts/browser-deps.sh
./scripts/client-deps.sh
exec .venv/bin/python -m pytest "$@"
