# Sourced by the other scripts: make .venv from a requirements file when it is missing or the file changed.
#   . scripts/venv.sh                        # production's packages (requirements.txt): scripts/run.sh
#   . scripts/venv.sh requirements-dev.txt   # and the tests', lint's, reliability's, benchmark's (it includes them)
# Each file installed leaves a stamp in .venv: the SHA-256 of the files it reads (requirements-dev.txt reads
# requirements.txt too), so a change to either installs again, and a .venv set up for the tests also serves run.sh.
# Python 3.11 or newer; PYTHON chooses the interpreter.
PYTHON="${PYTHON:-python3}"
requirements="${1:-requirements.txt}"
reads=("$requirements")
[ "$requirements" = requirements.txt ] || reads+=(requirements.txt)
stamp=".venv/.installed-${requirements%.txt}.sha256"
want=$(sha256sum "${reads[@]}")
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Setting up .venv from $requirements ..."
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
  rm -f .venv/.installed-*.sha256 .venv/.requirements.sha256  # this install may have changed what they stamped
  echo "$want" > "$stamp"
  [ "$requirements" = requirements.txt ] || sha256sum requirements.txt > .venv/.installed-requirements.sha256
fi
unset requirements reads stamp want
