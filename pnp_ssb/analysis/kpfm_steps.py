"""The step a Kelvin probe sees at each interface: bulk of one side to bulk of the other (no
DOLFINx).

A space-charge layer puts most of an interface's potential drop inside a region, not at the
mesh node where the two regions meet, so a step is read between the bulk values of the two
regions:

    step(a|b) = v(x_bulk,b) - v(x_bulk,a),

with x_bulk,r the point of region r where the field |dphi/dx| is smallest: its neutral bulk at
equilibrium (there d^2 phi/dx^2 = -rho/eps = 0 and the layers have decayed). One bulk point per
region serves both of its interfaces, so the steps add up to the bulk-to-bulk change across
the stack. The field left at the bulk point is reported: a region thinner than its screening
length has no neutral bulk, and its steps then depend on where they are read.
"""

import itertools
from dataclasses import dataclass

import numpy as np

FLAT_V = 1e-9  # a region whose potential changes by less than this (V) is flat: its middle


@dataclass(frozen=True)
class BulkPoint:
    """Where a region's bulk value is read: x (m) and the field |dphi/dx| there (V/m)."""

    region: str
    x_m: float
    field_V_m: float


def bulk_points(x_m: np.ndarray, phi_V: np.ndarray, region: np.ndarray,
                regions: list[str]) -> dict[str, BulkPoint]:
    """Per region, the cell midpoint of smallest |dphi/dx| (of the run's own potential, before
    any point-spread function); among equally flat cells (a conductor), the one nearest the
    region's middle. The points of a region are in x order; interfaces appear once per region."""
    out = {}
    for r in regions:
        mask = region == r
        x, phi = x_m[mask], phi_V[mask]
        if x.size < 2 or x[-1] <= x[0]:
            out[r] = BulkPoint(r, float(x[0]), 0.0)
            continue
        field = np.abs(np.diff(phi) / np.diff(x))
        mid = 0.5 * (x[1:] + x[:-1])
        flat = field <= max(field.min() * (1 + 1e-6), FLAT_V / (x[-1] - x[0]))
        centre = 0.5 * (x[0] + x[-1])
        j = int(np.flatnonzero(flat)[np.argmin(np.abs(mid[flat] - centre))])
        out[r] = BulkPoint(r, float(mid[j]), float(field[j]))
    return out


def bulk_value(x_m: np.ndarray, values: np.ndarray, region: np.ndarray,
               point: BulkPoint) -> float:
    """A profile's value at a region's bulk point (linear within the region)."""
    mask = region == point.region
    return float(np.interp(point.x_m, x_m[mask], values[mask]))


def interface_steps(x_m: np.ndarray, values: np.ndarray, region: np.ndarray,
                    points: dict[str, BulkPoint]) -> dict[str, float]:
    """step(a|b) = v(x_bulk,b) - v(x_bulk,a) for every interface a|b, left to right (V);
    ``points`` holds every region, in order."""
    names = list(points)
    return {f"{a}|{b}": bulk_value(x_m, values, region, points[b])
            - bulk_value(x_m, values, region, points[a])
            for a, b in itertools.pairwise(names)}


def surface_assumptions(chi_V: dict[str, float], given: set[str],
                        tabulated_theta: dict[str, float],
                        collectors: dict[str, tuple[float, float]] | None = None
                        ) -> dict[str, str]:
    """Per region, what the CPD assumes of its surface (the seed's Eq. 6): that it follows the
    bulk (no dipole), or the dipole chi it adds and where that comes from: the user
    (``given``), the material's surface_dipole_V table at the region's theta
    (``tabulated_theta``), or its surface_dipole_V parameter (the same at every Li content);
    in a lithiating collector (``collectors``: the range of Phi(a) - Phi_0 in eV) the work
    function follows the Li dissolved under it, point by point."""
    out = {}
    for r, chi in chi_V.items():
        if collectors and r in collectors:
            low, high = collectors[r]
            out[r] = (f"work function from the Li it holds, Phi(a) - Phi_0 from {low:.4g} to "
                      f"{high:.4g} eV (collector_li.csv; linear in the Li activity a)")
        elif r in given:
            out[r] = f"surface dipole {chi:.6g} V (given by the user)"
        elif r in tabulated_theta:
            out[r] = (f"surface dipole {chi:.6g} V at theta = {tabulated_theta[r]:.4g} "
                      "(material surface_dipole_V table: it follows the Li content)")
        elif chi != 0.0:
            out[r] = (f"surface dipole {chi:.6g} V (material surface_dipole_V), the same "
                      "at every Li content")
        else:
            out[r] = "assumed to follow the bulk: no surface dipole"
    return out
