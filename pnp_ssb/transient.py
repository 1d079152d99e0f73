"""Transients: backward-Euler time stepping with adaptive steps, checkpoints and restarts.

State at t = 0: a cell at equilibrium at its compositions (every terminal at its equilibrium
Fermi level), or, without conductors, the flat neutral state. For t > 0 the control applies:

- 'voltage': the right terminal holds boundaries.right.voltage_V (without conductors: the case's
  boundary potentials are switched on, a potential step);
- 'current': in every step the right terminal's voltage is found (secant / regula falsi) such
  that the terminal current, Faradaic plus double-layer charging, is
  study.current_density_A_m2 (> 0: current flows through the cell from left to right, as the
  Li+ current entering the electrolyte at the left contact does at steady state);
- 'open_circuit': the same with zero current (relaxation).

Mass terms added to the steady residuals (scaled units of forms.py), lumped at the vertices:
species (L^2/S_k)(c_k - c_k^n)/dt, electrodes (L^2/D)(theta - theta^n)/dt. The contact fluxes
appear with opposite signs in the electrolyte and electrode rows, so a closed cell conserves Li
to solver tolerance.

Outputs in DIR: timeseries.csv (one row per step, rewritten atomically), the final state as in
any run, states at output_times_s in DIR/t_<time>s/, and DIR/checkpoint/ (per-rank arrays plus
the step counter) from which an interrupted run resumes.
"""

import csv
import dataclasses
import json
import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pnp_ssb.case import Case
from pnp_ssb.conservation import amount_constraints
from pnp_ssb.constants import AVOGADRO_MOL
from pnp_ssb.electrodes import work_function_eV
from pnp_ssb.fem import MPI, dolfinx, ufl
from pnp_ssb.forms import (
    Problem,
    _species_scale,
    build_problem,
    concentration_ufl,
    lumped_measure,
)
from pnp_ssb.log import ProgressBar
from pnp_ssb.mesh import build_domain
from pnp_ssb.model import StackModel, build_stack_model
from pnp_ssb.output import plot_timeseries, write_csv_rows, write_text_atomic
from pnp_ssb.postprocess import (
    Profile1D,
    boundary_currents_A_m2,
    electrode_charges_C_m2,
    gather_profile,
    interface_measure,
    layer_metrics_1d,
)
from pnp_ssb.rootfind import RootNotFoundError, monotone_root
from pnp_ssb.rundir import case_fingerprint, clear_outputs, run_folder
from pnp_ssb.solver import (
    NewtonSettings,
    NewtonSolver,
    SolveReport,
    SolverError,
    advice,
    solve_with_continuation,
)

log = logging.getLogger(__name__)

GROWTH_EASY = 1.5  # dt factor after a step that took <= EASY_ITERATIONS Newton iterations
EASY_ITERATIONS = 6
CUT_FACTOR = 0.25  # dt factor after a failed step
MIN_STEP_FRACTION = 1e-8  # of the first step: below this, the run stops with a report
CURRENT_TOLERANCE = 1e-8  # relative, current control within a step
STAGNATION_RESIDUAL = 1e-6  # scaled rows are O(1) in the bulk; round-off sits near 1e-7


@dataclass
class TimeStepper:
    """The transient problem: unknowns, their values at the previous step, and 1/dt."""

    case: Case
    model: StackModel
    problem: Problem
    previous: list[dolfinx.fem.Function]
    inv_dt: dolfinx.fem.Constant
    solver: NewtonSolver
    report: SolveReport
    sigma_previous: float | None = None  # right contact's charge at the previous step (C/m^2)
    last_step_newton_max: int = 0  # most Newton iterations of one solve in the last step
    terminal_current: float | None = None  # under current control (A/m^2, left to right)
    fermi_voltage_V: dict = dataclasses.field(default_factory=dict)  # per conductor region
    work_function_eV: dict = dataclasses.field(default_factory=dict)  # per conductor region

    def newton(self) -> int:
        """One Newton solve of the current step; its iterations (SolverError if it fails)."""
        attempt = self.solver.solve(1.0)
        self.report.attempts.append(attempt)
        self.last_step_newton_max = max(self.last_step_newton_max, attempt.iterations)
        if not attempt.converged:
            raise SolverError(f"Newton failed (PETSc reason {attempt.reason}, "
                              f"residuals {attempt.residual_norms[-3:]}). {advice(attempt)}",
                              self.report)
        return attempt.iterations

    def snapshot(self) -> list[np.ndarray]:
        """Copies of every unknown's local values (ghosts included)."""
        return [u.x.array.copy() for u in self.problem.unknowns]

    def restore(self, arrays: list[np.ndarray]) -> None:
        """Put saved values back into the unknowns."""
        for u, a in zip(self.problem.unknowns, arrays, strict=True):
            u.x.array[:] = a

    def accept(self) -> None:
        """The current state becomes the previous one."""
        for u, p in zip(self.problem.unknowns, self.previous, strict=True):
            p.x.array[:] = u.x.array

    # -- control of the right terminal ----------------------------------------------------

    def set_right_voltage(self, voltage_V: float) -> None:
        """Fermi voltage (vs the Li reference) of the right conductor group: its BV drive and
        its fixed potential phi = V - (Phi - Phi_Li)/e (+ the contact dipole step)."""
        vt = self.model.scales.thermal_voltage_V
        assert self.model.cell is not None  # only a cell has a right conductor group
        for region in self.model.cell.groups[-1].regions:
            self.fermi_voltage_V[region] = voltage_V
            if region in self.problem.fermi_voltage:
                self.problem.fermi_voltage[region].value = voltage_V / vt  # type: ignore[assignment]
        self.apply_conductor_potentials()

    def apply_conductor_potentials(self) -> None:
        """psi = (V - (Phi - Phi_Li)/e)/vt in every conductor (+ dipole steps at contacts)."""
        cell = self.model.cell
        vt = self.model.scales.thermal_voltage_V
        for region, volts in self.fermi_voltage_V.items():
            assert cell is not None  # fermi_voltage_V has entries only for a cell's conductors
            psi = (volts - (self.work_function_eV[region] - cell.reference_work_function_eV)) / vt
            for const, step in self.problem.conductor_potential.get(region, []):
                const.value = psi + step
            for const, z, u_se in self.problem.carrier_contact.get(region, []):
                const.value = z * (volts - u_se) / vt  # w_e = (U_SE - V)/vt, w_h = -w_e

    def update_work_functions(self, profile: Profile1D | None = None) -> None:
        """Phi(theta) of each resolved electrode at its contact composition, for the next step
        (explicit: one step behind; Phi changes on the slow time scale of solid diffusion)."""
        if not self.problem.electrodes:
            return
        profile = profile or gather_profile(self.problem)
        for region in self.problem.electrodes:
            seg = profile.segment(region)
            contact = next(c for c in self.problem.contacts if c.conductor == region)
            assert seg.theta is not None  # an electrode field's segment samples its theta
            theta_s = seg.theta[-1] if contact.key.startswith(f"{region}|") else seg.theta[0]
            self.work_function_eV[region] = work_function_eV(
                self.case.region_materials[region], float(theta_s))
        self.apply_conductor_potentials()

    @property
    def right_group(self) -> set[str]:
        """The regions of the right conductor group."""
        assert self.model.cell is not None  # only a cell has conductor groups
        return set(self.model.cell.groups[-1].regions)

    @property
    def right_contact_keys(self) -> list[str]:
        """The interfaces where the right conductor group meets a non-conductor."""
        return [k for k in self.problem.interface_dofs if self.right_group & set(k.split("|"))]

    def right_electrode_parts(self) -> tuple[float, float]:
        """(sigma_R in C/m^2, current from the right electrode into the electrolyte in A/m^2)
        at the current state (collective). The current is Faradaic (Li+ at its reacting
        contacts) plus electronic (graded electrons and holes crossing its contacts); the wire
        current into the electrode is d(sigma_R)/dt + that current."""
        p = self.problem
        group, keys = self.right_group, self.right_contact_keys
        charges = electrode_charges_C_m2(p)
        current = sum(self.contact_current_A_m2(c.key) for c in p.contacts if c.conductor in group)
        if any(side in keys for side, _ in p.boundary_species_dofs):  # graded carriers there
            leaving = boundary_currents_A_m2(p)
            current -= sum(leaving.get(k, 0.0) for k in keys)
        return sum(charges[k] for k in keys), current

    def contact_current_A_m2(self, key: str) -> float:
        """Li+ current density into the electrolyte at a contact (collective)."""
        comm = self.problem.domain.mesh.comm
        form = self.problem.compiled(f"current:{key}", lambda: self.problem.contact_current[key])
        value = comm.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM)
        return value / interface_measure(self.problem, key)

    def li_inventory_mol_m2(self) -> float:
        """Li per area in the electrodes (N theta) and in the electrolytes (sum_k s_k c_k)
        (collective; Li metal electrodes are reservoirs and are not counted)."""
        p = self.problem
        form = p.compiled("li_inventory", lambda: _li_inventory_form(p))
        total = p.domain.mesh.comm.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM)
        return total * self.model.scales.length_m / p.domain.cross_section / AVOGADRO_MOL


def _li_inventory_form(p: Problem):
    """Li per volume (m^-3): N theta in resolved electrodes, sum_k s_k c_k in electrolytes,
    integrated with the lumped rule (the discrete conserved quantity of the mass terms)."""
    dx = lumped_measure(p)
    model = p.model
    form = 0
    for e in p.electrodes.values():
        form += e.li_sites_m3 * e.theta * dx(e.tag)
    for region in model.electrolytes:
        for sp in region.species:
            if sp.li_stoichiometry:
                w = p.species_fields.get(sp.name, 0.0)
                c = concentration_ufl(sp, p.psi, w, p.bulk_potential[region.name],
                                      p.shift(region.name, sp.name))
                form += (sp.li_stoichiometry * c * model.scales.concentration_m3
                         * dx(p.domain.region_tags[region.name]))
    return form


def _add_mass_terms(problem: Problem, model: StackModel, previous: list,
                    inv_dt: dolfinx.fem.Constant) -> None:
    """Append the backward-Euler accumulation terms to the residuals (in place)."""
    L2 = model.scales.length_m**2
    dx = lumped_measure(problem)
    psi_n = previous[0]
    prev_w = dict(zip(problem.species_fields, previous[1:1 + len(problem.species_fields)],
                      strict=True))
    for i, name in enumerate(problem.species_fields):
        w, q = problem.species_fields[name], problem.species_tests[name]
        term = 0
        for region in model.electrolytes:
            sp = next((s for s in region.species if s.name == name), None)
            if sp is None:
                continue
            bulk = problem.bulk_potential[region.name]
            shift = problem.shift(region.name, name)
            c = concentration_ufl(sp, problem.psi, w, bulk, shift)
            c_n = concentration_ufl(sp, psi_n, prev_w[name], bulk, shift)
            term += (L2 / _species_scale(model, name) * (c - c_n) * inv_dt * q
                     * dx(problem.domain.region_tags[region.name]))
        problem.species_residuals[name] += term
        problem.residuals[1 + i] += term
    offset = 1 + len(problem.species_fields)
    for j, e in enumerate(problem.electrodes.values()):
        u_n = previous[offset + j]
        theta_n = 0.5 * (1.0 + ufl.tanh(0.5 * u_n))
        term = L2 / e.diffusivity_m2_s * (e.theta - theta_n) * inv_dt * e.test * dx(e.tag)
        e.residual += term
        problem.residuals[offset + j] += term


def build_stepper(case: Case, comm: MPI.Comm, settings: NewtonSettings) -> TimeStepper:
    """Mesh, forms with mass terms, and the initial state at t = 0 (collective)."""
    model = build_stack_model(case)
    domain = build_domain(case, model, comm)
    problem = build_problem(case, domain, model)
    if settings.stagnation_residual is not None:  # 2D rows carry the cell height: so does round-off
        settings = dataclasses.replace(
            settings, stagnation_residual=settings.stagnation_residual * domain.cross_section)
    previous = [dolfinx.fem.Function(u.function_space) for u in problem.unknowns]
    inv_dt = dolfinx.fem.Constant(domain.mesh, 0.0)
    _add_mass_terms(problem, model, previous, inv_dt)
    # t = 0: the equilibrium at the case's compositions, with the electrodes' Li held fixed
    # (with 1/dt = 0 their Li level would otherwise float)
    fixed = [dolfinx.fem.dirichletbc(e.field.copy(), np.arange(
        e.field.function_space.dofmap.index_map.size_local
        + e.field.function_space.dofmap.index_map.num_ghosts, dtype=np.int32))
        for e in problem.electrodes.values()]
    initial = SolveReport()
    if model.cell is not None:
        start = NewtonSolver(problem.residuals, problem.unknowns, problem.bcs + fixed,
                             problem.entity_maps, settings,
                             constraints=amount_constraints(problem, model))
        try:
            initial = solve_with_continuation(start, problem.set_load,
                                              label=f"{case.name}: t = 0")
        except SolverError as exc:  # its unknowns hold the last good state (DIR/last_good)
            exc.problem = problem
            raise
        finally:
            start.close()
    else:
        problem.set_load(0.0)  # the flat state is exact; the step comes at t = 0+
    solver = NewtonSolver(problem.residuals, problem.unknowns, problem.bcs, problem.entity_maps,
                          settings)
    stepper = TimeStepper(case, model, problem, previous, inv_dt, solver, initial)
    if model.cell is not None:
        stepper.fermi_voltage_V = dict(model.cell.fermi_voltage_V)
        stepper.work_function_eV = dict(model.cell.work_function_eV)
    stepper.accept()
    return stepper


def _row(stepper: TimeStepper, t: float, dt: float, its: int, voltage: float,
         profile: Profile1D | None = None) -> dict:
    """One line of timeseries.csv (collective)."""
    row = {"time_s": t, "dt_s": dt, "newton_iterations": its}
    p = stepper.problem
    if stepper.model.cell is not None:
        row["voltage_V"] = voltage - _left_voltage(stepper)
    if stepper.case.study.control != "voltage":
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
    return row


def _left_voltage(stepper: TimeStepper) -> float:
    cell = stepper.model.cell
    assert cell is not None  # callers check model.cell
    return cell.fermi_voltage_V[cell.groups[0].regions[0]]


def _checkpoint(stepper: TimeStepper, folder: Path, meta: dict) -> None:
    """Per-rank unknowns and (rank 0) the step counter, written atomically."""
    comm = stepper.problem.domain.mesh.comm
    if comm.rank == 0:
        folder.mkdir(parents=True, exist_ok=True)
    comm.barrier()
    tmp = folder / f".rank{comm.rank}.tmp.npz"
    np.savez(tmp, *stepper.snapshot())
    os.replace(tmp, folder / f"rank{comm.rank}.npz")
    comm.barrier()
    if comm.rank == 0:
        write_text_atomic(folder / "meta.json", json.dumps({**meta, "ranks": comm.size}))


def fingerprint(case: Case) -> str:
    """Hash of everything that defines the trajectory (not the end time or output settings):
    a checkpoint is resumed only by the same problem."""
    return case_fingerprint(case, ("end_time_s", "output_times_s", "checkpoint_every_steps"))


def resumable_outputs(case: Case, outdir: Path, comm: MPI.Comm) -> set[str]:
    """What a rerun keeps in DIR (collective): checkpoint/, timeseries.csv and the states of
    the output times up to the checkpoint when the checkpoint is of this case on as many ranks
    (the run resumes from it); checkpoint/ when study.start_from is DIR itself."""
    keep: set[str] = set()
    if comm.rank == 0:
        try:
            meta = json.loads((outdir / "checkpoint" / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        if (meta.get("case") == fingerprint(case) and meta.get("ranks") == comm.size
                and (outdir / "timeseries.csv").is_file()):
            keep = {"checkpoint", "timeseries.csv", *(
                f"t_{x:.6g}s" for x in case.study.output_times_s if x <= meta["time_s"])}
        keep |= _start_from_keep(case, outdir)
    return comm.bcast(keep, root=0)


def _start_from_keep(case: Case, outdir: Path) -> set[str]:
    """{'checkpoint'} when the run starts from a checkpoint in its own folder."""
    start = case.study.start_from
    return {"checkpoint"} if start is not None and Path(start).resolve() == outdir.resolve() \
        else set()


def _resume(stepper: TimeStepper, folder: Path, any_case: bool = False) -> dict | None:
    """Load a checkpoint of the same run (same case, ranks and sizes), else None (collective).
    With ``any_case`` the checkpoint may come from another run of the same stack."""
    comm = stepper.problem.domain.mesh.comm
    meta = None
    if comm.rank == 0 and (folder / "meta.json").is_file():
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta = comm.bcast(meta, root=0)
    if (meta is None or meta.get("ranks") != comm.size
            or (meta.get("case") != fingerprint(stepper.case) and not any_case)):
        if meta is not None:
            log.info("checkpoint in %s is of another run: starting from t = 0", folder)
        return None
    with np.load(folder / f"rank{comm.rank}.npz") as data:
        arrays = [data[f"arr_{i}"] for i in range(len(data.files))]
    ok = len(arrays) == len(stepper.problem.unknowns) and all(
        a.shape == u.x.array.shape for a, u in zip(arrays, stepper.problem.unknowns, strict=False))
    if not comm.allreduce(ok, op=MPI.LAND):
        return None
    stepper.restore(arrays)
    stepper.accept()
    return meta


def _read_rows(path: Path, count: int) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:count]
    return [{k: float(v) if v != "" else math.nan for k, v in r.items()} for r in rows]


def run_transient(case: Case, outdir: str | Path, comm: MPI.Comm = MPI.COMM_WORLD):
    """Integrate a transient study and write its outputs (collective). Returns the final
    Solution. The earlier outputs in DIR are removed first, except what resuming the same run
    needs (:func:`resumable_outputs`). Raises SolverError when the t = 0 solve fails or the step
    falls below its minimum: the last good state is then in DIR/last_good, DIR/summary.json
    says converged = false, and the time series up to the failure is kept."""
    from pnp_ssb.solution import newton_settings

    outdir = Path(outdir)
    start_wall = time.perf_counter()
    settings = dataclasses.replace(newton_settings(case), stagnation_residual=STAGNATION_RESIDUAL)
    with run_folder(case, outdir, comm, keep=resumable_outputs(case, outdir, comm)):
        stepper = build_stepper(case, comm, settings)
        try:
            return _integrate(stepper, outdir, start_wall)
        finally:
            stepper.solver.close()  # PETSc objects and communicators now, not at exit


def _integrate(stepper: TimeStepper, outdir: Path, start_wall: float):
    """The time loop of :func:`run_transient` (see there)."""
    from pnp_ssb.results import write_outputs
    from pnp_ssb.solution import postprocess_solution

    case = stepper.case
    comm = stepper.problem.domain.mesh.comm
    study = case.study
    cell = stepper.model.cell
    right = case.boundaries.get("right")
    if cell is not None:
        v_start = cell.fermi_voltage_V[cell.groups[-1].regions[0]]
        v_target = right.voltage_V if (study.control == "voltage" and right is not None
                                       and right.voltage_V is not None) else v_start
    else:
        v_start = v_target = 0.0
    end = study.end_time_s
    assert end is not None  # StudySpec's validator: a transient has end_time_s
    max_step = study.max_step_s or end / 50
    checkpoint_dir = outdir / "checkpoint"
    meta = _resume(stepper, checkpoint_dir)
    if meta is None:  # what was kept for a resume that did not fit goes too
        clear_outputs(outdir, comm, keep=_start_from_keep(case, outdir))
    if meta is None and study.start_from is not None:
        start = _resume(stepper, Path(study.start_from) / "checkpoint", any_case=True)
        if start is None:
            raise ValueError(f"study.start_from = {study.start_from!r}: its checkpoint does not "
                             f"fit this stack on {comm.size} rank(s) (same regions, mesh and "
                             "number of ranks are needed)")
        v_start = start["voltage_V"]
        stepper.sigma_previous = None
        if cell is not None and (study.control != "voltage" or right is None
                                 or right.voltage_V is None):
            v_target = v_start
        if cell is not None:
            stepper.set_right_voltage(v_start)
    if meta is not None or study.start_from is not None:
        stepper.update_work_functions()  # Phi(theta) of the loaded state
    if meta is not None:
        t, dt, step, voltage = meta["time_s"], meta["dt_s"], meta["step"], meta["voltage_V"]
        rows = (_read_rows(outdir / "timeseries.csv", meta["rows"]) if comm.rank == 0 else [])
        if cell is not None:
            stepper.set_right_voltage(voltage)
        log.info("resuming %s at t = %.6g s (step %d)", case.name, t, step)
    else:
        t, dt, step, voltage = 0.0, study.initial_step_s, 0, v_start
        rows = [_row(stepper, 0.0, 0.0, 0, v_start)]
    if cell is None:
        stepper.problem.set_load(1.0)  # the boundary potentials switch on at t = 0+
    pending_outputs = sorted(x for x in study.output_times_s if x > t)
    bar = ProgressBar(f"{case.name}: time", end)
    total_its = 0
    while t < end * (1 - 1e-12):
        stop_at = min([end, *pending_outputs])
        dt = min(dt, max_step, stop_at - t)
        saved = stepper.snapshot()
        stepper.last_step_newton_max = 0
        try:
            voltage, its = _step(stepper, dt, study, voltage, v_target)
        except SolverError as failure:
            log.debug("step of %.3g s failed: %s", dt, failure)
            stepper.restore(saved)
            dt *= CUT_FACTOR
            if dt < MIN_STEP_FRACTION * study.initial_step_s:
                exc = SolverError(f"{case.name}: the time step fell below "
                                  f"{MIN_STEP_FRACTION * study.initial_step_s:.3g} s at "
                                  f"t = {t:.6g} s", stepper.report)
                exc.solution = postprocess_solution(case, stepper.model, stepper.problem.domain,
                                            stepper.problem, exc.report, start_wall, False,
                                            str(exc))
                raise exc from None  # run_transient records it in DIR and DIR/last_good
            log.info("t = %.6g s: step failed, dt -> %.3g s", t, dt)
            continue
        t += dt
        step += 1
        total_its += its
        stepper.accept()
        profile = gather_profile(stepper.problem)
        stepper.update_work_functions(profile)
        rows.append(_row(stepper, t, dt, its, voltage, profile))
        if stepper.model.cell is not None:  # the right electrode's charge, for d(sigma)/dt
            stepper.sigma_previous = sum(rows[-1][f"charge_{k}_C_m2"]
                                         for k in stepper.right_contact_keys)
        bar.update(t, f"dt {dt:.2g} s, {its} its")
        if pending_outputs and t >= pending_outputs[0] * (1 - 1e-12):
            sol = postprocess_solution(case, stepper.model, stepper.problem.domain, stepper.problem,
                               stepper.report, start_wall, True, "")
            write_outputs(sol, outdir / f"t_{pending_outputs.pop(0):.6g}s")
        if stepper.last_step_newton_max <= EASY_ITERATIONS:
            dt *= GROWTH_EASY
        if comm.rank == 0:
            write_csv_rows(outdir / "timeseries.csv", rows)
        if step % study.checkpoint_every_steps == 0 or t >= end * (1 - 1e-12):
            _checkpoint(stepper, checkpoint_dir, {"time_s": t, "dt_s": dt, "step": step,
                                                  "voltage_V": voltage, "rows": len(rows),
                                                  "case": fingerprint(case)})
    bar.close()
    if comm.rank == 0:
        write_csv_rows(outdir / "timeseries.csv", rows)
        if case.output.figures and len(rows) > 2:
            plot_timeseries(outdir, rows)
    report = stepper.report
    solution = postprocess_solution(case, stepper.model, stepper.problem.domain, stepper.problem, report,
                            start_wall, True, "")
    solution.extra["transient"] = {"end_time_s": t, "steps": step,
                                   "newton_iterations": total_its, "rows": rows}
    write_outputs(solution, outdir)
    log.info("%s: t = %.6g s in %d steps, %d Newton iterations", case.name, t, step, total_its)
    return solution


def _step(stepper: TimeStepper, dt: float, study, voltage: float,
          v_target: float) -> tuple[float, int]:
    """One backward-Euler step; returns (right terminal voltage, Newton iterations)."""
    stepper.inv_dt.value = 1.0 / dt  # type: ignore[assignment]  # dolfinx: any array-like
    if stepper.model.cell is None or study.control == "voltage":
        if stepper.model.cell is not None:
            stepper.set_right_voltage(v_target)
        return v_target, stepper.newton()
    target = study.current_density_A_m2 if study.control == "current" else 0.0
    sigma_n = stepper.right_electrode_parts()[0] if stepper.sigma_previous is None \
        else stepper.sigma_previous
    saved = stepper.snapshot()
    its_total = 0

    def mismatch(v: float) -> float:
        """Terminal current minus its target: the wire current into the right conductor is
        d(sigma_R)/dt + i_R (its charge grows by what the wire brings, and falls by the Li+
        and electrons it sends into the electrolyte); galvanostatic control holds it at -I."""
        nonlocal its_total
        stepper.restore(saved)
        stepper.set_right_voltage(v)
        its_total += stepper.newton()
        sigma, current = stepper.right_electrode_parts()
        wire_in = (sigma - sigma_n) / dt + current
        stepper.terminal_current = -wire_in
        log.debug("current control: V = %.9f, terminal current %.6g", v, -wire_in)
        return -wire_in - target

    # d(sigma)/dt carries the round-off of sigma (~1e-12 relative) divided by dt
    tol = max(CURRENT_TOLERANCE * abs(target), 1e-12 * max(abs(sigma_n), 1e-3) / dt, 1e-14)
    try:
        root = monotone_root(mismatch, voltage, 1e-3, tol, max_jump=0.2, max_evaluations=60,
                             x_tolerance=1e-13)
    except RootNotFoundError as exc:
        raise SolverError(f"current control did not converge in a step of {dt:.3g} s: {exc}",
                          stepper.report) from None
    return root.x, its_total  # the root is the last voltage evaluated: the state is its solve
