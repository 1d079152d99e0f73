"""The barrier-free interlayer (Swift, Swift & Qi 2021): the thickness d of a layer between Li
metal and an electrolyte at which the layer's potential reaches a target (the electrolyte's
neutrality potential) with zero field, so that the electrolyte holds no space charge.

Potentials are relative to the layer's neutral bulk. From the first integral of Poisson's
equation with the field vanishing at the target phi_t,

    eps E(phi)^2 / 2 = W(phi) - W(phi_t),    d = int_{phi_t}^{phi_w} dphi / |E(phi)|,

W the field energy of the layer's charge (:func:`field_energy_J_m3`), phi_w the wall (Li
contact) potential. A thickness exists only when phi_t lies strictly between phi_w and the bulk
(0): the charge then bends the potential back to zero field at phi_t; otherwise the potential
cannot level off at phi_t and no thickness is barrier-free. With phi = phi_t + s u^2 the
integrand 2u/|E| is finite at u = 0 (E ~ u sqrt(2 |rho(phi_t)|/eps)), and composite
Gauss–Legendre panels in u integrate it to ~1e-12 (self-consistency with doubled panels).
"""

import math
from collections.abc import Sequence

import numpy as np

from pnp_ssb.analytic.poisson_boltzmann import _EPS0, SpeciesSpec, field_energy_J_m3


def barrier_free_thickness_m(wall_V: float, target_V: float, species: Sequence[SpeciesSpec],
                             eps_r: float, temperature_K: float, panels: int = 4000) -> float | None:
    """d (m) of the layer going from ``wall_V`` to ``target_V`` (both relative to its bulk)
    with zero field at ``target_V``; None if ``target_V`` is not strictly between the wall
    potential and 0."""
    if not (min(wall_V, 0.0) < target_V < max(wall_V, 0.0)):
        return None
    s = math.copysign(1.0, wall_V - target_V)
    w_t = float(field_energy_J_m3(target_V, species, temperature_K))
    nodes, weights = np.polynomial.legendre.leggauss(8)
    edges = np.linspace(0.0, math.sqrt(abs(wall_V - target_V)), panels + 1)
    half = 0.5 * np.diff(edges)
    u = ((edges[:-1] + half)[:, None] + half[:, None] * nodes[None, :]).ravel()
    w = (half[:, None] * weights[None, :]).ravel()
    energy = field_energy_J_m3(target_V + s * u**2, species, temperature_K) - w_t
    field = np.sqrt(2.0 * np.maximum(energy, 1e-300) / (_EPS0 * eps_r))
    return float(np.sum(w * 2.0 * u / field))
