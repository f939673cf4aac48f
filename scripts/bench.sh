#!/usr/bin/env bash
# The benchmark (bench/, README "Performance"): seed the local PostgreSQL at two scales, serve with gunicorn the
# production way, load it with wrk on 127.0.0.1, write bench/results/<label>.{json,md}.
# Arguments go to bench/run.py, e.g. --scales small --runs 1 --duration 3 --label smoke --out /tmp/bench.
# Installs wrk (Debian package) when it is missing; starts the local PostgreSQL cluster when it is down.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh requirements-dev.txt
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing wrk ..."
    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  else
    echo "The benchmark needs wrk: sudo apt-get install wrk" >&2
    exit 1
  fi
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432 && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
exec .venv/bin/python -m bench.run "$@"
