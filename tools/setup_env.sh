#!/usr/bin/env bash
# Create or update the project's environment, .venv/, exactly from requirements.lock,
# with uv. `make` runs this whenever requirements.lock is newer than .venv/.installed.
# With --uv it only finds (or installs) uv and prints its path.
#
# uv: the `uv` on the PATH, else the one in .tools/ (git-ignored), else uv pinned with
# its hashes in tools/uv-requirements.txt, installed into .tools/ with any Python 3 that
# has venv and pip.
# Python 3.11, for a new .venv only: $PYTHON if set (make PYTHON=...), else python3.11 on
# the PATH, else what uv finds (its managed Pythons, UV_PYTHON, the PATH), else a
# Python 3.11 that uv downloads (needs the internet).
# Then `uv pip sync` installs the lock with hashes required (and removes anything not in
# it), compiling every module to bytecode once (a process that may not write .pyc files,
# PYTHONDONTWRITEBYTECODE=1, otherwise compiles all it imports each time it starts:
# MXNet's import alone took 3 s of CPU instead of 1.3 s), and the project's utils/ is
# installed on top, in editable mode, without dependencies. Nothing is written outside the repository except uv's cache
# (`uv cache dir`; `uv cache clean` empties it) and, only when uv downloads one, a
# Python 3.11 (`uv python dir`).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
LOCK=requirements.lock
TOOLS=.tools
WANT=3.11

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

NO_UV_FIXES="install uv (curl -LsSf https://astral.sh/uv/install.sh | sh, or pipx install uv, \
or pip install uv in any virtual environment) and run make again"

is_wanted() { # is $1 a runnable Python $WANT?
  "$1" -c "import sys; sys.exit(sys.version_info[:2] != (${WANT/./, }))" >/dev/null 2>&1
}
real_path() { "$1" -c 'import sys; print(sys.executable)'; }

find_uv() {
  if command -v uv >/dev/null 2>&1; then command -v uv; return 0; fi
  if [ -x "$TOOLS/bin/uv" ]; then echo "$TOOLS/bin/uv"; return 0; fi
  local py
  for py in "${PYTHON:-}" python3.11 python3 python; do
    [ -n "$py" ] && command -v "$py" >/dev/null 2>&1 || continue
    "$py" -c 'import venv, ensurepip' >/dev/null 2>&1 || continue
    say "no uv on the PATH: installing the pinned uv into $TOOLS/ with $py" >&2
    rm -rf "$TOOLS"
    if "$py" -m venv "$TOOLS" >&2 \
        && "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check \
             --require-hashes -r tools/uv-requirements.txt >&2; then
      echo "$TOOLS/bin/uv"
      return 0
    fi
    rm -rf "$TOOLS"
    die "installing uv from tools/uv-requirements.txt failed (above); $NO_UV_FIXES"
  done
  return 1
}

UV=$(find_uv) || UV=""

# `setup_env.sh --uv`: only make sure there is a uv and print its path (`make lint` runs its
# linters with it, without the project's environment).
if [ "${1:-}" = "--uv" ]; then
  [ -n "$UV" ] || die "no uv and no Python to install it with: $NO_UV_FIXES"
  echo "$UV"
  exit 0
fi

# A .venv that uv did not make (the pip-made environments of earlier versions of this
# project, which hold pip and setuptools besides the lock) is made again.
if [ ! -x "$VENV/bin/python" ] || ! is_wanted "$VENV/bin/python" \
    || ! grep -q '^uv = ' "$VENV/pyvenv.cfg" 2>/dev/null; then
  # Choose the interpreter of a new environment, and say where it came from.
  if [ -n "${PYTHON:-}" ]; then
    command -v "$PYTHON" >/dev/null 2>&1 || die "PYTHON=$PYTHON was not found"
    is_wanted "$PYTHON" || die "PYTHON=$PYTHON is Python $("$PYTHON" -c \
      'import platform; print(platform.python_version())' 2>/dev/null || echo '?'); this \
project needs $WANT (mxnet 1.9.1 needs numpy 1.23.5, which has no wheels for newer Pythons)"
    interpreter=$(real_path "$PYTHON"); origin="PYTHON=$PYTHON"
  elif is_wanted python3.11; then
    interpreter=$(real_path python3.11); origin="python3.11 on the PATH"
  elif [ -z "$UV" ]; then
    die "no Python $WANT and no uv here: $NO_UV_FIXES; or run make PYTHON=/path/to/python$WANT"
  elif found=$(cd / && "$UV" python find --system "${UV_PYTHON:-$WANT}" 2>/dev/null) \
      && is_wanted "$found"; then
    interpreter=$found; origin="found by uv${UV_PYTHON:+ (UV_PYTHON=$UV_PYTHON)}"
  else
    say "no Python $WANT on this machine: uv downloads one (needs the internet)"
    "$UV" python install "$WANT" \
      || die "uv could not install Python $WANT (above); install Python $WANT yourself and run \
make PYTHON=/path/to/python$WANT"
    interpreter=$(cd / && "$UV" python find --system "$WANT"); origin="installed by uv"
  fi
  [ -n "$UV" ] || die "Python $WANT is here, but no uv: $NO_UV_FIXES"
  say "Python $("$interpreter" -c 'import platform; print(platform.python_version())') \
at $interpreter ($origin)"
  rm -rf "$VENV"
  "$UV" venv --quiet --python "$interpreter" "$VENV"
fi

[ -n "$UV" ] || die "no uv to install $LOCK with: $NO_UV_FIXES"
say "installing $LOCK into $VENV/ with $UV ($("$UV" --version))"
"$UV" pip sync --quiet --compile-bytecode --python "$VENV/bin/python" --require-hashes "$LOCK"
"$UV" pip install --quiet --python "$VENV/bin/python" --no-deps --editable .
