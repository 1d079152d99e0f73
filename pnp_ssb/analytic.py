"""Exact solutions used as verification oracles (numpy only; written once, used everywhere).

SI units. ``x_m`` is measured from the charged wall into the electrolyte, and potentials are
relative to the electrolyte bulk unless stated. Species follow pnp_ssb's laws: at equilibrium with
the bulk (phi = 0, c = c_b) a species has

    c(phi) = c_b exp(-z e phi / kT)                               (Boltzmann)
    c(phi) = N / (1 + ((N - c_b)/c_b) exp(z e phi / kT))          (lattice gas, own sites N)

over an immobile background rho_fix = -e sum_k z_k c_b,k. Poisson: -eps phi'' = rho(phi).
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pnp_ssb.constants import (
    BOLTZMANN_J_K,
    ELEMENTARY_CHARGE_C,
    VACUUM_PERMITTIVITY_F_M,
)

_E = ELEMENTARY_CHARGE_C
_EPS0 = VACUUM_PERMITTIVITY_F_M


@dataclass(frozen=True)
class SpeciesSpec:
    """A mobile species: charge number, bulk concentration (m^-3), site density (m^-3), statistics."""

    charge: int
    bulk_concentration_m3: float
    site_density_m3: float = math.inf
    statistics: str = "boltzmann"


def _vt(temperature_K: float) -> float:
    return BOLTZMANN_J_K * temperature_K / _E


def concentration_m3(phi_V: np.ndarray | float, sp: SpeciesSpec, temperature_K: float) -> np.ndarray:
    """c(phi) of one species at equilibrium with the bulk (m^-3)."""
    zpsi = sp.charge * np.asarray(phi_V, dtype=float) / _vt(temperature_K)
    if sp.statistics == "boltzmann" or math.isinf(sp.site_density_m3):
        return sp.bulk_concentration_m3 * np.exp(-zpsi)
    n, c = sp.site_density_m3, sp.bulk_concentration_m3
    a = math.log(c / (n - c)) - zpsi  # c = N * logistic(a), overflow-free
    return n * 0.5 * (1.0 + np.tanh(0.5 * a))


def charge_density_C_m3(phi_V: np.ndarray | float, species: Sequence[SpeciesSpec],
                        temperature_K: float) -> np.ndarray:
    """rho(phi) = e sum_k z_k c_k(phi) + rho_fix, rho_fix = -e sum_k z_k c_b,k (C/m^3)."""
    rho = -_E * sum(sp.charge * sp.bulk_concentration_m3 for sp in species)
    return rho + _E * sum(sp.charge * concentration_m3(phi_V, sp, temperature_K) for sp in species)


def debye_length_m(species: Sequence[SpeciesSpec], eps_r: float, temperature_K: float) -> float:
    """lambda = sqrt(eps0 eps_r kT / (e^2 sum_k z_k^2 c_k)) in m."""
    strength = sum(sp.charge**2 * sp.bulk_concentration_m3 for sp in species)
    return math.sqrt(_EPS0 * eps_r * BOLTZMANN_J_K * temperature_K / (_E**2 * strength))


def _exp_minus_one_plus(t: np.ndarray) -> np.ndarray:
    """e^-t - 1 + t, accurate for small |t| (series) and without overflow for large t."""
    t = np.asarray(t, dtype=float)
    small = np.abs(t) < 1e-3
    series = t**2 / 2 - t**3 / 6 + t**4 / 24 - t**5 / 120
    return np.where(small, series, np.expm1(-np.where(small, 1.0, t)) + t)


def field_energy_J_m3(phi_V: np.ndarray | float, species: Sequence[SpeciesSpec],
                      temperature_K: float) -> np.ndarray:
    """First integral of Poisson: (eps/2) E^2 = -int_0^phi rho(phi') dphi' (J/m^3).

    Boltzmann species contribute kT c_b (e^{-z psi} - 1 + z psi); lattice-gas species
    kT [N ln((1 + r e^{z psi})/(1 + r)) ... ] written as
    kT N [ln(1 + q e^{-z psi}) - ln(1 + q)] + kT z psi c_b with q = c_b/(N - c_b),
    where psi = e phi/kT; the background adds e sum z c_b phi (included in the z psi c_b terms).
    """
    kT = BOLTZMANN_J_K * temperature_K
    psi = np.asarray(phi_V, dtype=float) / _vt(temperature_K)
    total = np.zeros_like(psi)
    for sp in species:
        zpsi = sp.charge * psi
        c = sp.bulk_concentration_m3
        if sp.statistics == "boltzmann" or math.isinf(sp.site_density_m3):
            total = total + kT * c * _exp_minus_one_plus(zpsi)
        else:
            n = sp.site_density_m3
            q = c / (n - c)
            # ln(1 + q e^{-x}) stably: logaddexp(0, ln q - x)
            log_term = np.logaddexp(0.0, math.log(q) - zpsi) - math.log1p(q)
            total = total + kT * (n * log_term + c * zpsi)
    return total


def surface_charge_C_m2(phi0_V: float, species: Sequence[SpeciesSpec], eps_r: float,
                        temperature_K: float) -> float:
    """Wall charge of a semi-infinite layer at wall potential phi0 (C/m^2):
    sigma = sign(phi0) sqrt(2 eps0 eps_r field_energy(phi0)); equal and opposite to the layer's."""
    energy = float(field_energy_J_m3(phi0_V, species, temperature_K))
    return math.copysign(math.sqrt(2 * _EPS0 * eps_r * max(energy, 0.0)), phi0_V)


def profile_by_quadrature(phi0_V: float, species: Sequence[SpeciesSpec], eps_r: float,
                          temperature_K: float, x_m: np.ndarray, nodes: int = 64) -> np.ndarray:
    """Exact semi-infinite profile phi(x) from x(phi) = int_phi^phi0 dphi'/|E(phi')|.

    The integrand behaves as 1/phi near the bulk, so x is integrated in s = ln|phi| with
    composite Gauss–Legendre panels (relative accuracy ~1e-12), then inverted by monotone
    interpolation in ln|phi|. Valid for x up to ~40 Debye lengths.
    """
    if phi0_V == 0:
        return np.zeros_like(np.asarray(x_m, dtype=float))
    sign = math.copysign(1.0, phi0_V)
    vt = _vt(temperature_K)
    s_hi = math.log(abs(phi0_V))
    s_lo = math.log(abs(phi0_V)) - 60.0  # phi/phi0 = e^-60: far beyond any test depth
    g, wts = np.polynomial.legendre.leggauss(nodes)
    edges = np.linspace(s_lo, s_hi, 1201)
    eps = _EPS0 * eps_r

    def integrand(s: np.ndarray) -> np.ndarray:
        phi = sign * np.exp(s)
        field = np.sqrt(2 * np.maximum(field_energy_J_m3(phi, species, temperature_K), 0) / eps)
        # dphi = phi ds; for tiny phi use the linear limit E = |phi|/lambda
        lam = debye_length_m(species, eps_r, temperature_K)
        linear = np.abs(phi) / vt < 1e-6
        return np.where(linear, lam, np.abs(phi) / np.where(linear, 1.0, field))

    panel_x = np.empty(len(edges) - 1)
    for i in range(len(edges) - 1):
        a, b = edges[i], edges[i + 1]
        s = 0.5 * (b - a) * g + 0.5 * (a + b)
        panel_x[i] = 0.5 * (b - a) * np.sum(wts * integrand(s))
    # x at each edge: distance from the wall (edge[-1]) down to that edge
    x_edges = np.concatenate([np.cumsum(panel_x[::-1])[::-1], [0.0]])
    # invert: x decreasing in s; interpolate s(x) on the fine edge grid, refined by Newton
    s_of_x = np.interp(np.asarray(x_m, dtype=float), x_edges[::-1], edges[::-1])
    for _ in range(3):  # Newton on x(s) - x = 0 with dx/ds = -integrand(s)
        s_nodes = s_of_x
        x_here = _x_of_s(s_nodes, edges, x_edges, integrand, g, wts)
        s_of_x = s_nodes + (x_here - np.asarray(x_m, dtype=float)) / integrand(s_nodes)
    return sign * np.exp(np.minimum(s_of_x, s_hi))


def _x_of_s(s: np.ndarray, edges: np.ndarray, x_edges: np.ndarray,
            integrand: Callable[[np.ndarray], np.ndarray], g: np.ndarray,
            wts: np.ndarray) -> np.ndarray:
    """x(s) = x(upper edge of s's panel) + int_s^edge integrand ds (Gauss on the partial panel)."""
    s = np.clip(s, edges[0], edges[-1])
    k = np.clip(np.searchsorted(edges, s) , 1, len(edges) - 1)
    upper = edges[k]
    half = 0.5 * (upper - s)
    mid = 0.5 * (upper + s)
    pts = mid[:, None] + half[:, None] * g[None, :]
    partial = half * np.sum(wts[None, :] * integrand(pts), axis=1)
    return x_edges[k] + partial


def gouy_chapman_potential_V(x_m: np.ndarray | float, phi0_V: float, c_bulk_m3: float,
                             eps_r: float, temperature_K: float, z: int = 1) -> np.ndarray:
    """phi(x) = (4kT/ze) artanh(tanh(z e phi0/4kT) exp(-x/lambda)), symmetric z:z Boltzmann."""
    vt = _vt(temperature_K)
    lam = debye_length_m([SpeciesSpec(z, c_bulk_m3), SpeciesSpec(-z, c_bulk_m3)], eps_r,
                         temperature_K)
    t = math.tanh(z * phi0_V / (4 * vt))
    return 4 * vt / z * np.arctanh(t * np.exp(-np.asarray(x_m, dtype=float) / lam))


def gouy_chapman_surface_charge_C_m2(phi0_V: float, c_bulk_m3: float, eps_r: float,
                                     temperature_K: float, z: int = 1) -> float:
    """sigma = sqrt(8 eps0 eps_r kT c) sinh(z e phi0 / 2kT) (C/m^2)."""
    kT = BOLTZMANN_J_K * temperature_K
    return math.sqrt(8 * _EPS0 * eps_r * kT * c_bulk_m3) * math.sinh(
        z * phi0_V / (2 * _vt(temperature_K)))


def gouy_chapman_capacitance_F_m2(phi0_V: float, c_bulk_m3: float, eps_r: float,
                                  temperature_K: float, z: int = 1) -> float:
    """Differential capacitance d(sigma)/d(phi0) = (eps/lambda) cosh(z e phi0 / 2kT) (F/m^2)."""
    lam = debye_length_m([SpeciesSpec(z, c_bulk_m3), SpeciesSpec(-z, c_bulk_m3)], eps_r,
                         temperature_K)
    return _EPS0 * eps_r / lam * math.cosh(z * phi0_V / (2 * _vt(temperature_K)))


def _bisect(f: Callable[[float], float], lo: float, hi: float, iterations: int = 200) -> float:
    f_lo = f(lo)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        f_mid = f(mid)
        if (f_mid > 0) == (f_lo > 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class SternGouyChapman:
    """Gouy–Chapman–Stern solution: phi_E - phi(0+) = sigma / C_S."""

    phi_diffuse_V: float
    surface_charge_C_m2: float
    c_bulk_m3: float
    eps_r: float
    temperature_K: float
    z: int

    def potential_V(self, x_m: np.ndarray | float) -> np.ndarray:
        """phi(x) in the diffuse layer (x >= 0 from the reaction plane)."""
        return gouy_chapman_potential_V(x_m, self.phi_diffuse_V, self.c_bulk_m3, self.eps_r,
                                        self.temperature_K, self.z)


def stern_gouy_chapman(phi_E_V: float, stern_capacitance_F_m2: float, c_bulk_m3: float,
                       eps_r: float, temperature_K: float, z: int = 1) -> SternGouyChapman:
    """Solve phi_E - phi_d = sigma_GC(phi_d)/C_S for the diffuse-layer potential phi_d."""
    def residual(phi_d: float) -> float:
        return (phi_E_V - phi_d) - gouy_chapman_surface_charge_C_m2(
            phi_d, c_bulk_m3, eps_r, temperature_K, z) / stern_capacitance_F_m2

    lo, hi = sorted((0.0, phi_E_V))
    phi_d = _bisect(residual, lo, hi) if phi_E_V else 0.0
    sigma = gouy_chapman_surface_charge_C_m2(phi_d, c_bulk_m3, eps_r, temperature_K, z)
    return SternGouyChapman(phi_d, sigma, c_bulk_m3, eps_r, temperature_K, z)


def debye_huckel_two_walls_V(x_m: np.ndarray | float, phi_left_V: float, phi_right_V: float,
                             length_m: float, debye_length_m: float) -> np.ndarray:
    """Linearised Poisson–Boltzmann between walls at x = 0 and x = L:
    phi = [phi_l sinh((L - x)/lambda) + phi_r sinh(x/lambda)] / sinh(L/lambda)."""
    x = np.asarray(x_m, dtype=float)
    lam = debye_length_m
    return (phi_left_V * np.sinh((length_m - x) / lam)
            + phi_right_V * np.sinh(x / lam)) / math.sinh(length_m / lam)


@dataclass(frozen=True)
class Heterojunction:
    """Two symmetric Boltzmann electrolytes in contact at x = 0 (A at x < 0, B at x > 0), each
    with its bulk at its own potential; the displacement eps E is continuous at the interface."""

    phi_interface_V: float
    interface_charge_C_m2: float  # charge of B's layer per area (A's is its negative)
    phi_a_V: float
    c_a_m3: float
    eps_a: float
    phi_b_V: float
    c_b_m3: float
    eps_b: float
    temperature_K: float

    def potential_V(self, x_m: np.ndarray | float) -> np.ndarray:
        """phi(x): Gouy–Chapman on each side from the interface potential."""
        x = np.asarray(x_m, dtype=float)
        left = self.phi_a_V + gouy_chapman_potential_V(
            np.abs(x), self.phi_interface_V - self.phi_a_V, self.c_a_m3, self.eps_a,
            self.temperature_K)
        right = self.phi_b_V + gouy_chapman_potential_V(
            np.abs(x), self.phi_interface_V - self.phi_b_V, self.c_b_m3, self.eps_b,
            self.temperature_K)
        return np.where(x < 0, left, right)


def heterojunction_gouy_chapman(phi_a_V: float, c_a_m3: float, eps_a: float, phi_b_V: float,
                                c_b_m3: float, eps_b: float, temperature_K: float) -> Heterojunction:
    """Solve sigma_A(phi_i - phi_A) + sigma_B(phi_i - phi_B) = 0 (Gauss: no free sheet charge)."""
    def residual(phi_i: float) -> float:
        return (gouy_chapman_surface_charge_C_m2(phi_i - phi_a_V, c_a_m3, eps_a, temperature_K)
                + gouy_chapman_surface_charge_C_m2(phi_i - phi_b_V, c_b_m3, eps_b, temperature_K))

    lo, hi = sorted((phi_a_V, phi_b_V))
    phi_i = _bisect(residual, lo, hi) if lo != hi else lo
    q_b = -gouy_chapman_surface_charge_C_m2(phi_i - phi_b_V, c_b_m3, eps_b, temperature_K)
    return Heterojunction(phi_i, q_b, phi_a_V, c_a_m3, eps_a, phi_b_V, c_b_m3, eps_b,
                          temperature_K)


def nernst_einstein_conductivity_S_m(species: Sequence[SpeciesSpec], temperature_K: float,
                                     diffusivities_m2_s: Sequence[float]) -> float:
    """sigma = e^2/(kT) sum_k z_k^2 D_k c_k (S/m)."""
    kT = BOLTZMANN_J_K * temperature_K
    return _E**2 / kT * sum(sp.charge**2 * d * sp.bulk_concentration_m3
                            for sp, d in zip(species, diffusivities_m2_s, strict=True))


def ohmic_current_density_A_m2(delta_phi_V: float, length_m: float,
                               species: Sequence[SpeciesSpec], temperature_K: float,
                               diffusivities_m2_s: Sequence[float]) -> float:
    """i = sigma delta_phi / L through a neutral slab between two bulk reservoirs (A/m^2),
    positive in the direction of the potential drop (from the higher-potential reservoir)."""
    return nernst_einstein_conductivity_S_m(species, temperature_K,
                                            diffusivities_m2_s) * delta_phi_V / length_m
