"""Bulk transport: Nernst–Einstein conductivity and ohmic current.

Conventions and model: :mod:`pnp_ssb.analytic`."""

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from pnp_ssb.analytic.poisson_boltzmann import _E, _KB, FloatArray, SpeciesSpec, thermal_voltage_V

# ----------------------------------------------------------------------------------------------
# Bulk transport
# ----------------------------------------------------------------------------------------------

def nernst_einstein_conductivity_S_m(species: Sequence[SpeciesSpec], temperature_K: float,
                                     diffusivities_m2_s: Sequence[float], *,
                                     mobility_exponents: Sequence[int] | None = None) -> float:
    """Bulk ionic conductivity sigma = (e^2/kT) sum_k z_k^2 D_k c_b,k (1 - theta_k)^m_k (S/m).

    From the flux law J_k = -(D_k c_k/kT)(1 - c_k/N_k)^m_k grad(mu~_k) with grad(mu~_k) =
    z_k e grad(phi) in a uniform bulk. theta_k = c_b,k/N_k for lattice-gas species (0 for
    Boltzmann); m_k = 0 (default) gives the plain Nernst–Einstein sum.

    Args:
        species: The species.
        temperature_K: Temperature T (K).
        diffusivities_m2_s: D_k (m^2/s), one per species.
        mobility_exponents: m_k (0 or 1), one per species; default all 0.
    """
    kT = _KB * temperature_K
    exps = [0] * len(species) if mobility_exponents is None else list(mobility_exponents)
    return _E**2 / kT * sum(
        sp.charge**2 * d * sp.bulk_concentration_m3 * (1.0 - sp.occupancy) ** m
        for sp, d, m in zip(species, diffusivities_m2_s, exps, strict=True))


def ohmic_current_density_A_m2(delta_phi_V: float, length_m: float,
                               species: Sequence[SpeciesSpec], temperature_K: float,
                               diffusivities_m2_s: Sequence[float], *,
                               mobility_exponents: Sequence[int] | None = None) -> float:
    """Current density through a neutral slab between two bulk reservoirs (A/m^2).

    Both reservoirs hold the bulk state; their potentials differ by delta_phi = phi(0) - phi(L).
    The slab stays uniform and neutral, so i = sigma delta_phi / L (Nernst–Einstein sigma),
    positive along +x (from the x = 0 reservoir to the x = L one) when delta_phi > 0.
    """
    sigma = nernst_einstein_conductivity_S_m(species, temperature_K, diffusivities_m2_s,
                                             mobility_exponents=mobility_exponents)
    return sigma * delta_phi_V / length_m


# ----------------------------------------------------------------------------------------------
# Butler–Volmer charge transfer
# ----------------------------------------------------------------------------------------------

def butler_volmer_current_A_m2(eta_V: ArrayLike, exchange_current_A_m2: float, alpha_a: float,
                               alpha_c: float, temperature_K: float) -> FloatArray:
    """i = i0 [exp(alpha_a e eta/kT) - exp(-alpha_c e eta/kT)] (A/m^2), eta > 0 oxidises."""
    f = 1.0 / thermal_voltage_V(temperature_K)
    eta = np.asarray(eta_V, dtype=float)
    return exchange_current_A_m2 * (np.exp(alpha_a * f * eta) - np.exp(-alpha_c * f * eta))


def charge_transfer_resistance_ohm_m2(exchange_current_A_m2: float, alpha_a: float,
                                      alpha_c: float, temperature_K: float,
                                      eta_V: float = 0.0) -> float:
    """R_ct(eta) = 1/(di/deta) = kT / (e i0 [alpha_a e^{alpha_a f eta} + alpha_c e^{-alpha_c f eta}])
    (Ohm m^2, f = e/kT): the small-signal resistance of Butler–Volmer at the overpotential
    eta; kT / (e i0 (alpha_a + alpha_c)) at equilibrium."""
    f = 1.0 / thermal_voltage_V(temperature_K)
    slope = alpha_a * math.exp(alpha_a * f * eta_V) + alpha_c * math.exp(-alpha_c * f * eta_V)
    return thermal_voltage_V(temperature_K) / (exchange_current_A_m2 * slope)


def butler_volmer_overpotential_V(current_A_m2: float, exchange_current_A_m2: float,
                                  alpha_a: float, alpha_c: float, temperature_K: float) -> float:
    """The overpotential eta at which Butler–Volmer passes the current i (the inverse of
    :func:`butler_volmer_current_A_m2`, by bisection: i(eta) increases monotonically)."""
    bound = thermal_voltage_V(temperature_K) / min(alpha_a, alpha_c) * (
        math.asinh(abs(current_A_m2) / exchange_current_A_m2) + 1.0)
    lo, hi = -bound, bound
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if float(butler_volmer_current_A_m2(mid, exchange_current_A_m2, alpha_a, alpha_c,
                                            temperature_K)) < current_A_m2:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def butler_volmer_with_series_resistance_A_m2(voltage_V: float, series_ohm_m2: float,
                                              exchange_current_A_m2: float, alpha_a: float,
                                              alpha_c: float, temperature_K: float) -> float:
    """The current i of a Butler–Volmer interface in series with an Ohmic resistance R under a
    total voltage V: i = BV(V - i R), solved by bisection (the residual is monotone in i)."""
    def residual(i: float) -> float:
        return float(butler_volmer_current_A_m2(voltage_V - i * series_ohm_m2, exchange_current_A_m2,
                                                alpha_a, alpha_c, temperature_K)) - i

    bound = abs(voltage_V) / series_ohm_m2
    lo, hi = -bound, bound
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if residual(mid) > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
