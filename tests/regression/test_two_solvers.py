"""Every bundled case gives the same answer with two direct solvers that pivot differently
(MUMPS and SuperLU_dist): a Jacobian that is regular by construction does not depend on
pivoting luck (a singular one fails with one of them, or gives two different states)."""

import math
from pathlib import Path

import pytest

from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case
from pnp_ssb.studies.transient import CURRENT_TOLERANCE
from tests.regression.numbers import kind, outputs, scales

CASES = sorted((Path(__file__).resolve().parents[2] / "cases").glob("*.toml"))
# Newton stops at an update below 1e-9 kT: states agree to ~1e-9, derived numbers to ~1e-7
RTOL = 1e-6


def control_tolerance(values: dict[str, float], key: str) -> float:
    """Under current control a step's terminal current is met to the controller's tolerance,
    max(1e-8 |I|, 1e-12 |sigma| / dt) (transient._step): the round-off of d(sigma)/dt, which
    exceeds 1e-4 of I in the first steps (dt ~ 1e-9 s). Twice that between two solvers.
    An impedance's relative error estimate is a difference of two spectra, each to RTOL."""
    if key.endswith(".relative_error_estimate"):  # |Z_h - Z_h/2| / |Z|: each Z to RTOL
        return 2 * RTOL
    if not key.endswith(".terminal_current_A_m2") or "timeseries.csv" not in key:
        return 1e-300
    dt = values[key.replace(".terminal_current_A_m2", ".dt_s")]
    if dt <= 0:  # the t = 0 row: no current yet
        return 1e-300
    row = key.rsplit(".", 1)[0]
    sigma = max((abs(v) for k, v in values.items() if k.startswith(row + ".charge_")),
                default=0.0)
    return 2 * max(CURRENT_TOLERANCE * abs(values[key]), 1e-12 * max(sigma, 1e-3) / dt)


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
                               abs_tol=max(1e-9 * size[kind(k)], control_tolerance(a, k)))]
    assert not bad, f"{len(bad)} of {len(a)} numbers differ: " + "\n".join(map(str, bad))
