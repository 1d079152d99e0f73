"""Uptake of a solute into a slab from one face (Crank, The Mathematics of Diffusion, §4.3):
the exact solution the lithiating collectors are checked against.

da/dt = D d^2a/dz^2 on 0 < z < L, a(0, t) = a_s, da/dz(L, t) = 0, a(z, 0) = 0. With
tau = D t / L^2 and m = 2n + 1:
a/a_s = 1 - sum_n (4/(m pi)) sin(m pi z/(2L)) exp(-m^2 pi^2 tau/4)          (Fourier)
      = sum_n (-1)^n [erfc((2nL + z)/(2 sqrt(Dt))) + erfc((2(n+1)L - z)/(2 sqrt(Dt)))]  (images)
and the amount taken, M/(c_sat a_s L) = 1 - sum_n (8/(m pi)^2) exp(-m^2 pi^2 tau/4).
The image series converges fast at small tau, the Fourier series at large tau.
"""

import math

import numpy as np
from scipy.special import erfc, erfcinv

SWITCH_TAU = 0.05  # below: images; above: Fourier (each then needs < 30 terms to 1e-15)
TERMS = 60


def slab_activity(z_m: np.ndarray, time_s: float, thickness_m: float, diffusivity_m2_s: float,
                  surface_activity: float = 1.0) -> np.ndarray:
    """a(z, t) of the slab (same unit as ``surface_activity``)."""
    z = np.asarray(z_m, dtype=float)
    if time_s <= 0.0:
        return np.where(z == 0.0, surface_activity, 0.0)
    L, tau = thickness_m, diffusivity_m2_s * time_s / thickness_m**2
    if tau < SWITCH_TAU:
        root = 2.0 * math.sqrt(diffusivity_m2_s * time_s)
        total = np.zeros_like(z)
        for n in range(TERMS):
            total += (-1) ** n * (erfc((2 * n * L + z) / root) + erfc((2 * (n + 1) * L - z) / root))
        return surface_activity * total
    m = 2 * np.arange(TERMS) + 1
    terms = (4.0 / (m * math.pi))[:, None] * np.sin(np.outer(m, z) * math.pi / (2 * L)) \
        * np.exp(-(m * math.pi) ** 2 * tau / 4.0)[:, None]
    return surface_activity * (1.0 - terms.sum(axis=0))


def slab_uptake_fraction(time_s: float, thickness_m: float, diffusivity_m2_s: float) -> float:
    """M(t)/M(inf): the Fourier sum above, or at small tau the images'
    2 sqrt(tau) (1/sqrt(pi) + 2 sum_{n>=1} (-1)^n ierfc(n/sqrt(tau)))."""
    tau = diffusivity_m2_s * time_s / thickness_m**2
    if tau <= 0.0:
        return 0.0
    if tau < SWITCH_TAU:
        x = np.arange(1, TERMS) / math.sqrt(tau)
        ierfc = np.exp(-x * x) / math.sqrt(math.pi) - x * erfc(x)
        signs = (-1.0) ** np.arange(1, TERMS)
        return float(2.0 * math.sqrt(tau) * (1.0 / math.sqrt(math.pi) + 2.0 * np.sum(signs * ierfc)))
    m = 2 * np.arange(TERMS) + 1
    return float(1.0 - np.sum(8.0 / (m * math.pi) ** 2 * np.exp(-(m * math.pi) ** 2 * tau / 4)))


def half_activity_depth_m(time_s: float, diffusivity_m2_s: float) -> float:
    """Depth where a semi-infinite solid's a falls to a_s/2: 2 erfc^-1(1/2) sqrt(D t) (m)."""
    return 2.0 * float(erfcinv(0.5)) * math.sqrt(diffusivity_m2_s * time_s)
