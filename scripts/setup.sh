#!/usr/bin/env bash
# Create .venv from nothing with a Python >= 3.12 and install pnp_ssb into it.
#
# Python is looked up in this order: $PYTHON, then python3.14 ... python3 on PATH, then pyenv's
# versions. Extras: "fem,test" by default (the DOLFINx wheel dolfinx-solver-real and pytest/ruff).
# On a cluster with its own DOLFINx 0.11: PNP_SSB_SYSTEM_DOLFINX=1 scripts/setup.sh
# (the venv then sees the system site-packages and the wheel is not installed).
#
# Every package comes from requirements-lock.txt (exact tested versions, the build backend
# included). PNP_SSB_LATEST=1 resolves the newest versions instead, to find upstream changes on
# purpose; it writes what it got to .venv/resolved.txt and lists the differences from the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK=requirements-lock.txt
lock_sum() { sha256sum "$LOCK" | cut -d' ' -f1; }
wanted_mode() { if [ "${PNP_SSB_LATEST:-0}" = 1 ]; then echo latest; else echo "lock $(lock_sum)"; fi; }

is_modern() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

find_python() {
  if [ -n "${PYTHON:-}" ]; then
    if is_modern "$PYTHON"; then echo "$PYTHON"; return 0; fi
    echo "setup: \$PYTHON=$PYTHON is not a Python >= 3.12" >&2; return 1
  fi
  local c
  for c in python3.14 python3.13 python3.12 python3 python; do
    if command -v "$c" >/dev/null 2>&1 && is_modern "$c"; then command -v "$c"; return 0; fi
  done
  local root
  root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  for c in $(ls -d "$root"/versions/3.* 2>/dev/null | sort -V -r); do
    for exe in "$c"/bin/python3 "$c"/bin/python; do
      if [ -x "$exe" ] && is_modern "$exe"; then echo "$exe"; return 0; fi
    done
  done
  return 1
}

if [ -x .venv/bin/python ] && is_modern .venv/bin/python && .venv/bin/python -c 'import pnp_ssb' 2>/dev/null \
   && [ "${PNP_SSB_REINSTALL:-0}" != 1 ] && [ "$(cat .venv/.pnp_ssb_mode 2>/dev/null)" = "$(wanted_mode)" ]; then
  echo "setup: .venv exists ($(.venv/bin/python --version), $(cut -c1-17 .venv/.pnp_ssb_mode));" \
       "PNP_SSB_REINSTALL=1 rebuilds it" >&2
  exit 0
fi

if ! PY=$(find_python); then
  echo "setup: no Python >= 3.12 found (looked at \$PYTHON, python3.1x/python3 on PATH, and pyenv)." >&2
  echo "       Install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
  exit 1
fi
echo "setup: using $PY ($("$PY" --version))" >&2

extras=${PNP_SSB_EXTRAS:-fem,test}
venv_flags=()
if [ "${PNP_SSB_SYSTEM_DOLFINX:-0}" = 1 ]; then
  extras=${PNP_SSB_EXTRAS:-test}
  venv_flags+=(--system-site-packages)
fi
rm -rf .venv
"$PY" -m venv "${venv_flags[@]}" .venv
pip_install() {
  # pip's own exit status is kept (pipefail); only its noise about local index folders is dropped,
  # and setuptools' advice on editable installs (PYTHONWARNINGS reaches the build backend)
  PYTHONWARNINGS=ignore .venv/bin/python -m pip install --quiet "$@" 2> >(grep -v "^WARNING: Location" >&2)
}
if [ "${PNP_SSB_LATEST:-0}" = 1 ]; then
  echo "setup: PNP_SSB_LATEST=1: resolving the newest versions, not $LOCK" >&2
  pip_install --upgrade pip
  pip_install -e ".[$extras]"
  .venv/bin/python -m pip freeze --all --exclude-editable | grep -v -E "^(-e|#)" > .venv/resolved.txt
  echo "setup: differences from $LOCK (< lock, > resolved now):" >&2
  diff <(grep -v '^#' "$LOCK" | sort) <(sort .venv/resolved.txt) >&2 || true
else
  # PIP_CONSTRAINT also reaches pip's isolated build environment (the setuptools backend)
  export PIP_CONSTRAINT="$PWD/$LOCK"
  pip_install "pip==$(sed -n 's/^pip==//p' "$LOCK")"
  pip_install -e ".[$extras]"
  unset PIP_CONSTRAINT
fi
.venv/bin/python -c 'import pnp_ssb.discretisation.fem, pnp_ssb.input.case' || {
  echo "setup: the installation is incomplete (pnp_ssb or DOLFINx does not import)" >&2; exit 1; }
wanted_mode > .venv/.pnp_ssb_mode
echo "setup: ready: .venv ($(.venv/bin/python --version), extras $extras, $(cut -c1-17 .venv/.pnp_ssb_mode))" >&2
