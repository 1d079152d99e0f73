#!/usr/bin/env bash
# Run the test suite: serial tests, then the MPI tests under mpirun -n 2.
# Creates .venv first if it is missing (scripts/setup.sh). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] && .venv/bin/python -c 'import pnp_ssb.fem' 2>/dev/null || bash scripts/setup.sh
PY=.venv/bin/python
MPIRUN=.venv/bin/mpirun
[ -x "$MPIRUN" ] || MPIRUN=$(command -v mpirun)
echo "== serial tests" >&2
"$PY" -m pytest -m "not mpi" "$@"
echo "== MPI tests: $MPIRUN -n 2" >&2
"$MPIRUN" -n 2 "$PY" -m pytest -m mpi -p no:cacheprovider "$@"
