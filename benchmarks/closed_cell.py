"""Closed-cell equilibrium: one canonical steady solve against the transient route.

The symmetric blocking cell of tests/verification/test_closed_cell.py (walls at -+V/2 across
L = 100 Debye lengths, Boltzmann 1:1, c0 = 1e25 m^-3, D = 1e-13 m^2/s). Before the amount
constraints, its canonical equilibrium could only be had by integrating a transient from the
flat state until it stopped changing. Both routes run here on the same mesh, so they share
the spatial error; the transient runs to 30 L^2/D (its remaining time error is then far below
the spatial one, checked by the errors printed). Each route is timed after a JIT warm-up of
both, and scored by the max error of phi against the exact solution
(pnp_ssb.analytic.blocking_cell).

Usage:
    .venv/bin/python benchmarks/closed_cell.py
"""

import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the test's closed cell, written once (tests/verification)

from pnp_ssb.analytic.blocking_cell import blocking_cell  # noqa: E402
from pnp_ssb.discretisation.fem import MPI  # noqa: E402
from pnp_ssb.io.output import write_text_atomic  # noqa: E402
from pnp_ssb.preflight import load_case  # noqa: E402
from pnp_ssb.studies.registry import run_case  # noqa: E402
from pnp_ssb.studies.steady import solve_case  # noqa: E402
from tests.verification.test_closed_cell import C0, EPS, L_M, SITES, T, closed_cell  # noqa: E402

DIFFUSIVITY_M2_S = 1e-13


def error_V(sol, exact) -> float:
    seg = sol.profile.segment("electrolyte")
    bulk = sol.model.regions[0].bulk_potential * sol.profile.thermal_voltage_V
    phi = seg.psi * sol.profile.thermal_voltage_V - bulk
    return float(np.max(np.abs(phi - exact.potential_V(seg.x_m - seg.x_m[0], T))))


def transient_case(v: float, refine: int):
    data = closed_cell(v, "boltzmann", refine, study="transient")
    tau = L_M**2 / DIFFUSIVITY_M2_S
    data["study"] = {"type": "transient", "control": "voltage", "end_time_s": 30 * tau,
                     "initial_step_s": 1e-4 * (L_M / 100) ** 2 / DIFFUSIVITY_M2_S,
                     "max_step_s": 3 * tau}
    return load_case(data)


def timed(route, *args):
    start = time.perf_counter()
    out = route(*args)
    return time.perf_counter() - start, out


def compare(v: float, refine: int) -> dict:
    exact = blocking_cell(v, L_M, C0, EPS, T, SITES["boltzmann"], "boltzmann")
    # the same fixed mesh as the transient (equal error), and the default run with its estimate
    steady_case = load_case(closed_cell(v, "boltzmann", refine, error_control="off"))
    estimated_case = load_case(closed_cell(v, "boltzmann", refine, error_control="estimate"))
    comm = MPI.COMM_SELF
    solve_case(steady_case, comm)  # warm-up
    steady_s, steady = timed(solve_case, steady_case, comm)
    estimated_s, _ = timed(solve_case, estimated_case, comm)
    with tempfile.TemporaryDirectory() as tmp:
        case = transient_case(v, refine)
        run_case(case, Path(tmp) / "warm", comm)
        transient_s, transient = timed(run_case, case, Path(tmp) / "run", comm)
    steps = transient.transient.steps
    return {"voltage_V": v, "refine": refine, "cells": len(steady.profile.segments[0].x_m) - 1,
            "steady_error_V": error_V(steady, exact), "steady_s": steady_s,
            "steady_newton": steady.report.newton_iterations,
            "steady_with_estimate_s": estimated_s,
            "transient_error_V": error_V(transient, exact), "transient_s": transient_s,
            "transient_steps": steps, "speedup": transient_s / steady_s}


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    rows = [compare(v, r) for v in (0.1, 1.0) for r in (0, 2)]
    lines = ["| V | cells | steady error (V) | transient error (V) | steady (s) | steady + error "
             "estimate (s) | transient (s), steps | speed-up | speed-up with estimate |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['voltage_V']} | {r['cells']} | {r['steady_error_V']:.2e} | "
                     f"{r['transient_error_V']:.2e} | {r['steady_s']:.3f} | "
                     f"{r['steady_with_estimate_s']:.3f} | "
                     f"{r['transient_s']:.2f}, {r['transient_steps']} | {r['speedup']:.0f}x | "
                     f"{r['transient_s'] / r['steady_with_estimate_s']:.0f}x |")
    out = ROOT / "benchmarks" / "results"
    write_text_atomic(out / "closed_cell.json", json.dumps(rows, indent=2))
    write_text_atomic(out / "closed_cell.md", "\n".join(lines) + "\n")
    logging.getLogger("benchmark").warning("\n%s", "\n".join(lines))


if __name__ == "__main__":
    main()
