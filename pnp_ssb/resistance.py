"""Interface resistances at a computed state (formulation.md, section 8), area-specific.

- Charge transfer, from the Butler–Volmer law linearised at the local state of each channel k:
  1/R_ct = sum_k di_k/deta = sum_k i0 (alpha_a f e^(alpha_a f eta_k) + alpha_c f e^(-alpha_c f eta_k)),
  f = e/kT; at eta = 0 this is kT/(e i0 (alpha_a + alpha_c)) per channel.
- Space charge, from the conductivity profile: R_scl = int (1/sigma(x) - 1/sigma_b) dx over the
  half of the electrolyte next to the interface, sigma(x) = (e^2/kT) sum_k z_k^2 D_k c_k(x)
  (1 - c_k/N_k)^m_k and sigma_b its neutral-bulk value.
- The DC slope d(eta)/di at vanishing current of the full model, per interface (charge transfer
  plus its space-charge share of the electrolyte's drop) and for the whole cell, from two
  steady solves at +-0.1 mV about the open-circuit state.
"""

import logging
from dataclasses import dataclass

import numpy as np

from pnp_ssb.case import Case, load_case
from pnp_ssb.constants import ELEMENTARY_CHARGE_C
from pnp_ssb.forms import MOBILITY_FLOOR
from pnp_ssb.model import RegionModel, StackModel
from pnp_ssb.postprocess import Profile1D

log = logging.getLogger(__name__)

OHM_M2_TO_OHM_CM2 = 1e4
DC_PERTURBATION_V = 1e-4  # +- on the right terminal: linear response to ~V/(kT/e) = 0.4 %


def conductivity_S_m(region: RegionModel, model: StackModel, c_m3: dict[str, np.ndarray]
                     ) -> np.ndarray:
    """sigma = (e^2/kT) sum_k z_k^2 D_k c_k (1 - c_k/N_k)^m_k (S/m) at the given concentrations."""
    vt = model.scales.thermal_voltage_V
    total: float | np.ndarray = 0.0
    for sp in region.species:
        c = np.asarray(c_m3[sp.name], dtype=float)
        n_sites = sp.site_density * model.scales.concentration_m3
        blocking = (1.0 - c / n_sites) ** sp.mobility_exponent
        total = total + ELEMENTARY_CHARGE_C / vt * sp.charge**2 * sp.diffusivity_m2_s * c * blocking
    return np.asarray(total)


def bulk_conductivity_S_m(region: RegionModel, model: StackModel) -> float:
    """sigma_b of the neutral bulk (S/m)."""
    bulk = {sp.name: np.array([sp.bulk_concentration * model.scales.concentration_m3])
            for sp in region.species}
    return float(conductivity_S_m(region, model, bulk)[0])


def space_charge_resistance_ohm_m2(profile: Profile1D, model: StackModel, region_name: str,
                                   at_start: bool) -> float:
    """R_scl = int (1/sigma - 1/sigma_b) dx over the half of ``region_name`` at its start (left)
    or end (right) (Ohm m^2). Positive for a depleted layer, negative for an accumulated one."""
    region = model.region(region_name)
    seg = profile.segment(region_name)
    sigma_b = bulk_conductivity_S_m(region, model)
    # the model's own mobility floor: a fully depleted layer (c ~ e^-60 c_b) is reported as
    # 1e-10 of the bulk conductivity, i.e. effectively blocking, instead of infinity
    sigma = np.maximum(conductivity_S_m(region, model, seg.c_m3), MOBILITY_FLOOR * sigma_b)
    x = seg.x_m
    mid = 0.5 * (x[0] + x[-1])
    half = x <= mid if at_start else x >= mid
    integrand = 1.0 / sigma[half] - 1.0 / sigma_b
    return float(np.trapezoid(integrand, x[half]))


def local_charge_transfer_resistance_ohm_m2(contact, overpotential_V: dict[str, float],
                                            vt: float) -> float:
    """1 / sum_k di_k/deta at each channel's overpotential (Ohm m^2)."""
    f = 1.0 / vt
    slope = 0.0
    for name, _ in contact.channels:
        eta = overpotential_V.get(name, 0.0)
        slope += contact.exchange_current_density_A_m2 * (
            contact.alpha_anodic * f * np.exp(contact.alpha_anodic * f * eta)
            + contact.alpha_cathodic * f * np.exp(-contact.alpha_cathodic * f * eta))
    return float(1.0 / slope)


def contact_resistances(solution) -> dict[str, dict[str, float]]:
    """R_ct (local) and R_scl of every reacting contact of a steady or equilibrium solution
    (Ohm cm^2)."""
    out = {}
    vt = solution.model.scales.thermal_voltage_V
    for contact, kin in zip(solution.extra.get("contacts", []),
                            solution.extra.get("kinetics", []), strict=True):
        at_start = contact.key.endswith(f"|{contact.electrolyte}")
        r_scl = space_charge_resistance_ohm_m2(solution.profile, solution.model,
                                               contact.electrolyte, at_start)
        r_ct = local_charge_transfer_resistance_ohm_m2(contact, kin.channel_overpotential_V, vt)
        out[contact.key] = {"charge_transfer_ohm_cm2": r_ct * OHM_M2_TO_OHM_CM2,
                            "space_charge_ohm_cm2": r_scl * OHM_M2_TO_OHM_CM2}
    return out


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
    from pnp_ssb.case import case_to_dict

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
    from pnp_ssb.electrodes import cell_state, open_circuit_potential_V
    from pnp_ssb.fem import MPI
    from pnp_ssb.run import solve_case

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
                       layout=base.extra.get("mesh_layout")) for s in (1.0, -1.0)]

    def interface_overpotentials(sol) -> tuple[float, dict[str, float], float]:
        from pnp_ssb.postprocess import overpotential_split

        left = sol.extra["kinetics"][0]
        contacts = sol.extra["contacts"]
        channel = max(left.channel_current_A_m2, key=lambda k: abs(left.channel_current_A_m2[k]))
        split = overpotential_split(sol.profile, sol.extra["kinetics"], channel,
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
