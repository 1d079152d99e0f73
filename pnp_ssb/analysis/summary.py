"""summary.json: convergence, cost, and per boundary, interface, region and cell the physics."""

import dataclasses
import platform
from importlib import metadata
from typing import Any

import numpy as np

from pnp_ssb._version import __version__
from pnp_ssb.analysis.kinetics import overpotential_split
from pnp_ssb.analysis.resistance import contact_resistances
from pnp_ssb.analysis.solution import Solution
from pnp_ssb.constants import AVOGADRO_MOL, ELEMENTARY_CHARGE_C
from pnp_ssb.discretisation.fem import PETSc, dolfinx
from pnp_ssb.physics.model import CellModel, StackModel


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
    cell = model.require_cell()
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
    model, cell = solution.model, solution.model.require_cell()
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
        }
        # a collector passes electrons to a mixed conductor, an electrode Li+ to an electrolyte
        moved = "electrons_to_conductor_mol_m2" if facing.is_mixed_conductor else (
            "li_transferred_mol_m2")
        contacts[key][moved] = -sigma / ELEMENTARY_CHARGE_C / AVOGADRO_MOL
    for kin, spec in zip(solution.kinetics, solution.contacts,
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

    for key, values in contact_resistances(solution).items():
        contacts.setdefault(key, {}).update({"resistance": values})
    out["contacts"] = contacts
    out.update(polarisation_summary(solution))
    if solution.current_control is not None:
        out["current_control"] = dataclasses.asdict(solution.current_control)
    if solution.li_balance is not None:
        out["li_balance"] = {**dataclasses.asdict(solution.li_balance),
                             "inventory_mol_m2": solution.li_balance.inventory_mol_m2}
    return out


def polarisation_summary(solution: Solution) -> dict[str, Any]:
    """Current and overpotential split of a two-contact cell under current (else empty)."""
    kinetics = solution.kinetics
    contacts = solution.contacts
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


def error_control_summary(solution: Solution) -> dict[str, Any]:
    """The discretisation-error estimate of phi (V) and how it was reached (pnp_ssb.studies.adapt):
    ``discretisation_error_estimate_V`` (null where not estimated), ``error_tolerance_V``,
    ``error_within_tolerance``, ``mesh_adaptations`` and the estimate of every mesh solved."""
    control = solution.error_control
    if control is None:
        reason = "the run stopped before an estimate"
        control = {"method": "not estimated", "estimate_V": None, "adaptations": 0,
                   "tolerance_V": solution.case.mesh.error_tolerance_V, "reason": reason}
    estimate = control["estimate_V"]
    return {"discretisation_error_estimate_V": estimate,
            "error_tolerance_V": control["tolerance_V"],
            # an "estimate"-mode run may report a state whose estimate exceeds the tolerance
            "error_within_tolerance": (None if estimate is None
                                       else bool(estimate <= control["tolerance_V"])),
            "mesh_adaptations": control["adaptations"],
            "error_control": control}


def boundaries_summary(solution: Solution) -> dict[str, Any]:
    """Each outer boundary: a conductor's terminal, or its condition with the electrode
    potential (V), the space-charge drop and width, the electrode charge (C/m^2), a Stern
    drop, and at steady state the current leaving (A/m^2)."""
    case, model = solution.case, solution.model
    vt = model.scales.thermal_voltage_V
    boundaries: dict[str, Any] = {}
    for side in ("left", "right"):
        if side not in solution.layers:  # a conductor's terminal
            region = model.regions[0 if side == "left" else -1].name
            boundaries[side] = {"type": "terminal", "region": region,
                                "fermi_voltage_V": model.require_cell().fermi_voltage_V[region]}
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
    return boundaries


def interfaces_summary(solution: Solution) -> dict[str, dict[str, Any]]:
    """Each internal interface: the space-charge drop (V) and width (m) on each side and, between
    two electrolytes, the bulk potential difference (V)."""
    interfaces: dict[str, dict[str, Any]] = {}
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
    return interfaces


def regions_summary(solution: Solution) -> dict[str, Any]:
    """Each region: material and kind; an electrolyte's bulk potential (V), Debye length (m)
    and space charge (C/m^2); a conductor's Fermi level and work function."""
    case, model = solution.case, solution.model
    vt = model.scales.thermal_voltage_V
    regions = {}
    for r in model.regions:
        entry: dict[str, Any] = {"material": case.region(r.name).material, "kind": r.kind}
        if r.is_electrolyte:
            entry.update({"bulk_potential_V": r.bulk_potential * vt,
                          "debye_length_m": model.debye_length_m(r.name),
                          "space_charge_C_m2": solution.space_charge_C_m2[r.name]})
        elif r.is_conductor:
            entry.update(conductor_entry(model, r.name))
        regions[r.name] = entry
    return regions


def solve_summary(solution: Solution) -> dict[str, Any]:
    """How the state was reached and what it cost: convergence, Newton and continuation, wall
    time (s), DOFs, cells and their sizes (m), ranks."""
    x_cells = np.diff(np.concatenate([s.x_m for s in solution.profile.segments]))
    x_cells = x_cells[x_cells > 0]
    report = solution.report
    return {
        "converged": solution.converged,
        "failure": solution.failure or None,
        "load_reached": report.load_reached,
        "newton_iterations": report.newton_iterations,
        "continuation_steps": report.converged_steps,
        "continuation_attempts": len(report.attempts),
        "residual_history": [a.residual_norms for a in report.attempts],
        "wall_time_s": solution.wall_time_s,
        "num_dofs": solution.num_dofs,
        "num_cells": solution.domain.num_cells_global(),
        "min_cell_m": float(x_cells.min()),
        "max_cell_m": float(x_cells.max()),
        "num_ranks": solution.num_ranks,
    }


def summary(solution: Solution) -> dict[str, Any]:
    """The content of summary.json (keys in this order)."""
    case = solution.case
    balance = sum(solution.electrode_charge_C_m2.values()) + sum(solution.space_charge_C_m2.values())
    return {
        "case": case.name,
        "study": case.study.type,
        **solve_summary(solution),
        **error_control_summary(solution),
        "temperature_K": case.temperature_K,
        "boundaries": boundaries_summary(solution),
        "interfaces": interfaces_summary(solution),
        "regions": regions_summary(solution),
        **({"impedance": dataclasses.asdict(solution.impedance)} if solution.impedance else {}),
        **({"grain_boundaries": solution.grain_boundaries} if solution.grain_boundaries
           else {}),
        **({"cell": cell_summary(solution)} if isinstance(solution.model, CellModel) else {}),
        **({"collector_lithiation": solution.collector_li.summary} if solution.collector_li
           else {}),
        "charge_balance_C_m2": balance,
        "warnings": solution.warnings,
        "versions": package_versions(),
    }


