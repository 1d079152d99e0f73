"""The DC resistance study (formulation.md, section 8), area-specific: the slope d(eta)/di at
vanishing current of the full model, per interface (charge transfer plus its space-charge share
of the electrolyte's drop) and for the whole cell, from two steady solves at +-0.1 mV about the
open-circuit state. The local R_ct and R_scl of one state: :mod:`pnp_ssb.analysis.resistance`.
"""

import logging
from dataclasses import dataclass

from pnp_ssb.analysis.kinetics import overpotential_split
from pnp_ssb.analysis.resistance import (  # noqa: F401  (re-exported for the study's users)
    OHM_M2_TO_OHM_CM2,
    bulk_conductivity_S_m,
    conductivity_S_m,
    contact_resistances,
    local_charge_transfer_resistance_ohm_m2,
    space_charge_resistance_ohm_m2,
)
from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.input.case import Case, case_to_dict
from pnp_ssb.physics.electrodes import cell_state, open_circuit_potential_V
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.steady import solve_case

log = logging.getLogger(__name__)

DC_PERTURBATION_V = 1e-4  # +- on the right terminal: linear response to ~V/(kT/e) = 0.4 %


@dataclass(frozen=True)
class DCResistances:
    """The resistances of a two-electrode cell at open circuit (Ohm cm^2)."""

    per_interface: dict[str, dict[str, float]]
    electrolyte_bulk_ohm_cm2: float
    total_ohm_cm2: float

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {"interfaces": self.per_interface,
                "electrolyte_bulk_ohm_cm2": self.electrolyte_bulk_ohm_cm2,
                "total_ohm_cm2": self.total_ohm_cm2}


def _steady_variant(case: Case, right_voltage_V: float, error_control: str | None = None) -> Case:
    data = case_to_dict(case)
    data["study"] = {"type": "steady_state"}
    if error_control is not None:
        data["mesh"]["error_control"] = error_control
    data["boundaries"]["right"] = {"type": "terminal", "voltage_V": right_voltage_V}
    return load_case(data)


def dc_resistances(case: Case, comm=None) -> DCResistances:
    """R_ct, R_scl and the DC slopes d(eta)/di of a two-electrode cell at open circuit.

    The cell is solved at steady state with the right terminal at its equilibrium voltage (zero
    current: the local state) and at +- DC_PERTURBATION_V; the slopes are central differences,
    taken on the mesh the base state's error control settled on (two meshes would differ by
    up to the error tolerance, as much as the perturbation).
    """
    comm = comm or MPI.COMM_WORLD
    state = cell_state(case)
    right = state.groups[-1].active
    if right is None:
        raise ValueError("dc_resistances needs an electrode that exchanges Li at the right")
    v_eq = open_circuit_potential_V(case.region_materials[right], state.li_fraction.get(right))
    assert v_eq is not None  # the Li-active member of a group exchanges Li, so has an OCV
    base = solve_case(_steady_variant(case, v_eq), comm)
    per = {k: dict(v) for k, v in contact_resistances(base).items()}
    runs = [solve_case(_steady_variant(case, v_eq + s * DC_PERTURBATION_V, "off"), comm,
                       layout=base.mesh_layout) for s in (1.0, -1.0)]

    def interface_overpotentials(sol) -> tuple[float, dict[str, float], float]:
        left = sol.kinetics[0]
        contacts = sol.contacts
        channel = max(left.channel_current_A_m2, key=lambda k: abs(left.channel_current_A_m2[k]))
        split = overpotential_split(sol.profile, sol.kinetics, channel,
                                    dict(contacts[0].channels)[channel])
        eta = {contacts[0].key: split["charge_transfer_left_V"] + split["space_charge_left_V"],
               contacts[1].key: split["charge_transfer_right_V"] + split["space_charge_right_V"]}
        return left.current_density_A_m2, eta, split["electrolyte_bulk_V"]

    (i_p, eta_p, bulk_p), (i_m, eta_m, bulk_m) = (interface_overpotentials(s) for s in runs)
    di = i_p - i_m
    # the current through the cell flows right to left when the right terminal rises: i < 0
    for key in per:
        per[key]["dc_slope_ohm_cm2"] = abs((eta_p[key] - eta_m[key]) / di) * OHM_M2_TO_OHM_CM2
    bulk = abs((bulk_p - bulk_m) / di) * OHM_M2_TO_OHM_CM2
    total = abs(2 * DC_PERTURBATION_V / di) * OHM_M2_TO_OHM_CM2
    return DCResistances(per, bulk, total)
