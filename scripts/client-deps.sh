#!/usr/bin/env bash
# Make sure Node.js 20+ and the walk-through client's pinned packages (clients/walkthrough: devour-client, installed
# with `npm ci` from its package-lock.json) are there for eventsite/tests/test_walkthrough_client.py. Installs Node
# with apt-get when it is missing and this runs as root. When the client cannot be had, CI (CI=true) fails here;
# elsewhere that test is skipped with the reason shown in pytest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
client=clients/walkthrough
stamp="$client/node_modules/.installed-from-lock"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
has_node() { command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && [ "$(node_major)" -ge 20 ]; }
give_up() {
  if [ "${CI:-}" = "true" ]; then
    echo "CI needs the walk-through client: $1" >&2
    exit 1
  fi
  echo "$1; the walk-through client test will be skipped." >&2
  exit 0
}

if ! command -v node >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing nodejs and npm for the walk-through client ..."
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; } || true
fi
has_node || give_up "Node.js 20 or later with npm is missing (found: $(node --version 2>/dev/null || echo none))"

# npm ci again only when package-lock.json changed since the last install.
if [ -f "$stamp" ] && cmp -s "$stamp" "$client/package-lock.json"; then
  exit 0
fi
echo "Installing the walk-through client's packages (npm ci in $client) ..."
(cd "$client" && npm ci --no-audit --no-fund --loglevel=error) || give_up "npm ci failed in $client"
cp "$client/package-lock.json" "$stamp"
