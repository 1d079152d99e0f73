"""A-posteriori error control of the potential: the once-refined comparison and the adaptive mesh.

**Estimate.** Every steady or equilibrium solve on a 1D stack (or a ``layered_2d`` extrusion of
one) is repeated on its uniform bisection M/2, started from the coarse solution interpolated
there. P1 elements converge like h^2 at the vertices, phi_h - phi = C h^2 + O(h^3), so

    phi_h - phi_{h/2} = (3/4) (phi_h - phi)   and   eta = (4/3) max_i |phi_h(x_i) - phi_{h/2}(x_i)|

over the vertices x_i of M (which are vertices of M/2) estimates the max-norm error (V) of the
solution that is reported, the one on M. Conductors (phi uniform) are left out.

**Adaptation** (``mesh.error_control = "adapt"``). While eta > ``mesh.error_tolerance_V``,
each cell K of M gets the hierarchical surplus of the fine solution at its midpoint m_K,

    s_K = |phi_{h/2}(m_K) - (phi_{h/2}(a_K) + phi_{h/2}(b_K)) / 2|   (~ h_K^2 |phi''| / 8, V),

the local interpolation error. The error is taken proportional to the largest surplus, so each
cell aims at s_K <= tau = 0.5 tol max(s) / eta and is split into 2^l equal cells,
l = ceil(log2(s_K / tau) / 2) (at most MAX_SPLIT_LEVELS at a time, the worst cells first when
that would more than triple the cells); neighbours inside a layer are then split to within one
level of each other, so the sizes of neighbours change by at most a factor of two.
The refined mesh is solved again and estimated again, up to ``mesh.max_adaptations`` times and
MAX_ADAPTIVE_CELLS cells; a mesh that cannot meet the tolerance ends in
:class:`DiscretisationError` (exit status 3, the last state in last_good/).

**Unstructured meshes** (bicrystal, polycrystal, mesh_file: triangles). The mesh is refined
uniformly (every triangle into four, :func:`pnp_ssb.discretisation.refinement.refined_domain`, tags
kept), the case is
solved there from the coarse solution interpolated onto it, and eta = 4/3 max |phi_h - phi_h/2|
over the vertices of the coarse mesh outside conductors (the fine solution evaluated there).
These meshes are not adapted: in 'adapt' mode an estimate above the tolerance ends in
:class:`DiscretisationError`.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pnp_ssb.analysis.postprocess import Profile1D, gather_profile_1d, lateral_average
from pnp_ssb.analysis.sampling import evaluate, locate
from pnp_ssb.analysis.solution import Solution, newton_settings
from pnp_ssb.discretisation.domain import Domain
from pnp_ssb.discretisation.fem import MPI, dolfinx
from pnp_ssb.discretisation.forms import Problem, build_problem
from pnp_ssb.discretisation.mesh import ADAPTIVE_GEOMETRIES, REFINED_GEOMETRIES, build_domain
from pnp_ssb.discretisation.refinement import refined_domain
from pnp_ssb.discretisation.stack_mesh import StackLayout, stack_layout
from pnp_ssb.input.case import Case
from pnp_ssb.input.plan import mesh_plan
from pnp_ssb.physics.model import StackModel
from pnp_ssb.solvers.conservation import amount_constraints
from pnp_ssb.solvers.newton import NewtonSolver, SolveReport, SolverError, solve_with_continuation

log = logging.getLogger(__name__)

METHOD = "once-refined comparison: 4/3 max |phi_h - phi_h/2| at the vertices of the mesh"
MAX_SPLIT_LEVELS = 6  # a cell is split into at most 2^6 per adaptation
TARGET_FRACTION = 0.5  # an adaptation aims at half the tolerance
MAX_GROWTH = 3.0  # an adaptation splits the worst cells into at most this many times the cells
MAX_ADAPTIVE_CELLS = 200_000  # of a refined mesh (its bisection has twice as many)
VERTEX_DECIMALS = 7  # coordinates (mesh units) of the same vertex on two nested meshes


class DiscretisationError(SolverError):
    """The mesh cannot meet ``mesh.error_tolerance_V`` (or its estimate could not be solved).

    ``solution`` is the last (converged) state, with its estimate in
    ``solution.error_control``.
    """


@dataclass(frozen=True)
class ErrorEstimate:
    """The once-refined comparison of one solution (potentials in V, lengths in m)."""

    estimate_V: float  # estimated max-norm error of phi_h: 4/3 difference_V
    difference_V: float  # max |phi_h - phi_h/2| at the vertices of the mesh
    region: str  # where the difference is largest
    x_m: float
    cells: int  # of the mesh estimated
    fine_cells: int
    fine_newton_iterations: int
    surplus_V: np.ndarray  # hierarchical surplus of phi_h/2 in every cell of the mesh

    def as_dict(self) -> dict:
        """The summary.json entry of one mesh."""
        return {"cells": self.cells, "estimate_V": self.estimate_V,
                "difference_V": self.difference_V, "largest_at_m": self.x_m,
                "largest_in": self.region, "fine_cells": self.fine_cells}


def _gathered(function) -> tuple[np.ndarray, np.ndarray]:
    """(x, value) of a P1 function's owned dofs on all ranks, sorted and one per x (collective;
    x scaled, as in the mesh)."""
    V = function.function_space
    n = V.dofmap.index_map.size_local
    parts = V.mesh.comm.allgather((V.tabulate_dof_coordinates()[:n, 0], function.x.array[:n]))
    x = np.concatenate([p[0] for p in parts])
    v = np.concatenate([p[1] for p in parts])
    x, first = np.unique(x, return_index=True)
    return x, v[first]


def transfer_state(source: Problem, target: Problem) -> None:
    """Set ``target``'s unknowns to ``source``'s, linearly interpolated in x (collective).

    On a bisection of the source's 1D mesh this is the P1 interpolant: exact at the shared
    vertices, the mean of the two ends at every midpoint (a layered_2d state is laterally
    uniform, so x alone places it)."""
    for s, t in zip(source.unknowns, target.unknowns, strict=True):
        x, v = _gathered(s)
        t.x.array[:] = np.interp(t.function_space.tabulate_dof_coordinates()[:, 0], x, v)


def transfer_nested(source: Problem, target: Problem) -> None:
    """Set ``target``'s unknowns to the interpolant of ``source``'s on ``target``'s mesh, a
    refinement of ``source``'s (collective; each space on its own mesh or submesh)."""
    for s, t in zip(source.unknowns, target.unknowns, strict=True):
        msh = t.function_space.mesh
        cells = np.arange(msh.topology.index_map(msh.topology.dim).size_local, dtype=np.int32)
        data = dolfinx.fem.create_interpolation_data(t.function_space, s.function_space, cells,
                                                     padding=1e-10)
        t.interpolate_nonmatching(s, cells, data)
        t.x.scatter_forward()


def continue_from(solver: NewtonSolver, problem: Problem, source: Problem | None,
                  label: str, transfer: Callable[[Problem, Problem], None] = transfer_state
                  ) -> SolveReport:
    """Solve ``problem`` from ``source``'s state interpolated onto it: one Newton solve at full
    load, or, if that fails (or there is no source), the usual continuation from the flat state
    (collective). Build ``solver`` (with its amount constraints) before: they hold the flat
    state's amounts, as in every solve.

    Raises:
        SolverError: the continuation failed too.
    """
    first = None
    if source is not None:
        flat = [u.x.array.copy() for u in problem.unknowns]
        transfer(source, problem)
        problem.set_load(1.0)
        first = solver.solve(1.0)
        if first.converged:
            return SolveReport([first])
        log.info("%s: no convergence from the interpolated state (PETSc reason %d): "
                 "continuation from the flat state", label, first.reason)
        for u, a in zip(problem.unknowns, flat, strict=True):
            u.x.array[:] = a
        problem.set_load(0.0)
    try:
        report = solve_with_continuation(solver, problem.set_load, label=label)
    except SolverError as exc:
        if first is not None:
            exc.report.attempts.insert(0, first)
        raise
    if first is not None:
        report.attempts.insert(0, first)
    return report


def solve_from(case: Case, model: StackModel, domain: Domain, source: Problem,
               transfer: Callable[[Problem, Problem], None] = transfer_state
               ) -> tuple[Problem, SolveReport]:
    """Solve ``model`` on ``domain`` from ``source``'s state (:func:`continue_from`)."""
    problem = build_problem(domain, model)
    solver = NewtonSolver(problem.residuals, problem.unknowns, problem.bcs, problem.entity_maps,
                          newton_settings(case), constraints=amount_constraints(problem, model))
    try:
        return problem, continue_from(solver, problem, source, f"{case.name}: error estimate",
                                      transfer)
    finally:
        solver.close()


def vertex_index(layout: StackLayout, x_m: float) -> int:
    """The vertex of ``layout`` at x_m (a piece boundary: the nearest, round-off aside)."""
    return int(np.argmin(np.abs(layout.x_m - x_m)))


def region_vertices(layout: StackLayout, names: list[str]) -> dict[str, tuple[int, int]]:
    """The first and last vertex of every region (``names``); a grain-boundary core
    ('<region>_gb') is part of its region."""
    out: dict[str, tuple[int, int]] = {}
    for a, b, group in layout.pieces:
        name = group if group in names else group.removesuffix("_gb")
        ia, ib = vertex_index(layout, a), vertex_index(layout, b)
        lo, hi = out.get(name, (ia, ib))
        out[name] = (min(lo, ia), max(hi, ib))
    return out


def compare(coarse: Profile1D, fine: Profile1D, layout: StackLayout, model: StackModel
            ) -> tuple[float, str, float, np.ndarray]:
    """max |phi_h - phi_h/2| (V) over the vertices of ``layout`` outside conductors, its region
    and x (m), and the hierarchical surplus s_K (V) of phi_h/2 in every cell of ``layout``."""
    vt = coarse.thermal_voltage_V
    x = layout.x_m
    mid = 0.5 * (x[:-1] + x[1:])
    surplus = np.zeros(mid.size)
    worst, where, at = -1.0, "", 0.0
    for name, (ia, ib) in region_vertices(layout, [r.name for r in model.regions]).items():
        if model.region(name).is_conductor:
            continue
        seg_c, seg_f = coarse.segment(name), fine.segment(name)

        def phi_f(points, seg=seg_f):
            return np.interp(points, seg.x_m, seg.psi) * vt

        inside = np.zeros(x.size, dtype=bool)
        inside[ia:ib + 1] = True
        diff = np.abs(phi_f(x[inside]) - np.interp(x[inside], seg_c.x_m, seg_c.psi) * vt)
        k = int(np.argmax(diff))
        if diff[k] > worst:
            worst, where, at = float(diff[k]), name, float(x[inside][k])
        cells = inside[:-1] & inside[1:]
        s = np.abs(phi_f(mid[cells]) - 0.5 * (phi_f(x[:-1][cells]) + phi_f(x[1:][cells])))
        surplus[cells] = np.maximum(surplus[cells], s)
    return max(worst, 0.0), where, at, surplus


def profile_of(problem: Problem) -> Profile1D:
    """The 1D profile of a stack, or the lateral average of a layered_2d run (collective)."""
    if problem.domain.dimension == 1:
        return gather_profile_1d(problem)
    return lateral_average(problem)[0]


def estimate_error(case: Case, solution: Solution, layout: StackLayout
                   ) -> tuple[ErrorEstimate, Problem]:
    """The once-refined estimate of ``solution`` (solved on ``layout``'s mesh), and the solved
    problem on the bisected mesh (collective)."""
    fine_layout = layout.bisected()
    comm = solution.domain.mesh.comm
    domain = build_domain(mesh_plan(case), solution.model, comm, fine_layout)
    try:
        problem, report = solve_from(case, solution.model, domain, solution.problem)
    except SolverError as exc:
        err = DiscretisationError(f"the error estimate's solve on the bisected mesh "
                                  f"({fine_layout.num_cells} cells) failed: {exc}", exc.report)
        err.solution = solution
        raise err from None
    difference, region, x_m, surplus = compare(solution.profile, profile_of(problem), layout,
                                               solution.model)
    return ErrorEstimate(4.0 / 3.0 * difference, difference, region, x_m, layout.num_cells,
                         fine_layout.num_cells, report.newton_iterations, surplus), problem


def compare_at_vertices(coarse: Problem, fine: Problem, thermal_voltage_V: float
                        ) -> tuple[float, str, float]:
    """max |phi_h - phi_h/2| (V) over the vertices of ``coarse``'s mesh outside conductors
    (vertices of ``fine``'s too, a refinement on the same ranks: matched by their coordinates,
    or found by point location where a rank lacks one), its region and x (m); the same on every
    rank (collective)."""
    V, W = coarse.psi.function_space, fine.psi.function_space
    coords = V.tabulate_dof_coordinates()
    def key(points):  # round-off of the dof coordinates aside (mesh units, nm)
        return np.round(points, VERTEX_DECIMALS).tobytes()

    fine_dof = {key(p): i for i, p in enumerate(W.tabulate_dof_coordinates())}
    comm = V.mesh.comm
    best = (0.0, "", 0.0)
    for region in coarse.model.regions:
        if region.is_conductor:
            continue
        dofs = np.unique(V.dofmap.list[coarse.domain.region_cells(region.name)])
        dofs = dofs[dofs < V.dofmap.index_map.size_local]
        match = np.array([fine_dof.get(key(coords[d]), -1) for d in dofs], dtype=np.int64)
        values = np.full(dofs.size, np.nan)
        values[match >= 0] = fine.psi.x.array[match[match >= 0]]
        lost = np.concatenate(comm.allgather(coords[dofs[match < 0]])).reshape(-1, 3)
        if lost.size:  # every rank takes part in the location
            found = evaluate(fine.psi, locate(fine.domain.mesh, lost))
            offset = sum(comm.allgather(int(np.sum(match < 0)))[:comm.rank])
            values[match < 0] = found[offset:offset + int(np.sum(match < 0))]
        diff = np.abs(values - coarse.psi.x.array[dofs]) * thermal_voltage_V
        if np.isnan(diff).any():
            raise RuntimeError(f"{int(np.isnan(diff).sum())} vertices of region "
                               f"{region.name!r} are not in the refined mesh")
        k = int(np.argmax(diff)) if diff.size else -1
        mine = (float(diff[k]), float(coords[dofs[k], 0])) if k >= 0 else (-1.0, 0.0)
        worst, x = max(comm.allgather(mine))
        if worst > best[0]:
            best = (worst, region.name, x * coarse.domain.length_scale_m)
    return best


def estimate_unstructured(case: Case, solution: Solution) -> ErrorEstimate:
    """The once-refined estimate of a solution on a triangle mesh: solved again on its uniform
    refinement, from the solution interpolated there (collective)."""
    domain = refined_domain(solution.domain)
    try:
        problem, report = solve_from(case, solution.model, domain, solution.problem,
                                     transfer_nested)
    except SolverError as exc:
        err = DiscretisationError(f"the error estimate's solve on the refined mesh "
                                  f"({domain.num_cells_global()} cells) failed: {exc}",
                                  exc.report)
        err.solution = solution
        raise err from None
    difference, region, x_m = compare_at_vertices(solution.problem, problem,
                                                  solution.profile.thermal_voltage_V)
    return ErrorEstimate(4.0 / 3.0 * difference, difference, region, x_m,
                         solution.domain.num_cells_global(), domain.num_cells_global(),
                         report.newton_iterations, np.zeros(0))


def _warn_above_tolerance(solution: Solution, estimate_V: float, tol: float) -> None:
    text = (f"discretisation error estimate {estimate_V:.3g} V is above "
            f"mesh.error_tolerance_V = {tol:g} V (mesh.error_control = 'estimate')")
    log.warning("%s", text)
    solution.warnings.append(text)


def solve_unstructured(case: Case, solve_on: Callable[[StackLayout | None, Problem | None],
                                                      Solution]) -> Solution:
    """Solve a bicrystal, polycrystal or mesh-file case and estimate its error on the uniform
    refinement (:func:`estimate_unstructured`); the mesh is not adapted, so in 'adapt' mode an
    estimate above the tolerance is a :class:`DiscretisationError` (collective)."""
    mode, tol = case.mesh.error_control, case.mesh.error_tolerance_V
    solution = solve_on(None, None)
    solution.mesh_layout = None
    cell_type = solution.domain.mesh.topology.cell_type
    if cell_type != dolfinx.mesh.CellType.triangle:
        return _not_estimated(solution, case, f"{cell_type.name} cells are not refined")
    try:
        last = estimate_unstructured(case, solution)
    except SolverError as exc:
        _attach(solution, case, [], mode)["reason"] = f"no estimate: {exc}"
        raise
    _attach(solution, case, [last], mode)
    log.info("%s: error estimate %.3g V on %d cells (tolerance %g V; largest at x = %.4g m in "
             "%s)", case.name, last.estimate_V, last.cells, tol, last.x_m, last.region)
    if last.estimate_V > tol and mode == "adapt":
        hint = ("a mesh file is not refined here: give a finer one" if
                case.geometry.type == "mesh_file" else
                f"a {case.geometry.type} mesh is estimated but not adapted")
        err = DiscretisationError(failure_message(case, [last], hint), solution.report)
        err.solution = solution
        raise err
    if last.estimate_V > tol:
        _warn_above_tolerance(solution, last.estimate_V, tol)
    return solution


def _split_levels(surplus: np.ndarray, tau: float, inner: np.ndarray) -> np.ndarray:
    """l_K = ceil(log2(s_K / tau) / 2) in [0, MAX_SPLIT_LEVELS], then raised until neighbours
    inside a piece (``inner``: vertex i + 1 is not a piece boundary) differ by at most one."""
    ratio = np.maximum(surplus / tau, 1.0)
    levels = np.clip(np.ceil(0.5 * np.log2(ratio)), 0, MAX_SPLIT_LEVELS).astype(int)
    for _ in range(MAX_SPLIT_LEVELS):
        raised = levels.copy()
        raised[:-1] = np.where(inner, np.maximum(raised[:-1], levels[1:] - 1), raised[:-1])
        raised[1:] = np.where(inner, np.maximum(raised[1:], levels[:-1] - 1), raised[1:])
        if np.array_equal(raised, levels):
            break
        levels = raised
    return levels


def refined_layout(layout: StackLayout, estimate: ErrorEstimate, tolerance_V: float
                   ) -> StackLayout:
    """Split every cell of ``layout`` into 2^l_K equal cells (:func:`_split_levels`), aiming at
    a surplus tau = 0.5 tol max(s) / eta (P1: s ~ h^2); tau is raised fourfold while that would
    give more than MAX_GROWTH times the cells, so the worst cells go first. Neighbours inside a
    piece are split within one level of each other (2:1 balance), so the grading is kept."""
    x = layout.x_m
    h = np.diff(x)
    s = estimate.surplus_V
    inner = np.ones(h.size - 1, dtype=bool)  # vertex i + 1 is inside a piece
    for a, b, _ in layout.pieces:
        for bound in (a, b):
            k = vertex_index(layout, bound)
            if 0 < k < x.size - 1:
                inner[k - 1] = False
    tau = TARGET_FRACTION * tolerance_V * max(s.max(), 1e-300) / max(estimate.estimate_V, 1e-300)
    levels = _split_levels(s, tau, inner)
    while np.sum(2.0 ** levels) > MAX_GROWTH * h.size and tau < s.max():
        tau *= 4.0
        levels = _split_levels(s, tau, inner)
    added = [x[j] + h[j] * np.arange(1, 2 ** levels[j]) / 2 ** levels[j]
             for j in np.flatnonzero(levels)]
    return StackLayout(np.sort(np.concatenate([x, *added])), layout.pieces, layout.gb_points_m)


def _attach(solution: Solution, case: Case, history: list[ErrorEstimate], mode: str
            ) -> dict[str, Any]:
    """Set (and return) summary.json's error_control entry of ``solution``."""
    last = history[-1] if history else None
    entry = solution.error_control = {
        "mode": mode, "method": METHOD if last else "not estimated",
        "estimate_V": last.estimate_V if last else None,
        "tolerance_V": case.mesh.error_tolerance_V,
        "adaptations": max(len(history) - 1, 0),
        "meshes": [e.as_dict() for e in history]}
    return entry


def _not_estimated(solution: Solution, case: Case, reason: str) -> Solution:
    _attach(solution, case, [], case.mesh.error_control)["reason"] = reason
    if case.mesh.error_control != "off":
        text = f"discretisation error not estimated: {reason}"
        log.warning("%s", text)
        solution.warnings.append(text)
    return solution


def failure_message(case: Case, history: list[ErrorEstimate], why: str) -> str:
    """What failed, with the estimate, the tolerance and what to change."""
    last = history[-1]
    path = ", ".join(f"{e.cells} cells: {e.estimate_V:.2e} V" for e in history)
    return (f"the discretisation error of phi could not be brought below mesh.error_tolerance_V "
            f"= {case.mesh.error_tolerance_V:g} V: {why}. The last estimate is "
            f"{last.estimate_V:.3g} V on {last.cells} cells (largest at x = {last.x_m:.4g} m in "
            f"region {last.region!r}; meshes: {path}). Raise mesh.error_tolerance_V or "
            f"mesh.max_adaptations, refine the start mesh (mesh.min_cell_m, mesh.growth_ratio), "
            f"use lattice_gas statistics for drops of many kT, or set mesh.error_control = "
            f"'estimate' to accept this mesh with its estimate reported.")


def solve_with_error_control(case: Case, model: StackModel, comm: MPI.Comm,
                             solve_on: Callable[[StackLayout | None, Problem | None], Solution],
                             layout: StackLayout | None = None) -> Solution:
    """Solve on the case's mesh and estimate the error (``mesh.error_control``); in 'adapt'
    mode refine and solve again until the estimate meets ``mesh.error_tolerance_V``
    (collective: every rank takes the same decisions from the same gathered profiles).
    ``solve_on(layout, initial)`` solves on a layout's mesh (None: the case's own mesh),
    starting from ``initial``'s state where one is given (the last bisected mesh's solution).
    The first mesh is ``layout``'s (e.g. another solve's, ``solution.mesh_layout``),
    by default the case's; the mesh solved last is left in ``solution.mesh_layout``.

    Raises:
        DiscretisationError: the tolerance was not met within mesh.max_adaptations or
            MAX_ADAPTIVE_CELLS; ``error.solution`` is the last state, with its estimate.
    """
    mode, tol = case.mesh.error_control, case.mesh.error_tolerance_V
    if mode != "off" and case.geometry.type in REFINED_GEOMETRIES:
        return solve_unstructured(case, solve_on)
    if mode == "off" or case.geometry.type not in ADAPTIVE_GEOMETRIES:
        solution = solve_on(layout, None)
        solution.mesh_layout = layout
        reason = ("mesh.error_control = 'off'" if mode == "off" else
                  f"geometry.type = {case.geometry.type!r} has no bisected mesh to compare with")
        return _not_estimated(solution, case, reason)
    layout = layout or stack_layout(mesh_plan(case), model)
    history: list[ErrorEstimate] = []
    fine: Problem | None = None
    while True:
        try:
            solution = solve_on(layout, fine)
            solution.mesh_layout = layout
            last, fine = estimate_error(case, solution, layout)
        except SolverError as exc:  # this mesh has no estimate: say so with the earlier ones
            failed = getattr(exc, "solution", None)
            if failed is not None:
                _attach(failed, case, history, mode)
                failed.error_control.update(
                    estimate_V=None, reason=f"no estimate on mesh {len(history) + 1}: {exc}")
            raise
        history.append(last)
        _attach(solution, case, history, mode)
        log.info("%s: error estimate %.3g V on %d cells (tolerance %g V; largest at x = %.4g m "
                 "in %s)", case.name, last.estimate_V, last.cells, tol, last.x_m, last.region)
        if last.estimate_V <= tol or mode == "estimate":
            break
        why = None
        if len(history) > case.mesh.max_adaptations:
            why = f"mesh.max_adaptations = {case.mesh.max_adaptations} allows no more refinement"
        else:
            layout = refined_layout(layout, last, tol)
            rows = case.geometry.lateral_cells if case.geometry.type == "layered_2d" else 1
            if layout.num_cells * rows > MAX_ADAPTIVE_CELLS:
                why = (f"the next mesh would have {layout.num_cells * rows} cells, above "
                       f"{MAX_ADAPTIVE_CELLS}")
        if why:
            err = DiscretisationError(failure_message(case, history, why), solution.report)
            err.solution = solution
            raise err
    if last.estimate_V > tol:
        _warn_above_tolerance(solution, last.estimate_V, tol)
    return solution

