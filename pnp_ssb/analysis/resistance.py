"""Interface resistances at a computed state (formulation.md, section 8), area-specific.

- Charge transfer, from the Butler–Volmer law linearised at the local state of each channel k:
  1/R_ct = sum_k di_k/deta = sum_k i0 (alpha_a f e^(alpha_a f eta_k) + alpha_c f e^(-alpha_c f eta_k)),
  f = e/kT; at eta = 0 this is kT/(e i0 (alpha_a + alpha_c)) per channel.
- Space charge, from the conductivity profile: R_scl = int (1/sigma(x) - 1/sigma_b) dx over the
  half of the electrolyte next to the interface, sigma(x) = (e^2/kT) sum_k z_k^2 D_k c_k(x)
  (1 - c_k/N_k)^m_k and sigma_b its neutral-bulk value.

The DC slope of the full model (a study): :mod:`pnp_ssb.studies.resistance`.
"""

import numpy as np

from pnp_ssb.analysis.postprocess import Profile1D
from pnp_ssb.constants import ELEMENTARY_CHARGE_C
from pnp_ssb.discretisation.forms import MOBILITY_FLOOR
from pnp_ssb.physics.model import RegionModel, StackModel

OHM_M2_TO_OHM_CM2 = 1e4


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
    for contact, kin in zip(solution.contacts,
                            solution.kinetics, strict=True):
        at_start = contact.key.endswith(f"|{contact.electrolyte}")
        r_scl = space_charge_resistance_ohm_m2(solution.profile, solution.model,
                                               contact.electrolyte, at_start)
        r_ct = local_charge_transfer_resistance_ohm_m2(contact, kin.channel_overpotential_V, vt)
        out[contact.key] = {"charge_transfer_ohm_cm2": r_ct * OHM_M2_TO_OHM_CM2,
                            "space_charge_ohm_cm2": r_scl * OHM_M2_TO_OHM_CM2}
    return out
