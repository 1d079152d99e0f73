"""A solved case and what post-processing computed from it (identical on every rank)."""

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pnp_ssb.analysis.charges import boundary_currents_A_m2, electrode_charges_C_m2, space_charge_C_m2
from pnp_ssb.analysis.kinetics import ContactKinetics, contact_kinetics, present_drives_V
from pnp_ssb.analysis.postprocess import LateralMap, Profile1D, gather_profile_1d, lateral_average
from pnp_ssb.analysis.space_charge import (
    SideMetrics,
    bicrystal_barrier,
    grain_boundary_metrics,
    layer_metrics_1d,
)
from pnp_ssb.discretisation.domain import Domain
from pnp_ssb.discretisation.forms import Problem
from pnp_ssb.discretisation.stack_mesh import StackLayout
from pnp_ssb.input.case import Case
from pnp_ssb.physics.contacts import ReactingContact
from pnp_ssb.physics.model import StackModel
from pnp_ssb.solvers.newton import NewtonSettings, SolveReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiBalance:
    """The Li of a cell state: the given and final site fractions of its insertion electrodes,
    the largest theta update of each re-solve (studies.steady.conserve_li; none in an OCV
    sweep, whose states are given as compositions), and the Li per area (mol/m^2) in the
    electrodes, in the electrolytes, and in all (analysis.inventory)."""

    given_li_fraction: dict[str, float]
    li_fraction: dict[str, float]
    theta_updates: list[float]
    electrodes_mol_m2: float
    electrolytes_mol_m2: float
    collectors_mol_m2: float = 0.0  # dissolved in lithiating collectors

    @property
    def inventory_mol_m2(self) -> float:
        """All the cell's Li per area (mol/m^2), Li metal reservoirs left out."""
        return self.electrodes_mol_m2 + self.electrolytes_mol_m2 + self.collectors_mol_m2


@dataclass(frozen=True)
class CurrentControl:
    """A steady state at an imposed current: the target (A/m^2), the terminal voltage found
    (V) and each (voltage_V, current_A_m2) evaluated on the way."""

    target_A_m2: float
    voltage_V: float
    iterations: list[dict[str, float]]


@dataclass(frozen=True)
class TransientRecord:
    """Where a transient ended (s), its steps and Newton iterations, its time-series rows, and
    the steps taken again for their local time error (study.time_error_tolerance_V)."""

    end_time_s: float
    steps: int
    newton_iterations: int
    rows: list[dict[str, Any]]
    rejected_steps: int = 0


@dataclass(frozen=True)
class ImpedanceRecord:
    """An impedance spectrum's headline numbers (ohm cm^2); the relative error estimate is
    4/3 max_f |Z_h - Z_h/2| / |Z_h/2| from the refined twin (None without one)."""

    frequencies: int
    num_dofs: int
    high_frequency_re_ohm_cm2: float
    low_frequency_re_ohm_cm2: float
    low_frequency_im_ohm_cm2: float
    relative_error_estimate: float | None
    seconds_per_frequency: float
    dc_bias: "DCBias | None" = None
    saved_state_time_s: float | None = None  # about a transient's saved state at this time


@dataclass(frozen=True)
class DCBias:
    """The DC operating point of an impedance spectrum: the terminal's shift from its t = 0
    value (V), the steady current through the cell (A/m^2, positive as a positive bias drives
    it), and the pseudo-transient steps that reached it."""

    bias_V: float
    current_A_m2: float
    relaxation_steps: int


@dataclass(frozen=True)
class CollectorRecord:
    """Li dissolved in lithiating collectors at a state (studies.collector_uptake): one row per
    node (x_m, region, depth_m, li_m3, activity, work_function_eV) and the summary entries."""

    rows: list[dict[str, Any]]
    summary: dict[str, Any]


@dataclass
class Solution:
    """A solved case with everything post-processing computed (identical on every rank).

    The optional results are set by the study that produced it: ``kinetics`` for each
    reacting contact (in ``contacts`` order), ``grain_boundaries`` (barrier reports by
    region), ``maps`` (2D), ``mesh_layout`` (the last 1D mesh solved), ``error_control``
    (summary.json's entry), and the records of current control, the Li balance, a transient
    or an impedance spectrum.
    """

    case: Case
    model: StackModel
    domain: Domain
    problem: Problem
    report: SolveReport
    profile: Profile1D
    layers: dict[str, list[SideMetrics]]
    electrode_charge_C_m2: dict[str, float]
    space_charge_C_m2: dict[str, float]
    current_density_A_m2: dict[str, float]
    num_dofs: int
    wall_time_s: float
    converged: bool = True
    failure: str = ""
    warnings: list[str] = field(default_factory=list)
    kinetics: list[ContactKinetics] = field(default_factory=list)
    grain_boundaries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    maps: tuple[LateralMap, ...] = ()
    mesh_layout: StackLayout | None = None
    error_control: dict[str, Any] | None = None
    current_control: CurrentControl | None = None
    li_balance: LiBalance | None = None
    transient: TransientRecord | None = None
    impedance: ImpedanceRecord | None = None
    time_s: float | None = None  # a transient's state: its time
    collector_li: CollectorRecord | None = None  # lithiating collectors (transients)

    @property
    def contacts(self) -> list[ReactingContact]:
        """The Butler–Volmer contacts (the problem's)."""
        return self.problem.contacts

    @property
    def num_ranks(self) -> int:
        """MPI ranks used."""
        return self.domain.mesh.comm.size

    def phi_V(self, x_m: np.ndarray, region: str | None = None) -> np.ndarray:
        """Potential (V) interpolated at points of a 1D run (within one region if given)."""
        segs = [self.profile.segment(region)] if region else self.profile.segments
        x = np.concatenate([s.x_m for s in segs])
        phi = np.concatenate([s.psi for s in segs]) * self.profile.thermal_voltage_V
        order = np.argsort(x, kind="stable")
        return np.interp(x_m, x[order], phi[order])


def newton_settings(case: Case) -> NewtonSettings:
    """The solver settings of a case."""
    s = case.solver
    return NewtonSettings(linear_solver=s.linear_solver, line_search=s.line_search,
                          max_iterations=s.max_iterations, step_tolerance=s.step_tolerance,
                          continuation_initial_step=s.continuation_initial_step,
                          continuation_min_step=s.continuation_min_step,
                          continuation_max_steps=s.continuation_max_steps,
                          krylov_rtol=s.krylov_rtol,
                          krylov_max_iterations=s.krylov_max_iterations)


def num_dofs(problem: Problem) -> int:
    return sum(u.function_space.dofmap.index_map.size_global for u in problem.unknowns)


def physics_warnings(profile: Profile1D, model: StackModel) -> list[str]:
    """Regimes where the chosen model is outside its validity (reported, not fatal)."""
    out = []
    for seg in profile.segments:
        region = model.region(seg.region)
        for sp in region.species:
            n_sites = sp.site_density * model.scales.concentration_m3
            c_max = float(np.max(seg.c_m3[sp.name]))
            if sp.statistics == "boltzmann" and c_max > n_sites:
                out.append(f"region {seg.region}: Boltzmann species {sp.name} reaches "
                           f"{c_max:.3g} m^-3, above its site density {n_sites:.3g} m^-3; "
                           "lattice_gas statistics are the physical model here")
    return out


def postprocess_solution(case, model, domain, problem, report, start, converged, failure) -> Solution:
    maps: tuple[LateralMap, ...] = ()
    if domain.dimension == 1:
        profile = gather_profile_1d(problem)
    else:
        profile, maps = lateral_average(problem, with_current=True)
    warnings = physics_warnings(profile, model)
    for text in warnings:
        log.warning("%s", text)
    contacts = problem.contacts
    gb = grain_boundary_metrics(profile, model, case.geometry)
    if case.geometry.type == "bicrystal":
        (key,) = model.grain_boundaries
        gb[key] = [bicrystal_barrier(problem, case.geometry)]
    kinetics = contact_kinetics(profile, contacts, problem.load, present_drives_V(problem, profile))
    return Solution(case=case, model=model, domain=domain, problem=problem, report=report,
                    profile=profile, layers=layer_metrics_1d(profile, model),
                    electrode_charge_C_m2=electrode_charges_C_m2(problem),
                    space_charge_C_m2=space_charge_C_m2(problem),
                    current_density_A_m2=boundary_currents_A_m2(problem),
                    num_dofs=num_dofs(problem), wall_time_s=time.perf_counter() - start,
                    converged=converged, failure=failure, warnings=warnings, kinetics=kinetics,
                    grain_boundaries=gb, maps=maps)


