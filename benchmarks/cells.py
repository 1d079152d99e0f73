"""Cell benchmark: the Fuller OCV sweep and the Li | LLZO | Li cell at equilibrium and under bias.

For every state: Newton iterations, continuation steps, wall time of ``solve_case`` (meshing,
assembly, Newton, post-processing; after a JIT warm-up), DOFs and ranks. Wall times are also
given as ratios to the bundled Gouy–Chapman case solved in the same run (the baseline), so that
numbers from different machines compare.

Usage:
    .venv/bin/python benchmarks/cells.py [--out benchmarks/results]
    .venv/bin/mpirun -n 2 .venv/bin/python benchmarks/cells.py
"""

import argparse
import json
import logging
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.io.output import write_text_atomic
from pnp_ssb.physics.electrodes import state_for_ocv
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.steady import solve_case

CASES = Path(__file__).resolve().parents[1] / "cases"
QUIET = ["output.figures=false", 'output.fields="none"']


@dataclass(frozen=True)
class StateRun:
    """One solved state."""

    case: str
    state: str
    dofs: int
    ranks: int
    newton_iterations: int
    continuation_steps: int
    wall_time_s: float


def timed(case_name: str, label: str, overrides=(), state=None) -> StateRun:
    case = load_case(CASES / f"{case_name}.toml", [*QUIET, *overrides])
    start = time.perf_counter()
    sol = solve_case(case, MPI.COMM_WORLD, state)
    wall = time.perf_counter() - start
    return StateRun(case_name, label, sol.num_dofs, sol.num_ranks, sol.report.newton_iterations,
                    sol.report.converged_steps, wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for name in ("gouy_chapman", "li_llzo_li", "li_llzo_li_bias"):  # JIT warm-up
        timed(name, "warm-up")
    fuller = load_case(CASES / "fuller_si_lipon_lco.toml", QUIET)
    timed("fuller_si_lipon_lco", "warm-up", state=state_for_ocv(fuller, 3.0))

    baseline = timed("gouy_chapman", "0.1 V (baseline)")
    runs = [baseline, timed("li_llzo_li", "equilibrium"),
            timed("li_llzo_li_bias", "300 mV bias")]
    for ocv in fuller.study.ocv_V:
        runs.append(timed("fuller_si_lipon_lco", f"OCV {ocv:g} V", state=state_for_ocv(fuller, ocv)))

    lines = ["| case | state | DOFs | ranks | Newton its | continuation steps | wall (s) | wall / baseline |",
             "|---|---|---|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r.case} | {r.state} | {r.dofs} | {r.ranks} | {r.newton_iterations} "
                     f"| {r.continuation_steps} | {r.wall_time_s:.3g} "
                     f"| {r.wall_time_s / baseline.wall_time_s:.2f} |")
    header = (f"Cells, {MPI.COMM_WORLD.size} rank(s); {platform.machine()}, Python "
              f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    report = "\n".join(lines)
    if MPI.COMM_WORLD.rank == 0:
        args.out.mkdir(parents=True, exist_ok=True)
        suffix = f"_np{MPI.COMM_WORLD.size}"
        write_text_atomic(args.out / f"cells{suffix}.md", f"{header}\n\n{report}\n")
        write_text_atomic(args.out / f"cells{suffix}.json",
                          json.dumps([asdict(r) for r in runs], indent=2))
        print(header, report, sep="\n\n")


if __name__ == "__main__":
    main()
