"""Every bundled case gives the same answer with two direct solvers that pivot differently:
SuperLU_dist here, MUMPS in its stored reference (test_cases.py runs the case with MUMPS, the
default, against the same file). A Jacobian that is regular by construction does not depend on
pivoting luck (a singular one fails with one of them, or gives two different states)."""

import json
import math
from pathlib import Path

import pytest

from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case
from tests.regression.numbers import control_tolerance, kind, outputs, scales
from tests.regression.test_cases import REFERENCE_RTOL, REFERENCES

CASES = sorted((Path(__file__).resolve().parents[2] / "cases").glob("*.toml"))
# Newton stops at an update below 1e-9 kT: states agree to ~1e-9, derived numbers to ~1e-7; a
# value near zero carries the round-off of its kind on the reference's CPU (REFERENCE_RTOL)
RTOL = 1e-6


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_mumps_and_superlu_dist_agree(path, tmp_path):
    case = load_case(path, ("solver.linear_solver=superlu_dist", "output.figures=false",
                            "output.fields=none"))
    assert run_case(case, tmp_path).converged
    b = outputs(tmp_path)
    a = json.loads((REFERENCES / f"{path.stem}.json").read_text(encoding="utf-8"))
    assert a.keys() == b.keys()
    size = scales(a)
    bad = [(k, a[k], b[k]) for k in a
           if not math.isclose(a[k], b[k], rel_tol=RTOL,
                               abs_tol=max(REFERENCE_RTOL * size[kind(k)],
                                           2 * control_tolerance(a, k, RTOL)))]
    assert not bad, f"{len(bad)} of {len(a)} numbers differ: " + "\n".join(map(str, bad))
