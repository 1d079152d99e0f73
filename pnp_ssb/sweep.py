"""OCV sweeps: one equilibrium state per target OCV, conserving the Li inventory; resumable."""

import logging
from pathlib import Path
from typing import Any

from pnp_ssb.case import Case
from pnp_ssb.fem import MPI
from pnp_ssb.results import write_outputs
from pnp_ssb.run import solve_case
from pnp_ssb.solution import Solution
from pnp_ssb.solver import SolverError
from pnp_ssb.summary import summary

log = logging.getLogger(__name__)


def state_dirname(ocv_V: float) -> str:
    """Output folder of one sweep state, e.g. ocv_3.750V."""
    return f"ocv_{ocv_V:.3f}V"


def sweep_row(ocv_V: float, regime: str, data: dict[str, Any]) -> dict[str, Any]:
    """One line of sweep.csv from a state's summary.json."""
    row: dict[str, Any] = {"ocv_V": ocv_V, "regime": regime,
                           "newton_iterations": data["newton_iterations"],
                           "wall_time_s": data["wall_time_s"]}
    cell = data["cell"]
    for region, theta in sorted(cell["li_fraction"].items()):
        row[f"theta_{region}"] = theta
    for region, volt in cell["terminal_voltages_V"].items():
        row[f"V_{region}_V"] = volt
    for key, contact in cell["contacts"].items():
        row[f"drop_{key}_V"] = contact["drop_to_bulk_V"]
        row[f"charge_{key}_C_m2"] = contact["electrode_charge_C_m2"]
    return row


def run_sweep(case: Case, outdir: str | Path, comm: MPI.Comm = MPI.COMM_WORLD) -> list[Solution]:
    """Solve every OCV of an ``ocv_sweep`` into ``outdir/ocv_<V>V/`` and tabulate sweep.csv.

    Resumable: a state whose summary.json exists (written last, so only by a complete run) is
    read back instead of solved again. The Li inventory of the case's li_fraction is conserved.
    """
    import json

    from pnp_ssb.electrodes import state_for_ocv
    from pnp_ssb.log import ProgressBar
    from pnp_ssb.output import write_csv_rows

    outdir = Path(outdir)
    voltages = case.study.ocv_V or []
    bar = ProgressBar(f"{case.name}: OCV sweep", len(voltages))
    rows, solutions = [], []
    for i, ocv in enumerate(voltages):
        state = state_for_ocv(case, ocv, path=f"study.ocv_V[{i}]")
        folder = outdir / state_dirname(ocv)
        done = comm.bcast((folder / "summary.json").is_file() if comm.rank == 0 else None, root=0)
        if done:
            log.info("state %.3f V: found %s, not solved again", ocv, folder / "summary.json")
            data = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        else:
            try:
                solution = solve_case(case, comm, state)
            except SolverError as exc:
                write_outputs(exc.solution, folder / "last_good")
                raise
            write_outputs(solution, folder)
            solutions.append(solution)
            data = summary(solution)
        rows.append(sweep_row(ocv, state.regime, data))
        bar.update(i + 1, f"{ocv:.3f} V ({state.regime})")
        if comm.rank == 0:
            write_csv_rows(outdir / "sweep.csv", rows)
    bar.close()
    if not solutions:  # everything was resumed: solve the last state to return it
        solutions.append(solve_case(case, comm, state_for_ocv(case, voltages[-1])))
    return solutions


