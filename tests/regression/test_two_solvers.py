"""Every bundled case gives the same answer with two direct solvers that pivot differently:
SuperLU_dist here, MUMPS in its stored reference (test_cases.py runs the case with MUMPS, the
default, against the same file). A Jacobian that is regular by construction does not depend on
pivoting luck (a singular one fails with one of them, or gives two different states)."""

from pathlib import Path

import pytest

from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case
from tests.regression.test_cases import assert_matches_reference

CASES = sorted((Path(__file__).resolve().parents[2] / "cases").glob("*.toml"))
# Newton stops at an update below 1e-9 kT: states agree to ~1e-9, derived numbers to ~1e-7
RTOL = 1e-6


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_mumps_and_superlu_dist_agree(path, tmp_path):
    case = load_case(path, ("solver.linear_solver=superlu_dist", "output.figures=false",
                            "output.fields=none"))
    assert run_case(case, tmp_path).converged
    assert_matches_reference(path.stem, tmp_path, rel_tol=RTOL)
