#!/usr/bin/env bash
# The test command: the environment from the lock (scripts/setup.sh; it rebuilds .venv when it is
# missing or was built from another lock), ruff, mypy, the layering contracts, the serial tests,
# then the MPI tests under mpirun -n 2. Extra arguments go to both pytest runs. The serial tests
# run on PNP_SSB_TEST_WORKERS pytest-xdist workers (default: one per core), one thread each.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
PY=.venv/bin/python
MPIRUN=.venv/bin/mpirun
[ -x "$MPIRUN" ] || MPIRUN=$(command -v mpirun)
echo "== ruff" >&2
"$PY" -m ruff check pnp_ssb tests benchmarks scripts
echo "== mypy" >&2
"$PY" -m mypy  # [tool.mypy] in pyproject.toml: the package, pydantic plugin; zero errors
echo "== layering (import-linter contracts in pyproject.toml)" >&2
.venv/bin/lint-imports
echo "== serial tests" >&2
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}  # workers x BLAS threads would oversubscribe
"$PY" -m pytest -m "not mpi" -n "${PNP_SSB_TEST_WORKERS:-auto}" --durations=15 "$@"
echo "== MPI tests: $MPIRUN -n 2" >&2
"$MPIRUN" -n 2 "$PY" -m pytest -m mpi -p no:cacheprovider --durations=10 "$@"
