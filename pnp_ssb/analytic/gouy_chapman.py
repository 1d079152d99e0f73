"""Gouy–Chapman (symmetric z:z Boltzmann electrolyte), with and without a Stern layer.

Conventions and model: :mod:`pnp_ssb.analytic`."""

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from pnp_ssb.analytic.poisson_boltzmann import (
    _E,
    _EPS0,
    _KB,
    FloatArray,
    _bracketed_newton,
    thermal_voltage_V,
)

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


