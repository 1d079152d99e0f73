"""OCV sweeps: one equilibrium state per target OCV, conserving the Li inventory; resumable."""

import csv
import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

from pnp_ssb.analysis.inventory import cell_li_balance
from pnp_ssb.analysis.solution import Solution
from pnp_ssb.analysis.summary import summary
from pnp_ssb.constants import thermal_voltage_V
from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.input.case import Case
from pnp_ssb.input.study import OcvSweepStudy, study_of
from pnp_ssb.io.output import write_csv_rows, write_json
from pnp_ssb.io.results import write_outputs
from pnp_ssb.io.rundir import FINGERPRINT_FILE, case_fingerprint, run_folder
from pnp_ssb.log import ProgressBar
from pnp_ssb.physics.collector_li import collector_chains
from pnp_ssb.physics.electrodes import ChargeState, li_inventory_mol_m2, state_for_ocv
from pnp_ssb.solvers.newton import SolveReport, SolverError
from pnp_ssb.studies.collector_uptake import CollectorUptake, collector_uptake
from pnp_ssb.studies.steady import solve_case

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
    if "li_balance" in cell:
        for part in ("electrodes", "electrolytes"):
            row[f"li_{part}_mol_m2"] = cell["li_balance"][f"{part}_mol_m2"]
        row["li_inventory_mol_m2"] = cell["li_balance"]["inventory_mol_m2"]
    for key, chain in data.get("collector_lithiation", {}).items():
        for region, li in chain["li_mol_m2"].items():
            row[f"collector_li_{region}_mol_m2"] = li
        row[f"lithiation_front_{key}_m"] = chain["front_depth_m"]
        row[f"li_activity_{key}"] = chain["contact_activity"]
    return row


def sweep_fingerprint(case: Case) -> str:
    """Hash of what defines the states of a sweep: the case without its list of OCVs, unless
    it holds them (hold_time_s: each state's collectors depend on the states before it)."""
    held = getattr(case.study, "hold_time_s", None) is not None
    return case_fingerprint(case, () if held else ("ocv_V",))


def resumable_states(case: Case, outdir: Path, comm: MPI.Comm) -> set[str]:
    """What a rerun keeps in DIR (collective): when DIR's fingerprint.json is of this case, the
    complete states (summary.json present) of the case's OCVs and the fingerprint itself."""
    keep: set[str] = set()
    if comm.rank == 0:
        try:
            stored = json.loads((outdir / FINGERPRINT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
        if stored.get("ocv_sweep") == sweep_fingerprint(case):
            keep = {FINGERPRINT_FILE, *(
                name for name in map(state_dirname, study_of(case.study, OcvSweepStudy).ocv_V)
                if (outdir / name / "summary.json").is_file())}
    return comm.bcast(keep, root=0)


def run_sweep(case: Case, outdir: str | Path, comm: MPI.Comm = MPI.COMM_WORLD) -> list[Solution]:
    """Solve every OCV of an ``ocv_sweep`` into ``outdir/ocv_<V>V/``, tabulate sweep.csv and
    write summary.json (last; the states and their folders).

    Resumable: in a folder of the same case (fingerprint.json), a state whose summary.json
    exists (written last, so only by a complete run) is read back instead of solved again; any
    other earlier output is removed first. The Li inventory of the case's li_fraction is
    conserved: the electrodes hold the case's Li in every state (sum_k N_k L_k theta_k) and
    each state reports its balance, electrolytes included (li_balance, sweep.csv). A state
    that does not converge stops the sweep (SolverError): its last good state is in
    ``outdir/last_good/``, and ``outdir/summary.json`` says converged = false.
    """
    outdir = Path(outdir)
    study = study_of(case.study, OcvSweepStudy)
    voltages = study.ocv_V
    uptake = held_collectors(case)
    bar = ProgressBar(f"{case.name}: OCV sweep", len(voltages))
    rows: list[dict[str, Any]] = []
    solutions: list[Solution] = []
    with run_folder(case, outdir, comm, keep=resumable_states(case, outdir, comm)):
        if comm.rank == 0:
            write_json(outdir / FINGERPRINT_FILE, {"ocv_sweep": sweep_fingerprint(case)})
        for i, ocv in enumerate(voltages):
            path, folder = f"study.ocv_V[{i}]", outdir / state_dirname(ocv)
            if uptake is not None and study.hold_time_s is not None:
                state = hold_state(case, ocv, path, uptake, study.hold_time_s[i], folder, comm)
            else:
                state = state_for_ocv(case, ocv, path=path)
            data = _solve_state(case, state, ocv, folder, comm, solutions, uptake)
            rows.append(sweep_row(ocv, state.regime, data))
            bar.update(i + 1, f"{ocv:.3f} V ({state.regime})")
            if comm.rank == 0:
                write_csv_rows(outdir / "sweep.csv", rows)
        bar.close()
        if not solutions:  # everything was resumed: solve the last state to return it
            solutions.append(solve_case(case, comm, state_for_ocv(case, voltages[-1])))
        if comm.rank == 0:
            write_json(outdir / "summary.json", {
                "case": case.name, "study": case.study.type, "converged": True, "failure": None,
                "states": [{"ocv_V": r["ocv_V"], "regime": r["regime"],
                            "folder": state_dirname(r["ocv_V"])} for r in rows]})
        comm.barrier()
    return solutions


def _solve_state(case: Case, state, ocv: float, folder: Path, comm: MPI.Comm,
                 solutions: list[Solution], uptake: CollectorUptake | None = None
                 ) -> dict[str, Any]:
    """One state of the sweep: read back when complete, else solved and written into
    ``folder`` (appended to ``solutions``); returns its summary."""
    done = comm.bcast((folder / "summary.json").is_file() if comm.rank == 0 else None, root=0)
    if done:
        log.info("state %.3f V: found %s, not solved again", ocv, folder / "summary.json")
        return json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    try:
        solution = solve_case(case, comm, state)
    except SolverError as exc:
        err = SolverError(f"OCV sweep, state {ocv:.3f} V: {exc}", exc.report)
        err.solution = exc.solution
        raise err from exc
    given = {r.name: r.li_fraction for r in case.regions
             if r.name in state.li_fraction and r.li_fraction is not None}
    solution.li_balance = cell_li_balance(case, solution.problem, given, state.li_fraction)
    if uptake is not None:
        solution.li_balance = dataclasses.replace(solution.li_balance,
                                                  collectors_mol_m2=uptake.li_mol_m2())
        solution.collector_li = uptake.record()
    write_outputs(solution, folder)
    solutions.append(solution)
    return summary(solution)


HOLD_TOLERANCE = 1e-14  # of the inventory: the held Li's fixed point (it is ~1e-6 of it)


def held_collectors(case: Case) -> CollectorUptake | None:
    """The lithiating collectors of a sweep with hold times (None without either)."""
    if getattr(case.study, "hold_time_s", None) is None:
        return None
    return collector_uptake(case, collector_chains(case), thermal_voltage_V(case.temperature_K))


def hold_state(case: Case, ocv_V: float, path: str, uptake: CollectorUptake, hold_s: float,
               folder: Path, comm: MPI.Comm) -> ChargeState:
    """The state at ``ocv_V`` after a hold of ``hold_s``: its compositions hold the inventory less
    the Li the collectors have after the hold, which depends on the anode's activity in the
    state (a fixed point; the held Li is tiny beside the inventory, so a few passes). A state
    already in ``folder`` (resumed) gives back the collectors it recorded."""
    record = _recorded(folder, comm)
    if record is not None:
        uptake.load_record(*record)
        return state_for_ocv(case, ocv_V, path, uptake.li_mol_m2())
    held = uptake.li_mol_m2()
    scale = li_inventory_mol_m2(case, {r.name: r.li_fraction for r in case.regions
                                       if r.li_fraction is not None})
    for _ in range(20):
        state = state_for_ocv(case, ocv_V, path, held)
        uptake.source_theta = {c.contact_key: state.li_fraction.get(c.electrode, 0.0)
                               for c in uptake.chains}
        uptake.advance_trial(hold_s, activity_jumps=True)
        after = uptake.trial_li_mol_m2()
        if abs(after - held) <= HOLD_TOLERANCE * max(scale, abs(after)):
            break
        held = after
    else:
        raise SolverError(f"{path}: the Li the collectors take in the hold did not settle "
                          f"({held:.6g} -> {after:.6g} mol/m^2)", SolveReport())
    uptake.commit()
    return state_for_ocv(case, ocv_V, path, uptake.li_mol_m2())


def _recorded(folder: Path, comm: MPI.Comm) -> tuple[list[dict[str, str]], dict] | None:
    """(collector_li.csv rows, summary's collector_lithiation) of a complete state folder."""
    found: tuple | str | None = None
    if comm.rank == 0 and (folder / "summary.json").is_file():
        try:
            data = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
            with open(folder / "collector_li.csv", encoding="utf-8") as f:
                found = (list(csv.DictReader(f)), data.get("collector_lithiation", {}))
        except (OSError, ValueError) as exc:  # every rank must reach the bcast
            found = f"{folder}: a complete state without its collectors ({exc})"
    found = comm.bcast(found, root=0)
    if isinstance(found, str):
        raise SolverError(found + "; remove the folder to solve it again", SolveReport())
    return found
