"""2D scaling benchmark: one large 2D case on N ranks (strong scaling, 1 to 64 ranks).

Default case: Li | LLZO with a charged, slow grain-boundary core | Li under 300 mV
(cases/li_llzo_li_bias.toml as a laterally extruded 2D stack with a thin core), sized to
about --unknowns unknowns (psi and the two Li defects). Records, per run: unknowns, ranks,
time per Newton step (total Newton wall time / iterations, after a JIT warm-up on a small
mesh), Krylov iterations per Newton step (iterative solvers), peak resident memory per rank,
and the wall time of the whole solve. ``--summarize`` merges the results of several rank
counts into a table with the parallel efficiency t_1 / (N t_N) against the 1-rank run of the
same size (the baseline measured on the same machine).

Usage (here: 2 cores):
    .venv/bin/python benchmarks/scaling_2d.py
    .venv/bin/mpirun -n 2 .venv/bin/python benchmarks/scaling_2d.py
    .venv/bin/python benchmarks/scaling_2d.py --summarize
On a cluster: benchmarks/scaling_2d_slurm.sh (1 to 64 ranks).
"""

import argparse
import json
import logging
import platform
import resource
import time
from pathlib import Path

from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.io.output import write_text_atomic
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.steady import solve_case

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def overrides(rows: int, solver: str) -> list[str]:
    return ["geometry.type = 'layered_2d'", f"geometry.height_m = {rows * 1e-9}",
            f"geometry.lateral_cells = {rows}", "grain_boundaries.llzo.positions_m = [50e-9]",
            "grain_boundaries.llzo.width_m = 1e-9",
            "grain_boundaries.llzo.core_charge_C_m2 = 0.05",
            "grain_boundaries.llzo.diffusivity_factor = 0.1",
            f"solver.linear_solver = '{solver}'", "output.figures = false",
            "output.fields = 'none'"]


def run(case_path: Path, unknowns: float, solver: str) -> dict:
    comm = MPI.COMM_WORLD
    warm = solve_case(load_case(case_path, overrides(2, solver)), comm)  # JIT warm-up
    rows = max(2, round(unknowns / (warm.num_dofs / 3)) - 1)  # 3 rows of nodes in the warm-up
    comm.barrier()
    start = time.perf_counter()
    sol = solve_case(load_case(case_path, overrides(rows, solver)), comm)
    comm.barrier()
    wall = time.perf_counter() - start
    newton_s = sol.report.wall_time_s or wall
    its = sol.report.newton_iterations
    krylov = sum(a.linear_iterations for a in sol.report.attempts)
    peak_mb = comm.gather(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, root=0)
    return {"case": case_path.name, "solver": solver, "unknowns": sol.num_dofs,
            "ranks": comm.size, "newton_iterations": its,
            "continuation_steps": sol.report.converged_steps,
            "time_per_newton_step_s": newton_s / max(its, 1),
            "krylov_iterations_per_newton_step": krylov / max(its, 1),
            "solve_wall_time_s": wall, "peak_rss_mb_per_rank": peak_mb,
            "machine": platform.node(), "python": platform.python_version()}


def summarize() -> str:
    runs = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("scaling_2d_*_np*.json"))]
    lines = ["| solver | unknowns | ranks | s per Newton step | Krylov its per step | "
             "peak MB per rank | efficiency |", "|---|---|---|---|---|---|---|"]
    for r in sorted(runs, key=lambda r: (r["solver"], r["unknowns"], r["ranks"])):
        base = next((b for b in runs if b["solver"] == r["solver"] and b["ranks"] == 1
                     and b["unknowns"] == r["unknowns"]), None)
        eff = (base["time_per_newton_step_s"] / (r["ranks"] * r["time_per_newton_step_s"])
               if base else float("nan"))
        lines.append(f"| {r['solver']} | {r['unknowns']} | {r['ranks']} | "
                     f"{r['time_per_newton_step_s']:.2f} | "
                     f"{r['krylov_iterations_per_newton_step']:.0f} | "
                     f"{max(r['peak_rss_mb_per_rank']):.0f} | {eff:.0%} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", default=str(ROOT / "cases" / "li_llzo_li_bias.toml"))
    p.add_argument("--unknowns", type=float, default=1.05e6)
    p.add_argument("--solver", default="mumps", help="mumps, fgmres_fieldsplit, gmres_gamg")
    p.add_argument("--summarize", action="store_true")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.summarize:
        write_text_atomic(RESULTS / "scaling_2d.md", summarize())
        return
    result = run(Path(args.case), args.unknowns, args.solver)
    if MPI.COMM_WORLD.rank == 0:
        RESULTS.mkdir(parents=True, exist_ok=True)
        name = f"scaling_2d_{args.solver}_{result['unknowns']}_np{result['ranks']}.json"
        write_text_atomic(RESULTS / name, json.dumps(result, indent=2) + "\n")
        logging.getLogger(__name__).warning("%s", json.dumps(result))


if __name__ == "__main__":
    main()
