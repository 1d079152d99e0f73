"""Every bundled case gives the same answer with two direct solvers that pivot differently:
SuperLU_dist here, MUMPS in its stored reference (test_cases.py runs the case with MUMPS, the
default, against the same file). A Jacobian that is regular by construction does not depend on
pivoting luck (a singular one fails with one of them, or gives two different states)."""

from pathlib import Path

import pytest

from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case
from tests.regression.numbers import outputs
from tests.regression.test_cases import assert_matches_reference, assert_same_numbers

# the 2D polycrystal (3 min with SuperLU_dist on its 35k DOFs) has a test of its own below
POLYCRYSTAL = "llzo_grain_boundary_2d"
CASES = [p for p in sorted((Path(__file__).resolve().parents[2] / "cases").glob("*.toml"))
         if p.stem != POLYCRYSTAL]
# Newton stops at an update below 1e-9 kT: states agree to ~1e-9, derived numbers to ~1e-7
RTOL = 1e-6


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_mumps_and_superlu_dist_agree(path, tmp_path):
    case = load_case(path, ("solver.linear_solver=superlu_dist", "output.figures=false",
                            "output.fields=none"))
    assert run_case(case, tmp_path).converged
    assert_matches_reference(path.stem, tmp_path, rel_tol=RTOL)


def test_polycrystal_solvers_agree_on_a_coarse_mesh(tmp_path):
    """The 2D polycrystal (thin charged cores, Li contacts, 300 mV) on a 3x coarser mesh
    without its error estimate: MUMPS and SuperLU_dist give the same numbers."""
    path = CASES[0].parent / f"{POLYCRYSTAL}.toml"
    coarse = ("mesh.min_cell_m=1e-10", "mesh.growth_ratio=1.5", "mesh.error_control=off",
              "output.figures=false", "output.fields=none")
    for solver in ("mumps", "superlu_dist"):
        case = load_case(path, (*coarse, f"solver.linear_solver={solver}"))
        assert run_case(case, tmp_path / solver).converged
    assert_same_numbers(outputs(tmp_path / "superlu_dist"), outputs(tmp_path / "mumps"), RTOL)
