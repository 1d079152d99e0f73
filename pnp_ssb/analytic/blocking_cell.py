"""Exact equilibrium of the closed symmetric blocking cell (canonical: amounts conserved).

Two blocking walls at phi = -V/2 (x = 0) and +V/2 (x = L) hold a symmetric 1:1 electrolyte of
mean concentration c0 per species (equal site densities N and statistics for both). With
psi = e phi/kT, X = x/lambda_D measured from the midplane and lambda_D^2 = eps kT/(2 e^2 c0),
Poisson reads psi'' = dP/dpsi with the "pressure"

    P(psi) = (1/(2 c0)) sum_k N ln(1 + exp(a_k))   (lattice gas),
    P(psi) = (1/(2 c0)) sum_k c_k                  (Boltzmann),   a_k = mu - z_k psi,

so (psi')^2/2 = P(psi) - P(0) + E^2/2, with E = psi'(0) and mu the species' common
electrochemical potential (kT; the symmetry puts psi(0) = 0). Two conditions fix (mu, E):
the walls, int_0^{psi_w} dpsi/S = H, and conservation,
int_0^{psi_w} (c_+ + c_-)/(2 c0 S) dpsi = H, with S = psi' and H = L/(2 lambda_D),
psi_w = e V/(2 kT). Unlike the grand-canonical (reservoir) layer, the walls can exhaust the
ions: at 1 V over L = 100 lambda_D the midplane holds ~1e-5 c0.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize

from pnp_ssb.constants import BOLTZMANN_J_K, ELEMENTARY_CHARGE_C, VACUUM_PERMITTIVITY_F_M


@dataclass(frozen=True)
class BlockingCell:
    """The solved cell: midplane concentration (m^-3) and field, and the potential profile.

    Attributes:
        midplane_concentration_m3: c_+ = c_- at the midplane.
        midplane_slope: E = dpsi/dX at the midplane (dimensionless).
        debye_length_m, thickness_m, site_density_m3, statistics: the inputs.
        mu: the species' electrochemical potential (a at psi = 0, kT units).
    """

    midplane_concentration_m3: float
    midplane_slope: float
    mu: float
    debye_length_m: float
    thickness_m: float
    wall_potential_kT: float
    mean_concentration_m3: float
    site_density_m3: float
    statistics: str

    def concentrations_m3(self, psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(c_+, c_-) at potentials psi (kT units, 0 at the midplane)."""
        return (_occupation(self.mu - psi, self.site_density_m3, self.statistics),
                _occupation(self.mu + psi, self.site_density_m3, self.statistics))

    def potential_V(self, x_m: np.ndarray, temperature_K: float) -> np.ndarray:
        """phi(x), x from the low wall (phi = -V/2) to the high one (+V/2), in V."""
        x = np.asarray(x_m, dtype=float)
        X = (x - 0.5 * self.thickness_m) / self.debye_length_m
        half = 0.5 * self.thickness_m / self.debye_length_m
        slope = _slope_function(self)
        # inward from the wall, where psi decays: stable (outward from psi(0) = 0 it is not)
        sol = integrate.solve_ivp(lambda _d, p: [-slope(p[0])], (0.0, half),
                                  [self.wall_potential_kT], method="DOP853", rtol=1e-12,
                                  atol=1e-14 * self.wall_potential_kT, dense_output=True)
        depth = np.clip(half - np.abs(X), 0.0, half)
        psi = np.sign(X) * sol.sol(depth)[0]
        return psi * BOLTZMANN_J_K * temperature_K / ELEMENTARY_CHARGE_C


def _occupation(a, site_density_m3: float, statistics: str):
    """c = N f(a): N e^a (Boltzmann) or N / (1 + e^-a) (lattice gas), overflow-free."""
    a = np.asarray(a, dtype=float)
    if statistics == "boltzmann":
        return site_density_m3 * np.exp(a)
    return site_density_m3 * np.exp(-np.logaddexp(0.0, -a))  # no cancellation for a << 0


def _excess_pressure(psi: float, mu: float, n_over_2c0: float, statistics: str) -> float:
    """P(psi) - P(0) of the module docstring (dimensionless, >= 0), without cancellation:
    2 n e^mu (cosh psi - 1) (Boltzmann), n log1p(4 f(1 - f) sinh^2(psi/2)) (lattice gas)."""
    s2 = math.sinh(0.5 * psi) ** 2
    if statistics == "boltzmann":
        return 4 * n_over_2c0 * math.exp(mu) * s2
    f, g = float(_occupation(mu, 1.0, statistics)), float(_occupation(-mu, 1.0, statistics))
    return n_over_2c0 * math.log1p(4 * f * g * s2)


def _slope_function(cell: BlockingCell):
    n = cell.site_density_m3 / (2 * cell.mean_concentration_m3)

    def slope(psi: float) -> float:
        return math.sqrt(cell.midplane_slope**2
                         + 2 * (_excess_pressure(psi, cell.mu, n, cell.statistics)))
    return slope


QUAD = {"epsabs": 0.0, "epsrel": 1e-12, "limit": 2000}
SMALL_PSI = 1e-6  # below it P - P(0) = kappa^2 psi^2 / 2 to 1e-12: the integral is analytic


def _curvature(mu: float, n: float, statistics: str) -> float:
    """kappa^2 = P''(0) = 2 n f'(mu), the midplane's inverse screening length squared."""
    f = float(_occupation(mu, 1.0, statistics))
    return 2 * n * (f if statistics == "boltzmann" else f * float(_occupation(-mu, 1.0, statistics)))


def _over_slope(g, mu: float, slope0: float, psi_w: float, n: float, statistics: str) -> float:
    """int_0^psi_w g(psi)/S(psi) dpsi for a smooth g: analytic below SMALL_PSI, in log psi
    above (S varies from E to ~kappa psi, and E can be e^-300 in a screened midplane)."""
    kappa = math.sqrt(_curvature(mu, n, statistics))
    lo = min(SMALL_PSI, 0.5 * psi_w)
    head = g(0.0) * math.asinh(kappa * lo / slope0) / kappa

    def integrand(log_psi: float) -> float:
        psi = math.exp(log_psi)
        s = math.sqrt(slope0**2 + 2 * (_excess_pressure(psi, mu, n, statistics)))
        return g(psi) * psi / s

    return head + integrate.quad(integrand, math.log(lo), math.log(psi_w), **QUAD)[0]


def _slope_at_midplane(mu: float, psi_w: float, half: float, n: float, statistics: str) -> float:
    """E such that the walls sit at X = +-H (the width falls strictly with E)."""
    def f(log_e: float) -> float:
        width = _over_slope(lambda _p: 1.0, mu, math.exp(log_e), psi_w, n, statistics)
        return math.log(width / half)

    hi = math.log(psi_w / half) + 1.0  # a field this strong crosses the cell too fast
    lo = hi - 20.0
    while f(lo) < 0.0:  # the width grows only like log(1/E) once the midplane screens
        if lo < -700.0:
            raise RuntimeError("blocking cell: no midplane field gives the walls' distance")
        lo -= 20.0
    return math.exp(optimize.brentq(f, lo, hi, xtol=1e-14, rtol=1e-14))


def _held(mu: float, psi_w: float, half: float, n: float, statistics: str) -> float:
    """log of (ions held at mu, with E from the walls) / (ions given): 0 when conserved."""
    slope0 = _slope_at_midplane(mu, psi_w, half, n, statistics)

    def both(psi: float) -> float:
        return n * float(_occupation(np.array([mu - psi, mu + psi]), 1.0, statistics).sum())

    return math.log(max(_over_slope(both, mu, slope0, psi_w, n, statistics), 1e-300) / half)


def blocking_cell(voltage_V: float, thickness_m: float, mean_concentration_m3: float,
                  relative_permittivity: float, temperature_K: float,
                  site_density_m3: float, statistics: str = "boltzmann") -> BlockingCell:
    """Solve the closed blocking cell of the module docstring for (mu, E): E from the walls
    for each mu (bisection), then mu from conservation (bisection)."""
    kt = BOLTZMANN_J_K * temperature_K
    debye = math.sqrt(relative_permittivity * VACUUM_PERMITTIVITY_F_M * kt
                      / (2 * ELEMENTARY_CHARGE_C**2 * mean_concentration_m3))
    psi_w = 0.5 * voltage_V * ELEMENTARY_CHARGE_C / kt
    half = 0.5 * thickness_m / debye
    n = site_density_m3 / (2 * mean_concentration_m3)
    mu0 = math.log(mean_concentration_m3 / site_density_m3)
    if statistics != "boltzmann":
        mu0 = math.log(mean_concentration_m3 / (site_density_m3 - mean_concentration_m3))
    # more ions held as mu rises: bracket from an exhausted midplane to an overfull one
    mu = optimize.brentq(lambda m: _held(m, psi_w, half, n, statistics), mu0 - 60.0, mu0 + 0.5,
                         xtol=1e-13, rtol=1e-14)
    slope0 = _slope_at_midplane(mu, psi_w, half, n, statistics)
    c_mid = float(_occupation(mu, site_density_m3, statistics))
    return BlockingCell(c_mid, slope0, mu, debye, thickness_m, psi_w,
                        mean_concentration_m3, site_density_m3, statistics)
