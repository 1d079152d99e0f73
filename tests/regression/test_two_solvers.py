"""Every bundled case gives the same answer with two direct solvers that pivot differently
(MUMPS and SuperLU_dist): a Jacobian that is regular by construction does not depend on
pivoting luck (a singular one fails with one of them, or gives two different states)."""

import math
from pathlib import Path

import pytest

from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case
from tests.regression.numbers import control_tolerance, kind, outputs, scales

CASES = sorted((Path(__file__).resolve().parents[2] / "cases").glob("*.toml"))
# Newton stops at an update below 1e-9 kT: states agree to ~1e-9, derived numbers to ~1e-7
RTOL = 1e-6


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_mumps_and_superlu_dist_agree(path, tmp_path):
    results = {}
    for solver in ("mumps", "superlu_dist"):
        case = load_case(path, (f"solver.linear_solver={solver}",
                                "output.figures=false", "output.fields=none"))
        assert run_case(case, tmp_path / solver).converged, solver
        results[solver] = outputs(tmp_path / solver)
    a, b = results["mumps"], results["superlu_dist"]
    assert a.keys() == b.keys()
    size = scales(a)
    bad = [(k, a[k], b[k]) for k in a
           if not math.isclose(a[k], b[k], rel_tol=RTOL,
                               abs_tol=max(1e-9 * size[kind(k)], 2 * control_tolerance(a, k, RTOL)))]
    assert not bad, f"{len(bad)} of {len(a)} numbers differ: " + "\n".join(map(str, bad))
