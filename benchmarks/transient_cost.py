"""Transient cost at equal accuracy: backward Euler with today's step controller against BDF2
with the local-error controller (study.time_error_tolerance_V).

The case is the galvanostatic Jamnik–Maier step of tests/verification/test_transient.py
(0.1 A/m^2 through Pt | MIEC | Pt, ions blocked, tau = 36 ms, to 0.3 s), the diffusion response
on which backward Euler with 1.5x growth gave 2 % mid-curve errors. Each run is scored by its
time error alone: the largest relative difference of the cell voltage from a BDF2 reference at a
tolerance 100x below the tightest, at output times tau/2 .. 8 tau that every run lands on (the
mesh is the same, so the spatial error cancels). Backward Euler runs with max_step_s from the
default end/50 down; BDF2 with tolerances from 1e-5 V down (no max_step_s: the estimate
chooses). Wall times are the whole run_case
after a JIT warm-up, reported as ratios to the default backward-Euler run of the same process;
at a common error the cost of each scheme is interpolated in log-log.

Usage:
    .venv/bin/python benchmarks/transient_cost.py
"""

import itertools
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the test's Jamnik–Maier case, written once (tests/verification)

from pnp_ssb.discretisation.fem import MPI  # noqa: E402
from pnp_ssb.io.output import write_text_atomic  # noqa: E402
from pnp_ssb.preflight import load_case  # noqa: E402
from pnp_ssb.studies.registry import run_case  # noqa: E402
from tests.verification.test_impedance import MIXED_CONDUCTOR  # noqa: E402
from tests.verification.test_transient import mixed_conductor_polarisation  # noqa: E402

END_S = 0.3
TIMES_S = [0.018, 0.036, 0.072, 0.15, 0.3]
BACKWARD_EULER_MAX_STEPS_S = [END_S / 50, 2e-3, 6.7e-4, 2.2e-4]
BDF2_TOLERANCES_V = [1e-5, 1e-6, 1e-7]


def run(folder: Path, study: str) -> dict:
    """One timed run; its voltages at TIMES_S, steps, Newton iterations and wall time."""
    overrides = mixed_conductor_polarisation(0.1)
    overrides[0] = overrides[0].replace(
        "end_time_s = 0.3, max_step_s = 0.005",
        f"end_time_s = {END_S}, output_times_s = {TIMES_S}, {study}")
    overrides.append("output.fields = 'none'")
    case = load_case(MIXED_CONDUCTOR, overrides)
    start = time.perf_counter()
    sol = run_case(case, folder, MPI.COMM_SELF)
    wall = time.perf_counter() - start
    rows = sol.transient.rows
    t = np.array([r["time_s"] for r in rows])
    v = np.array([r["voltage_V"] for r in rows])
    k = [int(np.argmin(np.abs(t - x))) for x in TIMES_S]
    assert np.allclose(t[k], TIMES_S, rtol=1e-9), "a run missed an output time"
    return {"study": study, "steps": sol.transient.steps,
            "rejected": sol.transient.rejected_steps,
            "newton": sol.transient.newton_iterations, "wall_s": wall, "voltage_V": v[k]}


def cost_at(error: float, runs: list[dict]) -> float | None:
    """Wall time at ``error``, interpolated in log-log between the runs that bracket it."""
    pts = sorted((r["error"], r["wall_s"]) for r in runs if r["error"] > 0)
    for (e0, w0), (e1, w1) in itertools.pairwise(pts):
        if e0 <= error <= e1:
            s = np.log(error / e0) / np.log(e1 / e0)
            return float(np.exp(np.log(w0) + s * np.log(w1 / w0)))
    return None


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    out = ROOT / "benchmarks" / "results"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run(folder / "warm", "max_step_s = 0.03")  # JIT warm-up
        ref = run(folder / "ref", f"time_scheme = 'bdf2', time_error_tolerance_V = "
                  f"{BDF2_TOLERANCES_V[-1] / 100}")
        runs = [dict(run(folder / f"be{i}", f"max_step_s = {h}"), scheme="backward_euler")
                for i, h in enumerate(BACKWARD_EULER_MAX_STEPS_S)]
        runs += [dict(run(folder / f"bdf{i}", f"time_scheme = 'bdf2', "
                          f"time_error_tolerance_V = {tol}"), scheme="bdf2", tolerance_V=tol)
                 for i, tol in enumerate(BDF2_TOLERANCES_V)]
    base = runs[0]["wall_s"]
    for r in runs:
        r["error"] = float(np.max(np.abs(r["voltage_V"] / ref["voltage_V"] - 1)))
        r["wall_ratio"] = r["wall_s"] / base
        r["voltage_V"] = r["voltage_V"].tolist()
    lines = ["| scheme | setting | steps | rejected | Newton | max rel. time error | wall / BE default |",
             "|---|---|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['scheme']} | {r['study']} | {r['steps']} | {r['rejected']} | "
                     f"{r['newton']} | {r['error']:.2e} | {r['wall_ratio']:.2f} |")
    lines += ["", "| relative error | BE wall / BE default | BDF2 wall / BE default | BE / BDF2 |",
              "|---|---|---|---|"]
    equal = []
    for error in (8e-3, 3e-3, 1.3e-3):
        be = cost_at(error, [r for r in runs if r["scheme"] == "backward_euler"])
        bdf = cost_at(error, [r for r in runs if r["scheme"] == "bdf2"])
        if be is not None and bdf is not None:
            equal.append({"error": error, "backward_euler_ratio": be / base,
                          "bdf2_ratio": bdf / base, "speedup": be / bdf})
            lines.append(f"| {error:.2g} | {be / base:.2f} | {bdf / base:.2f} | {be / bdf:.1f} |")
    write_text_atomic(out / "transient_cost.json", json.dumps(
        {"reference_steps": ref["steps"], "runs": runs, "equal_accuracy": equal}, indent=1))
    write_text_atomic(out / "transient_cost.md", "\n".join(lines) + "\n")
    logging.getLogger(__name__).warning("\n%s", "\n".join(lines))


if __name__ == "__main__":
    main()
