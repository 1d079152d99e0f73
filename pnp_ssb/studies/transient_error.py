"""Discretisation error of transient and impedance studies: a refined twin in lockstep.

The twin is the same study on the refined mesh: the bisection of the run's 1D layout (stack,
layered_2d) or the uniform refinement of a triangle mesh
(:func:`pnp_ssb.discretisation.refinement.refined_domain`).
It is solved at t = 0 like the run and then stepped with the run's own time steps and control,
so the two differ only by the mesh. At t = 0, at every output time and at the end,

    eta(t) = (4/3) max_i |phi_h(x_i, t) - phi_h/2(x_i, t)|   (V)

over the vertices x_i of the run's mesh outside conductors (P1: phi_h - phi = C h^2, as in
:mod:`pnp_ssb.studies.adapt`), and the study's estimate is the largest eta(t). The time error is not in
it (both meshes take the same steps). An impedance study compares the steady state the same way
and reports the spectrum's relative difference, (4/3) max_f |Z_h - Z_h/2| / |Z_h/2|.

Adaptation (``mesh.error_control = "adapt"``, stack and layered_2d): while the t = 0 state's
estimate is above ``mesh.error_tolerance_V`` the layout is refined from its surplus
(:func:`pnp_ssb.studies.adapt.refined_layout`) before any step; if a later state's estimate is above it,
the layout is refined from the largest surplus of all states and the run starts again from
t = 0. Both count against ``mesh.max_adaptations``; past it the run ends in
:class:`pnp_ssb.studies.adapt.DiscretisationError` (exit 3) with the last state.
"""

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from pnp_ssb.analysis.solution import postprocess_solution
from pnp_ssb.discretisation.fem import MPI, dolfinx
from pnp_ssb.discretisation.mesh import ADAPTIVE_GEOMETRIES, REFINED_GEOMETRIES
from pnp_ssb.discretisation.refinement import refined_domain
from pnp_ssb.discretisation.stack_mesh import StackLayout, stack_layout
from pnp_ssb.input.case import Case
from pnp_ssb.input.plan import mesh_plan
from pnp_ssb.physics.model import CellModel, build_stack_model
from pnp_ssb.solvers.newton import SolverError
from pnp_ssb.studies.adapt import (
    MAX_ADAPTIVE_CELLS,
    DiscretisationError,
    ErrorEstimate,
    compare,
    compare_at_vertices,
    failure_message,
    profile_of,
    refined_layout,
)

if TYPE_CHECKING:
    from pnp_ssb.analysis.solution import Solution
    from pnp_ssb.studies.stepper import TimeStepper

log = logging.getLogger(__name__)

METHOD = ("refined twin in lockstep: 4/3 max |phi_h - phi_h/2| at the vertices of the mesh, "
          "at t = 0, the output times and the end (same time steps)")

BuildStepper = Callable[..., "TimeStepper"]


@dataclass(frozen=True)
class StateEstimate:
    """The estimate of one state of a transient (V; x in m)."""

    time_s: float
    estimate_V: float
    region: str
    x_m: float

    def as_dict(self) -> dict[str, Any]:
        """The summary.json entry of one state."""
        return {"time_s": self.time_s, "estimate_V": self.estimate_V,
                "largest_in": self.region, "largest_at_m": self.x_m}


@dataclass
class Twin:
    """The refined copy of a run's stepper and what it has measured so far."""

    stepper: "TimeStepper"
    layout: StackLayout | None  # the run's 1D layout (None: a triangle mesh)
    voltage_V: float = 0.0  # its right terminal's voltage under current control
    states: list[StateEstimate] = field(default_factory=list)
    surplus_V: np.ndarray | None = None  # largest hierarchical surplus per cell of the layout

    def checkpoint_entries(self) -> dict[str, Any]:
        """What a checkpoint keeps of the twin besides its state (JSON)."""
        return {"error_states": [s.as_dict() for s in self.states],
                "error_surplus_V": (self.surplus_V.tolist() if self.surplus_V is not None
                                    else None),
                "twin_voltage_V": self.voltage_V}

    def restore_from(self, meta: dict[str, Any], loaded_only: bool = False) -> None:
        """The estimates and voltage of a checkpoint (:meth:`checkpoint_entries`; the twin's
        state is loaded by the caller). ``loaded_only``: another run's checkpoint (start_from),
        whose last state becomes this run's state at t = 0."""
        self.states = [StateEstimate(s["time_s"], s["estimate_V"], s["largest_in"],
                                     s["largest_at_m"]) for s in meta["error_states"]]
        if loaded_only:
            self.states = [dataclasses.replace(self.states[-1], time_s=0.0)]
        surplus = meta.get("error_surplus_V")
        self.surplus_V = np.asarray(surplus, dtype=float) if surplus is not None else None
        self.voltage_V = meta.get("twin_voltage_V", 0.0)
        if isinstance(self.stepper.model, CellModel):
            self.stepper.set_right_voltage(self.voltage_V)
        self.stepper.update_work_functions()

    def close(self) -> None:
        """Free the twin's PETSc objects."""
        self.stepper.solver.close()

    def compare(self, run: "TimeStepper", time_s: float) -> StateEstimate:
        """eta(t) of the run's present state against the twin's (collective)."""
        vt = run.model.scales.thermal_voltage_V
        if self.layout is None:
            diff, region, x_m = compare_at_vertices(run.problem, self.stepper.problem, vt)
        else:
            diff, region, x_m, surplus = compare(profile_of(run.problem),
                                                 profile_of(self.stepper.problem),
                                                 self.layout, run.model)
            self.surplus_V = surplus if self.surplus_V is None else np.maximum(self.surplus_V,
                                                                               surplus)
        state = StateEstimate(time_s, 4.0 / 3.0 * diff, region, x_m)
        self.states.append(state)
        return state

    def worst(self) -> StateEstimate:
        """The state with the largest estimate."""
        return max(self.states, key=lambda s: s.estimate_V)

    def as_estimate(self, run: "TimeStepper") -> ErrorEstimate:
        """The worst state as an :class:`ErrorEstimate` of the run's mesh (its surplus: the
        largest of all states), for :func:`refined_layout` and :func:`failure_message`."""
        worst = self.worst()
        cells = run.problem.domain.num_cells_global()
        fine = self.stepper.problem.domain.num_cells_global()
        return ErrorEstimate(worst.estimate_V, 0.75 * worst.estimate_V, worst.region,
                             worst.x_m, cells, fine, 0,
                             self.surplus_V if self.surplus_V is not None else np.zeros(0))


def estimated(case: Case) -> bool:
    """Whether a transient or impedance study of ``case`` carries an estimate: not with
    ``mesh.error_control = "off"`` or on a mesh that is neither a layout nor triangles."""
    if case.mesh.error_control == "off":
        return False
    return case.geometry.type in ADAPTIVE_GEOMETRIES or case.geometry.type in REFINED_GEOMETRIES


def adaptive(case: Case) -> bool:
    """Whether the mesh of ``case`` is refined where its estimate is above the tolerance."""
    return case.mesh.error_control == "adapt" and case.geometry.type in ADAPTIVE_GEOMETRIES


def build_twin(case: Case, run: "TimeStepper", layout: StackLayout | None,
               build: BuildStepper, settings: Any) -> Twin:
    """The twin of ``run`` on the refined mesh, solved at t = 0 like the run (collective).

    Raises:
        DiscretisationError: the twin's t = 0 solve failed (``error.problem``: the run's).
    """
    comm = run.problem.domain.mesh.comm
    try:
        if layout is not None:
            twin = build(case, comm, settings, layout=layout.bisected())
        else:
            if run.problem.domain.mesh.topology.cell_type != dolfinx.mesh.CellType.triangle:
                raise ValueError("only triangle meshes are refined")
            twin = build(case, comm, settings, domain=refined_domain(run.problem.domain))
    except SolverError as exc:
        err = DiscretisationError(f"the error estimate's t = 0 solve on the refined mesh failed: "
                                  f"{exc}", exc.report)
        err.problem = run.problem
        raise err from None
    return Twin(twin, layout)


@dataclass
class ErrorControl:
    """The meshes of one transient or impedance study and their estimates."""

    case: Case
    comm: MPI.Comm
    layout: StackLayout | None
    history: list[dict[str, Any]] = field(default_factory=list)
    fixed: bool = False  # the mesh is not adapted (a run from another run's state)
    reason: str = ""  # why there is no estimate, where the case asks for one

    @classmethod
    def of(cls, case: Case, comm: MPI.Comm, layout: StackLayout | None = None
           ) -> "ErrorControl":
        """The error control of ``case`` starting on ``layout`` (default: the case's own)."""
        if layout is None and case.geometry.type in ADAPTIVE_GEOMETRIES:
            layout = stack_layout(mesh_plan(case), build_stack_model(case))
        return cls(case, comm, layout)

    @property
    def mode(self) -> str:
        """``mesh.error_control``."""
        return self.case.mesh.error_control

    @property
    def tolerance_V(self) -> float:
        """``mesh.error_tolerance_V``."""
        return self.case.mesh.error_tolerance_V

    def record(self, run: "TimeStepper", twin: Twin, stage: str) -> None:
        """One mesh's estimate in the history."""
        worst = twin.worst()
        self.history.append({"cells": run.problem.domain.num_cells_global(),
                             "fine_cells": twin.stepper.problem.domain.num_cells_global(),
                             "estimate_V": worst.estimate_V, "largest_in": worst.region,
                             "largest_at_m": worst.x_m, "stage": stage})

    def refine(self, run: "TimeStepper", twin: Twin, stage: str) -> bool:
        """Whether the run must start again on a refined layout (then ``self.layout`` is it):
        the worst estimate is above the tolerance in 'adapt' mode on a layout. Raises
        :class:`DiscretisationError` when no more adaptations are allowed."""
        worst = twin.worst()
        self.record(run, twin, stage)
        if worst.estimate_V <= self.tolerance_V or not adaptive(self.case) or self.fixed:
            return False
        estimate = twin.as_estimate(run)
        assert self.layout is not None  # adaptive(): a stack or layered_2d layout
        why = None
        if len(self.history) > self.case.mesh.max_adaptations:
            why = f"mesh.max_adaptations = {self.case.mesh.max_adaptations} allows no more"
        else:
            layout = refined_layout(self.layout, estimate, self.tolerance_V)
            rows = (self.case.geometry.lateral_cells if self.case.geometry.type == "layered_2d"
                    else 1)
            if layout.num_cells * rows > MAX_ADAPTIVE_CELLS:
                why = f"the next mesh would have {layout.num_cells * rows} cells"
        if why is not None:
            err = DiscretisationError(failure_message(self.case, [estimate], why), run.report)
            err.solution = postprocess_solution(self.case, run.model, run.problem.domain,
                                                run.problem, run.report, 0.0, False, str(err))
            self.attach(err.solution, twin)
            raise err
        log.info("%s: error estimate %.3g V at t = %.6g s on %d cells is above %g V: "
                 "refining to %d cells (%s)", self.case.name, worst.estimate_V, worst.time_s,
                 estimate.cells, self.tolerance_V, layout.num_cells, stage)
        self.layout = layout
        return True

    def attach_state(self, solution: "Solution", state: StateEstimate) -> None:
        """summary.json's error_control entry of an output state: its own estimate."""
        solution.error_control = {
            "mode": self.mode, "method": METHOD, "estimate_V": state.estimate_V,
            "tolerance_V": self.tolerance_V, "adaptations": len(self.history),
            "meshes": list(self.history), "states": [state.as_dict()]}

    def attach(self, solution: "Solution", twin: Twin | None, reason: str = "") -> None:
        """summary.json's error_control entry of a (final or output) state."""
        worst = twin.worst() if twin is not None and twin.states else None
        entry: dict[str, Any] = {
            "mode": self.mode, "method": METHOD if worst else "not estimated",
            "estimate_V": worst.estimate_V if worst else None,
            "tolerance_V": self.tolerance_V,
            "adaptations": max(len(self.history) - 1, 0), "meshes": list(self.history),
            "states": [s.as_dict() for s in twin.states] if twin is not None else []}
        if reason:
            entry["reason"] = reason
        solution.error_control = entry
        if worst is None and self.mode != "off":
            text = f"discretisation error not estimated: {reason}"
            log.warning("%s", text)
            solution.warnings.append(text)
        elif worst is not None and worst.estimate_V > self.tolerance_V:
            text = (f"discretisation error estimate {worst.estimate_V:.3g} V (t = "
                    f"{worst.time_s:.6g} s) is above mesh.error_tolerance_V = "
                    f"{self.tolerance_V:g} V (mesh.error_control = {self.mode!r})")
            log.warning("%s", text)
            solution.warnings.append(text)


def not_estimated_reason(case: Case, control: "ErrorControl | None" = None) -> str:
    """Why a study of ``case`` has no estimate (for summary.json)."""
    if control is not None and control.reason:
        return control.reason
    if case.mesh.error_control == "off":
        return "mesh.error_control = 'off'"
    return f"geometry.type = {case.geometry.type!r} has no refined mesh to compare with"


def start_pair(control: ErrorControl, build: BuildStepper, settings: Any,
               prepare: Callable[["TimeStepper"], None] = lambda s: None
               ) -> tuple["TimeStepper", Twin | None]:
    """The run's stepper at t = 0 on ``control.layout`` and its twin, the t = 0 state adapted
    first where the mode asks for it (collective). ``prepare`` brings each stepper to the state
    compared (an impedance study's relaxation; for a transient nothing)."""
    case = control.case
    while True:
        run = build(case, control.comm, settings, layout=control.layout)
        prepare(run)
        if not estimated(case) or control.reason:
            return run, None
        try:
            twin = build_twin(case, run, control.layout, build, settings)
            prepare(twin.stepper)
        except BaseException:
            run.solver.close()
            raise
        twin.compare(run, 0.0)
        try:
            again = control.refine(run, twin, "t = 0")
        except BaseException:
            twin.close()
            run.solver.close()
            raise
        if not again:
            control.history.pop()  # recorded again with the whole trajectory
            return run, twin
        twin.close()
        run.solver.close()
