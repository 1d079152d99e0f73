"""Every bundled case gives the same answer with two direct solvers that pivot differently
(MUMPS and SuperLU_dist): a Jacobian that is regular by construction does not depend on
pivoting luck (a singular one fails with one of them, or gives two different states)."""

import csv
import json
import math
from pathlib import Path

import pytest

from pnp_ssb.case import load_case
from pnp_ssb.run import run_case
from pnp_ssb.transient import CURRENT_TOLERANCE

CASES = sorted((Path(__file__).resolve().parents[2] / "cases").glob("*.toml"))
# bookkeeping that legitimately differs between solvers (paths, counts, timings)
SKIP = {"wall_time_s", "newton_iterations", "continuation_steps", "continuation_attempts",
        "residual_history", "linear_iterations", "krylov_iterations", "linear_solver",
        "seconds_per_frequency",
        "largest_at_m"}  # where the error estimate peaks: a tie between two equal layers
SKIP_COLUMNS = {"newton_iterations", "wall_time_s"}
# Newton stops at an update below 1e-9 kT: states agree to ~1e-9, derived numbers to ~1e-7
RTOL = 1e-6


def numbers(tree, path=""):
    """(path, value) of every number in a JSON tree, bookkeeping left out."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key not in SKIP:
                yield from numbers(value, f"{path}.{key}")
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from numbers(value, f"{path}[{i}]")
    elif isinstance(tree, int | float) and not isinstance(tree, bool):
        yield path, float(tree)


def csv_numbers(path: Path):
    with open(path, encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f)):
            for key, value in row.items():
                if key not in SKIP_COLUMNS:
                    try:
                        yield f"{path.name}[{i}].{key}", float(value)
                    except ValueError:
                        pass


def outputs(folder: Path) -> dict[str, float]:
    """Every number of every summary.json and result table under a run folder."""
    out = {}
    for summary in sorted(folder.rglob("summary.json")):
        rel = summary.relative_to(folder).parent.as_posix()
        out.update({f"{rel}{k}": v for k, v in numbers(json.loads(summary.read_text()))})
    for name in ("sweep.csv", "impedance.csv", "timeseries.csv"):
        for table in sorted(folder.rglob(name)):
            rel = table.relative_to(folder).parent.as_posix()
            out.update({f"{rel}/{k}": v for k, v in csv_numbers(table)})
    return out


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


def kind(key: str) -> str:
    """The quantity a number is: its name, except that every charge per area (electrode,
    space and balance charges) is one kind: a region's net charge is a sum of +- layer charges
    and is zero up to their round-off."""
    name = key.rsplit(".", 1)[-1]
    return "C_m2" if name.endswith("_C_m2") else name


def scales(values: dict[str, float]) -> dict[str, float]:
    """Per kind, the largest magnitude: the round-off of a value near 0 is judged against the
    size of its kind in the run."""
    out: dict[str, float] = {}
    for key, value in values.items():
        out[kind(key)] = max(out.get(kind(key), 0.0), abs(value))
    return out


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
