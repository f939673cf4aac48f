#!/usr/bin/env bash
# Make sure headless Chromium and its driver (Debian's chromium, chromium-driver) are there for the browser tests.
# Installs them with apt-get when missing and this runs as root. When they cannot be had, CI (CI=true) fails
# here; elsewhere the browser tests are skipped with this reason shown in pytest's summary.
set -euo pipefail
have() { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; }
have && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing chromium and chromium-driver for the browser tests ..."
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; } || true
fi
have && exit 0
if [ "${CI:-}" = "true" ]; then
  echo "CI needs chromium and chromedriver for the browser tests and could not install them." >&2
  exit 1
fi
echo "chromium/chromedriver missing (install: apt-get install chromium chromium-driver); browser tests will be skipped." >&2
