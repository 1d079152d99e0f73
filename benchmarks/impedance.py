"""Impedance benchmark: time per frequency point, against one steady solve of the same cell.

The Li | LiPON | LiCoO2 thin-film cell (cases/li_lipon_lco_impedance.toml): the spectrum's
wall time per frequency (assembly once, one real 2x2-block LU solve and the current functionals
per frequency), as a ratio to the wall time of the same cell's steady-state solve in the same
run (`solve_case`, after a JIT warm-up of both).

Usage:
    .venv/bin/python benchmarks/impedance.py
    .venv/bin/mpirun -n 2 .venv/bin/python benchmarks/impedance.py
"""

import json
import logging
import time
from pathlib import Path

from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.io.output import write_text_atomic
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.impedance import impedance_spectrum
from pnp_ssb.studies.steady import solve_case

ROOT = Path(__file__).resolve().parents[1]


def timed_spectrum(case) -> tuple[float, int, int]:
    comm = MPI.COMM_WORLD
    comm.barrier()
    start = time.perf_counter()
    spectrum, stepper = impedance_spectrum(case, None, comm)
    stepper.solver.close()
    comm.barrier()
    return time.perf_counter() - start, spectrum.frequency_Hz.size, spectrum.num_dofs


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    comm = MPI.COMM_WORLD
    eis = load_case(ROOT / "cases" / "li_lipon_lco_impedance.toml")
    steady = load_case(ROOT / "cases" / "li_lipon_lco.toml")
    solve_case(steady, comm)  # warm-up (JIT)
    timed_spectrum(eis)
    comm.barrier()
    start = time.perf_counter()
    solve_case(steady, comm)
    comm.barrier()
    steady_s = time.perf_counter() - start
    spectrum_s, n_f, dofs = timed_spectrum(eis)
    result = {"case": eis.name, "ranks": comm.size, "dofs": dofs, "frequencies": n_f,
              "spectrum_s": spectrum_s, "s_per_frequency": spectrum_s / n_f,
              "steady_solve_s": steady_s,
              "per_frequency_over_steady_solve": spectrum_s / n_f / steady_s}
    if comm.rank == 0:
        out = ROOT / "benchmarks" / "results" / f"impedance_np{comm.size}.json"
        write_text_atomic(out, json.dumps(result, indent=2) + "\n")
        logging.getLogger(__name__).warning("%s", json.dumps(result))


if __name__ == "__main__":
    main()
