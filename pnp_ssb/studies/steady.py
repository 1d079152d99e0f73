"""The orchestrator: case -> model -> mesh -> forms -> solver -> post-processing -> outputs.

Equilibrium and steady studies are solved here (with the Li balance of cells and current
control); OCV sweeps live in :mod:`pnp_ssb.studies.sweep`, transients in :mod:`pnp_ssb.studies.transient`.
"""

import logging
import time
from pathlib import Path

from pnp_ssb.analysis.inventory import cell_li_balance, species_excess_per_m2
from pnp_ssb.analysis.solution import (
    CurrentControl,
    Solution,
    newton_settings,
    num_dofs,
    postprocess_solution,
)
from pnp_ssb.analysis.summary import summary
from pnp_ssb.constants import ELEMENTARY_CHARGE_C
from pnp_ssb.discretisation.domain import Domain
from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.discretisation.forms import Problem, build_problem
from pnp_ssb.discretisation.mesh import build_domain
from pnp_ssb.discretisation.stack_mesh import StackLayout
from pnp_ssb.input.case import Case
from pnp_ssb.input.plan import mesh_plan
from pnp_ssb.input.study import imposed_current_A_m2
from pnp_ssb.io.results import write_outputs
from pnp_ssb.io.rundir import run_folder
from pnp_ssb.physics.electrodes import ChargeState, li_sites_per_m2, open_circuit_potential_V
from pnp_ssb.physics.model import CellModel, StackModel, build_stack_model
from pnp_ssb.solvers.conservation import amount_constraints
from pnp_ssb.solvers.newton import NewtonSolver, SolverError
from pnp_ssb.solvers.rootfind import RootNotFoundError, monotone_root
from pnp_ssb.studies.adapt import continue_from, solve_with_error_control

log = logging.getLogger(__name__)


def solve_case(case: Case, comm: MPI.Comm = MPI.COMM_WORLD,
               state: ChargeState | None = None, layout: StackLayout | None = None) -> Solution:
    """Mesh, solve with continuation and post-process a validated case (collective).

    In an equilibrium study with insertion electrodes, the Li that the space-charge layers take
    from each electrode is given back to the Li balance (:func:`conserve_li`). The solution
    carries the estimate of its discretisation error (pnp_ssb.studies.adapt, ``mesh.error_control``),
    on a mesh refined until it meets ``mesh.error_tolerance_V``.

    Args:
        state: a state of charge (compositions, imposed terminal voltages) replacing the case's.
        layout: the (first) mesh of a stack or layered_2d case, e.g. another solve's
            ``solution.mesh_layout``, instead of the case's graded one.

    Raises:
        SolverError: Newton failed; ``error.solution`` then holds the last good state.
        DiscretisationError: (a SolverError) the mesh could not meet the tolerance.
    """
    start = time.perf_counter()
    li = dict(state.li_fraction) if state else None
    volts = dict(state.terminal_voltage_V) if state else None
    model = build_stack_model(case, li, volts)

    def solve_on(layout: StackLayout | None, initial: Problem | None) -> Solution:
        domain = build_domain(mesh_plan(case), model, comm, layout)
        if imposed_current_A_m2(case.study) is not None:
            return solve_current_control(case, model, domain, start)
        solution = _solve_model(case, model, domain, start, initial)
        if case.study.type == "equilibrium" and isinstance(model, CellModel):
            solution = conserve_li(case, solution, start)
        return solution

    solution = solve_with_error_control(case, model, comm, solve_on, layout)
    solution.wall_time_s = time.perf_counter() - start  # the estimate's solve included
    return solution


CURRENT_TOLERANCE = 1e-9  # relative, on the current density
CURRENT_MAX_ITERATIONS = 40


def solve_current_control(case: Case, model: StackModel, domain: Domain, start: float) -> Solution:
    """Current control of a two-electrode cell: find the right terminal's voltage V at which the
    Li+ current into the electrolyte at the left contact equals study.current_density_A_m2.

    The current decreases strictly with V, so a secant iteration, turned into a safeguarded
    regula falsi (Illinois) once the root is bracketed, converges from the equilibrium voltage.
    Each evaluation is a full steady-state solve (with its own continuation).
    """
    target = imposed_current_A_m2(case.study)
    assert target is not None  # called only with an imposed current

    cell = model.require_cell()
    right_group = cell.groups[-1]
    region = right_group.regions[0]
    active = right_group.active
    u_active = (open_circuit_potential_V(case.region_materials[active],
                                         cell.li_fraction.get(active)) if active else None)
    v_eq = u_active if u_active is not None else cell.fermi_voltage_V[region]

    def current_at(v: float) -> tuple[float, Solution]:
        m = build_stack_model(case, None, {region: v})
        sol = _solve_model(case, m, domain, start)
        return sol.kinetics[0].current_density_A_m2 - target, sol

    solutions: list[Solution] = []

    def mismatch(v: float) -> float:
        m = build_stack_model(case, None, {region: v})
        solutions.append(_solve_model(case, m, domain, start))
        return solutions[-1].kinetics[0].current_density_A_m2 - target

    try:
        root = monotone_root(mismatch, v_eq, 0.01, CURRENT_TOLERANCE * max(abs(target), 1e-30),
                             max_jump=0.5, max_evaluations=CURRENT_MAX_ITERATIONS)
    except RootNotFoundError as exc:
        err = SolverError(f"current control did not reach {target:g} A/m^2: {exc}",
                          solutions[-1].report)
        err.solution = solutions[-1]
        raise err from None
    b, history = root.x, [(v, f + target) for v, f in root.history]
    sol = solutions[-1]  # the root is always the last voltage evaluated
    sol.current_control = CurrentControl(target, b, [{"voltage_V": v, "current_A_m2": i}
                                                      for v, i in history])
    log.info("current control: %g A/m^2 at %.6f V (%d solves)", target, b, len(history))
    return sol


LI_BALANCE_TOLERANCE = 1e-13  # in theta; far below any OCV-table resolution
LI_BALANCE_MAX_ITERATIONS = 16


def conserve_li(case: Case, solution: Solution, start: float) -> Solution:
    """Re-solve until each insertion electrode holds its given Li minus what it gave the
    electrolyte: theta_k = theta_k,0 + sigma_k / (e N_k L_k), sigma_k the electrode's contact
    charge (C/m^2), N_k L_k its Li sites per area. Each electrode keeps the electrons of the Li+
    it gave, so sigma_k/e is exactly the Li it lost; a mixed conductor's group keeps its
    electrons likewise (:func:`mixed_conductor_fraction`). Fixed-point iteration: it converges in
    a few steps because the shift is small; each re-solve starts from the last state."""
    cell = solution.model.require_cell()
    given = {k: v for k, v in cell.li_fraction.items() if v > 0.0}
    if not given:
        return solution
    sites = {k: li_sites_per_m2(case, k) for k in given}
    history: list[float] = []
    previous: tuple[dict[str, float], dict[str, float]] | None = None
    for resolves in range(LI_BALANCE_MAX_ITERATIONS + 1):  # the last state is judged too
        sigma = contact_charge_by_conductor(solution)
        theta = {k: v + sigma.get(k, 0.0) / ELEMENTARY_CHARGE_C / sites[k] for k, v in given.items()}
        theta.update(mixed_conductor_fraction(solution, given, sigma, sites))
        now = solution.model.require_cell().li_fraction
        residual = {k: theta[k] - now[k] for k in given}
        history.append(max(abs(r) for r in residual.values()))
        if history[-1] < LI_BALANCE_TOLERANCE or resolves == LI_BALANCE_MAX_ITERATIONS:
            break
        theta, previous = _secant_step(now, residual, previous), (dict(now), residual)
        theta = _within_range(case, now, theta)
        model = build_stack_model(case, {**cell.li_fraction, **theta})
        solution = _solve_model(case, model, solution.domain, start, solution.problem)
    solution.li_balance = cell_li_balance(case, solution.problem, given,
                                          solution.model.require_cell().li_fraction, history)
    log.info("Li balance: %d re-solves, last theta update %.1e", len(history) - 1, history[-1])
    if history[-1] > LI_BALANCE_FAILURE:
        err = SolverError(
            f"Li balance did not converge: theta still moved by {history[-1]:.1e} after "
            f"{len(history) - 1} re-solves; the space-charge layers may hold more Li than the "
            "electrodes can give or take at their li_fraction (choose compositions farther "
            "from the ends of their ranges, or thicker electrodes)", solution.report)
        err.solution = solution
        raise err
    return solution


# a theta still moving by more than this after the last re-solve is a failure: 1e-8 moves U by
# under 2 uV even on LiCoO2's steepest tabulated segment (175 V per unit theta)
LI_BALANCE_FAILURE = 1e-8
SECANT_FLOOR = 1e-10  # below this residual, plain fixed-point steps (the secant amplifies noise)


def _secant_step(theta: dict[str, float], residual: dict[str, float],
                 previous: tuple[dict[str, float], dict[str, float]] | None) -> dict[str, float]:
    """The next theta of each electrode: a secant step on its residual G(theta) - theta (the
    fixed point contracts slowly where the layers' Li depends strongly on theta, near a full
    or empty lattice), the plain fixed-point step first and where the secant degenerates."""
    out = {}
    for k, r in residual.items():
        step = r
        if previous is not None and abs(r) > SECANT_FLOOR:
            dtheta, dr = theta[k] - previous[0][k], r - previous[1][k]
            slope = dr / dtheta if dtheta != 0.0 else 0.0  # d(residual)/d(theta)
            if slope < 0.0:  # the residual falls with theta, as a contraction's does
                step = -r / slope
        out[k] = theta[k] + step
    return out


def _within_range(case: Case, now: dict[str, float], theta: dict[str, float]) -> dict[str, float]:
    """A step that would leave an electrode's OCV table (or put a mixed conductor's lattice
    gases at 0 or 1) goes half-way to the end of the range instead: the balance then either
    converges inside it or ends in the non-convergence failure of :func:`conserve_li`."""
    out = dict(theta)
    for name, value in theta.items():
        table = case.region_materials[name].tables["open_circuit_potential_V"]
        lo, hi = table.theta[0], table.theta[-1]
        if case.region(name).electronic == "mixed_conductor":
            lo, hi = max(lo, 1e-12), min(hi, 1.0 - 1e-12)
        if not lo <= value <= hi:
            bound = hi if value > hi else lo
            out[name] = now[name] + 0.5 * (bound - now[name])
            log.info("Li balance: theta of %s held inside its range (%.12g instead of %.12g)",
                     name, out[name], value)
    return out


def mixed_conductor_fraction(solution: Solution, given: dict[str, float],
                             sigma: dict[str, float], sites: dict[str, float]) -> dict[str, float]:
    """theta of each mixed-conducting electrode m: its conductor group keeps its electrons
    while Li+ leaves (as an ideal electrode does), so the group's charge, its ideal members'
    contact charges plus m's own, sum_k sigma_k + e (D_Li - D_e), is -e times the Li+ it lost,
    N_Li L (theta_m,0 - theta_m) - D_Li:  theta_m = theta_m,0 + (sum_k sigma_k/e - D_e)/(N_Li L),
    with D_Li, D_e what m's layers hold above its bulk (m^-2)."""
    model = solution.model
    cell = model.require_cell()
    out = {}
    for region in model.regions:
        if not (region.is_mixed_conductor and region.name in given):
            continue
        group = next(g for g in cell.groups if region.name in g.regions)
        collectors = sum(sigma.get(k, 0.0) for k in group.regions) / ELEMENTARY_CHARGE_C
        electron = next(sp for sp in region.species if sp.carrier)
        d_e = species_excess_per_m2(solution.problem, region.name)[electron.name]
        out[region.name] = given[region.name] + (collectors - d_e) / sites[region.name]
    return out


def contact_charge_by_conductor(solution: Solution) -> dict[str, float]:
    """Charge (C/m^2) on each conductor's contacts with non-conductors."""
    out: dict[str, float] = {}
    for key, sigma in solution.electrode_charge_C_m2.items():
        if "|" in key:
            a, b = key.split("|")
            conductor = a if solution.model.region(a).is_conductor else b
            out[conductor] = out.get(conductor, 0.0) + sigma
    return out


def _solve_model(case: Case, model: StackModel, domain: Domain, start: float,
                 initial: Problem | None = None) -> Solution:
    """Solve ``model`` on ``domain`` by continuation from the flat state, or first from
    ``initial``'s state interpolated onto the mesh (an earlier mesh's solution), and
    post-process (collective)."""
    comm = domain.mesh.comm
    problem = build_problem(domain, model)
    solver = NewtonSolver(problem.residuals, problem.unknowns, problem.bcs, problem.entity_maps,
                          newton_settings(case), constraints=amount_constraints(problem, model))
    log.info("case %s: %d cells, %d unknowns, %d rank(s)", case.name, domain.num_cells_global(),
             num_dofs(problem), comm.size)
    try:
        report = continue_from(solver, problem, initial, f"{case.name}: load")
    except SolverError as exc:
        exc.solution = postprocess_solution(case, model, domain, problem, exc.report, start, False,
                                            str(exc))
        raise
    finally:
        solver.close()
    solution = postprocess_solution(case, model, domain, problem, report, start, True, "")
    log.info("case %s: converged in %d Newton iterations (%d continuation steps), %.2f s",
             case.name, report.newton_iterations, report.converged_steps, solution.wall_time_s)
    return solution


def run_steady(case: Case, outdir: str | Path, comm: MPI.Comm = MPI.COMM_WORLD) -> Solution:
    """An equilibrium or steady_state study: solve the case and write its outputs into
    ``outdir`` (:func:`pnp_ssb.studies.registry.run_case` chooses it by study type)."""
    with run_folder(case, outdir, comm):
        solution = solve_case(case, comm)
        write_outputs(solution, outdir)
    return solution


__all__ = ["Solution", "run_steady", "solve_case", "summary"]
