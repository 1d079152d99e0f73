"""A charged grain boundary: a sheet charge screened on both sides; Mott–Schottky limits.

Conventions and model: :mod:`pnp_ssb.analytic`."""

import math
from collections.abc import Sequence

from pnp_ssb.analytic.poisson_boltzmann import (
    _E,
    _EPS0,
    SpeciesSpec,
    _bracketed_newton,
    differential_capacitance_F_m2,
    surface_charge_C_m2,
    thermal_voltage_V,
)

# ----------------------------------------------------------------------------------------------
# Charged grain boundary (a sheet charge screened on both sides)
# ----------------------------------------------------------------------------------------------

def grain_boundary_barrier_V(core_charge_C_m2: float, species: Sequence[SpeciesSpec],
                             eps_r: float, temperature_K: float) -> float:
    """Exact potential of a charged grain boundary relative to the bulk, phi_gb (V).

    By symmetry each side screens half the core charge Q like a wall at phi_gb:
    surface_charge_C_m2(phi_gb) = Q/2 (monotone in phi_gb; solved by bracketed Newton). The
    profile on either side is profile_by_quadrature(phi_gb, ..., |x - x_gb|).
    """
    half = 0.5 * core_charge_C_m2
    if half == 0.0:
        return 0.0
    vt = thermal_voltage_V(temperature_K)

    def f(phi: float) -> float:
        return surface_charge_C_m2(phi, species, eps_r, temperature_K) - half

    def df(phi: float) -> float:
        return differential_capacitance_F_m2(phi, species, eps_r, temperature_K)

    hi = vt
    while (f(math.copysign(hi, half)) > 0) != (half > 0):
        hi *= 2.0
    lo, hi = sorted((0.0, math.copysign(hi, half)))
    return _bracketed_newton(f, df, lo, hi, rtol=1e-14)


def mott_schottky_barrier_V(core_charge_C_m2: float, charge: int, bulk_concentration_m3: float,
                            eps_r: float) -> float:
    """Depletion (Mott–Schottky) barrier of a grain boundary with core charge Q against one
    mobile species of charge z (all immobile counter-charge): Q^2/(8 eps0 eps_r z e c_b) (V).

    The exact Boltzmann barrier exceeds it by (kT/e)(1 - exp(-z e phi_gb/kT)) -> kT/e."""
    return core_charge_C_m2**2 / (8.0 * _EPS0 * eps_r * charge * _E * bulk_concentration_m3)


def mott_schottky_width_m(core_charge_C_m2: float, charge: int,
                          bulk_concentration_m3: float) -> float:
    """Depletion width on each side of the grain boundary, Q/(2 z e c_b) (m): the layer
    fully emptied of the mobile species that holds -Q/2."""
    return abs(core_charge_C_m2) / (2.0 * charge * _E * bulk_concentration_m3)


