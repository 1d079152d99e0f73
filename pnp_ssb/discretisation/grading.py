"""Cell sizes of the graded meshes, and the number of cells they give (no DOLFINx, no gmsh).

:mod:`pnp_ssb.discretisation.mesh` builds every mesh from these rules; case validation calls
:func:`estimate_cells` with the same rules, so that a case whose automatic mesh would not fit in
memory is refused before anything is meshed. Lengths are in m unless the name says nm.
"""

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from pnp_ssb.constants import BOLTZMANN_J_K, VACUUM_PERMITTIVITY_F_M
from pnp_ssb.discretisation.microstructure import Layers, Sizing, plan_cross_section
from pnp_ssb.input.plan import MeshPlan
from pnp_ssb.physics.model import StackModel

# 1D: the wall cell follows the expected drop up to 200 kT (5.2 V at 300 K; a Boltzmann layer
# at 4 V needs 3e-35 Debye lengths there); beyond, the error control refines (pnp_ssb.studies.adapt).
# 2D cross-sections keep 30 kT: their cost grows like 1 / h_min, not like log(1 / h_min).
MAX_DROP_FOR_GRADING_KT = 200.0
MAX_DROP_FOR_2D_GRADING_KT = 30.0
MIN_CELL_DEBYE_FRACTION = 1e-40
MIN_CELL_2D_DEBYE_FRACTION = 1e-7
# a cell at x is at least this times |x|: x + h keeps 12 of the 16 digits of a double, so the
# cell lengths the assembly sees are exact to ~2e-4 (interfaces away from x = 0)
MIN_CELL_COORDINATE_FRACTION = 1e-12
MAX_CELLS = 3_000_000  # a larger mesh is refused before meshing (case validation)
TRIANGLE_AREA_FACTOR = math.sqrt(3) / 4  # area of an equilateral triangle of side h, over h^2


def graded_segment(length: float, h_left: float, h_right: float, h_max: float,
                   ratio: float) -> np.ndarray:
    """Cell sizes filling ``length``, growing geometrically by ``ratio`` from both ends.

    Sizes start at ``h_left`` and ``h_right``, grow by ``ratio`` per cell up to ``h_max``, and are
    scaled down uniformly (by at most one growth step) so that they sum exactly to ``length``.
    :func:`graded_segment_cells` counts them without building them.
    """
    h_max = max(h_max, h_left, h_right)

    def ramp(h0: float, budget: float) -> list[float]:
        sizes, total, h = [], 0.0, h0
        while total + h <= budget:
            sizes.append(h)
            total += h
            h = min(h * ratio, h_max)
        return sizes

    left = ramp(h_left, length / 2)
    right = ramp(h_right, length / 2)
    sizes = np.array(left + right[::-1]) if left or right else np.array([length])
    if sizes.sum() < length:
        gap = length - sizes.sum()
        k = len(left)  # fill the middle with cells no larger than the biggest neighbour
        biggest = max(sizes.max(), 0.0) if sizes.size else length
        n_mid = max(1, math.ceil(gap / max(biggest, 1e-300)))
        sizes = np.concatenate([sizes[:k], np.full(n_mid, gap / n_mid), sizes[k:]])
    return sizes * (length / sizes.sum())


def _ramp_count(h0: float, budget: float, h_max: float, ratio: float) -> tuple[float, float, float]:
    """(cells, their total length, the last cell) of graded_segment's ramp, in closed form:
    sizes h0 ratio^i below h_max, then h_max, while they fit in ``budget``."""
    log_r = math.log(ratio)
    growing = max(0.0, math.ceil(math.log(h_max / h0) / log_r)) if h_max > h0 else 0.0

    def geometric(k: float) -> float:  # total of the first k growing cells
        return h0 * math.expm1(k * log_r) / (ratio - 1)

    if geometric(growing) <= budget:
        flat = math.floor((budget - geometric(growing)) / h_max)
        n, total = growing + flat, geometric(growing) + flat * h_max
    else:
        n = min(growing, math.floor(math.log1p(budget * (ratio - 1) / h0) / log_r))
        n, total = max(n, 0), geometric(max(n, 0))
    last = 0.0 if n == 0 else (h_max if n > growing else h0 * ratio ** (n - 1))
    return n, total, last


def graded_segment_cells(length: float, h_left: float, h_right: float, h_max: float,
                         ratio: float) -> float:
    """The number of cells :func:`graded_segment` makes (to a cell or two), without making them."""
    h_max = max(h_max, h_left, h_right)
    n_left, total_left, last_left = _ramp_count(h_left, length / 2, h_max, ratio)
    n_right, total_right, last_right = _ramp_count(h_right, length / 2, h_max, ratio)
    if n_left + n_right == 0:
        return 1.0
    gap = length - total_left - total_right
    middle = max(1.0, math.ceil(gap / max(last_left, last_right))) if gap > 0 else 0.0
    return n_left + n_right + middle


def _local_ionic_strength(model: StackModel, region: str, drop_kT: float) -> float:
    r = model.region(region)
    worst = 0.0
    for sign in (1.0, -1.0):
        psi = np.array([r.bulk_potential + sign * drop_kT])
        worst = max(worst, sum(sp.charge**2 * float(sp.concentration(r.activity(sp, psi, 0.0))[0])
                               for sp in r.species))
    return worst


def _neighbour_potential(model: StackModel, i: int, step: int) -> float | None:
    """Potential (scaled) the region i faces on one side: the next conductor's fixed potential
    or electrolyte's bulk, looking through charge-free dielectric layers; None at an outer end."""
    j = i + step
    while 0 <= j < len(model.regions) and model.regions[j].kind == "dielectric":
        j += step
    if not 0 <= j < len(model.regions):
        return None
    return model.regions[j].bulk_potential


def _expected_drops(plan: MeshPlan, model: StackModel) -> list[list[float]]:
    """Expected potential drop (kT/e) at the left and right end of every electrolyte layer."""
    vt = model.scales.thermal_voltage_V
    n = len(model.regions)
    drops: list[list[float]] = [[0.0, 0.0] for _ in model.regions]
    for i, r in enumerate(model.regions):
        if not r.is_electrolyte:
            continue
        for end, step in ((0, -1), (1, 1)):
            facing = _neighbour_potential(model, i, step)
            if facing is not None:
                drops[i][end] = abs(facing - r.bulk_potential)
    for side, idx, end in (("left", 0, 0), ("right", n - 1, 1)):
        terminal = model.terminals.get(side)
        if terminal is not None and terminal.offset_V != 0.0:  # an imposed boundary potential
            drops[idx][end] = abs(terminal.offset_V) / vt
    return drops


def cell_sizes_at_ends(plan: MeshPlan, model: StackModel,
                       max_drop_kT: float = MAX_DROP_FOR_GRADING_KT,
                       floor: float = MIN_CELL_DEBYE_FRACTION) -> list[tuple[float, float]]:
    """Smallest cell (m) at the left and right end of every layer.

    In an electrolyte with ``mesh.min_cell_m = "auto"`` this is 0.1 of the local Debye length at
    the wall, lambda_D sqrt(I_bulk / I_wall), where I is the ionic strength and I_wall follows
    from the expected potential drop there (boundary potential, facing conductor or
    bulk-potential difference), taken at most ``max_drop_kT``: for a symmetric Boltzmann
    electrolyte, about 0.1 lambda_D / cosh(drop/2). It is at least ``floor`` lambda_D and
    1e-12 of the wall's distance from x = 0 (MIN_CELL_COORDINATE_FRACTION).
    Dielectrics get a quarter and conductors half of their thickness (no space charge).
    """
    drops = _expected_drops(plan, model)
    sizes = []
    x_left = 0.0
    for i, region in enumerate(model.regions):
        x_ends = (x_left, x_left + region.thickness_m)
        x_left += region.thickness_m
        r = model.regions[i]
        if not r.is_electrolyte:
            fraction = 0.5 if r.is_conductor else 0.25
            sizes.append((fraction * region.thickness_m, fraction * region.thickness_m))
            continue
        if plan.mesh.min_cell_m != "auto":
            sizes.append((plan.mesh.min_cell_m, plan.mesh.min_cell_m))
            continue
        lam = model.debye_length_m(region.name)
        bulk = r.ionic_strength()
        ends = []
        for drop, x_end in zip(drops[i], x_ends, strict=True):
            wall = _local_ionic_strength(model, region.name, min(drop, max_drop_kT))
            ends.append(max(0.1 * lam * math.sqrt(bulk / max(wall, bulk)),
                            floor * lam, MIN_CELL_COORDINATE_FRACTION * x_end))
        sizes.append((ends[0], ends[1]))
    return sizes


def grain_boundary_cell_m(plan: MeshPlan, model: StackModel, region: str,
                          max_drop_kT: float = MAX_DROP_FOR_GRADING_KT,
                          floor: float = MIN_CELL_DEBYE_FRACTION) -> float:
    """Smallest cell (m) at a grain boundary of ``region``: as at a wall, 0.1 lambda_D
    sqrt(I_bulk / I_core), with the drop estimated from Gouy–Chapman for half the core charge
    on each side (sigma/2 = sqrt(4 eps kT I) sinh(drop/2)) plus the largest energy shift
    (at most ``max_drop_kT``); at least 1e-12 of the region's far edge (the coordinate floor)."""
    gb = model.grain_boundaries[region]
    if plan.mesh.min_cell_m != "auto":
        return plan.mesh.min_cell_m
    r = model.region(region)
    lam = model.debye_length_m(region)
    bulk = r.ionic_strength()
    eps = VACUUM_PERMITTIVITY_F_M * r.relative_permittivity
    strength_m3 = bulk * model.scales.concentration_m3
    scale = math.sqrt(4 * eps * BOLTZMANN_J_K * model.scales.temperature_K * strength_m3)
    drop = 2 * math.asinh(abs(gb.core_charge_C_m2) / 2 / scale)
    drop += max((abs(v) for v in gb.energy_shift_eV.values()), default=0.0) / (
        model.scales.thermal_voltage_V)
    wall = _local_ionic_strength(model, region, min(drop, max_drop_kT))
    names = [r.name for r in model.regions]
    x_far = sum(r.thickness_m for r in model.regions[:names.index(region) + 1])
    return max(0.1 * lam * math.sqrt(bulk / max(wall, bulk)), floor * lam,
               MIN_CELL_COORDINATE_FRACTION * x_far)


class Segment(NamedTuple):
    """A piece of a layer meshed by one :func:`graded_segment` call (lengths in m)."""

    length: float
    h_start: float
    h_end: float
    h_cap: float
    group: str


MAX_CELL_LAYER_FRACTION = 1 / 20  # 'auto' max_cell_m: a twentieth of each electrolyte layer


def electrolyte_max_cell_m(plan: MeshPlan, model: StackModel, region: str) -> float:
    """The largest cell in an electrolyte layer: ``mesh.max_cell_m``, or a twentieth of that
    layer (``MAX_CELL_LAYER_FRACTION``).

    Tied to the layer, not to the smallest cell: cells grow geometrically from h_min at the
    walls up to L/20, so a layer needs about 2 ln(L / (20 h_min)) / ln(g) + 20 cells, which
    grows like log(L / lambda_D) (the neutral bulk is flat: P1 is exact on a linear profile).
    """
    if plan.mesh.max_cell_m != "auto":
        return plan.mesh.max_cell_m
    return model.region(region).thickness_m * MAX_CELL_LAYER_FRACTION


def stack_segments(plan: MeshPlan, model: StackModel) -> list[list[Segment]]:
    """The graded segments of every layer of the 1D stack, left to right (before refinement).

    The largest cell of an electrolyte is :func:`electrolyte_max_cell_m` (its own); dielectrics
    and conductors keep the coarse cells of cell_sizes_at_ends. Layers split at grain
    boundaries, graded toward them as toward interfaces; a thin core gets at least four cells.
    """
    ends = cell_sizes_at_ends(plan, model)
    out = []
    for region, (h_l, h_r) in zip(model.regions, ends, strict=True):
        cap = (electrolyte_max_cell_m(plan, model, region.name) if region.is_electrolyte
               else max(h_l, h_r))
        # (length, h_start, h_end, cap, group) of each segment of the region
        segments = [(region.thickness_m, h_l, h_r, cap, region.name)]
        gb = model.grain_boundaries.get(region.name)
        if gb is not None:
            h_gb = grain_boundary_cell_m(plan, model, region.name)
            cuts = [0.0]
            for p in gb.positions_m:
                cuts += [p - gb.width_m / 2, p + gb.width_m / 2] if gb.width_m else [p]
            cuts.append(region.thickness_m)
            segments = []
            for k in range(len(cuts) - 1):
                length = cuts[k + 1] - cuts[k]
                if gb.width_m > 0 and k % 2 == 1:  # a core
                    h = min(h_gb, gb.width_m / 4)
                    segments.append((length, h, h, h, f"{region.name}_gb"))
                    continue
                start = h_l if k == 0 else h_gb
                end = h_r if k == len(cuts) - 2 else h_gb
                segments.append((length, start, end, cap, region.name))
        out.append([Segment(length, min(h0, length / 4), min(h1, length / 4), h_cap, group)
                    for length, h0, h1, h_cap, group in segments])
    return out


def microstructure_sizing(plan: MeshPlan, model: StackModel):
    """h_min: the smallest cell the 1D rules give at the electrolytes' interfaces and at the
    grain boundaries (mesh.min_cell_m if set); h_max: geometry.max_cell_m, or a twentieth of
    the smaller of the grain-boundary region's thickness and the height; ratio:
    mesh.growth_ratio."""
    nm = model.scales.length_m
    (key,) = model.grain_boundaries
    rule = (MAX_DROP_FOR_2D_GRADING_KT, MIN_CELL_2D_DEBYE_FRACTION)
    ends = [h for (h_l, h_r), r in zip(cell_sizes_at_ends(plan, model, *rule), model.regions,
                                       strict=True) if r.is_electrolyte for h in (h_l, h_r)]
    h_min = min([*ends, grain_boundary_cell_m(plan, model, key, *rule)])
    geo = plan.geometry
    h_max = (min(model.region(key).thickness_m, geo.lateral_height_m) / 20
             if geo.max_cell_m == "auto"
             else geo.max_cell_m)
    return Sizing(h_min / nm, max(h_max, h_min) / nm, plan.mesh.growth_ratio)


def cross_section_plan(plan: MeshPlan, model: StackModel) -> tuple[Layers, str, Any]:
    """The layers and grains of a bicrystal or polycrystal geometry of ``model``'s stack."""
    (key,) = model.grain_boundaries
    return plan_cross_section([(r.name, r.thickness_m) for r in model.regions], key,
                              model.grain_boundaries[key].width_m, plan.geometry)


@dataclass(frozen=True)
class CellEstimate:
    """The estimated size of a case's mesh and the case entry that drives it."""

    cells: float
    field: str  # e.g. 'regions[1].thickness_m'
    value: Any
    detail: str  # how the count arises, for the error message


def _stack_estimate(plan: MeshPlan, model: StackModel) -> CellEstimate:
    refine = 2 ** plan.mesh.refine
    per_region = [refine * sum(graded_segment_cells(*s[:4], plan.mesh.growth_ratio) for s in segs)
                  for segs in stack_segments(plan, model)]
    i = int(np.argmax(per_region))
    h_max = max(s.h_cap for s in stack_segments(plan, model)[i])
    how = ("mesh.max_cell_m = 'auto': a twentieth of the layer"
           if plan.mesh.max_cell_m == "auto" else "mesh.max_cell_m")
    detail = (f"the 1D graded mesh has about {sum(per_region):.3g} cells, {per_region[i]:.3g} of "
              f"them in region {model.regions[i].name!r} (cells grow by mesh.growth_ratio = "
              f"{plan.mesh.growth_ratio:g} up to {h_max:.3g} m, {how}"
              + (f", refined {plan.mesh.refine} times" if plan.mesh.refine else "")
              + "); use a thinner layer, or a larger mesh.max_cell_m")
    return CellEstimate(float(sum(per_region)), f"regions[{i}].thickness_m",
                        model.regions[i].thickness_m, detail)


def _microstructure_estimate(plan: MeshPlan, model: StackModel) -> CellEstimate:
    """Triangles of a gmsh cross-section, h = min(h_min + (g - 1) d, h_max): the area at h_max
    plus, along every internal line of length l, 2 l / ((g - 1) h_min) for the grading."""
    nm = model.scales.length_m
    sizing = microstructure_sizing(plan, model)
    layers, _, grains = cross_section_plan(plan, model)
    height = layers.height_nm
    lines = (len(layers.names) - 1) * height  # layer interfaces
    if plan.geometry.type == "bicrystal":
        (p, q) = grains
        lines += math.hypot(q[0] - p[0], q[1] - p[1])
    else:
        _, cells = grains
        if len(cells) > 1:
            lines += sum(math.dist(c[k - 1], c[k]) for c in cells for k in range(len(c))) / 2
    if next(iter(model.grain_boundaries.values())).width_m > 0:
        lines *= 2  # both sides of every core
    area = layers.length_nm * height
    cells = (area / sizing.h_max_nm**2 + 2 * lines / ((sizing.growth_ratio - 1)
                                                      * sizing.h_min_nm)) / TRIANGLE_AREA_FACTOR
    detail = (f"the gmsh cross-section has about {cells:.3g} triangles (cells from "
              f"{sizing.h_min_nm * nm:.3g} m, growing by mesh.growth_ratio = "
              f"{sizing.growth_ratio:g}, up to {sizing.h_max_nm * nm:.3g} m); use a smaller "
              "geometry.height_m, or coarser cells (mesh.min_cell_m, mesh.growth_ratio, "
              "geometry.max_cell_m)")
    if plan.geometry.max_cell_m != "auto":
        return CellEstimate(cells, "geometry.max_cell_m", plan.geometry.max_cell_m, detail)
    return CellEstimate(cells, "geometry.height_m", plan.geometry.height_m, detail)


def estimate_cells(plan: MeshPlan, model: StackModel) -> CellEstimate:
    """The number of cells the automatic mesh would have, and the entry that drives it.

    The 1D graded stack is counted to a cell or two per segment (every geometry builds it: 2D
    runs use its x for their profiles); ``layered_2d`` multiplies it by
    ``geometry.lateral_cells``; bicrystals and polycrystals are estimated from their size field
    (within a factor of about two, on the high side: graded zones that overlap are counted
    twice). A ``mesh_file`` mesh is the user's.
    """
    stack = _stack_estimate(plan, model)
    geo = plan.geometry
    if geo.type == "layered_2d" and stack.cells <= MAX_CELLS:
        return CellEstimate(stack.cells * geo.lateral_cells, "geometry.lateral_cells",
                            geo.lateral_cells, f"the 1D graded mesh has about {stack.cells:.3g} "
                            f"cells, times {geo.lateral_cells} rows: use fewer lateral_cells")
    if geo.type in ("bicrystal", "polycrystal") and stack.cells <= MAX_CELLS:
        return _microstructure_estimate(plan, model)
    return stack
