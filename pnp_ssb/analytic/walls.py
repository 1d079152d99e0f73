"""Debye–Hückel between two walls, closed cells, and the heterojunction of two symmetric
1:1 electrolytes.

Conventions and model: :mod:`pnp_ssb.analytic`."""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from pnp_ssb.analytic.gouy_chapman import (
    gouy_chapman_capacitance_F_m2,
    gouy_chapman_potential_V,
    gouy_chapman_surface_charge_C_m2,
)
from pnp_ssb.analytic.poisson_boltzmann import (
    _EPS0,
    FloatArray,
    SpeciesSpec,
    _bracketed_newton,
    differential_capacitance_F_m2,
    profile_by_quadrature,
    surface_charge_C_m2,
)

# ----------------------------------------------------------------------------------------------
# Debye–Hückel between two walls
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WallCharges:
    """Charges per area on the two walls of a slab (C/m^2)."""

    left_C_m2: float
    right_C_m2: float


def debye_huckel_two_walls_V(x_m: ArrayLike, phi_left_V: float, phi_right_V: float,
                             length_m: float, debye_length_m: float) -> FloatArray:
    """Linearised Poisson–Boltzmann, phi'' = phi/lambda^2, between walls at x = 0 and x = L (V).

    phi(x) = [phi_l sinh((L - x)/lambda) + phi_r sinh(x/lambda)] / sinh(L/lambda), evaluated as
    phi_l e^{-x/lambda} expm1(-2(L - x)/lambda)/expm1(-2L/lambda) + (l <-> r, x <-> L - x),
    which does not overflow for L >> lambda.

    Args:
        x_m: Position (m), 0 <= x <= L, any shape.
        phi_left_V: phi(0) relative to the bulk reference (V).
        phi_right_V: phi(L) (V).
        length_m: Wall separation L (m).
        debye_length_m: Screening length lambda (m).
    """
    x = np.asarray(x_m, dtype=float)
    lam = debye_length_m
    den = math.expm1(-2.0 * length_m / lam)
    left = phi_left_V * np.exp(-x / lam) * np.expm1(-2.0 * (length_m - x) / lam) / den
    right = phi_right_V * np.exp(-(length_m - x) / lam) * np.expm1(-2.0 * x / lam) / den
    return left + right


def symmetric_layer_potential_V(x_m: ArrayLike, potential_vs_bulk_V: float,
                                concentration_m3: float, eps_r: float, temperature_K: float,
                                statistics: str = "boltzmann",
                                site_density_m3: float | None = None) -> FloatArray:
    """phi(x) (V) of the diffuse layer of a symmetric 1:1 electrolyte at a wall held at
    ``potential_vs_bulk_V``: Gouy–Chapman for Boltzmann ions, the first-integral quadrature
    (:func:`profile_by_quadrature`) for lattice-gas ions on ``site_density_m3`` sites."""
    if statistics == "boltzmann":
        return gouy_chapman_potential_V(x_m, potential_vs_bulk_V, concentration_m3, eps_r,
                                        temperature_K)
    if site_density_m3 is None:
        raise ValueError("lattice-gas statistics need site_density_m3")
    pair = [SpeciesSpec(z, concentration_m3, site_density_m3, "lattice_gas") for z in (1, -1)]
    return profile_by_quadrature(potential_vs_bulk_V, pair, eps_r, temperature_K, x_m)


def debye_huckel_closed_cell_V(x_m: ArrayLike, phi_left_V: float, phi_right_V: float,
                               length_m: float, debye_length_m: float) -> FloatArray:
    """Linearised Poisson–Boltzmann in a closed symmetric 1:1 cell (canonical: each species'
    amount conserved), walls at x = 0 and x = L (V, against the neutral bulk's reference).

    Each species' linear response is about its own uniform electrochemical potential,
    delta c_+- = -+c0 e (phi - phibar)/kT, so phi'' = (phi - phibar)/lambda^2, and conservation,
    int (phi - phibar) dx = 0, puts phibar = (phi_l + phi_r)/2 (the two walls' Debye–Hückel
    profiles about phibar carry opposite amounts):
    phi = phibar + debye_huckel_two_walls_V(x, phi_l - phibar, phi_r - phibar).
    """
    mean = 0.5 * (phi_left_V + phi_right_V)
    return mean + debye_huckel_two_walls_V(x_m, phi_left_V - mean, phi_right_V - mean, length_m,
                                           debye_length_m)


def debye_huckel_wall_charges_C_m2(phi_left_V: float, phi_right_V: float, length_m: float,
                                   debye_length_m: float, eps_r: float) -> WallCharges:
    """Wall charges of :func:`debye_huckel_two_walls_V` (C/m^2).

    Gauss at each wall (normal from the wall into the electrolyte):
    sigma_l = -eps phi'(0) = (eps/lambda) [phi_l coth(L/lambda) - phi_r / sinh(L/lambda)],
    sigma_r = +eps phi'(L) = (eps/lambda) [phi_r coth(L/lambda) - phi_l / sinh(L/lambda)];
    sigma_l + sigma_r = -int_0^L rho dx with rho = -eps phi/lambda^2.
    """
    eps = _EPS0 * eps_r
    b = length_m / debye_length_m
    coth = 1.0 / math.tanh(b)
    csch = -2.0 * math.exp(-b) / math.expm1(-2.0 * b)
    k = eps / debye_length_m
    return WallCharges(k * (phi_left_V * coth - phi_right_V * csch),
                       k * (phi_right_V * coth - phi_left_V * csch))


# ----------------------------------------------------------------------------------------------
# Heterojunction of two symmetric 1:1 electrolytes
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Heterojunction:
    """Two symmetric 1:1 Boltzmann electrolytes in contact at x = 0 (A at x < 0, B at x > 0).

    Each bulk sits at its own potential (its neutrality potential); eps E is continuous at the
    interface (no sheet charge).

    Attributes:
        phi_interface_V: Potential at the interface (V, same reference as phi_a_V, phi_b_V).
        interface_charge_C_m2: Space charge of B's layer per area (A's is its negative).
        phi_a_V, c_a_m3, eps_a: Bulk potential, ion concentration and eps_r of A.
        phi_b_V, c_b_m3, eps_b: The same for B.
        temperature_K: Temperature T (K).
    """

    phi_interface_V: float
    interface_charge_C_m2: float
    phi_a_V: float
    c_a_m3: float
    eps_a: float
    phi_b_V: float
    c_b_m3: float
    eps_b: float
    temperature_K: float

    def potential_V(self, x_m: ArrayLike) -> FloatArray:
        """phi(x) (V): Gouy–Chapman on each side from the interface potential."""
        x = np.asarray(x_m, dtype=float)
        left = self.phi_a_V + gouy_chapman_potential_V(
            np.abs(x), self.phi_interface_V - self.phi_a_V, self.c_a_m3, self.eps_a,
            self.temperature_K)
        right = self.phi_b_V + gouy_chapman_potential_V(
            np.abs(x), self.phi_interface_V - self.phi_b_V, self.c_b_m3, self.eps_b,
            self.temperature_K)
        return np.where(x < 0, left, right)


def _junction_potential(sigma_a: Callable[[float], float], sigma_b: Callable[[float], float],
                        cap_a: Callable[[float], float], cap_b: Callable[[float], float],
                        phi_a_V: float, phi_b_V: float) -> float:
    """phi_i with sigma_A(phi_i - phi_A) + sigma_B(phi_i - phi_B) = 0 (Gauss, no sheet charge):
    increasing in phi_i, bracketed by the two bulk potentials."""
    lo, hi = sorted((phi_a_V, phi_b_V))
    if lo == hi:
        return lo
    return _bracketed_newton(lambda p: sigma_a(p - phi_a_V) + sigma_b(p - phi_b_V),
                             lambda p: cap_a(p - phi_a_V) + cap_b(p - phi_b_V), lo, hi)


def heterojunction_gouy_chapman(phi_a_V: float, c_a_m3: float, eps_a: float, phi_b_V: float,
                                c_b_m3: float, eps_b: float,
                                temperature_K: float) -> Heterojunction:
    """Interface potential phi_i of two 1:1 electrolytes in contact (A left, B right).

    Gauss with no sheet charge: sigma_A(phi_i - phi_A) + sigma_B(phi_i - phi_B) = 0, sigma the
    Gouy–Chapman wall charge of each semi-infinite side; increasing in phi_i, bracketed by
    [min(phi_A, phi_B), max(phi_A, phi_B)].
    """
    T = temperature_K
    phi_i = _junction_potential(
        lambda d: gouy_chapman_surface_charge_C_m2(d, c_a_m3, eps_a, T),
        lambda d: gouy_chapman_surface_charge_C_m2(d, c_b_m3, eps_b, T),
        lambda d: gouy_chapman_capacitance_F_m2(d, c_a_m3, eps_a, T),
        lambda d: gouy_chapman_capacitance_F_m2(d, c_b_m3, eps_b, T), phi_a_V, phi_b_V)
    q_b = -gouy_chapman_surface_charge_C_m2(phi_i - phi_b_V, c_b_m3, eps_b, T)
    return Heterojunction(phi_i, q_b, phi_a_V, c_a_m3, eps_a, phi_b_V, c_b_m3, eps_b, T)




@dataclass(frozen=True)
class GeneralHeterojunction:
    """Two semi-infinite phases with any Boltzmann or lattice-gas species over their neutralising
    backgrounds, in contact at x = 0 (A at x < 0): an Anderson heterojunction of two
    semiconductors (electrons, holes, frozen dopants), or of mixed conductors.

    Gauss with no sheet charge, sigma_A(phi_i - phi_A) + sigma_B(phi_i + d - phi_B) = 0 with
    the first-integral wall charges of each side and a dipole step d = phi(0+) - phi(0-) (the
    field is continuous across a dipole layer of zero thickness); each side's profile is its
    quadrature from its own interface potential.

    Attributes:
        phi_interface_V: phi_i = phi(0-), A's side, same reference as the bulk potentials (V).
        interface_charge_C_m2: the space charge of B's layer per area (A's is its negative).
        dipole_V: d (V); B's side of the interface is at phi_i + d.
    """

    phi_interface_V: float
    interface_charge_C_m2: float
    phi_a_V: float
    species_a: tuple[SpeciesSpec, ...]
    eps_a: float
    phi_b_V: float
    species_b: tuple[SpeciesSpec, ...]
    eps_b: float
    temperature_K: float
    dipole_V: float = 0.0

    def potential_V(self, x_m: ArrayLike) -> FloatArray:
        """phi(x) (V) on both sides."""
        x = np.asarray(x_m, dtype=float)
        T = self.temperature_K
        left = self.phi_a_V + profile_by_quadrature(self.phi_interface_V - self.phi_a_V,
                                                    self.species_a, self.eps_a, T, np.abs(x))
        right = self.phi_b_V + profile_by_quadrature(
            self.phi_interface_V + self.dipole_V - self.phi_b_V, self.species_b, self.eps_b, T,
            np.abs(x))
        return np.where(x < 0, left, right)


def general_heterojunction(phi_a_V: float, species_a: Sequence[SpeciesSpec], eps_a: float,
                           phi_b_V: float, species_b: Sequence[SpeciesSpec], eps_b: float,
                           temperature_K: float, dipole_V: float = 0.0) -> GeneralHeterojunction:
    """Interface potential and charge of two phases in contact (GeneralHeterojunction), with a
    dipole step ``dipole_V`` from A's side to B's; the residual increases with phi_i and is
    bracketed by phi_A and phi_B - d."""
    T = temperature_K
    phi_i = _junction_potential(
        lambda d: surface_charge_C_m2(d, species_a, eps_a, T),
        lambda d: surface_charge_C_m2(d, species_b, eps_b, T),
        lambda d: differential_capacitance_F_m2(d, species_a, eps_a, T),
        lambda d: differential_capacitance_F_m2(d, species_b, eps_b, T), phi_a_V,
        phi_b_V - dipole_V)
    q_b = -surface_charge_C_m2(phi_i + dipole_V - phi_b_V, species_b, eps_b, T)
    return GeneralHeterojunction(phi_i, q_b, phi_a_V, tuple(species_a), eps_a, phi_b_V,
                                 tuple(species_b), eps_b, T, dipole_V)
