"""The orchestrator: case -> model -> mesh -> forms -> solver -> post-processing -> outputs."""

import logging
import platform
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from pnp_ssb import __version__
from pnp_ssb.case import Case, case_to_dict
from pnp_ssb.constants import AVOGADRO_MOL, ELEMENTARY_CHARGE_C
from pnp_ssb.electrodes import ChargeState
from pnp_ssb.fem import MPI, PETSc, dolfinx
from pnp_ssb.forms import Problem, build_problem, concentration_ufl, reacting_contacts
from pnp_ssb.mesh import Domain, stack_domain
from pnp_ssb.model import StackModel, build_stack_model
from pnp_ssb.output import plot_band_diagram, plot_profiles, write_json, write_profiles_csv, write_text_atomic
from pnp_ssb.postprocess import (
    Profile1D,
    SideMetrics,
    boundary_currents_A_m2,
    contact_kinetics,
    electrode_charges_C_m2,
    gather_profile_1d,
    layer_metrics_1d,
    overpotential_split,
    space_charge_C_m2,
)
from pnp_ssb.rootfind import RootNotFoundError, monotone_root
from pnp_ssb.solver import (
    NewtonSettings,
    NewtonSolver,
    SolveReport,
    SolverError,
    solve_with_continuation,
)
from pnp_ssb.tomlio import dumps_toml

log = logging.getLogger(__name__)


@dataclass
class Solution:
    """A solved case with everything post-processing computed (identical on every rank)."""

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
    extra: dict[str, Any] = field(default_factory=dict)

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
                          continuation_max_steps=s.continuation_max_steps)


def _num_dofs(problem: Problem) -> int:
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


def _postprocess(case, model, domain, problem, report, start, converged, failure) -> Solution:
    profile = gather_profile_1d(problem)
    warnings = physics_warnings(profile, model)
    for text in warnings:
        log.warning("%s", text)
    contacts = reacting_contacts(case, model)
    extra = {"warnings": warnings, "contacts": contacts,
             "kinetics": contact_kinetics(profile, contacts, problem.load)}
    return Solution(case=case, model=model, domain=domain, problem=problem, report=report,
                    profile=profile, layers=layer_metrics_1d(profile, model),
                    electrode_charge_C_m2=electrode_charges_C_m2(problem),
                    space_charge_C_m2=space_charge_C_m2(problem),
                    current_density_A_m2=boundary_currents_A_m2(problem),
                    num_dofs=_num_dofs(problem), wall_time_s=time.perf_counter() - start,
                    converged=converged, failure=failure, extra=extra)


def solve_case(case: Case, comm: MPI.Comm = MPI.COMM_WORLD,
               state: ChargeState | None = None) -> Solution:
    """Mesh, solve with continuation and post-process a validated case (collective).

    In an equilibrium study with insertion electrodes, the Li that the space-charge layers take
    from each electrode is given back to the Li balance (:func:`conserve_li`).

    Args:
        state: a state of charge (compositions, imposed terminal voltages) replacing the case's.

    Raises:
        SolverError: Newton failed; ``error.solution`` then holds the last good state.
    """
    start = time.perf_counter()
    li = dict(state.li_fraction) if state else None
    volts = dict(state.terminal_voltage_V) if state else None
    model = build_stack_model(case, li, volts)
    domain = stack_domain(case, model, comm)
    if case.study.current_density_A_m2 is not None:
        return solve_current_control(case, model, domain, start)
    solution = _solve_model(case, model, domain, start)
    if case.study.type == "equilibrium" and model.cell is not None:
        solution = conserve_li(case, solution, start)
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
    target = case.study.current_density_A_m2
    from pnp_ssb.electrodes import open_circuit_potential_V

    right_group = model.cell.groups[-1]
    region = right_group.regions[0]
    active = right_group.active
    v_eq = (open_circuit_potential_V(case.region_materials[active],
                                     model.cell.li_fraction.get(active)) if active
            else model.cell.fermi_voltage_V[region])

    def current_at(v: float) -> tuple[float, Solution]:
        m = build_stack_model(case, None, {region: v})
        sol = _solve_model(case, m, domain, start)
        return sol.extra["kinetics"][0].current_density_A_m2 - target, sol

    solutions: list[Solution] = []

    def mismatch(v: float) -> float:
        m = build_stack_model(case, None, {region: v})
        solutions.append(_solve_model(case, m, domain, start))
        return solutions[-1].extra["kinetics"][0].current_density_A_m2 - target

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
    sol.extra["current_control"] = {"target_A_m2": target, "voltage_V": b,
                                    "iterations": [{"voltage_V": v, "current_A_m2": i}
                                                   for v, i in history]}
    log.info("current control: %g A/m^2 at %.6f V (%d solves)", target, b, len(history))
    return sol


LI_BALANCE_TOLERANCE = 1e-13  # in theta; far below any OCV-table resolution
LI_BALANCE_MAX_ITERATIONS = 10


def conserve_li(case: Case, solution: Solution, start: float) -> Solution:
    """Re-solve until each insertion electrode holds its given Li minus what it gave the
    electrolyte: theta_k = theta_k,0 + sigma_k / (e N_k L_k), sigma_k the electrode's contact
    charge (C/m^2), N_k L_k its Li sites per area. Each electrode keeps the electrons of the Li+
    it gave, so sigma_k/e is exactly the Li it lost (fixed-point iteration, converges in a few
    steps because the shift is ~1e-5)."""
    from pnp_ssb.electrodes import li_sites_per_m2

    cell = solution.model.cell
    given = {k: v for k, v in cell.li_fraction.items() if v > 0.0}
    if not given:
        return solution
    sites = {k: li_sites_per_m2(case, k) for k in given}
    history = []
    for _ in range(LI_BALANCE_MAX_ITERATIONS):
        sigma = contact_charge_by_conductor(solution)
        theta = {k: v + sigma.get(k, 0.0) / ELEMENTARY_CHARGE_C / sites[k] for k, v in given.items()}
        change = max(abs(theta[k] - solution.model.cell.li_fraction[k]) for k in given)
        history.append(change)
        if change < LI_BALANCE_TOLERANCE:
            break
        model = build_stack_model(case, {**cell.li_fraction, **theta})
        solution = _solve_model(case, model, solution.domain, start)
    solution.extra["li_balance"] = {"given_li_fraction": given,
                                    "li_fraction": dict(solution.model.cell.li_fraction),
                                    "theta_updates": history}
    log.info("Li balance: %d re-solves, last theta update %.1e", len(history) - 1, history[-1])
    return solution


def contact_charge_by_conductor(solution: Solution) -> dict[str, float]:
    """Charge (C/m^2) on each conductor's contacts with non-conductors."""
    out: dict[str, float] = {}
    for key, sigma in solution.electrode_charge_C_m2.items():
        if "|" in key:
            a, b = key.split("|")
            conductor = a if solution.model.region(a).is_conductor else b
            out[conductor] = out.get(conductor, 0.0) + sigma
    return out


def _solve_model(case: Case, model: StackModel, domain: Domain, start: float) -> Solution:
    comm = domain.mesh.comm
    problem = build_problem(case, domain, model)
    solver = NewtonSolver(problem.residuals, problem.unknowns, problem.bcs, problem.entity_maps,
                          newton_settings(case))
    log.info("case %s: %d cells, %d unknowns, %d rank(s)", case.name, domain.num_cells_global(),
             _num_dofs(problem), comm.size)
    try:
        report = solve_with_continuation(solver, problem.set_load, label=f"{case.name}: load")
    except SolverError as exc:
        exc.solution = _postprocess(case, model, domain, problem, exc.report, start, False,
                                    str(exc))
        raise
    solution = _postprocess(case, model, domain, problem, report, start, True, "")
    log.info("case %s: converged in %d Newton iterations (%d continuation steps), %.2f s",
             case.name, report.newton_iterations, report.converged_steps, solution.wall_time_s)
    return solution


def package_versions() -> dict[str, str]:
    """Versions of the packages a result depends on."""
    out = {"pnp_ssb": __version__, "python": platform.python_version(),
           "dolfinx": dolfinx.__version__,
           "petsc": ".".join(str(v) for v in PETSc.Sys.getVersion())}
    for dist in ("numpy", "fenics-ufl", "fenics-basix", "fenics-ffcx", "mpi4py", "pydantic"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def conductor_entry(model: StackModel, region: str) -> dict[str, Any]:
    """A conductor's Fermi level, work function, composition and potential (gauge: mu~_Li+ = 0)."""
    cell = model.cell
    out: dict[str, Any] = {"fermi_voltage_V": cell.fermi_voltage_V[region],
                           "work_function_eV": cell.work_function_eV[region],
                           "potential_V": cell.vacuum_potential_V(region)}
    if region in cell.li_fraction:
        out["li_fraction"] = cell.li_fraction[region]
    return out


def _mean_theta(solution: Solution, region: str, uniform: float) -> float:
    """A resolved electrode's mean Li fraction (transients), else its uniform value."""
    seg = solution.profile.segment(region)
    if seg.theta is None:
        return uniform
    return float(np.trapezoid(seg.theta, seg.x_m) / (seg.x_m[-1] - seg.x_m[0]))


def cell_summary(solution: Solution) -> dict[str, Any]:
    """Terminal voltages, OCV and every conductor contact of a cell.

    A contact's total drop is phi(conductor) - phi(bulk of the electrolyte it faces); it splits
    into the dipole step, any dielectric gap and the electrolyte's space-charge drop. The Li
    transferred into the electrolyte per area is -sigma/e, sigma the conductor's charge.
    """
    model, cell = solution.model, solution.model.cell
    vt = model.scales.thermal_voltage_V
    active = [g.active for g in cell.groups if g.active]
    out: dict[str, Any] = {"ground": cell.ground,
                           "terminal_voltages_V": cell.terminal_voltages_V(),
                           "reference_work_function_eV": cell.reference_work_function_eV,
                           "li_fraction": {k: _mean_theta(solution, k, v)
                                           for k, v in cell.li_fraction.items()}}
    if len(active) == 2:
        volts = sorted(cell.fermi_voltage_V[k] for k in active)
        out["ocv_V"] = volts[1] - volts[0]
    groups = [g for g in cell.groups]
    if len(groups) == 2:
        out["cell_voltage_V"] = (cell.fermi_voltage_V[groups[-1].regions[0]]
                                 - cell.fermi_voltage_V[groups[0].regions[0]])
    contacts = {}
    names = [r.name for r in model.regions]
    for key, sigma in solution.electrode_charge_C_m2.items():
        if "|" not in key:
            continue
        a, b = key.split("|")
        conductor, step = (a, 1) if model.region(a).is_conductor else (b, -1)
        j = names.index(conductor) + step
        while model.regions[j].kind == "dielectric":
            j += step
        facing = model.regions[j]
        contacts[key] = {
            "conductor": conductor, "electrolyte": facing.name,
            "drop_to_bulk_V": cell.vacuum_potential_V(conductor) - facing.bulk_potential * vt,
            "dipole_V": model.dipoles.get(key, 0.0) * vt,
            "electrode_charge_C_m2": sigma,
            "li_transferred_mol_m2": -sigma / ELEMENTARY_CHARGE_C / AVOGADRO_MOL,
        }
    for kin, spec in zip(solution.extra.get("kinetics", []), solution.extra.get("contacts", []),
                         strict=True):
        contacts.setdefault(kin.key, {"conductor": spec.conductor,
                                      "electrolyte": spec.electrolyte}).update({
            "current_density_A_m2": kin.current_density_A_m2,
            "channel_current_A_m2": kin.channel_current_A_m2,
            "overpotential_V": kin.channel_overpotential_V,
            "exchange_current_density_A_m2": spec.exchange_current_density_A_m2,
            "charge_transfer_resistance_ohm_m2": vt / (
                spec.exchange_current_density_A_m2 * (spec.alpha_anodic + spec.alpha_cathodic)
                * len(spec.channels))})
    out["contacts"] = contacts
    out.update(polarisation_summary(solution))
    if "current_control" in solution.extra:
        out["current_control"] = solution.extra["current_control"]
    if "li_balance" in solution.extra:
        out["li_balance"] = solution.extra["li_balance"]
    return out


def polarisation_summary(solution: Solution) -> dict[str, Any]:
    """Current and overpotential split of a two-contact cell under current (else empty)."""
    kinetics = solution.extra.get("kinetics", [])
    contacts = solution.extra.get("contacts", [])
    if len(kinetics) != 2:
        return {}
    left = kinetics[0]
    channel = max(left.channel_current_A_m2, key=lambda k: abs(left.channel_current_A_m2[k]))
    stoich = dict(contacts[0].channels)[channel]
    load = solution.problem.load
    polarisation = load * (contacts[1].driving_V - contacts[0].driving_V)
    return {"current_density_A_m2": left.current_density_A_m2,
            "polarisation_V": polarisation,
            "overpotential_split_V": {"channel": channel, **overpotential_split(
                solution.profile, kinetics, channel, stoich)}}


def summary(solution: Solution) -> dict[str, Any]:
    """The content of summary.json."""
    case, model = solution.case, solution.model
    vt = model.scales.thermal_voltage_V
    x_cells = np.diff(np.concatenate([s.x_m for s in solution.profile.segments]))
    x_cells = x_cells[x_cells > 0]
    boundaries = {}
    for side in ("left", "right"):
        if side not in solution.layers:  # a conductor's terminal
            region = model.regions[0 if side == "left" else -1].name
            boundaries[side] = {"type": "terminal", "region": region,
                                "fermi_voltage_V": model.cell.fermi_voltage_V[region]}
            continue
        bc = case.boundaries[side]
        layer = solution.layers[side][0]
        entry: dict[str, Any] = {
            "type": bc.type,
            "region": layer.region,
            "electrode_potential_V": float(solution.problem.electrode_potential[side].value) * vt,
            "space_charge_drop_V": layer.drop_V,
            "space_charge_width_m": layer.width_m,
            "electrode_charge_C_m2": solution.electrode_charge_C_m2[side],
        }
        if side in solution.problem.stern_capacitance:
            seg = solution.profile.segment(layer.region)
            phi_plane = (seg.psi[0] if side == "left" else seg.psi[-1]) * vt
            entry["stern_capacitance_F_m2"] = solution.problem.stern_capacitance[side]
            entry["stern_drop_V"] = entry["electrode_potential_V"] - float(phi_plane)
        if case.study.type == "steady_state":
            entry["current_density_out_A_m2"] = solution.current_density_A_m2[side]
        boundaries[side] = entry
    interfaces = {}
    for name, sides in solution.layers.items():
        if "|" in name and len(sides) == 1:  # a conductor contact: see cell.contacts
            interfaces[name] = {"sides": {s.region: {"space_charge_drop_V": s.drop_V,
                                                     "space_charge_width_m": s.width_m}
                                          for s in sides}}
        elif "|" in name:
            interfaces[name] = {
                # phi_n(B) - phi_n(A) at the interface: the sum of both layers' drops
                "bulk_potential_difference_V": sides[0].drop_V - sides[1].drop_V,
                "sides": {s.region: {"space_charge_drop_V": s.drop_V,
                                     "space_charge_width_m": s.width_m} for s in sides}}
    regions = {}
    for r in model.regions:
        entry = {"material": case.region(r.name).material, "kind": r.kind}
        if r.is_electrolyte:
            entry.update({"bulk_potential_V": r.bulk_potential * vt,
                          "debye_length_m": model.debye_length_m(r.name),
                          "space_charge_C_m2": solution.space_charge_C_m2[r.name]})
        elif r.is_conductor:
            entry.update(conductor_entry(model, r.name))
        regions[r.name] = entry
    balance = sum(solution.electrode_charge_C_m2.values()) + sum(solution.space_charge_C_m2.values())
    return {
        "case": case.name,
        "study": case.study.type,
        "converged": solution.converged,
        "failure": solution.failure or None,
        "load_reached": solution.report.load_reached,
        "newton_iterations": solution.report.newton_iterations,
        "continuation_steps": solution.report.converged_steps,
        "continuation_attempts": len(solution.report.attempts),
        "residual_history": [a.residual_norms for a in solution.report.attempts],
        "wall_time_s": solution.wall_time_s,
        "num_dofs": solution.num_dofs,
        "num_cells": solution.domain.num_cells_global(),
        "min_cell_m": float(x_cells.min()),
        "max_cell_m": float(x_cells.max()),
        "num_ranks": solution.num_ranks,
        "temperature_K": case.temperature_K,
        "boundaries": boundaries,
        "interfaces": interfaces,
        "regions": regions,
        **({"cell": cell_summary(solution)} if model.cell else {}),
        "charge_balance_C_m2": balance,
        "warnings": solution.extra.get("warnings", []),
        "versions": package_versions(),
    }


def _write_fields(solution: Solution, outdir: Path) -> None:
    fmt = solution.case.output.fields
    if fmt == "none":
        return
    problem, model = solution.problem, solution.model
    msh = solution.domain.mesh
    vt = model.scales.thermal_voltage_V
    family = ("Discontinuous Lagrange", 1) if fmt == "vtx" else ("Lagrange", 1)
    V = dolfinx.fem.functionspace(msh, family)
    phi = dolfinx.fem.Function(V, name="phi_V")
    phi.interpolate(dolfinx.fem.Expression(problem.psi * vt, V.element.interpolation_points))
    out = [phi]
    w_parent = _species_on_parent(solution)
    for name in model.species_names:
        c = dolfinx.fem.Function(V, name=f"c_{name}_m3")
        for region in model.regions:
            sp = next((s for s in region.species if s.name == name), None)
            if sp is None:
                continue
            expr = concentration_ufl(sp, problem.psi, w_parent.get(name, 0.0),
                                     problem.bulk_potential[region.name])
            c.interpolate(dolfinx.fem.Expression(expr * model.scales.concentration_m3,
                                                 V.element.interpolation_points),
                          cells0=solution.domain.region_cells(region.name))
        out.append(c)
    if fmt == "vtx":
        with dolfinx.io.VTXWriter(msh.comm, outdir / "fields.bp", out, engine="BP4") as writer:
            writer.write(0.0)
    else:
        with dolfinx.io.XDMFFile(msh.comm, outdir / "fields.xdmf", "w") as xdmf:
            xdmf.write_mesh(msh)
            for f in out:
                xdmf.write_function(f)


def _species_on_parent(solution: Solution) -> dict[str, dolfinx.fem.Function]:
    """Copies of the submesh fields w_k on the parent mesh (zero outside their regions)."""
    problem = solution.problem
    V = problem.psi.function_space
    out = {}
    species_maps = problem.entity_maps[:len(problem.species_fields)]  # electrodes' maps follow
    for (name, w), emap in zip(problem.species_fields.items(), species_maps, strict=True):
        parent_cells = emap.sub_topology_to_topology(
            np.arange(emap.sub_topology.index_map(emap.dim).size_local
                      + emap.sub_topology.index_map(emap.dim).num_ghosts, dtype=np.int32), False)
        copy = dolfinx.fem.Function(V)
        copy.interpolate(w, cells0=np.arange(parent_cells.size, dtype=np.int32),
                         cells1=parent_cells)
        out[name] = copy
    return out


def write_outputs(solution: Solution, outdir: str | Path) -> Path:
    """Write every output of a run into ``outdir`` (collective; scalar files on rank 0)."""
    outdir = Path(outdir)
    comm = solution.domain.mesh.comm
    if comm.rank == 0:
        outdir.mkdir(parents=True, exist_ok=True)
    comm.barrier()
    _write_fields(solution, outdir)
    if comm.rank == 0:
        from pnp_ssb import materials as matdb

        data = summary(solution)
        cell = solution.model.cell
        write_profiles_csv(outdir / "profiles.csv", solution.profile,
                           cell.li_fraction if cell else None)
        write_text_atomic(outdir / "case.resolved.toml",
                          dumps_toml(resolved_case_dict(solution.case)))
        write_text_atomic(outdir / "citations.bib",
                          matdb.bibtex_entries(solution.case.citation_keys()))
        if solution.case.output.figures:
            marks: dict[str, float] = {}
            x_end = sum(r.thickness_m for r in solution.case.regions)
            x = 0.0
            for i, region in enumerate(solution.case.regions):
                if i:
                    name = f"{solution.case.regions[i - 1].name}|{region.name}"
                    marks[name] = x
                    marks[name + ":width"] = max((s.width_m for s in solution.layers.get(name, [])),
                                                 default=0.0)
                x += region.thickness_m
            for side, xs in (("left", 0.0), ("right", x_end)):
                marks[side] = xs
                if side in solution.layers:
                    marks[side + ":width"] = solution.layers[side][0].width_m
            stern_points = {(0.0 if side == "left" else x_end):
                            data["boundaries"][side]["electrode_potential_V"]
                            for side in solution.problem.stern_capacitance}
            plot_profiles(outdir, solution.profile, marks, stern_points)
            if cell is not None:
                from pnp_ssb.bands import band_lines

                plot_band_diagram(outdir, band_lines(solution.case, solution.profile, cell,
                                                     cell.reference_work_function_eV), marks)
        write_json(outdir / "summary.json", data)  # last: its presence marks a complete run
    comm.barrier()
    return outdir


def _quantity_dict(q) -> Any:
    if q.status == "case":
        return q.value
    out: dict[str, Any] = {"value": q.value, "unit": q.unit}
    if q.sources:
        out["source"] = list(q.sources)
    if q.status != "sourced":
        out["status"] = q.status
        out["reason"] = q.reason
    if q.note:
        out["note"] = q.note
    return out


def material_as_case_dict(material) -> dict[str, Any]:
    """A resolved material in the database format (values in SI, provenance kept)."""
    species = {}
    for name, sp in material.species.items():
        species[name] = {"charge": sp.charge, "li_stoichiometry": sp.li_stoichiometry,
                         "statistics": sp.statistics, "mobility_exponent": sp.mobility_exponent,
                         "site_density_m3": _quantity_dict(sp.site_density_m3),
                         "bulk_concentration_m3": _quantity_dict(sp.bulk_concentration_m3),
                         "diffusivity_m2_s": _quantity_dict(sp.diffusivity_m2_s)}
    tables = {}
    for name, t in material.tables.items():
        tables[name] = {"theta": list(t.theta), "value": list(t.value),
                        **{k: v for k, v in _quantity_dict(t).items() if k != "value"}}
    out: dict[str, Any] = {"kind": material.kind, "description": material.description,
                           "parameters": {k: _quantity_dict(q)
                                          for k, q in material.parameters.items()},
                           "species": species}
    if tables:
        out["tables"] = tables
    return out


def resolved_case_dict(case: Case) -> dict[str, Any]:
    """The case with defaults filled in and each region's material written inline, so that
    case.resolved.toml reruns the same problem whatever later happens to the database."""
    data = case_to_dict(case)
    data["materials"] = {}
    for region in data["regions"]:
        key = f"{region['name']}_material"
        data["materials"][key] = material_as_case_dict(case.region_materials[region["name"]])
        region["material"] = key
        region["overrides"] = {}
    return data


def run_case(case: Case, outdir: str | Path, comm: MPI.Comm = MPI.COMM_WORLD) -> Solution:
    """Solve a case and write its outputs. On a solver failure, the last good state is written
    to ``outdir/last_good`` with the failure report in its summary.json, then the error is raised.
    An ``ocv_sweep`` study runs :func:`run_sweep` and returns its last state."""
    if case.study.type == "ocv_sweep":
        return run_sweep(case, outdir, comm)[-1]
    if case.study.type == "transient":
        from pnp_ssb.transient import run_transient

        return run_transient(case, outdir, comm)
    try:
        solution = solve_case(case, comm)
    except SolverError as exc:
        write_outputs(exc.solution, Path(outdir) / "last_good")
        raise
    write_outputs(solution, outdir)
    return solution


def state_dirname(ocv_V: float) -> str:
    """Output folder of one sweep state, e.g. ocv_3.750V."""
    return f"ocv_{ocv_V:.3f}V"


SWEEP_COLUMNS = ("ocv_V", "regime", "newton_iterations", "wall_time_s")


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


__all__ = ["Solution", "run_case", "solve_case", "summary"]
