#!/usr/bin/env bash
# Set up .venv with production's packages only (requirements.txt) and run eventsite at http://127.0.0.1:8000 with
# demo data; prints the admin login. SQLite (db.sqlite3) unless DATABASE_URL names another database. This is the
# demo on your own machine, so it turns DEBUG on (the settings' default is off; with DEBUG on and no SECRET_KEY the
# public development key is used).
set -euo pipefail
export DEBUG="${DEBUG:-1}"
cd "$(dirname "$0")/.."
. scripts/venv.sh
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py demo
echo "Admin: http://${BIND:-127.0.0.1:8000}/admin/"
exec .venv/bin/python manage.py runserver "${BIND:-127.0.0.1:8000}"
