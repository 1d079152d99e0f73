"""Transients: backward Euler or BDF2 with adaptive steps, checkpoints and restarts.

The problem and its state at t = 0: :mod:`pnp_ssb.studies.stepper`. For t > 0 the control applies:

- 'voltage': the right terminal holds boundaries.right.voltage_V (without conductors: the case's
  boundary potentials are switched on, a potential step);
- 'current': in every step the right terminal's voltage is found (secant / regula falsi) such
  that the terminal current, Faradaic plus double-layer charging, is
  study.current_density_A_m2 (> 0: current flows through the cell from left to right, as the
  Li+ current entering the electrolyte at the left contact does at steady state);
- 'open_circuit': the same with zero current (relaxation).

The spatial error is estimated by a refined twin stepped in lockstep
(:mod:`pnp_ssb.studies.transient_error`). Outputs in DIR: timeseries.csv (one row per step, rewritten
atomically), the final state as in any run, states at output_times_s in DIR/t_<time>s/, and
DIR/checkpoint/ (:mod:`pnp_ssb.studies.checkpoint`) from which an interrupted run resumes.
"""

import dataclasses
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

from pnp_ssb.analysis.charges import electrode_charges_C_m2
from pnp_ssb.analysis.postprocess import Profile1D, gather_profile
from pnp_ssb.analysis.solution import TransientRecord, newton_settings, postprocess_solution
from pnp_ssb.analysis.space_charge import layer_metrics_1d
from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.discretisation.forms import lumped_measure  # noqa: F401  (tests integrate with it)
from pnp_ssb.input.case import Case
from pnp_ssb.input.study import TransientStudy, study_of
from pnp_ssb.io.output import write_csv_rows
from pnp_ssb.io.plots import plot_timeseries
from pnp_ssb.io.results import write_outputs
from pnp_ssb.io.rundir import clear_outputs, run_folder
from pnp_ssb.log import ProgressBar
from pnp_ssb.physics.model import CellModel
from pnp_ssb.solvers.newton import SolveReport, SolverError
from pnp_ssb.solvers.rootfind import RootNotFoundError, monotone_root
from pnp_ssb.studies.checkpoint import (
    checkpoint_layout,
    has_twin,
    load_checkpoint,
    read_rows,
    resumable_outputs,
    resume_pair,
    save_pair,
    start_from_keep,
)
from pnp_ssb.studies.stepper import STAGNATION_RESIDUAL, TimeStepper, build_stepper
from pnp_ssb.studies.time_scheme import next_step_factor, rate
from pnp_ssb.studies.transient_error import (
    ErrorControl,
    Twin,
    estimated,
    not_estimated_reason,
    start_pair,
)

log = logging.getLogger(__name__)

GROWTH_EASY = 1.5  # dt factor after a step that took <= EASY_ITERATIONS Newton iterations
EASY_ITERATIONS = 6
CUT_FACTOR = 0.25  # dt factor after a failed step
MIN_STEP_FRACTION = 1e-8  # of the first step: below this, the run stops with a report
CURRENT_TOLERANCE = 1e-8  # relative, current control within a step
__all__ = ["STAGNATION_RESIDUAL", "build_stepper", "current_control_tolerance_A_m2",
           "run_transient"]


def current_control_tolerance_A_m2(target_A_m2: float, sigma_previous_C_m2: float,
                                   dt_s: float) -> float:
    """How closely galvanostatic control holds the terminal current in a step (A/m^2):
    max(CURRENT_TOLERANCE |I|, 1e-12 max(|sigma_n|, 1e-3 C/m^2) / dt, 1e-14), because
    d(sigma)/dt carries sigma's round-off (~1e-12 relative) divided by dt."""
    return max(CURRENT_TOLERANCE * abs(target_A_m2),
               1e-12 * max(abs(sigma_previous_C_m2), 1e-3) / dt_s, 1e-14)


def _row(stepper: TimeStepper, t: float, dt: float, its: int, voltage: float,
         profile: Profile1D | None = None) -> dict:
    """One line of timeseries.csv (collective)."""
    row = {"time_s": t, "dt_s": dt, "newton_iterations": its}
    if stepper.study.time_error_tolerance_V is not None:
        row["time_error_estimate_V"] = (stepper.last_error_V if stepper.last_error_V is not None
                                        else math.nan)
    p = stepper.problem
    if isinstance(stepper.model, CellModel):
        row["voltage_V"] = voltage - _left_voltage(stepper)
    if stepper.study.control != "voltage":
        row["terminal_current_A_m2"] = (stepper.terminal_current
                                        if t > 0 and stepper.terminal_current is not None else 0.0)
    for key in p.contact_current:
        row[f"current_{key}_A_m2"] = stepper.contact_current_A_m2(key)
    for key, sigma in electrode_charges_C_m2(p).items():
        row[f"charge_{key}_C_m2"] = sigma
    profile = profile or gather_profile(p)
    for key, sides in layer_metrics_1d(profile, stepper.model).items():
        for side in sides:
            row[f"drop_{key}_{side.region}_V"] = side.drop_V
    row["li_inventory_mol_m2"] = stepper.li_inventory_mol_m2()
    if stepper.uptake is not None:
        row.update(stepper.uptake.row())
    return row


def _left_voltage(stepper: TimeStepper) -> float:
    cell = stepper.model.require_cell()  # callers check for a cell
    return cell.fermi_voltage_V[cell.groups[0].regions[0]]


def run_transient(case: Case, outdir: str | Path, comm: MPI.Comm = MPI.COMM_WORLD):
    """Integrate a transient study and write its outputs (collective). Returns the final
    Solution. The earlier outputs in DIR are removed first, except what resuming the same run
    needs (:func:`resumable_outputs`). The discretisation error is estimated by a refined twin
    in lockstep (:mod:`pnp_ssb.studies.transient_error`); in 'adapt' mode a run whose estimate is above
    the tolerance starts again on a refined mesh. Raises SolverError when the t = 0 solve fails
    or the step falls below its minimum (DiscretisationError when the tolerance cannot be met):
    the last good state is then in DIR/last_good, DIR/summary.json says converged = false, and
    the time series up to the failure is kept."""
    outdir = Path(outdir)
    start_wall = time.perf_counter()
    settings = dataclasses.replace(newton_settings(case), stagnation_residual=STAGNATION_RESIDUAL)
    with run_folder(case, outdir, comm, keep=resumable_outputs(case, outdir, comm)):
        control = ErrorControl.of(case, comm, checkpoint_layout(case, outdir, comm))
        start_from = study_of(case.study, TransientStudy).start_from
        control.fixed = start_from is not None  # the loaded state fixes the mesh
        if start_from is not None and estimated(case) and not has_twin(Path(start_from), comm):
            control.reason = (f"study.start_from = {start_from!r}: its checkpoint has no "
                              "refined twin (that run was not estimated)")
        while True:
            stepper, twin = start_pair(control, build_stepper, settings)
            try:
                solution = _integrate(stepper, twin, control, outdir, start_wall)
                if twin is None or not control.refine(stepper, twin, "trajectory"):
                    break
            finally:  # PETSc objects and communicators now, not at exit
                stepper.solver.close()
                if twin is not None:
                    twin.close()
            clear_outputs(outdir, comm)  # the coarser run's outputs go; summary.json comes last
        control.attach(solution, twin, "" if twin is not None
                       else not_estimated_reason(case, control))
        write_outputs(solution, outdir)
        return solution


@dataclass
class _Clock:
    """Where the integration stands: time, next step, steps, right voltage, rows."""

    t: float
    dt: float
    step: int
    voltage: float
    v_target: float
    rows: list[dict]
    rejected: int = 0  # steps taken again for their local error


def _terminal_voltages(stepper: TimeStepper) -> tuple[float, float]:
    """(voltage at t = 0, voltage held for t > 0) of the right terminal (V vs Li)."""
    study = stepper.study
    right = stepper.case.boundaries.get("right")
    if not isinstance(stepper.model, CellModel):
        return 0.0, 0.0
    cell = stepper.model.cell
    v_start = cell.fermi_voltage_V[cell.groups[-1].regions[0]]
    held = right.voltage_V if study.control == "voltage" and right is not None else None
    return v_start, (held if held is not None else v_start)


def _start(stepper: TimeStepper, twin: Twin | None, outdir: Path) -> _Clock:
    """The state the loop starts from: a checkpoint of this run (resumed), study.start_from's
    checkpoint, or t = 0 (collective)."""
    case, study = stepper.case, stepper.study
    cell = stepper.model.cell if isinstance(stepper.model, CellModel) else None
    comm = stepper.problem.domain.mesh.comm
    v_start, v_target = _terminal_voltages(stepper)
    meta = resume_pair(stepper, twin, outdir / "checkpoint")
    if meta is None:  # what was kept for a resume that did not fit goes too
        clear_outputs(outdir, comm, keep=start_from_keep(case, outdir))
    if meta is None and study.start_from is not None:
        start = load_checkpoint(stepper, Path(study.start_from) / "checkpoint", any_case=True)
        if start is None:
            raise ValueError(f"study.start_from = {study.start_from!r}: its checkpoint does not "
                             f"fit this stack on {comm.size} rank(s) (same regions, mesh and "
                             "number of ranks are needed)")
        v_start = start["voltage_V"]
        stepper.sigma_previous = None
        if cell is not None and (study.control != "voltage" or "right" not in case.boundaries
                                 or case.boundaries["right"].voltage_V is None):
            v_target = v_start
        if cell is not None:
            stepper.set_right_voltage(v_start)
        if twin is not None:
            _start_twin(twin, Path(study.start_from) / "checkpoint", start)
    if meta is not None or study.start_from is not None:
        stepper.update_work_functions()  # Phi(theta) of the loaded state
    if meta is not None:
        rows = (read_rows(outdir / "timeseries.csv", meta["rows"]) if comm.rank == 0 else [])
        if cell is not None:
            stepper.set_right_voltage(meta["voltage_V"])
        log.info("resuming %s at t = %.6g s (step %d)", case.name, meta["time_s"], meta["step"])
        return _Clock(meta["time_s"], meta["dt_s"], meta["step"], meta["voltage_V"], v_target,
                      rows)
    if twin is not None and study.start_from is None:
        twin.voltage_V = v_start
    return _Clock(0.0, study.initial_step_s, 0, v_start, v_target,
                  [_row(stepper, 0.0, 0.0, 0, v_start)])


def _start_twin(twin: Twin, folder: Path, start: dict) -> None:
    """The twin of study.start_from's checkpoint in ``folder`` (its refined/ state, the same
    step), with that run's last estimate as the loaded state's (collective)."""
    loaded = load_checkpoint(twin.stepper, folder / "refined", any_case=True)
    if loaded is None or loaded.get("step") != start["step"] or "error_states" not in start:
        raise ValueError(f"study.start_from: the refined twin in {folder} does not fit this "
                         "stack (set mesh.error_control = 'off' to start without an estimate)")
    twin.restore_from(start, loaded_only=True)
    twin.stepper.sigma_previous = None


class StepRejectedError(SolverError):
    """The step's local truncation error is above its target: it is taken again, shorter."""

    def __init__(self, factor: float, estimate_V: float, target_V: float,
                 report: SolveReport) -> None:
        super().__init__(f"local error {estimate_V:.3g} V above {target_V:.3g} V", report)
        self.factor = factor


def _lockstep(stepper: TimeStepper, twin: Twin | None, dt: float, study: TransientStudy,
              voltage: float, v_target: float, time_s: float) -> tuple[float, int, float]:
    """One step of the run and the same step of its twin, and the factor for the next step;
    if either fails, or the run's LTE is above tol dt / t (``time_s``: the step's end), both are
    put back and the SolverError (StepRejectedError) is raised (the step is cut for both)."""
    saved = stepper.snapshot()
    twin_saved = twin.stepper.snapshot() if twin is not None else []
    stepper.last_step_newton_max = 0
    try:
        voltage, its = _step(stepper, dt, study, voltage, v_target)
        factor = _error_factor(stepper, dt, study, voltage, time_s)
        if twin is not None:
            twin.voltage_V, _ = _step(twin.stepper, dt, study, twin.voltage_V, v_target)
    except SolverError:
        stepper.restore(saved)
        if twin is not None:
            twin.stepper.restore(twin_saved)
        raise
    return voltage, its, factor


def _error_factor(stepper: TimeStepper, dt: float, study: TransientStudy, voltage: float,
                  time_s: float) -> float:
    """The next step's factor: from the LTE estimate against tol dt / t (t: the step's end)
    (:mod:`pnp_ssb.studies.time_scheme`), else GROWTH_EASY while Newton converges easily;
    StepRejectedError when the estimate is above its target (collective)."""
    easy = stepper.last_step_newton_max <= EASY_ITERATIONS
    tol = study.time_error_tolerance_V
    stepper.last_error_V = None
    if tol is None:
        return GROWTH_EASY if easy else 1.0
    measured = voltage if study.control != "voltage" else None
    estimate = stepper.local_error_V(dt, measured)
    if estimate is None:  # too few states yet: the first step, at study.initial_step_s
        return 1.0
    target = tol * dt / time_s
    factor = next_step_factor(estimate, target)
    stepper.last_error_V = estimate
    if estimate > target:
        raise StepRejectedError(min(factor, 0.9), estimate, target, stepper.report)
    return factor if easy else min(factor, 1.0)


def _save(stepper: TimeStepper, twin: Twin | None, control: ErrorControl, folder: Path,
          clock: "_Clock") -> None:
    """Checkpoint the run and its twin at the clock's step."""
    save_pair(stepper, twin, control.layout, folder,
              {"time_s": clock.t, "dt_s": clock.dt, "step": clock.step,
               "voltage_V": clock.voltage, "rows": len(clock.rows)})


def _integrate(stepper: TimeStepper, twin: Twin | None, control: ErrorControl, outdir: Path,
               start_wall: float):
    """The time loop of :func:`run_transient`; returns the final state, not yet written."""
    case, study = stepper.case, stepper.study
    comm = stepper.problem.domain.mesh.comm
    end = study.end_time_s
    # with an error estimate the steps need no cap; without one, end/50 bounds the time error
    max_step = study.max_step_s or (end if study.time_error_tolerance_V is not None else end / 50)
    clock = _start(stepper, twin, outdir)
    if not isinstance(stepper.model, CellModel):
        stepper.problem.set_load(1.0)  # the boundary potentials switch on at t = 0+
        if twin is not None:
            twin.stepper.problem.set_load(1.0)
    pending_outputs = sorted(x for x in study.output_times_s if x > clock.t)
    bar = ProgressBar(f"{case.name}: time", end)
    total_its = 0
    while clock.t < end * (1 - 1e-12):
        dt = min(clock.dt, max_step, min([end, *pending_outputs]) - clock.t)
        try:
            clock.voltage, its, factor = _lockstep(stepper, twin, dt, study, clock.voltage,
                                                   clock.v_target, clock.t + dt)
        except StepRejectedError as rejected:
            log.debug("step of %.3g s rejected: %s", dt, rejected)
            clock.dt, clock.rejected = dt * rejected.factor, clock.rejected + 1
            if clock.dt < MIN_STEP_FRACTION * study.initial_step_s:
                raise _step_failure(stepper, twin, control, clock, start_wall,
                                    f" (the time-error control: {rejected}; raise "
                                    "study.time_error_tolerance_V)") from None
            continue
        except SolverError as failure:
            log.debug("step of %.3g s failed: %s", dt, failure)
            clock.dt = dt * CUT_FACTOR
            if clock.dt < MIN_STEP_FRACTION * study.initial_step_s:
                raise _step_failure(stepper, twin, control, clock, start_wall) from None
            log.info("t = %.6g s: step failed, dt -> %.3g s", clock.t, clock.dt)
            continue
        clock.t += dt
        clock.step += 1
        total_its += its
        _accept(stepper, twin, clock, dt, its)
        bar.update(clock.t, f"dt {dt:.2g} s, {its} its")
        if pending_outputs and clock.t >= pending_outputs[0] * (1 - 1e-12):
            sol = postprocess_solution(case, stepper.state_model(), stepper.problem.domain,
                                       stepper.problem, stepper.report, start_wall, True, "")
            sol.time_s = clock.t
            sol.collector_li = stepper.uptake.record() if stepper.uptake is not None else None
            if twin is not None:
                control.attach_state(sol, twin.compare(stepper, clock.t))
            write_outputs(sol, outdir / f"t_{pending_outputs.pop(0):.6g}s")
        clock.dt = dt * factor
        if comm.rank == 0:
            write_csv_rows(outdir / "timeseries.csv", clock.rows)
        if clock.step % study.checkpoint_every_steps == 0 or clock.t >= end * (1 - 1e-12):
            _save(stepper, twin, control, outdir / "checkpoint", clock)
    bar.close()
    if twin is not None and (not twin.states or twin.states[-1].time_s != clock.t):
        twin.compare(stepper, clock.t)
    if comm.rank == 0:
        write_csv_rows(outdir / "timeseries.csv", clock.rows)
        if case.output.figures and len(clock.rows) > 2:
            plot_timeseries(outdir, clock.rows)
    solution = postprocess_solution(case, stepper.state_model(), stepper.problem.domain,
                                    stepper.problem, stepper.report, start_wall, True, "")
    solution.transient = TransientRecord(clock.t, clock.step, total_its, clock.rows,
                                         clock.rejected)
    solution.time_s = clock.t
    solution.collector_li = stepper.uptake.record() if stepper.uptake is not None else None
    log.info("%s: t = %.6g s in %d steps (%d taken again for their time error), %d Newton "
             "iterations", case.name, clock.t, clock.step, clock.rejected, total_its)
    return solution


def _accept(stepper: TimeStepper, twin: Twin | None, clock: _Clock, dt: float,
            its: int) -> None:
    """The step's state becomes the previous one (run and twin), with its row. The history of
    the multistep scheme and of the error estimate starts after the first step: t = 0 is the
    instant the control switches, across which the state jumps."""
    history_dt = dt if clock.step > 1 else None
    profile = gather_profile(stepper.problem)  # the state being accepted: one gather for both
    stepper.accept(history_dt, clock.voltage, profile)
    stepper.update_work_functions(profile, accepted=True)
    clock.rows.append(_row(stepper, clock.t, dt, its, clock.voltage, profile))
    if isinstance(stepper.model, CellModel):  # the right electrode's charge, for d(sigma)/dt
        stepper.sigma_previous2 = stepper.sigma_previous
        stepper.sigma_previous = sum(clock.rows[-1][f"charge_{k}_C_m2"]
                                     for k in stepper.right_contact_keys)
    if twin is not None:
        twin.stepper.accept(history_dt, twin.voltage_V)
        twin.stepper.update_work_functions(accepted=True)


def _step_failure(stepper: TimeStepper, twin: Twin | None, control: ErrorControl,
                  clock: _Clock, start_wall: float, why: str = "") -> SolverError:
    """The failure of a step below the minimum, with the last good state (run_transient
    records it in DIR and DIR/last_good); ``why``: the last cut's reason."""
    study = stepper.study
    exc = SolverError(f"{stepper.case.name}: the time step fell below "
                      f"{MIN_STEP_FRACTION * study.initial_step_s:.3g} s at "
                      f"t = {clock.t:.6g} s{why}", stepper.report)
    exc.solution = postprocess_solution(stepper.case, stepper.state_model(), stepper.problem.domain,
                                        stepper.problem, exc.report, start_wall, False, str(exc))
    exc.solution.collector_li = stepper.uptake.record() if stepper.uptake is not None else None
    control.attach(exc.solution, twin, "" if twin is not None
                   else not_estimated_reason(stepper.case, control))
    return exc


def _step(stepper: TimeStepper, dt: float, study: TransientStudy, voltage: float,
          v_target: float) -> tuple[float, int]:
    """One step of the study's scheme; returns (right terminal voltage, Newton iterations)."""
    coefficients = stepper.set_step(dt)
    if not isinstance(stepper.model, CellModel) or study.control == "voltage":
        if isinstance(stepper.model, CellModel):
            stepper.set_right_voltage(v_target)
        return v_target, stepper.newton()
    target = study.current_density_A_m2 if study.control == "current" else 0.0
    assert target is not None  # TransientStudy's validator: control = 'current' sets it
    sigma_n = stepper.right_electrode_parts()[0] if stepper.sigma_previous is None \
        else stepper.sigma_previous
    saved = stepper.snapshot()
    its_total = 0

    def mismatch(v: float) -> float:
        """Terminal current minus its target: the wire current into the right conductor is
        d(sigma_R)/dt (the scheme's) + i_R (its charge grows by what the wire brings, and falls by the Li+
        and electrons it sends into the electrolyte); galvanostatic control holds it at -I."""
        nonlocal its_total
        stepper.restore(saved)
        stepper.set_right_voltage(v)
        its_total += stepper.newton()
        sigma, current = stepper.right_electrode_parts()
        wire_in = rate(coefficients, sigma, sigma_n, stepper.sigma_previous2) + current
        stepper.terminal_current = -wire_in
        log.debug("current control: V = %.9f, terminal current %.6g", v, -wire_in)
        return -wire_in - target

    tol = current_control_tolerance_A_m2(target, sigma_n, dt)
    try:
        root = monotone_root(mismatch, voltage, 1e-3, tol, max_jump=0.2, max_evaluations=60,
                             x_tolerance=1e-13)
    except RootNotFoundError as exc:
        raise SolverError(f"current control did not converge in a step of {dt:.3g} s: {exc}",
                          stepper.report) from None
    return root.x, its_total  # the root is the last voltage evaluated: the state is its solve
