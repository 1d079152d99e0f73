"""Space-charge layers read off a solved profile: the drop and width at each boundary and
interface of a 1D stack, the barrier and width of every grain boundary located along x, and the
barrier of a 2D bicrystal boundary at any angle.
"""

import itertools
import math
from dataclasses import dataclass

import numpy as np

from pnp_ssb.analysis.postprocess import Profile1D, Segment
from pnp_ssb.analysis.sampling import evaluate, locate
from pnp_ssb.discretisation.forms import Problem
from pnp_ssb.input.case import GeometrySpec
from pnp_ssb.physics.model import RegionModel, StackModel


@dataclass(frozen=True)
class SideMetrics:
    """The space-charge layer on one side of a boundary or interface.

    drop_V: phi(interface) - phi_n(interface), phi_n being the potential that would make the
        region locally neutral with the local electrochemical potentials (the bulk potential at
        equilibrium).
    width_m: distance from the interface at which |phi - phi_n| has fallen to drop/e (the Debye
        length for a weakly charged Gouy–Chapman layer).
    """

    region: str
    drop_V: float
    width_m: float


def side_metrics(profile: Profile1D, region: RegionModel, at_start: bool) -> SideMetrics:
    """Drop and width of the space-charge layer of ``region`` at its start or end."""
    seg = profile.segment(region.name)
    order = slice(None) if at_start else slice(None, None, -1)
    x, psi = seg.x_m[order], seg.psi[order]
    w = {k: v[order] for k, v in seg.w.items()}
    psi_n = region.neutral_potential(w, shape=psi.shape)
    dev = (psi - psi_n) * profile.thermal_voltage_V
    drop = float(dev[0])
    distance = np.abs(x - x[0])
    if abs(drop) < 1e-12:
        return SideMetrics(region.name, drop, 0.0)
    target = abs(drop) / math.e
    below = np.flatnonzero(np.abs(dev) <= target)
    if below.size == 0:
        return SideMetrics(region.name, drop, float(distance[-1]))
    j = int(below[0])
    d0, d1 = abs(dev[j - 1]), abs(dev[j])
    t = (d0 - target) / (d0 - d1) if d0 != d1 else 0.0
    return SideMetrics(region.name, drop, float(distance[j - 1] + t * (distance[j] - distance[j - 1])))


def layer_metrics_1d(profile: Profile1D, model: StackModel) -> dict[str, list[SideMetrics]]:
    """Space-charge metrics at 'left', 'right' and every 'A|B' interface of a 1D stack."""
    regs = model.regions
    out: dict[str, list[SideMetrics]] = {}
    if regs[0].is_electrolyte:
        out["left"] = [side_metrics(profile, regs[0], True)]
    if regs[-1].is_electrolyte:
        out["right"] = [side_metrics(profile, regs[-1], False)]
    for a, b in itertools.pairwise(regs):
        sides = [side_metrics(profile, r, start) for r, start in ((a, False), (b, True))
                 if r.is_electrolyte]
        if sides:
            out[f"{a.name}|{b.name}"] = sides
    return out


def grain_boundary_positions_m(model: StackModel, geo: GeometrySpec, region: str) -> list[float]:
    """x of each grain boundary of a region whose position along x is defined (m, stack
    coordinates): the 1D positions, or a 2D bicrystal boundary parallel to the electrodes."""
    x0 = 0.0
    for r in model.regions:
        if r.name == region:
            break
        x0 += r.thickness_m
    if geo.type in ("stack", "layered_2d"):
        return [x0 + p for p in model.grain_boundaries[region].positions_m]
    if geo.type == "bicrystal" and geo.gb_angle_deg == 90.0:
        thickness = model.region(region).thickness_m
        return [x0 + (geo.gb_position_m if geo.gb_position_m is not None else thickness / 2)]
    return []


def bicrystal_barrier(problem: Problem, geo: GeometrySpec) -> dict:
    """Barrier of a 2D bicrystal boundary at any angle (collective): phi at the boundary's
    centre (mid-height) minus the mean of phi at +-s along its normal, s = 20 Debye lengths
    (the grains' neutral level; the mean cancels a uniform field under current)."""
    (key,) = problem.model.grain_boundaries
    ls = problem.domain.length_scale_m
    x0 = problem.domain.layer_bounds[key][0] * ls
    position = (geo.gb_position_m if geo.gb_position_m is not None
                else problem.model.region(key).thickness_m / 2)
    centre = np.array([x0 + position, geo.lateral_height_m / 2]) / ls
    angle = math.radians(geo.gb_angle_deg)
    normal = np.array([-math.sin(angle), math.cos(angle)])
    s = 20 * problem.model.debye_length_m(key) / ls
    pts = np.array([[*centre, 0.0], [*(centre + s * normal), 0.0], [*(centre - s * normal), 0.0]])
    psi = evaluate(problem.psi, locate(problem.domain.mesh, pts,
                                       problem.domain.region_cells(key)))
    vt = problem.model.scales.thermal_voltage_V
    return {"position_m": [float(v * ls) for v in centre], "angle_deg": geo.gb_angle_deg,
            "barrier_V": float((psi[0] - 0.5 * (psi[1] + psi[2])) * vt),
            "probe_distance_m": float(s * ls)}


def grain_boundary_metrics(profile: Profile1D, model: StackModel, geo: GeometrySpec
                           ) -> dict[str, list[dict]]:
    """Barrier and screening width of every grain boundary located along x.

    barrier_V = phi(x_gb) - phi_n(x_gb), phi_n the neutral potential for the local
    electrochemical potentials (the bulk potential at equilibrium); width_m: the distance on
    the right at which |phi - phi_n| has fallen to barrier/e (as for interfaces).
    """
    out: dict[str, list[dict]] = {}
    for name in model.grain_boundaries:
        region = model.region(name)
        seg = profile.segment(name)
        entries = []
        for x_gb in grain_boundary_positions_m(model, geo, name):
            k = int(np.argmin(np.abs(seg.x_m - x_gb)))
            right = Segment(name, seg.x_m[k:], seg.psi[k:], {s: v[k:] for s, v in seg.w.items()},
                            {s: v[k:] for s, v in seg.c_m3.items()})
            side = side_metrics(Profile1D((right,), profile.thermal_voltage_V), region, True)
            entries.append({"position_m": float(seg.x_m[k]), "barrier_V": side.drop_V,
                            "width_m": side.width_m})
        out[name] = entries
    return out
