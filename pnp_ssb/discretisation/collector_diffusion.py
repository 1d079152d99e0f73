"""Li diffusion through a chain of lithiating collectors (depth z from the electrode contact):
linear finite elements in z with a lumped mass, backward Euler in time.

c_sat,i da/dt = d/dz (D_i c_sat,i da/dz) in layer i, a = c/c_sat continuous across layers (one
Li chemical potential), a(0, t) = a_contact (the electrode's activity), no flux at the far end.
The contacts are planes, so the profile depends on z only, in 1D and 2D stacks alike. The
lumped mass makes the step matrix an M-matrix: 0 <= a <= max(a_contact) at every node, and the
Li a step takes, sum_i M_i (a_i^{n+1} - a_i^n), is what leaves the electrode, exactly.
"""

from dataclasses import dataclass

import numpy as np
from scipy.linalg import solveh_banded

from pnp_ssb.physics.collector_li import CollectorChain

CELLS_PER_LAYER = 200
# backward Euler's error in a diffusion front scales with dt/t: substeps of at most this
# fraction of the elapsed time keep it below 1e-3 of the uptake (tests: first order in it)
SUBSTEP_FRACTION = 0.005
MAX_SUBSTEPS = 5000
FIRST_SUBSTEP = 1e-6  # of the interval, when the uptake starts in it (its error ~ its sqrt)


@dataclass(frozen=True)
class ChainGrid:
    """Nodes z (m, from the contact), each node's layer index (the contact side's at a layer
    boundary), lumped capacities M_i (c_sat h/2 summed, m^-2) and the stiffness in banded form."""

    chain: CollectorChain
    z_m: np.ndarray
    layer_of_node: np.ndarray
    capacity_m2: np.ndarray
    stiffness_banded: np.ndarray  # (3, n): upper, diagonal, lower of sum D c_sat / h


def chain_grid(chain: CollectorChain, cells_per_layer: int = CELLS_PER_LAYER) -> ChainGrid:
    """A uniform grid in each layer of ``chain``."""
    edges = [np.linspace(0.0, layer.thickness_m, cells_per_layer + 1) for layer in chain.layers]
    offsets = np.cumsum([0.0, *(layer.thickness_m for layer in chain.layers)])
    z = np.concatenate([edges[0], *(e[1:] + o for e, o in zip(edges[1:], offsets[1:-1],
                                                               strict=True))])
    cell_layer = np.repeat(np.arange(len(chain.layers)), cells_per_layer)
    h = np.diff(z)
    c_sat = np.array([layer.solubility_m3 for layer in chain.layers])[cell_layer]
    diff = np.array([layer.diffusivity_m2_s for layer in chain.layers])[cell_layer]
    capacity = np.zeros(z.size)
    capacity[:-1] += 0.5 * c_sat * h
    capacity[1:] += 0.5 * c_sat * h
    k = diff * c_sat / h
    banded = np.zeros((3, z.size))
    banded[1, :-1] += k
    banded[1, 1:] += k
    banded[0, 1:] = -k  # K[i, i+1]
    banded[2, :-1] = -k  # K[i+1, i]
    node_layer = np.concatenate([[0], cell_layer])
    return ChainGrid(chain, z, node_layer, capacity, banded)


def advance(grid: ChainGrid, activity: np.ndarray, contact_activity: float,
            dt_s: float) -> np.ndarray:
    """One backward-Euler step: (M/dt + K) a^{n+1} = M a^n/dt with a_0 = ``contact_activity``,
    the contact node eliminated (the rest is symmetric positive definite: a Cholesky solve,
    no pivoting on rows of different scale)."""
    upper = grid.stiffness_banded[0, 1:].copy()  # K[i, i+1], i = 0..n-2
    diagonal = grid.stiffness_banded[1] + grid.capacity_m2 / dt_s
    rhs = grid.capacity_m2 * activity / dt_s
    rhs[1] -= upper[0] * contact_activity
    banded = np.vstack([np.concatenate([[0.0], upper[1:]]), diagonal[1:]])
    out = np.empty_like(activity)
    out[0] = contact_activity
    out[1:] = solveh_banded(banded, rhs[1:])
    return out


def advance_over(grid: ChainGrid, activity: np.ndarray, contact_activity: float,
                 dt_s: float, elapsed_s: float, fraction: float = SUBSTEP_FRACTION,
                 max_substeps: int = MAX_SUBSTEPS) -> np.ndarray:
    """Advance over ``dt_s`` after ``elapsed_s`` of uptake, in backward-Euler substeps of at most
    ``fraction`` of the time elapsed at their end: they grow geometrically from the start of
    the uptake (the first of FIRST_SUBSTEP of the interval), at most ``max_substeps`` (the
    last takes what is left)."""
    t, end = elapsed_s, elapsed_s + dt_s
    for k in range(max_substeps):
        h = fraction * t / (1.0 - fraction) if t > 0.0 else FIRST_SUBSTEP * dt_s
        h = end - t if k == max_substeps - 1 or t + h >= end * (1 - 1e-12) else h
        activity = advance(grid, activity, contact_activity, h)
        t += h
        if t >= end * (1 - 1e-12):
            break
    return activity


def content_per_m2(grid: ChainGrid, activity: np.ndarray) -> float:
    """Li atoms per area held by the chain, sum_i M_i a_i (m^-2)."""
    return float(np.dot(grid.capacity_m2, activity))


def layer_content_per_m2(grid: ChainGrid, activity: np.ndarray) -> dict[str, float]:
    """Li atoms per area in each layer (m^-2; a boundary node's capacity split by its cells)."""
    out = {}
    n = len(grid.chain.layers)
    cells = (grid.z_m.size - 1) // n
    for i, layer in enumerate(grid.chain.layers):
        lo, hi = i * cells, (i + 1) * cells
        h = np.diff(grid.z_m[lo:hi + 1])
        a = activity[lo:hi + 1]
        out[layer.region] = float(layer.solubility_m3 * np.sum(0.5 * h * (a[:-1] + a[1:])))
    return out


def front_depth_m(grid: ChainGrid, activity: np.ndarray) -> float:
    """The Li front (m): the depth beyond which a stays below half its largest value (for a
    profile falling from the contact, where a = a_contact/2); 0 without Li, the chain's
    thickness when the front has reached its far end."""
    half = 0.5 * float(np.max(activity))
    if half <= 0.0:
        return 0.0
    j = int(np.nonzero(activity >= half)[0][-1])
    if j == activity.size - 1:
        return float(grid.z_m[-1])
    a0, a1 = activity[j], activity[j + 1]
    return float(grid.z_m[j] + (a0 - half) / (a0 - a1) * (grid.z_m[j + 1] - grid.z_m[j]))


def work_function_profile_eV(grid: ChainGrid, activity: np.ndarray) -> np.ndarray:
    """Phi(a) at each node, with each node's layer."""
    return np.array([grid.chain.layers[int(k)].work_function_at(float(a))
                     for k, a in zip(grid.layer_of_node, activity, strict=True)])
