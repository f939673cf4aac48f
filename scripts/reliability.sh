#!/usr/bin/env bash
# The whole reliability suite (issue 7) on PostgreSQL, then its figures: matrix cells, fuzz cases, hostile inputs,
# bad tokens, faults injected, soak requests, 5xx count and invariant violations.
#
#   ./scripts/reliability.sh          # the CI-sized run: fuzz 8 examples per operation, 20-second soak (~2 min)
#   ./scripts/reliability.sh --long   # fuzz 150 examples per operation, 3-minute soak
#
# DATABASE_URL chooses the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/eventsite_reliability;
# pytest-django creates and drops test_eventsite_reliability). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh requirements-dev.txt

export RELIABILITY_FUZZ_EXAMPLES="${RELIABILITY_FUZZ_EXAMPLES:-8}"
export RELIABILITY_SOAK_SECONDS="${RELIABILITY_SOAK_SECONDS:-20}"
if [ "${1:-}" = "--long" ]; then
  shift
  export RELIABILITY_FUZZ_EXAMPLES=150 RELIABILITY_SOAK_SECONDS=180
fi
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/eventsite_reliability}"
figures="$(mktemp)"
trap 'rm -f "$figures"' EXIT
export RELIABILITY_FIGURES="$figures"

status=0
.venv/bin/python -m pytest reliability -m reliability --create-db -q -p no:logging "$@" || status=$?

echo
echo "== reliability figures (fuzz ${RELIABILITY_FUZZ_EXAMPLES} examples/operation, soak ${RELIABILITY_SOAK_SECONDS} s)"
.venv/bin/python -m reliability.figures "$figures"
exit "$status"
