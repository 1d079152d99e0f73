"""Screening throughput: pairs per minute of `pnp-ssb screen` on the bundled 4 x 4 screen.

Usage:
    .venv/bin/python benchmarks/screening.py
    .venv/bin/mpirun -n 2 .venv/bin/python benchmarks/screening.py

Each run starts from an empty output folder (no resumed pairs) after a JIT warm-up; the
baseline, solved in the same run, is one Gouy–Chapman case.
"""

import logging
import platform
import shutil
import tempfile
import time
from pathlib import Path

from pnp_ssb.apps.screening import load_spec, run_screen
from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.io.output import write_text_atomic
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.steady import solve_case

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    comm = MPI.COMM_WORLD
    spec = load_spec(ROOT / "cases" / "screens" / "electrodes_x_electrolytes.toml")
    gc = load_case(ROOT / "cases" / "gouy_chapman.toml", ["output.figures=false"])
    solve_case(gc, MPI.COMM_SELF)
    start = time.perf_counter()
    solve_case(gc, MPI.COMM_SELF)
    baseline = time.perf_counter() - start
    folder = Path(comm.bcast(tempfile.mkdtemp() if comm.rank == 0 else None, root=0))
    run_screen(spec, folder / "warm", comm)  # JIT warm-up for every material's forms
    comm.barrier()
    start = time.perf_counter()
    result = run_screen(spec, folder / "timed", comm)
    wall = comm.allreduce(time.perf_counter() - start, op=MPI.MAX)
    if comm.rank == 0:
        n = len(result.pairs)
        text = (f"Screening, {comm.size} rank(s); {platform.machine()}, Python "
                f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}\n\n"
                f"| pairs | wall (s) | pairs per minute | wall per pair / Gouy–Chapman solve |\n"
                f"|---|---|---|---|\n"
                f"| {n} | {wall:.3g} | {60 * n / wall:.0f} | {wall / n / baseline:.1f} |\n")
        out = ROOT / "benchmarks" / "results"
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / f"screening_np{comm.size}.md", text)
        print(text)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
