"""The transient problem: the steady forms plus mass terms, its unknowns at the previous steps,
the scheme's coefficients, and the initial state at t = 0 (used by transients and impedance).

State at t = 0: a cell at equilibrium at its compositions (every terminal at its equilibrium
Fermi level), or, without conductors, the flat neutral state.

Mass terms added to the steady residuals (scaled units of forms.py), lumped at the vertices:
species (L^2/S_k)(c_k - c_k^n)/dt, electrodes (L^2/D)(theta - theta^n)/dt under backward Euler;
BDF2 (``study.time_scheme``) adds -(L^2/S_k) a2 (c_k^n - c_k^{n-1})/dt and its theta twin
(:mod:`pnp_ssb.studies.time_scheme`), and 1/dt becomes a0/dt. The contact fluxes appear with
opposite signs in the electrolyte and electrode rows, so a closed cell conserves Li to solver
tolerance under either scheme.
"""

import dataclasses
from dataclasses import dataclass

import numpy as np

from pnp_ssb.analysis.charges import boundary_currents_A_m2, electrode_charges_C_m2, interface_measure
from pnp_ssb.analysis.inventory import resolved_li_mol_m2
from pnp_ssb.analysis.postprocess import Profile1D, gather_profile
from pnp_ssb.analysis.solution import DCBias
from pnp_ssb.discretisation.domain import Domain
from pnp_ssb.discretisation.fem import MPI, dolfinx, ufl
from pnp_ssb.discretisation.forms import (
    Problem,
    build_problem,
    concentration_ufl,
    lumped_measure,
    species_scale,
)
from pnp_ssb.discretisation.mesh import build_domain
from pnp_ssb.discretisation.stack_mesh import StackLayout
from pnp_ssb.input.case import Case
from pnp_ssb.input.plan import mesh_plan
from pnp_ssb.input.study import TransientStudy, study_of
from pnp_ssb.physics.electrodes import work_function_eV
from pnp_ssb.physics.model import CellModel, StackModel, build_stack_model
from pnp_ssb.solvers.conservation import amount_constraints
from pnp_ssb.solvers.newton import (
    NewtonSettings,
    NewtonSolver,
    SolveReport,
    SolverError,
    advice,
    solve_with_continuation,
)
from pnp_ssb.studies.collector_uptake import CollectorUptake, collector_uptake
from pnp_ssb.studies.error_weights import species_presence
from pnp_ssb.studies.time_scheme import (
    SCHEME_ORDER,
    error_factor,
    extrapolation_weights,
    step_coefficients,
)

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
    saved_state_time_s: float | None = None  # an impedance about a transient's saved state
    fermi_voltage_V: dict = dataclasses.field(default_factory=dict)  # per conductor region
    work_function_eV: dict = dataclasses.field(default_factory=dict)  # per conductor region
    dc_bias: DCBias | None = None  # an impedance study's DC operating point, when biased
    previous2: list[dolfinx.fem.Function] | None = None  # u^{n-1}
    history_rate: dolfinx.fem.Constant | None = None  # a2/dt (BDF2 only; 1/s)
    older: list[np.ndarray] | None = None  # u^{n-2}, for the order-2 error estimate
    past_dt_s: list[float] = dataclasses.field(default_factory=list)  # accepted, newest first
    past_voltage_V: list[float] = dataclasses.field(default_factory=list)  # V^n, V^{n-1}, ...
    sigma_previous2: float | None = None  # right contact's charge two steps back (C/m^2)
    step_order: int = 1  # of the step set last by set_step
    last_error_V: float | None = None  # LTE estimate of the last step judged (V)
    contact_theta_past: list[dict] = dataclasses.field(default_factory=list)  # theta^n, ...
    contact_theta_used: dict | None = None  # theta extrapolated to the BDF2 step's end
    uptake: CollectorUptake | None = None  # lithiating collectors and the Li they hold

    @property
    def study(self) -> TransientStudy:
        """The case's transient study (impedance studies step their case as a transient)."""
        return study_of(self.case.study, TransientStudy)

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

    def accept(self, dt_s: float | None = None, voltage_V: float | None = None,
               profile: Profile1D | None = None) -> None:
        """The current state becomes the previous one, after a step of ``dt_s`` (its right
        terminal at ``voltage_V``); without ``dt_s`` the history starts again here. ``profile``:
        the state's gathered profile when the caller has it (else gathered for the collectors)."""
        if dt_s is None:
            self.past_dt_s, self.past_voltage_V, self.older = [], [], None
            self.contact_theta_past = []
        else:
            if self.previous2 is not None:
                self.older = [p.x.array.copy() for p in self.previous2]
            self.past_dt_s = [dt_s, *self.past_dt_s[:2]]
        if voltage_V is not None:
            self.past_voltage_V = [voltage_V, *self.past_voltage_V[:2]]
        for u, p, p2 in zip(self.problem.unknowns, self.previous, self.previous2 or
                            self.previous, strict=True):
            if self.previous2 is not None and dt_s is not None:
                p2.x.array[:] = p.x.array
            p.x.array[:] = u.x.array
            if self.previous2 is not None and dt_s is None:
                p2.x.array[:] = u.x.array
        if self.uptake is not None:  # the collectors' try of this step is accepted with it
            self.uptake.commit()
            self.uptake.set_source(profile or gather_profile(self.problem))

    @property
    def scheme_order(self) -> int:
        """1 (backward Euler) or 2 (BDF2), from study.time_scheme."""
        return SCHEME_ORDER[getattr(self.case.study, "time_scheme", "backward_euler")]

    def set_step(self, dt_s: float) -> tuple[float, float]:
        """Set the scheme's coefficients for a step of ``dt_s`` (s) from the accepted steps:
        backward Euler for the first two steps of a history (the second is estimated with two
        states), BDF2 after; returns (a0/dt, a2/dt) in 1/s. A BDF2 step holds each electrode's
        Phi at Phi(theta*), theta* = theta^n + omega (theta^n - theta^{n-1}) at its contact (error
        O(h (h + h_1)) across the kinks of a tabulated Phi too; counted in :meth:`local_error_V`);
        backward Euler at Phi(theta^n)."""
        self.step_order = min(self.scheme_order, max(len(self.past_dt_s), 1))
        k0, k2 = step_coefficients(self.step_order, dt_s,
                                   self.past_dt_s[0] if self.past_dt_s else None)
        self.inv_dt.value = k0  # type: ignore[assignment]  # dolfinx: any array-like
        if self.uptake is not None:
            self.uptake.begin_step(self.problem, dt_s, k0, k2 if self.history_rate is not None
                                   else 0.0)
        if self.history_rate is not None:
            self.history_rate.value = k2  # type: ignore[assignment]
        self.contact_theta_used = None
        past = self.contact_theta_past
        if self.step_order == 2 and len(past) == 2:
            omega = dt_s / self.past_dt_s[0]
            self.contact_theta_used = {r: past[0][r] + omega * (past[0][r] - past[1][r])
                                       for r in past[0]}
            self._set_work_functions(self.contact_theta_used)
        elif past and self.scheme_order == 2:  # a rejected BDF2 try may have moved Phi
            self._set_work_functions(past[0])
        return k0, k2

    def local_error_V(self, dt_s: float, voltage_V: float | None = None) -> float | None:
        """The step's LTE estimate (:mod:`pnp_ssb.studies.time_scheme`) in the max norm of the
        unknowns (potentials, and electrochemical potentials weighted by where their species
        is: :mod:`pnp_ssb.studies.error_weights`; V), of the right terminal's
        voltage when it is found by current control, and of Phi(theta^{n+1}) - Phi(theta*) in
        a BDF2 step; None while too few states are known (collective)."""
        p = self.step_order
        states = [[f.x.array for f in self.previous]]
        if p >= 1 and len(self.past_dt_s) >= 1 and self.previous2 is not None:
            states.append([f.x.array for f in self.previous2])
        if p == 2 and self.older is not None and len(self.past_dt_s) >= 2:
            states.append(self.older)
        if len(states) < p + 1:
            return None
        steps = [dt_s, *self.past_dt_s]
        weights, factor = extrapolation_weights(steps, p + 1), error_factor(p, steps)
        presence = species_presence(self.problem, self.model)  # w_k counts where c_k is
        worst = 0.0
        for i, u in enumerate(self.problem.unknowns):
            imap = u.function_space.dofmap.index_map
            n = imap.size_local * u.function_space.dofmap.index_map_bs
            guess = sum(w * s[i][:n] for w, s in zip(weights, states, strict=False))
            error = np.abs(u.x.array[:n] - guess)
            if 1 <= i <= len(presence):
                error *= presence[i - 1]
            if n:
                worst = max(worst, float(np.max(error)))
        worst *= abs(factor) * self.model.scales.thermal_voltage_V
        if voltage_V is not None and len(self.past_voltage_V) >= p + 1:
            guess_v = float(np.dot(weights, self.past_voltage_V[:p + 1]))
            worst = max(worst, abs(factor) * abs(voltage_V - guess_v))
        worst = float(self.problem.domain.mesh.comm.allreduce(worst, op=MPI.MAX))
        if self.contact_theta_used is not None:  # Phi(theta^{n+1}) against Phi(theta*)
            now, used = self.contact_theta(), self.contact_theta_used
            worst = max([worst, *(abs(self._work_function(r, now[r]) - self._work_function(r, v))
                                  for r, v in used.items())])
        return worst

    # -- control of the right terminal ----------------------------------------------------

    def set_right_voltage(self, voltage_V: float) -> None:
        """Fermi voltage (vs the Li reference) of the right conductor group: its BV drive and
        its fixed potential phi = V - (Phi - Phi_Li)/e (+ the contact dipole step)."""
        vt = self.model.scales.thermal_voltage_V
        assert isinstance(self.model, CellModel)  # only a cell has a right conductor group
        for region in self.model.cell.groups[-1].regions:
            self.fermi_voltage_V[region] = voltage_V
            if region in self.problem.fermi_voltage:
                self.problem.fermi_voltage[region].value = voltage_V / vt  # type: ignore[assignment]
        self.apply_conductor_potentials()

    def apply_conductor_potentials(self) -> None:
        """psi = (V - (Phi - Phi_Li)/e)/vt in every conductor (+ dipole steps at contacts)."""
        vt = self.model.scales.thermal_voltage_V
        for region, volts in self.fermi_voltage_V.items():
            # fermi_voltage_V has entries only for a cell's conductors
            cell = self.model.require_cell()
            psi = (volts - (self.work_function_eV[region] - cell.reference_work_function_eV)) / vt
            for const, step in self.problem.conductor_potential.get(region, []):
                const.value = psi + step
            for const, z, u_se in self.problem.carrier_contact.get(region, []):
                const.value = z * (volts - u_se) / vt  # w_e = (U_SE - V)/vt, w_h = -w_e

    def state_model(self) -> StackModel:
        """The model as the current state has it: a cell's conductors at their present Fermi
        voltages and work functions (the right terminal moves under current control, Phi with
        theta), for what a saved state reports; the stepper's own model keeps t = 0."""
        if not isinstance(self.model, CellModel):
            return self.model
        cell = dataclasses.replace(self.model.cell, fermi_voltage_V=dict(self.fermi_voltage_V),
                                   work_function_eV=dict(self.work_function_eV))
        return dataclasses.replace(self.model, cell=cell)

    def contact_theta(self, profile: Profile1D | None = None) -> dict[str, float]:
        """theta of each resolved electrode at its contact (collective)."""
        if not self.problem.electrodes:
            return {}
        profile = profile or gather_profile(self.problem)
        found = {}
        for region in self.problem.electrodes:
            seg = profile.segment(region)
            contact = next(c for c in self.problem.contacts if c.conductor == region)
            assert seg.theta is not None  # an electrode field's segment samples its theta
            found[region] = float(seg.theta[-1] if contact.key.startswith(f"{region}|")
                                  else seg.theta[0])
        return found

    def _work_function(self, region: str, theta: float) -> float:
        """Phi(theta) of an electrode region (eV)."""
        return work_function_eV(self.case.region_materials[region], theta)

    def _set_work_functions(self, theta: dict[str, float]) -> None:
        """Hold each electrode at Phi(theta) for the next solve."""
        self.work_function_eV.update({r: self._work_function(r, v) for r, v in theta.items()})
        self.apply_conductor_potentials()

    def update_work_functions(self, profile: Profile1D | None = None,
                              accepted: bool = False) -> None:
        """Phi(theta) of each resolved electrode at its contact composition, for the next step
        (a step holds Phi at its start, or BDF2 at its extrapolation: :meth:`set_step`); an
        ``accepted`` state's contact theta joins the history of the extrapolation."""
        if not self.problem.electrodes:
            return
        theta = self.contact_theta(profile)
        if accepted:
            self.contact_theta_past = [theta, *self.contact_theta_past[:1]]
        self._set_work_functions(theta)

    @property
    def right_group(self) -> set[str]:
        """The regions of the right conductor group."""
        assert isinstance(self.model, CellModel)  # only a cell has conductor groups
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
        and in lithiating collectors (collective; Li metal electrodes are reservoirs and are
        not counted)."""
        held = self.uptake.li_mol_m2() if self.uptake is not None else 0.0
        return resolved_li_mol_m2(self.problem) + held


def _add_mass_terms(problem: Problem, model: StackModel, previous: list,
                    inv_dt: dolfinx.fem.Constant, previous2: list | None = None,
                    history_rate: dolfinx.fem.Constant | None = None) -> None:
    """Append the accumulation terms to the residuals (in place): backward Euler, and with
    ``previous2`` and ``history_rate`` BDF2's history term."""
    L2 = model.scales.length_m**2
    dx = lumped_measure(problem)
    psi_n = previous[0]
    n_species = len(problem.species_fields)
    prev_w = dict(zip(problem.species_fields, previous[1:1 + n_species], strict=True))
    prev2_w = dict(zip(problem.species_fields, previous2[1:1 + n_species], strict=True)) \
        if previous2 is not None else {}
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
            change = (c - c_n) * inv_dt
            if previous2 is not None and history_rate is not None:
                c_nm1 = concentration_ufl(sp, previous2[0], prev2_w[name], bulk, shift)
                change -= (c_n - c_nm1) * history_rate
            term += (L2 / species_scale(model, name) * change * q
                     * dx(problem.domain.region_tags[region.name]))
        problem.species_residuals[name] += term
        problem.residuals[1 + i] += term
    offset = 1 + len(problem.species_fields)
    for j, e in enumerate(problem.electrodes.values()):
        u_n = previous[offset + j]
        theta_n = 0.5 * (1.0 + ufl.tanh(0.5 * u_n))
        change = (e.theta - theta_n) * inv_dt
        if previous2 is not None and history_rate is not None:
            change -= (theta_n - 0.5 * (1.0 + ufl.tanh(0.5 * previous2[offset + j]))) \
                * history_rate
        term = L2 / e.diffusivity_m2_s * change * e.test * dx(e.tag)
        e.residual += term
        problem.residuals[offset + j] += term


def build_stepper(case: Case, comm: MPI.Comm, settings: NewtonSettings,
                  layout: StackLayout | None = None, domain: Domain | None = None
                  ) -> TimeStepper:
    """Mesh (the case's, ``layout``'s or ``domain`` itself), forms with mass terms, and the
    initial state at t = 0 (collective)."""
    model = build_stack_model(case)
    domain = domain or build_domain(mesh_plan(case), model, comm, layout)
    problem = build_problem(domain, model)
    if settings.stagnation_residual is not None:  # 2D rows carry the cell height: so does round-off
        settings = dataclasses.replace(
            settings, stagnation_residual=settings.stagnation_residual * domain.cross_section)
    previous = [dolfinx.fem.Function(u.function_space) for u in problem.unknowns]
    inv_dt = dolfinx.fem.Constant(domain.mesh, 0.0)
    previous2 = [dolfinx.fem.Function(u.function_space) for u in problem.unknowns]
    history_rate = None  # BDF2's history term only where it is used: BE forms stay as they were
    if SCHEME_ORDER[getattr(case.study, "time_scheme", "backward_euler")] == 2:
        history_rate = dolfinx.fem.Constant(domain.mesh, 0.0)
    _add_mass_terms(problem, model, previous, inv_dt, previous2 if history_rate is not None else None,
                    history_rate)
    # t = 0: the equilibrium at the case's compositions, with the electrodes' Li held fixed
    # (with 1/dt = 0 their Li level would otherwise float)
    fixed = [dolfinx.fem.dirichletbc(e.field.copy(), np.arange(
        e.field.function_space.dofmap.index_map.size_local
        + e.field.function_space.dofmap.index_map.num_ghosts, dtype=np.int32))
        for e in problem.electrodes.values()]
    initial = SolveReport()
    if isinstance(model, CellModel):
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
    stepper = TimeStepper(case, model, problem, previous, inv_dt, solver, initial,
                          previous2=previous2, history_rate=history_rate)
    if isinstance(model, CellModel):
        stepper.fermi_voltage_V = dict(model.cell.fermi_voltage_V)
        stepper.work_function_eV = dict(model.cell.work_function_eV)
    stepper.uptake = collector_uptake(case, model.collector_chains,
                                      model.scales.thermal_voltage_V)
    stepper.accept()
    return stepper
