"""Exact distributions of relaxation times: the RC element and the ZARC (Cole–Cole) element.

A spectrum Z(omega) = R_inf + int gamma(ln tau) / (1 + i omega tau) d(ln tau) has the
distribution gamma (Ohm m^2 per unit ln tau). For an RC element (R, tau0 = R C) gamma is a
delta of area R at tau0. For a ZARC element

    Z(omega) = R / (1 + (i omega tau0)^phi),   0 < phi <= 1,

gamma(ln tau) = (R / 2 pi) sin((1 - phi) pi) / (cosh(phi ln(tau/tau0)) - cos((1 - phi) pi))
(Cole and Cole 1941, J. Chem. Phys. 9, 341), whose integral over ln tau is R.
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray


def rc_impedance_ohm_m2(frequency_Hz: ArrayLike, resistance_ohm_m2: float,
                        tau_s: float) -> NDArray[np.complex128]:
    """Z = R / (1 + i omega tau) of a resistor R (Ohm m^2) parallel to a capacitor tau/R."""
    omega = 2 * np.pi * np.asarray(frequency_Hz, dtype=float)
    return np.asarray(resistance_ohm_m2 / (1 + 1j * omega * tau_s), dtype=np.complex128)


def zarc_impedance_ohm_m2(frequency_Hz: ArrayLike, resistance_ohm_m2: float, tau_s: float,
                          phi: float) -> NDArray[np.complex128]:
    """Z = R / (1 + (i omega tau0)^phi) (Ohm m^2); phi = 1 is the RC element."""
    omega = 2 * np.pi * np.asarray(frequency_Hz, dtype=float)
    return np.asarray(resistance_ohm_m2 / (1 + (1j * omega * tau_s) ** phi), dtype=np.complex128)


def zarc_distribution_ohm_m2(tau: ArrayLike, resistance_ohm_m2: float, tau_s: float,
                             phi: float) -> NDArray[np.float64]:
    """gamma(ln tau) of a ZARC element (Ohm m^2 per unit ln tau), 0 < phi < 1."""
    s = np.log(np.asarray(tau, dtype=float) / tau_s)
    a = (1 - phi) * np.pi
    return resistance_ohm_m2 / (2 * np.pi) * np.sin(a) / (np.cosh(phi * s) - np.cos(a))
