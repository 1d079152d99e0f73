"""Exact solutions used as verification oracles (numpy only; written once, imported everywhere).

Conventions: SI units. ``x_m`` is measured from the charged wall (or reaction plane) into the
electrolyte, and potentials are relative to the electrolyte bulk (phi_bulk = 0) unless stated.
psi = e phi / kT is the potential in thermal units.

Model (formulation.md section 3). Species k has charge number z_k, bulk concentration c_b,k and
either Boltzmann statistics, mu~_k = g_k + kT ln(c_k/N_k) + z_k e phi, or lattice-gas statistics
on its own sites N_k, mu~_k = g_k + kT ln(c_k/(N_k - c_k)) + z_k e phi. At equilibrium with the
bulk (phi = 0, c = c_b) a species has

    c(phi) = c_b exp(-z psi)                                    (Boltzmann)
    c(phi) = N / (1 + ((N - c_b)/c_b) exp(z psi))               (lattice gas)

over an immobile background rho_fix = -e sum_k z_k c_b,k that makes the bulk neutral.
Poisson: -eps0 eps_r phi'' = rho(phi) = e sum_k z_k c_k(phi) + rho_fix.

The functions here are exact (closed form) or quadratures converged to ~1e-13; the numerics
avoid overflow and cancellation for |z psi| up to ~60 (expm1/log1p, series for small psi).
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

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
    xt = flat[inner]
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
    s[inner] = si
    phi = sign * np.exp(s)
    phi[flat == 0.0] = phi0_V  # exactly, not via exp(log|phi0|)
    return phi.reshape(x.shape)


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


# ----------------------------------------------------------------------------------------------
# Small-signal impedance
# ----------------------------------------------------------------------------------------------

def blocking_binary_impedance_ohm_m2(frequency_Hz: ArrayLike, bulk_concentration_m3: float,
                                     diffusivity_m2_s: float, eps_r: float, length_m: float,
                                     temperature_K: float) -> NDArray[np.complex128]:
    """Linearised PNP impedance (Ohm m^2) of a symmetric 1:1 electrolyte with equal
    diffusivities between two blocking electrodes, at zero bias (Macdonald 1953):

        Z = [L + 2 sigma tanh(kappa L/2) / (i w eps kappa)] / (sigma + i w eps),
        kappa^2 = 1/lambda^2 + i w / D,   sigma = 2 e^2 c D / kT,   lambda^2 = eps kT/(2 e^2 c).

    Limits: 2 lambda/(i w eps) (two double layers) as w -> 0, L/(i w eps) as w -> inf.
    """
    w = 2 * np.pi * np.asarray(frequency_Hz, dtype=float)
    eps = _EPS0 * eps_r
    kT = _KB * temperature_K
    sigma = 2 * _E**2 * bulk_concentration_m3 * diffusivity_m2_s / kT
    lam2 = eps * kT / (2 * _E**2 * bulk_concentration_m3)
    kappa = np.sqrt(1 / lam2 + 1j * w / diffusivity_m2_s)
    return (length_m + 2 * sigma * np.tanh(kappa * length_m / 2) / (1j * w * eps * kappa)) / (
        sigma + 1j * w * eps)


def bulk_rc_impedance_ohm_m2(frequency_Hz: ArrayLike, conductivity_S_m: float, eps_r: float,
                             length_m: float) -> NDArray[np.complex128]:
    """R_b in parallel with C_g (Ohm m^2): R_b = L/sigma, C_g = eps/L; the exact linearised
    response of one carrier over a fixed background between reversible electrodes (the
    carrier stays uniform, so the field is too)."""
    w = 2 * np.pi * np.asarray(frequency_Hz, dtype=float)
    return cast(NDArray[np.complex128], length_m / (conductivity_S_m + 1j * w * _EPS0 * eps_r))


def finite_space_warburg_impedance_ohm_m2(frequency_Hz: ArrayLike, ocv_slope_V: float,
                                          li_site_density_m3: float, thickness_m: float,
                                          diffusivity_m2_s: float) -> NDArray[np.complex128]:
    """Li diffusion in an insertion electrode with a blocking back contact (the finite-space
    Warburg; Ohm m^2, the potential of the electrode per current it passes into the
    electrolyte).

    N dtheta/dt = N D theta'' on 0 < x < L, the Li flux -N D theta'(0) = -i/e entering at the
    contact (i: the current out of the electrode, as Li+), theta'(L) = 0 at the back contact;
    the OCV at the contact moves by dU = U' dtheta(0), U' = dU/dtheta (V, < 0). Linearised,
    dtheta = A cosh(k (L - x)), k = sqrt(i w / D), so

        Z_d = -U' coth(sqrt(i w tau)) / (e N sqrt(i w D))
            = R_d coth(sqrt(i w tau)) / sqrt(i w tau),
        R_d = -U' L / (e N D)  (Ohm m^2),   tau = L^2 / D  (s),

    N the Li site density (m^-3). Limits: R_d / sqrt(i w tau) (semi-infinite Warburg) for
    w tau >> 1; R_d/3 + 1/(i w C_int) for w tau << 1, with the chemical (intercalation)
    capacitance C_int = tau/R_d = e N L / (-U') (:func:`chemical_capacitance_F_m2`).
    """
    w = 2 * np.pi * np.asarray(frequency_Hz, dtype=float)
    tau = thickness_m**2 / diffusivity_m2_s
    r_d = -ocv_slope_V * thickness_m / (_E * li_site_density_m3 * diffusivity_m2_s)
    x = np.sqrt(1j * w * tau)
    return np.asarray(r_d / (x * np.tanh(x)), dtype=np.complex128)


def chemical_capacitance_F_m2(ocv_slope_V: float, li_site_density_m3: float,
                              thickness_m: float) -> float:
    """C_int = e N L / (-dU/dtheta) (F/m^2): the Li charge an insertion electrode of thickness L
    and site density N (m^-3) takes up per volt of its OCV U(theta); the low-frequency limit
    of :func:`finite_space_warburg_impedance_ohm_m2`, Z -> 1/(i w C_int)."""
    return _E * li_site_density_m3 * thickness_m / -ocv_slope_V


def jamnik_maier_impedance_ohm_m2(frequency_Hz: ArrayLike, ion_concentration_m3: float,
                                  ion_diffusivity_m2_s: float, electron_concentration_m3: float,
                                  electron_diffusivity_m2_s: float, length_m: float,
                                  temperature_K: float) -> NDArray[np.complex128]:
    """Mixed conductor (cation z = +1, electrons) between ion-blocking, electron-reversible
    electrodes, electroneutral bulk (Jamnik & Maier, J. Electrochem. Soc. 146, 4183, 1999;
    Ohm m^2):

        Z = R_inf + (R_e - R_inf) tanh(sqrt(i w tau)) / sqrt(i w tau),
        R_k = L kT / (e^2 c_k D_k),  R_inf = R_i R_e / (R_i + R_e),
        tau = L^2 / (4 D~) = (R_i + R_e) C_chem / 4,  D~ = D_i D_e (c_i + c_e)/(D_i c_i + D_e c_e),
        C_chem = e^2 L c_i c_e / (kT (c_i + c_e))  (chemical capacitance per area).

    Both carriers conduct at high frequency (R_inf), only electrons at DC (R_e); in between the
    blocked ions store Li as a neutral stoichiometry gradient (the transmission line's chemical
    capacitance). Neglects the geometric capacitance and the ionic double layers (O(lambda/L)).
    """
    w = 2 * np.pi * np.asarray(frequency_Hz, dtype=float)
    r_e, r_inf, tau = _transmission_line(ion_concentration_m3, ion_diffusivity_m2_s,
                                         electron_concentration_m3, electron_diffusivity_m2_s,
                                         length_m, temperature_K)
    x = np.sqrt(1j * w * tau)
    return cast(NDArray[np.complex128], r_inf + (r_e - r_inf) * np.tanh(x) / x)


def _transmission_line(c_i: float, d_i: float, c_e: float, d_e: float, length_m: float,
                       temperature_K: float) -> tuple[float, float, float]:
    """(R_e, R_inf, tau) of the Jamnik–Maier line: R_k = L kT/(e^2 c_k D_k),
    R_inf = R_i R_e/(R_i + R_e), tau = L^2 (D_i c_i + D_e c_e)/(4 D_i D_e (c_i + c_e))."""
    kT = _KB * temperature_K
    r_i = length_m * kT / (_E**2 * c_i * d_i)
    r_e = length_m * kT / (_E**2 * c_e * d_e)
    tau = length_m**2 * (d_i * c_i + d_e * c_e) / (4 * d_i * d_e * (c_i + c_e))
    return r_e, r_i * r_e / (r_i + r_e), tau


def jamnik_maier_step_response_ohm_m2(time_s: ArrayLike, ion_concentration_m3: float,
                                      ion_diffusivity_m2_s: float,
                                      electron_concentration_m3: float,
                                      electron_diffusivity_m2_s: float, length_m: float,
                                      temperature_K: float, terms: int = 200) -> FloatArray:
    """V(t)/I (Ohm m^2) after a current step I through the same mixed conductor (the DC
    polarisation of Hebb, Wagner and Yokota), the inverse Laplace transform of Z(s)/s for the
    transmission line of jamnik_maier_impedance_ohm_m2, from tanh(x)/x = sum 2/(x^2 + a_n^2):

        V/I = R_e - (R_e - R_inf) sum_n 8/((2n+1)^2 pi^2) exp(-(2n+1)^2 pi^2 t/(4 tau)),

    R_inf at t = 0+ (after the geometric capacitance, not modelled here), R_e as t -> inf.
    """
    t = np.asarray(time_s, dtype=float)
    r_e, r_inf, tau = _transmission_line(ion_concentration_m3, ion_diffusivity_m2_s,
                                         electron_concentration_m3, electron_diffusivity_m2_s,
                                         length_m, temperature_K)
    odd = 2 * np.arange(terms)[:, None] + 1.0
    decay = np.sum(8 / (odd**2 * np.pi**2) * np.exp(-(odd**2) * np.pi**2 * t / (4 * tau)), axis=0)
    return r_e - (r_e - r_inf) * decay


def mixed_conductor_impedance_ohm_m2(frequency_Hz: ArrayLike, ion_concentration_m3: float,
                                    ion_diffusivity_m2_s: float, electron_concentration_m3: float,
                                    electron_diffusivity_m2_s: float, eps_r: float,
                                    length_m: float, temperature_K: float
                                    ) -> NDArray[np.complex128]:
    """The exact linearised PNP impedance (Ohm m^2) of the same mixed conductor (Boltzmann
    cation z = +1 and electrons over a background -e(c_i - c_e)), with the electrode potential
    imposed at each contact (no Stern layer), j_ion = 0 there and the electron density held
    (its electrochemical potential follows the electrode's Fermi level).

    Perturbations ~ e^{i w t}: i w n_k = -j_k', j_k = -D_k (n_k' + z_k c_k psi'),
    psi'' = -(e^2/eps kT)(n_i - n_e), psi = e phi / kT. Modes e^{+-k x} with s = k^2 roots of
        D_i D_e s^2 - s [i w (D_i + D_e) + b D_i D_e (c_i + c_e)] + i w (i w + b (D_i c_i + D_e c_e)) = 0,
    b = e^2 / (eps kT) (s -> 0 and s -> 1/lambda^2 as w -> 0: the chemical-diffusion and
    Debye modes), plus a uniform field. Six contact conditions fix the six amplitudes; the
    total current e (j_i - j_e) - i w eps phi' is uniform. Reduces to
    jamnik_maier_impedance_ohm_m2 as lambda/L -> 0 and w eps L/sigma -> 0.
    """
    freqs = np.atleast_1d(np.asarray(frequency_Hz, dtype=float))
    kT = _KB * temperature_K
    eps = _EPS0 * eps_r
    vt = kT / _E
    b = _E**2 / (eps * kT)
    c = np.array([ion_concentration_m3, electron_concentration_m3])
    d = np.array([ion_diffusivity_m2_s, electron_diffusivity_m2_s])
    out = np.empty(freqs.size, dtype=complex)
    for n, f in enumerate(freqs):
        iw = 2j * np.pi * f
        roots = np.roots([d[0] * d[1], -(iw * (d[0] + d[1]) + b * d[0] * d[1] * c.sum()),
                          iw * (iw + b * (d[0] * c[0] + d[1] * c[1]))])
        at_0 = _mixed_conductor_basis(0.0, length_m, roots, iw, c, d, eps * vt)
        at_l = _mixed_conductor_basis(length_m, length_m, roots, iw, c, d, eps * vt)
        rows = np.vstack([at_0[[0, 2, 3]], at_l[[0, 2, 3]]])  # psi, n_e, j_i at both contacts
        rhs = np.array([0.0, 0.0, 0.0, 1.0 / vt, 0.0, 0.0], dtype=complex)  # 1 V on the right
        amplitudes = np.linalg.solve(rows, rhs)
        out[n] = -1.0 / (at_l[4] @ amplitudes)  # 1 V drives the current in -x
    return out


def _mixed_conductor_basis(x_m: float, length_m: float, roots: np.ndarray, iw: complex,
                           c: np.ndarray, d: np.ndarray, eps_vt: float) -> np.ndarray:
    """Rows psi, n_i, n_e, j_i and the total current e (j_i - j_e) - i w eps phi' at x for
    each basis function of mixed_conductor_impedance_ohm_m2: e^{-k x} and e^{-k (L - x)} per
    mode (decaying, so no overflow for L >> lambda), a constant and a uniform field."""
    z = np.array([1.0, -1.0])
    cols = []
    for s in roots:
        k = np.sqrt(s + 0j)
        k = k if k.real > 0 else -k
        ratio = z * c * d * s / (iw - d * s)  # n_k per unit psi amplitude
        for sign, g in ((-1.0, np.exp(-k * x_m)), (1.0, np.exp(-k * (length_m - x_m)))):
            dpsi = sign * k * g
            j = -d * (ratio * dpsi + z * c * dpsi)
            cols.append([g, ratio[0] * g, ratio[1] * g, j[0],
                         _E * (j[0] - j[1]) - iw * eps_vt * dpsi])
    cols.append([1.0, 0.0, 0.0, 0.0, 0.0])
    j = -d * z * c  # psi = x: a uniform field
    cols.append([x_m, 0.0, 0.0, j[0], _E * (j[0] - j[1]) - iw * eps_vt])
    return np.array(cols, dtype=complex).T


# ----------------------------------------------------------------------------------------------
# Gouy–Chapman (symmetric z:z Boltzmann electrolyte)
# ----------------------------------------------------------------------------------------------

def _check_z(z: int) -> None:
    if z < 1:
        raise ValueError("z is the magnitude of the symmetric z:z valence, z >= 1")


def gouy_chapman_debye_length_m(c_bulk_m3: float, eps_r: float, temperature_K: float,
                                z: int = 1) -> float:
    """lambda = sqrt(eps0 eps_r kT / (2 z^2 e^2 c)) of a symmetric z:z electrolyte (m)."""
    _check_z(z)
    return math.sqrt(_EPS0 * eps_r * _KB * temperature_K / (2.0 * z * z * _E**2 * c_bulk_m3))


def gouy_chapman_potential_V(x_m: ArrayLike, phi0_V: float, c_bulk_m3: float, eps_r: float,
                             temperature_K: float, z: int = 1) -> FloatArray:
    """Gouy–Chapman profile of a symmetric z:z Boltzmann electrolyte (V).

    phi(x) = (4kT/(z e)) artanh(tanh(z e phi0/(4kT)) exp(-x/lambda)), lambda from
    :func:`gouy_chapman_debye_length_m`. For artanh(u) with u > 1/2 the form
    (1/2)[ln(1 + u) - ln(1 - u)] is used with 1 - u = -expm1(-x/lambda) + e^{-x/lambda}(1 - |t|),
    1 - |t| = 2/(1 + e^{|psi0|/2}), which keeps full relative accuracy at large |psi0|.

    Args:
        x_m: Distance from the wall (m), any shape.
        phi0_V: Wall potential relative to the bulk (V).
        c_bulk_m3: Bulk concentration of each ion (m^-3).
        eps_r: Relative permittivity (1).
        temperature_K: Temperature T (K).
        z: Valence magnitude of the symmetric electrolyte.
    """
    lam = gouy_chapman_debye_length_m(c_bulk_m3, eps_r, temperature_K, z)
    vt = thermal_voltage_V(temperature_K)
    xi = np.asarray(x_m, dtype=float) / lam
    psi0 = abs(z * phi0_V / vt)
    t = math.tanh(0.25 * psi0)
    h = math.exp(-0.5 * psi0)
    one_minus_t = 2.0 * h / (1.0 + h)
    decay = np.exp(-xi)
    u = t * decay
    near = u > 0.5
    one_minus_u = -np.expm1(-xi) + decay * one_minus_t
    far = np.arctanh(np.where(near, 0.0, u))
    close = 0.5 * (np.log1p(u) - np.log(np.where(near, one_minus_u, 1.0)))
    return math.copysign(4.0 * vt / z, phi0_V) * np.where(near, close, far)


def gouy_chapman_surface_charge_C_m2(phi0_V: float, c_bulk_m3: float, eps_r: float,
                                     temperature_K: float, z: int = 1) -> float:
    """Gouy–Chapman wall charge sigma = sqrt(8 eps0 eps_r kT c) sinh(z e phi0/(2kT)) (C/m^2)."""
    _check_z(z)
    kT = _KB * temperature_K
    return math.sqrt(8.0 * _EPS0 * eps_r * kT * c_bulk_m3) * math.sinh(
        0.5 * z * phi0_V / thermal_voltage_V(temperature_K))


def gouy_chapman_capacitance_F_m2(phi0_V: float, c_bulk_m3: float, eps_r: float,
                                  temperature_K: float, z: int = 1) -> float:
    """Differential capacitance d sigma/d phi0 = (eps0 eps_r/lambda) cosh(z e phi0/2kT) (F/m^2)."""
    lam = gouy_chapman_debye_length_m(c_bulk_m3, eps_r, temperature_K, z)
    return _EPS0 * eps_r / lam * math.cosh(0.5 * z * phi0_V / thermal_voltage_V(temperature_K))


# ----------------------------------------------------------------------------------------------
# Scalar root finding
# ----------------------------------------------------------------------------------------------

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


# ----------------------------------------------------------------------------------------------
# Stern + Gouy–Chapman
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SternGouyChapman:
    """Gouy–Chapman–Stern solution (see :func:`stern_gouy_chapman`).

    Attributes:
        phi_diffuse_V: phi(0+), the potential at the reaction plane relative to the bulk (V).
        surface_charge_C_m2: Wall (metal) charge per area = diffuse-layer charge with the sign
            flipped (C/m^2).
        phi_E_V: Wall potential relative to the bulk (V).
        stern_capacitance_F_m2: C_S (F/m^2).
        c_bulk_m3, eps_r, temperature_K, z: The electrolyte.
    """

    phi_diffuse_V: float
    surface_charge_C_m2: float
    phi_E_V: float
    stern_capacitance_F_m2: float
    c_bulk_m3: float
    eps_r: float
    temperature_K: float
    z: int

    @property
    def stern_drop_V(self) -> float:
        """phi_E - phi(0+) = sigma / C_S (V)."""
        return self.phi_E_V - self.phi_diffuse_V

    def potential_V(self, x_m: ArrayLike) -> FloatArray:
        """phi(x) in the diffuse layer, x >= 0 from the reaction plane (GC from phi(0+))."""
        return gouy_chapman_potential_V(x_m, self.phi_diffuse_V, self.c_bulk_m3, self.eps_r,
                                        self.temperature_K, self.z)


def stern_gouy_chapman(phi_E_V: float, stern_capacitance_F_m2: float, c_bulk_m3: float,
                       eps_r: float, temperature_K: float, z: int = 1) -> SternGouyChapman:
    """Wall at phi_E behind a charge-free compact layer of capacitance C_S, then a GC layer.

    The Robin condition of formulation.md section 5, phi_E - phi(0+) = -(eps/C_S) phi'(0+)
    = sigma_GC(phi(0+)) / C_S, is solved for phi_d = phi(0+): the residual
    phi_E - phi_d - sigma_GC(phi_d)/C_S decreases monotonically and changes sign on [0, phi_E]
    (bracketed Newton, derivative -1 - C_GC(phi_d)/C_S).

    Args:
        phi_E_V: Wall potential relative to the bulk (V).
        stern_capacitance_F_m2: C_S = eps0 eps_S / d_S (F/m^2), > 0.
        c_bulk_m3: Bulk concentration of each ion (m^-3).
        eps_r: Relative permittivity of the electrolyte (1).
        temperature_K: Temperature T (K).
        z: Valence magnitude of the symmetric electrolyte.
    """
    if not stern_capacitance_F_m2 > 0:
        raise ValueError("stern_capacitance_F_m2 must be positive")
    cs = stern_capacitance_F_m2

    def residual(phi_d: float) -> float:
        return phi_E_V - phi_d - gouy_chapman_surface_charge_C_m2(
            phi_d, c_bulk_m3, eps_r, temperature_K, z) / cs

    def slope(phi_d: float) -> float:
        return -1.0 - gouy_chapman_capacitance_F_m2(phi_d, c_bulk_m3, eps_r, temperature_K, z) / cs

    lo, hi = sorted((0.0, phi_E_V))
    phi_d = _bracketed_newton(residual, slope, lo, hi) if phi_E_V != 0.0 else 0.0
    sigma = gouy_chapman_surface_charge_C_m2(phi_d, c_bulk_m3, eps_r, temperature_K, z)
    return SternGouyChapman(phi_d, sigma, phi_E_V, cs, c_bulk_m3, eps_r, temperature_K, z)


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


def heterojunction_gouy_chapman(phi_a_V: float, c_a_m3: float, eps_a: float, phi_b_V: float,
                                c_b_m3: float, eps_b: float,
                                temperature_K: float) -> Heterojunction:
    """Interface potential phi_i of two 1:1 electrolytes in contact (A left, B right).

    Gauss with no sheet charge: sigma_A(phi_i - phi_A) + sigma_B(phi_i - phi_B) = 0, sigma the
    Gouy–Chapman wall charge of each semi-infinite side; increasing in phi_i, bracketed by
    [min(phi_A, phi_B), max(phi_A, phi_B)].
    """
    T = temperature_K

    def residual(phi_i: float) -> float:
        return (gouy_chapman_surface_charge_C_m2(phi_i - phi_a_V, c_a_m3, eps_a, T)
                + gouy_chapman_surface_charge_C_m2(phi_i - phi_b_V, c_b_m3, eps_b, T))

    def slope(phi_i: float) -> float:
        return (gouy_chapman_capacitance_F_m2(phi_i - phi_a_V, c_a_m3, eps_a, T)
                + gouy_chapman_capacitance_F_m2(phi_i - phi_b_V, c_b_m3, eps_b, T))

    lo, hi = sorted((phi_a_V, phi_b_V))
    phi_i = _bracketed_newton(residual, slope, lo, hi) if lo != hi else lo
    q_b = -gouy_chapman_surface_charge_C_m2(phi_i - phi_b_V, c_b_m3, eps_b, T)
    return Heterojunction(phi_i, q_b, phi_a_V, c_a_m3, eps_a, phi_b_V, c_b_m3, eps_b, T)


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
                                      alpha_c: float, temperature_K: float) -> float:
    """R_ct = kT / (e i0 (alpha_a + alpha_c)) (Ohm m^2): the small-signal slope of Butler–Volmer."""
    return thermal_voltage_V(temperature_K) / (exchange_current_A_m2 * (alpha_a + alpha_c))


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
