"""Impedance benchmark: time per frequency point, against one steady solve of the same cell.

The Li | LiPON | LiCoO2 thin-film cell (cases/li_lipon_lco_impedance.toml): the spectrum's
wall time per frequency (assembly once, one real 2x2-block LU solve and the current functionals
per frequency), as a ratio to the wall time of the same cell's steady-state solve in the same
run (`solve_case`, after a JIT warm-up of both). Then the Li | LLZO | Li cell
(cases/li_llzo_li_bias.toml) about its equilibrium and about its 300 mV steady state
(study.bias_V): the time per frequency and the time to reach the biased state (the
pseudo-transient relaxation), each against that cell's steady solve at 300 mV.

Usage:
    .venv/bin/python benchmarks/impedance.py
    .venv/bin/mpirun -n 2 .venv/bin/python benchmarks/impedance.py
"""

import json
import logging
import time
from pathlib import Path

from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.input.tomlio import read_toml
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


def timed_biased(bias_V: float, steady_s: float) -> dict:
    """Li | LLZO | Li as an impedance study at bias_V: the stepper's build and relaxation, and
    the spectrum, timed apart (ratios to ``steady_s``)."""
    from pnp_ssb.studies.impedance import spectrum_of, steady_stepper, stepper_settings, study_frequencies_Hz

    comm = MPI.COMM_WORLD
    data = read_toml(ROOT / "cases" / "li_llzo_li_bias.toml")
    del data["boundaries"]["right"]["voltage_V"]  # the bias sets it
    data["study"] = {"type": "impedance", "bias_V": bias_V}
    case = load_case(data, ['mesh.error_control="off"'])
    comm.barrier()
    start = time.perf_counter()
    stepper = steady_stepper(case, comm, stepper_settings(case))
    comm.barrier()
    state_s = time.perf_counter() - start
    f = study_frequencies_Hz(case)
    start = time.perf_counter()
    spectrum = spectrum_of(stepper, f)
    comm.barrier()
    spectrum_s = time.perf_counter() - start
    stepper.solver.close()
    return {"bias_V": bias_V, "dofs": spectrum.num_dofs, "frequencies": int(f.size),
            "state_s": state_s, "state_over_steady_solve": state_s / steady_s,
            "relaxation_steps": stepper.dc_bias.relaxation_steps if stepper.dc_bias else 0,
            "s_per_frequency": spectrum_s / f.size,
            "per_frequency_over_steady_solve": spectrum_s / f.size / steady_s}


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
    biased_steady = load_case(ROOT / "cases" / "li_llzo_li_bias.toml", ['mesh.error_control="off"'])
    solve_case(biased_steady, comm)  # warm-up (JIT)
    timed_biased(0.3, 1.0)
    comm.barrier()
    start = time.perf_counter()
    solve_case(biased_steady, comm)
    comm.barrier()
    bias_steady_s = time.perf_counter() - start
    result["li_llzo_li"] = {"steady_solve_300mV_s": bias_steady_s,
                            "states": [timed_biased(v, bias_steady_s) for v in (0.0, 0.3)]}
    if comm.rank == 0:
        out = ROOT / "benchmarks" / "results" / f"impedance_np{comm.size}.json"
        write_text_atomic(out, json.dumps(result, indent=2) + "\n")
        logging.getLogger(__name__).warning("%s", json.dumps(result))


if __name__ == "__main__":
    main()
