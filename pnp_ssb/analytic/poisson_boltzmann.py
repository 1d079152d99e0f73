"""Species, equilibrium concentrations, screening lengths, the first integral of Poisson's
equation and the exact profile of a semi-infinite layer by quadrature.

Conventions and model: :mod:`pnp_ssb.analytic`."""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

# CODATA 2018 (e and k_B exact in the 2019 SI).
_E = 1.602176634e-19  # elementary charge, C
_KB = 1.380649e-23  # Boltzmann constant, J/K
_EPS0 = 8.8541878128e-12  # vacuum permittivity, F/m

_STATISTICS = ("boltzmann", "lattice_gas")

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SpeciesSpec:
    """A mobile charged species of the electrolyte.

    Attributes:
        charge: Charge number z (e.g. +1 for a Li interstitial, -1 for a Li vacancy).
        bulk_concentration_m3: Bulk concentration c_b (m^-3), > 0.
        site_density_m3: Site density N (m^-3); used by lattice-gas statistics only
            (must exceed c_b there). ``inf`` reduces the lattice gas to Boltzmann.
        statistics: ``"boltzmann"`` or ``"lattice_gas"``.
    """

    charge: int
    bulk_concentration_m3: float
    site_density_m3: float = math.inf
    statistics: str = "boltzmann"

    def __post_init__(self) -> None:
        if self.statistics not in _STATISTICS:
            raise ValueError(f"statistics must be one of {_STATISTICS}, got {self.statistics!r}")
        if not self.bulk_concentration_m3 > 0:
            raise ValueError("bulk_concentration_m3 must be positive")
        lattice = self.statistics == "lattice_gas"
        if lattice and not self.site_density_m3 > self.bulk_concentration_m3:
            raise ValueError("a lattice gas needs site_density_m3 > bulk_concentration_m3")

    @property
    def is_lattice_gas(self) -> bool:
        """True when the site exclusion matters (lattice gas with finite N)."""
        return self.statistics == "lattice_gas" and math.isfinite(self.site_density_m3)

    @property
    def occupancy(self) -> float:
        """Bulk site fraction theta = c_b/N (0 for Boltzmann species)."""
        return self.bulk_concentration_m3 / self.site_density_m3 if self.is_lattice_gas else 0.0


# ----------------------------------------------------------------------------------------------
# Small stable kernels
# ----------------------------------------------------------------------------------------------

def thermal_voltage_V(temperature_K: float) -> float:
    """kT/e in V."""
    return _KB * temperature_K / _E


def _exp_m1_plus(t: ArrayLike) -> FloatArray:
    """g(t) = e^{-t} - 1 + t >= 0, accurate for small |t| and without overflow up to |t| ~ 700.

    For |t| < 0.1 the Taylor series sum_{n>=2} (-t)^n / n! (to n = 12, truncation < 1e-20
    relative) replaces the cancelling direct form.
    """
    t = np.asarray(t, dtype=float)
    small = np.abs(t) < 0.1
    ts = np.where(small, t, 0.0)
    series = np.zeros_like(ts)
    for n in range(12, 1, -1):  # Horner in -t: sum_{n=2}^{12} (-t)^n/n!
        series = (series + 1.0 / math.factorial(n)) * (-ts)
    series = series * (-ts)  # the loop left sum_{n} (-t)^{n-1}/n!; one more factor
    tl = np.where(small, 1.0, t)
    return np.where(small, series, np.expm1(-tl) + tl)


def _excess_concentration_m3(zpsi: FloatArray, sp: SpeciesSpec) -> FloatArray:
    """c(phi) - c_b without cancellation near the bulk (zpsi = z e phi / kT).

    Boltzmann: c_b expm1(-z psi). Lattice gas (theta = c_b/N, r = (1 - theta)/theta):
    c - c_b = -N (1 - theta) expm1(z psi) / (1 + r e^{z psi})
            = -N (1 - theta) (-expm1(-z psi)) / (e^{-z psi} + r)   (for z psi > 0, no overflow).
    """
    c = sp.bulk_concentration_m3
    if not sp.is_lattice_gas:
        return c * np.expm1(-zpsi)
    n, th = sp.site_density_m3, sp.occupancy
    r = (1.0 - th) / th
    pos = zpsi > 0
    zp = np.where(pos, zpsi, 0.0)
    zn = np.where(pos, 0.0, zpsi)
    upper = -n * (1.0 - th) * -np.expm1(-zp) / (np.exp(-zp) + r)
    lower = -n * (1.0 - th) * np.expm1(zn) / (1.0 + r * np.exp(zn))
    return np.where(pos, upper, lower)


def _mobile(species: Sequence[SpeciesSpec]) -> list[SpeciesSpec]:
    mobile = [sp for sp in species if sp.charge != 0]
    if not mobile:
        raise ValueError("at least one charged species is needed")
    return mobile


# ----------------------------------------------------------------------------------------------
# Equilibrium concentrations, charge density, screening lengths
# ----------------------------------------------------------------------------------------------

def concentration_m3(phi_V: ArrayLike, sp: SpeciesSpec, temperature_K: float) -> FloatArray:
    """Equilibrium concentration of one species at potential phi (m^-3).

    c = c_b exp(-z e phi/kT) (Boltzmann) or c = N / (1 + ((N - c_b)/c_b) exp(z e phi/kT))
    (lattice gas). With theta = c_b/N the lattice gas is evaluated as
    c_b e^{-z psi} / (1 - theta + theta e^{-z psi}) for z psi >= 0 and
    c_b / (theta + (1 - theta) e^{z psi}) for z psi < 0: overflow-free, exact at phi = 0, and
    with full relative accuracy both when depleted and when saturated.

    Args:
        phi_V: Potential relative to the bulk (V), any shape.
        sp: The species.
        temperature_K: Temperature T (K).

    Returns:
        c(phi) in m^-3, same shape as ``phi_V``.
    """
    zpsi = sp.charge * np.asarray(phi_V, dtype=float) / thermal_voltage_V(temperature_K)
    if not sp.is_lattice_gas:
        return sp.bulk_concentration_m3 * np.exp(-zpsi)
    c, th = sp.bulk_concentration_m3, sp.occupancy
    pos = zpsi >= 0
    decay = np.exp(-np.abs(zpsi))  # e^{-|z psi|} <= 1
    return np.where(pos, c * decay / (1.0 - th + th * decay), c / (th + (1.0 - th) * decay))


def charge_density_C_m3(phi_V: ArrayLike, species: Sequence[SpeciesSpec],
                        temperature_K: float) -> FloatArray:
    """Space-charge density rho(phi) = e sum_k z_k c_k(phi) + rho_fix (C/m^3).

    rho_fix = -e sum_k z_k c_b,k, so rho(0) = 0; evaluated as e sum_k z_k (c_k - c_b,k) with a
    cancellation-free excess concentration.

    Args:
        phi_V: Potential relative to the bulk (V), any shape.
        species: The species (the background is implied by their bulk concentrations).
        temperature_K: Temperature T (K).

    Returns:
        rho in C/m^3, same shape as ``phi_V``.
    """
    psi = np.asarray(phi_V, dtype=float) / thermal_voltage_V(temperature_K)
    rho = np.zeros_like(psi)
    for sp in _mobile(species):
        rho = rho + _E * sp.charge * _excess_concentration_m3(sp.charge * psi, sp)
    return rho


def debye_length_m(species: Sequence[SpeciesSpec], eps_r: float, temperature_K: float) -> float:
    """Debye length lambda_D = sqrt(eps0 eps_r kT / (e^2 sum_k z_k^2 c_b,k)) (m).

    This is the Boltzmann (dilute) screening length. For lattice-gas species the linear
    screening length carries a (1 - c_b/N) factor; see :func:`linear_screening_length_m`.

    Args:
        species: The species.
        eps_r: Relative permittivity (1).
        temperature_K: Temperature T (K).
    """
    strength = sum(sp.charge**2 * sp.bulk_concentration_m3 for sp in _mobile(species))
    return math.sqrt(_EPS0 * eps_r * _KB * temperature_K / (_E**2 * strength))


def linear_screening_length_m(species: Sequence[SpeciesSpec], eps_r: float,
                              temperature_K: float) -> float:
    """Screening length of the linearised problem, -d rho/d phi at phi = 0 (m).

    lambda = sqrt(eps0 eps_r kT / (e^2 sum_k z_k^2 c_b,k (1 - theta_k))), theta_k = c_b,k/N_k
    for lattice-gas species and 0 for Boltzmann ones; equals :func:`debye_length_m` when all
    species are Boltzmann. Far from the wall every profile decays as exp(-x/lambda).
    """
    strength = sum(sp.charge**2 * sp.bulk_concentration_m3 * (1.0 - sp.occupancy)
                   for sp in _mobile(species))
    return math.sqrt(_EPS0 * eps_r * _KB * temperature_K / (_E**2 * strength))


# ----------------------------------------------------------------------------------------------
# First integral of Poisson's equation (semi-infinite layer)
# ----------------------------------------------------------------------------------------------

def field_energy_J_m3(phi_V: ArrayLike, species: Sequence[SpeciesSpec],
                      temperature_K: float) -> FloatArray:
    """First integral W(phi) = -int_0^phi rho(phi') dphi' = (eps0 eps_r / 2) E^2 (J/m^3).

    Multiplying -eps phi'' = rho(phi) by phi' and integrating from the bulk (phi = phi' = 0)
    gives (eps/2) phi'^2 = W(phi). With psi = e phi/kT and x_k = z_k psi, each species adds
    (the background term e z_k c_b,k phi is included in the c_b x_k parts):

        Boltzmann:    W_k = kT c_b (e^{-x} - 1 + x)
        lattice gas:  W_k = kT [N ln((1 + q e^{-x}) / (1 + q)) + c_b x],   q = c_b/(N - c_b)

    (lattice gas: int_0^x N/(1 + r e^u) du = N [x - ln((1 + r e^x)/(1 + r))], r = 1/q.)
    With theta = c_b/N and g(t) = e^{-t} - 1 + t >= 0 the lattice-gas term is evaluated as

        W_k = kT N ln(1 + (1 - theta) g(-theta x) + theta g((1 - theta) x)),

    (multiply 1 - theta + theta e^{-x} by e^{theta x}) a sum of non-negative terms, so it keeps
    full relative accuracy from the bulk (W_k ~ kT c_b (1 - theta) x^2/2) to saturation
    (W_k ~ kT N ((1 - theta)|x| + ln theta) for x -> -inf); for |x| > 600 the log-sum-exp form
    ln((1 - theta) e^{theta x} + theta e^{-(1 - theta) x}) avoids overflow. Every W_k >= 0.

    Args:
        phi_V: Potential relative to the bulk (V), any shape.
        species: The species.
        temperature_K: Temperature T (K).

    Returns:
        W in J/m^3, same shape as ``phi_V``.
    """
    kT = _KB * temperature_K
    psi = np.asarray(phi_V, dtype=float) / thermal_voltage_V(temperature_K)
    total = np.zeros_like(psi)
    for sp in _mobile(species):
        x = sp.charge * psi
        c = sp.bulk_concentration_m3
        if not sp.is_lattice_gas:
            total = total + kT * c * _exp_m1_plus(x)
            continue
        n, th = sp.site_density_m3, sp.occupancy
        big = np.abs(x) > 600.0
        xs = np.where(big, 0.0, x)
        h = np.log1p((1.0 - th) * _exp_m1_plus(-th * xs) + th * _exp_m1_plus((1.0 - th) * xs))
        xb = np.where(big, x, 0.0)
        h_big = np.logaddexp(math.log1p(-th) + th * xb, math.log(th) - (1.0 - th) * xb)
        total = total + kT * n * np.where(big, h_big, h)
    return total


def electric_field_V_m(phi_V: ArrayLike, phi0_V: float, species: Sequence[SpeciesSpec],
                       eps_r: float, temperature_K: float) -> FloatArray:
    """Field E = -dphi/dx (V/m) in the semi-infinite layer whose wall is at phi0.

    E = sign(phi0) sqrt(2 W(phi) / (eps0 eps_r)), x pointing from the wall into the electrolyte.
    """
    w = np.maximum(field_energy_J_m3(phi_V, species, temperature_K), 0.0)
    return math.copysign(1.0, phi0_V) * np.sqrt(2.0 * w / (_EPS0 * eps_r))


def surface_charge_C_m2(phi0_V: float, species: Sequence[SpeciesSpec], eps_r: float,
                        temperature_K: float) -> float:
    """Wall charge per area of a semi-infinite layer at wall potential phi0 (C/m^2).

    sigma = sign(phi0) sqrt(2 eps0 eps_r W(phi0)) = eps0 eps_r E(0+) (Gauss at the wall);
    the space charge of the layer, int_0^inf rho dx, is -sigma. Positive for phi0 > 0.

    Args:
        phi0_V: Wall potential relative to the bulk (V).
        species: The species.
        eps_r: Relative permittivity (1).
        temperature_K: Temperature T (K).
    """
    w = float(field_energy_J_m3(phi0_V, species, temperature_K))
    return math.copysign(math.sqrt(2.0 * _EPS0 * eps_r * max(w, 0.0)), phi0_V)


def differential_capacitance_F_m2(phi0_V: float, species: Sequence[SpeciesSpec], eps_r: float,
                                  temperature_K: float) -> float:
    """Differential capacitance d sigma / d phi0 of the layer (F/m^2).

    From eps E dE/dphi = dW/dphi = -rho: C = eps dE(0+)/dphi0 = -rho(phi0) / E(0+)
    = -rho(phi0) sign(phi0) sqrt(eps / (2 W(phi0))); at phi0 -> 0 it tends to eps/lambda (linear
    screening length), which is returned at phi0 = 0.
    """
    eps = _EPS0 * eps_r
    if phi0_V == 0.0:
        return eps / linear_screening_length_m(species, eps_r, temperature_K)
    rho = float(charge_density_C_m3(phi0_V, species, temperature_K))
    w = float(field_energy_J_m3(phi0_V, species, temperature_K))
    return -rho * math.copysign(1.0, phi0_V) * math.sqrt(eps / (2.0 * w))


# ----------------------------------------------------------------------------------------------
# Exact profile of a semi-infinite layer by quadrature
# ----------------------------------------------------------------------------------------------

_PSI_TAIL = 1e-13  # below this |psi| the layer is linear to ~1e-13 relative


def profile_by_quadrature(phi0_V: float, species: Sequence[SpeciesSpec], eps_r: float,
                          temperature_K: float, x_m: ArrayLike, *, nodes: int = 24,
                          panel_width: float = 0.5) -> FloatArray:
    """Exact profile phi(x) of the semi-infinite layer with wall potential phi0 (V).

    From the first integral, |phi'| = |E(phi)| = sqrt(2 W(phi)/eps), so
    x(phi) = int_phi^phi0 dphi' / |E(phi')|. Near the bulk |E| ~ |phi|/lambda and the integrand
    behaves as lambda/|phi|; in s = ln|phi| it is smooth and tends to lambda (linear screening
    length), so x(s) = int_s^{s0} |phi|/|E| ds is integrated with composite Gauss–Legendre
    panels in s (width ``panel_width``, narrowed to about 1/|z|max in psi where |psi| is large),
    down to |psi| = 1e-13; below that the profile is the linear tail exp(-x/lambda) to ~1e-13.
    x(s) is inverted for each requested x by Newton's method inside its panel (dx/ds = -|phi|/|E|),
    with partial-panel Gauss–Legendre for x(s). Accuracy: pointwise relative error ~2e-14
    against Gouy–Chapman out to 30 Debye lengths, and ~1e-13 self-consistency (doubled nodes,
    narrower panels) for Mott–Schottky, crowded lattice gases and mixtures out to 40.

    Args:
        phi0_V: Wall potential relative to the bulk (V); |z e phi0/kT| up to ~60.
        species: The species (any mixture; the bulk is neutral by construction).
        eps_r: Relative permittivity (1).
        temperature_K: Temperature T (K).
        x_m: Distances from the wall (m), >= 0 (round-off down to -1e-9 lambda is taken as 0),
            any shape.
        nodes: Gauss–Legendre nodes per panel.
        panel_width: Panel width in ln|phi| (upper bound).

    Returns:
        phi(x) in V, same shape as ``x_m``.
    """
    lam = linear_screening_length_m(species, eps_r, temperature_K)
    x = np.asarray(x_m, dtype=float)
    if np.any(x < -1e-9 * lam):
        raise ValueError("x_m must be >= 0 (measured from the wall into the electrolyte)")
    x = np.maximum(x, 0.0)  # mesh round-off below the wall
    if phi0_V == 0.0:
        return np.zeros_like(x)
    vt = thermal_voltage_V(temperature_K)
    eps = _EPS0 * eps_r
    zmax = max(abs(sp.charge) for sp in _mobile(species))
    sign = math.copysign(1.0, phi0_V)
    s0 = math.log(abs(phi0_V))
    s_tail = math.log(_PSI_TAIL * vt)
    if s0 <= s_tail:
        return phi0_V * np.exp(-x / lam)

    def integrand(s: FloatArray) -> FloatArray:
        """dx/d(-s) = |phi| / |E(phi)| (m)."""
        a = np.exp(s)
        w = field_energy_J_m3(sign * a, species, temperature_K)
        return a * np.sqrt(eps / (2.0 * w))

    # panel edges, descending in s: width shrinks to ~1/zmax in psi where |psi| is large
    edges = [s0]
    while edges[-1] > s_tail:
        psi = math.exp(edges[-1]) / vt
        edges.append(max(edges[-1] - panel_width / max(1.0, 0.5 * zmax * psi), s_tail))
    s_edges = np.array(edges)
    g, wts = np.polynomial.legendre.leggauss(nodes)

    def integral(lo: FloatArray, hi: FloatArray) -> FloatArray:
        """int_lo^hi integrand ds, one Gauss–Legendre panel per (lo, hi) pair."""
        half = 0.5 * (hi - lo)
        pts = (0.5 * (hi + lo))[..., None] + half[..., None] * g
        return half * (integrand(pts) @ wts)

    x_edges = np.concatenate([[0.0], np.cumsum(integral(s_edges[1:], s_edges[:-1]))])
    flat = x.ravel()
    s = np.empty_like(flat)
    tail = flat >= x_edges[-1]
    s[tail] = s_edges[-1] - (flat[tail] - x_edges[-1]) / lam
    inner = ~tail
    s[inner] = _invert_panels(flat[inner], x_edges, s_edges, lam, integral, integrand)
    phi = sign * np.exp(s)
    phi[flat == 0.0] = phi0_V  # exactly, not via exp(log|phi0|)
    return phi.reshape(x.shape)


# ----------------------------------------------------------------------------------------------
# Scalar root finding
# ----------------------------------------------------------------------------------------------


def _invert_panels(xt: FloatArray, x_edges: FloatArray, s_edges: FloatArray, lam: float,
                   integral: Callable[[FloatArray, FloatArray], FloatArray],
                   integrand: Callable[[FloatArray], FloatArray]) -> FloatArray:
    """s with x(s) = xt, by Newton's method inside the panel of each xt (dx/ds = -integrand),
    from the linear interpolant of the panel's ends; to 1e-15 (x + lambda) in m."""
    k = np.clip(np.searchsorted(x_edges, xt, side="right") - 1, 0, len(s_edges) - 2)
    s_hi, s_lo = s_edges[k], s_edges[k + 1]
    frac = (xt - x_edges[k]) / (x_edges[k + 1] - x_edges[k])
    si = s_hi + frac * (s_lo - s_hi)
    tol = 1e-15 * (xt + lam)
    for _ in range(40):
        residual = x_edges[k] + integral(si, s_hi) - xt  # x(si) - x_target
        if np.all(np.abs(residual) <= tol):
            break
        si = np.clip(si + residual / integrand(si), s_lo, s_hi)
    else:
        if np.any(np.abs(residual) > 1e3 * tol):
            raise RuntimeError("profile_by_quadrature: inversion of x(phi) did not converge")
    return si

def _bracketed_newton(f: Callable[[float], float], df: Callable[[float], float], lo: float,
                      hi: float, rtol: float = 1e-15, max_iter: int = 200) -> float:
    """Root of a monotone f on [lo, hi] with f(lo) f(hi) <= 0: Newton steps kept in the bracket,
    bisection when a step leaves it or stalls."""
    f_lo, f_hi = f(lo), f(hi)
    if f_lo == 0.0:
        return lo
    if f_hi == 0.0:
        return hi
    if (f_lo > 0) == (f_hi > 0):
        raise ValueError("root not bracketed")
    x = 0.5 * (lo + hi)
    scale = max(abs(lo), abs(hi))
    for _ in range(max_iter):
        fx = f(x)
        if fx == 0.0:
            return x
        if (fx > 0) == (f_lo > 0):
            lo, f_lo = x, fx
        else:
            hi = x
        d = df(x)
        step_ok = d != 0.0
        x_new = x - fx / d if step_ok else 0.5 * (lo + hi)
        if not (min(lo, hi) < x_new < max(lo, hi)):
            x_new = 0.5 * (lo + hi)
        if abs(x_new - x) <= rtol * scale or abs(hi - lo) <= rtol * scale:
            return x_new
        x = x_new
    return x


