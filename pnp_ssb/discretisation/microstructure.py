"""2D cross-sections with grain boundaries, built with gmsh (imported inside the functions).

A cross-section is the layer stack along x (x from 0 to the total thickness, y from 0 to the
height, lengths in nm) in which one solid-electrolyte layer is split into grains: a bicrystal
(one straight boundary) or a Voronoi polycrystal. The gmsh model follows the mesh contract of
docs/user-guide.md: one physical group per layer (dimension 2), the grain-boundary cores of a
layer in '<layer>_gb' (dimension 2) or its sharp boundaries in '<layer>_gb' (dimension 1), and
the sides 'left', 'right', 'bottom', 'top'. Cells are graded from h_min at layer interfaces and
grain boundaries, growing by the ratio g per cell (size h_min + (g - 1) d at distance d), up to
h_max. The same arguments (and seed) give the same mesh.
"""

import logging
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pnp_ssb.input.case import GeometrySpec
from pnp_ssb.log import ProgressBar

log = logging.getLogger(__name__)

Point = tuple[float, float]


class GeometryError(ValueError):
    """Arguments that cannot describe a cross-section; the message names the parameter."""


@dataclass(frozen=True)
class Layers:
    """Layer names and thicknesses (nm), left to right, and the height (nm)."""

    names: tuple[str, ...]
    thickness_nm: tuple[float, ...]
    height_nm: float

    def bounds(self, name: str) -> tuple[float, float]:
        """x range of a layer (nm)."""
        if name not in self.names:
            raise GeometryError(f"layer {name!r} is not one of {', '.join(self.names)}")
        i = self.names.index(name)
        x0 = float(sum(self.thickness_nm[:i]))
        return x0, x0 + self.thickness_nm[i]

    @property
    def length_nm(self) -> float:
        """Total thickness (nm)."""
        return float(sum(self.thickness_nm))


def check_layers(layers: Layers) -> None:
    """Positive sizes and distinct names."""
    for name, t in zip(layers.names, layers.thickness_nm, strict=True):
        if not t > 0:
            raise GeometryError(f"thickness of layer {name!r} = {t!r}: expected > 0 nm")
    if not layers.height_nm > 0:
        raise GeometryError(f"height = {layers.height_nm!r}: expected > 0 nm")
    if len(set(layers.names)) != len(layers.names):
        raise GeometryError(f"layer names {layers.names}: expected distinct names")


@dataclass(frozen=True)
class Sizing:
    """Cell sizes (nm): h_min at interfaces and grain boundaries, growth ratio, h_max."""

    h_min_nm: float
    h_max_nm: float
    growth_ratio: float = 1.1

    def check(self) -> None:
        """0 < h_min <= h_max, ratio > 1."""
        if not 0 < self.h_min_nm <= self.h_max_nm:
            raise GeometryError(f"h_min = {self.h_min_nm!r}, h_max = {self.h_max_nm!r}: "
                                "expected 0 < h_min <= h_max (nm)")
        if not self.growth_ratio > 1:
            raise GeometryError(f"growth_ratio = {self.growth_ratio!r}: expected > 1")


# ---------------------------------------------------------------------------------------------
# Polygons (convex): Voronoi cells by half-plane clipping
# ---------------------------------------------------------------------------------------------

def clip(polygon: list[Point], normal: Point, offset: float) -> list[Point]:
    """The part of a convex polygon with n . p <= offset (Sutherland–Hodgman, one plane)."""
    out: list[Point] = []
    n = len(polygon)
    for i in range(n):
        p, q = polygon[i], polygon[(i + 1) % n]
        fp = normal[0] * p[0] + normal[1] * p[1] - offset
        fq = normal[0] * q[0] + normal[1] * q[1] - offset
        if fp <= 0:
            out.append(p)
        if (fp < 0 < fq) or (fq < 0 < fp):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def voronoi_cells(seeds: Sequence[Point], box: tuple[float, float, float, float]
                  ) -> list[list[Point]]:
    """The Voronoi cell of each seed inside the box (x0, x1, y0, y1), counter-clockwise."""
    x0, x1, y0, y1 = box
    cells = []
    for i, s in enumerate(seeds):
        poly: list[Point] = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        for j, t in enumerate(seeds):
            if i == j:
                continue
            normal = (t[0] - s[0], t[1] - s[1])  # keep the side nearer to s
            mid = ((s[0] + t[0]) / 2, (s[1] + t[1]) / 2)
            poly = clip(poly, normal, normal[0] * mid[0] + normal[1] * mid[1])
            if not poly:
                break
        cells.append(poly)
    return cells


def shrink(polygon: list[Point], distance: float, box: tuple[float, float, float, float]
           ) -> list[Point]:
    """Move every edge of a convex polygon that is not on the box inward by ``distance``."""
    x0, x1, y0, y1 = box
    out = polygon
    n = len(polygon)
    for i in range(n):
        p, q = polygon[i], polygon[(i + 1) % n]
        on_box = ((abs(p[0] - q[0]) < 1e-9 and min(abs(p[0] - x0), abs(p[0] - x1)) < 1e-9)
                  or (abs(p[1] - q[1]) < 1e-9 and min(abs(p[1] - y0), abs(p[1] - y1)) < 1e-9))
        if on_box:
            continue
        ex, ey = q[0] - p[0], q[1] - p[1]
        length = math.hypot(ex, ey)
        normal = (ey / length, -ex / length)  # outward for a counter-clockwise polygon
        out = clip(out, normal, normal[0] * p[0] + normal[1] * p[1] - distance)
        if not out:
            return []
    return out


def polygon_area(polygon: Sequence[Point]) -> float:
    """Signed area (> 0 counter-clockwise)."""
    return 0.5 * sum(p[0] * q[1] - q[0] * p[1]
                     for p, q in zip(polygon, [*polygon[1:], polygon[0]], strict=True))


def draw_seeds(n_grains: int, seed: int, box: tuple[float, float, float, float],
               min_distance_nm: float, attempts: int = 10000) -> list[Point]:
    """n seeds drawn uniformly in the box, at least ``min_distance_nm`` apart (rejection)."""
    rng = np.random.default_rng(seed)
    x0, x1, y0, y1 = box
    seeds: list[Point] = []
    for _ in range(attempts):
        p = (float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1)))
        if all(math.hypot(p[0] - s[0], p[1] - s[1]) >= min_distance_nm for s in seeds):
            seeds.append(p)
            if len(seeds) == n_grains:
                return seeds
    raise GeometryError(f"grains = {n_grains}: cannot place that many seeds at least "
                        f"{min_distance_nm:g} nm apart in the layer; use fewer grains or a "
                        "smaller min_seed_distance_nm")


def check_seeds(seeds: Sequence[Point], box: tuple[float, float, float, float],
                min_distance_nm: float) -> None:
    """Seeds inside the layer and not closer than the minimum distance (overlapping grains)."""
    x0, x1, y0, y1 = box
    for i, s in enumerate(seeds):
        if not (x0 < s[0] < x1 and y0 < s[1] < y1):
            raise GeometryError(f"seeds[{i}] = {s}: expected a point inside the layer "
                                f"({x0:g} < x < {x1:g}, {y0:g} < y < {y1:g} nm)")
        for j in range(i):
            d = math.hypot(s[0] - seeds[j][0], s[1] - seeds[j][1])
            if d < min_distance_nm:
                raise GeometryError(f"seeds[{j}] = {seeds[j]} and seeds[{i}] = {s}: overlapping "
                                    f"grain seeds ({d:.3g} nm apart); expected at least "
                                    f"{min_distance_nm:g} nm")


# ---------------------------------------------------------------------------------------------
# gmsh models
# ---------------------------------------------------------------------------------------------

def _gmsh():
    import gmsh  # imported here: only mesh generation needs it

    if not gmsh.isInitialized():
        gmsh.initialize(interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.option.setNumber("General.NumThreads", 1)  # reproducible meshes
    gmsh.option.setNumber("Mesh.RandomSeed", 1)
    return gmsh


def bicrystal_grains(layers: Layers, electrolyte: str, position_nm: float, angle_deg: float,
                     ) -> tuple[Point, Point]:
    """The boundary segment: the line through (x0 + position, height/2) at ``angle_deg`` to the
    x axis, clipped to the electrolyte layer."""
    a, b = layers.bounds(electrolyte)
    if not 0 < position_nm < b - a:
        raise GeometryError(f"gb_position = {position_nm!r} nm: expected inside layer "
                            f"{electrolyte!r} (0 to {b - a:g} nm)")
    if not 0 <= angle_deg <= 90:
        raise GeometryError(f"gb_angle = {angle_deg!r} deg: expected 0 to 90")
    c = (a + position_nm, layers.height_nm / 2)
    d = (math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg)))
    ts = []
    for k, (lo, hi) in enumerate(((a, b), (0.0, layers.height_nm))):
        if abs(d[k]) > 1e-12:
            ts += [(lo - c[k]) / d[k], (hi - c[k]) / d[k]]
    t_neg = max(t for t in ts if t < 0)
    t_pos = min(t for t in ts if t > 0)
    return ((c[0] + t_neg * d[0], c[1] + t_neg * d[1]), (c[0] + t_pos * d[0], c[1] + t_pos * d[1]))


def build_cross_section(layers: Layers, electrolyte: str, grains: list[list[Point]],
                        boundary: tuple[Point, Point] | None, width_nm: float,
                        sizing: Sizing, name: str = "cross_section") -> None:
    """Add the gmsh model of a cross-section and mesh it (on the calling process).

    ``grains`` (Voronoi polygons) or ``boundary`` (one segment) split the electrolyte layer;
    with ``width_nm`` > 0 the boundaries are cores of that width, else sharp lines.
    """
    gmsh = _gmsh()
    occ = gmsh.model.occ
    gmsh.model.add(name)
    h = layers.height_nm
    layer_tags = {}
    for n in layers.names:
        a, b = layers.bounds(n)
        layer_tags[n] = occ.addRectangle(a, 0, 0, b - a, h)
    a, b = layers.bounds(electrolyte)
    tools: list[tuple[int, int]] = []
    if boundary is not None:
        (p, q) = boundary
        if width_nm > 0:
            length = math.hypot(q[0] - p[0], q[1] - p[1])
            strip = occ.addRectangle(-width_nm, -width_nm / 2, 0, length + 2 * width_nm, width_nm)
            occ.rotate([(2, strip)], 0, 0, 0, 0, 0, 1, math.atan2(q[1] - p[1], q[0] - p[0]))
            occ.translate([(2, strip)], p[0], p[1], 0)
            core, _ = occ.intersect([(2, strip)], [(2, occ.addRectangle(a, 0, 0, b - a, h))])
            tools += core
        else:
            tools.append((1, occ.addLine(occ.addPoint(*p, 0), occ.addPoint(*q, 0))))
    for poly in grains:
        if width_nm > 0:
            poly = shrink(poly, width_nm / 2, (a, b, 0.0, h))
        pts = [occ.addPoint(x, y, 0) for x, y in poly]
        loop = occ.addCurveLoop([occ.addLine(pts[i], pts[(i + 1) % len(pts)])
                                 for i in range(len(pts))])
        tools.append((2, occ.addPlaneSurface([loop])))
    occ.fragment([(2, t) for t in layer_tags.values()], tools)
    occ.removeAllDuplicates()
    occ.synchronize()
    _tag_groups(layers, electrolyte, width_nm, bool(tools))
    _size_field(layers, sizing)
    bar, start = ProgressBar(f"{name}: gmsh meshing", 1.0), time.perf_counter()
    gmsh.model.mesh.generate(2)
    bar.close()
    log.info("%s: gmsh meshed the cross-section in %.1f s", name, time.perf_counter() - start)


def _tag_groups(layers: Layers, electrolyte: str, width_nm: float, split: bool) -> None:
    """Physical groups by position: surfaces by layer (and core or grain), curves by side."""
    import gmsh  # imported here: only mesh generation needs it

    model = gmsh.model
    tol = 1e-6 * layers.length_nm
    a, b = layers.bounds(electrolyte)
    by_group: dict[str, list[int]] = {}
    grain_surfaces = []
    for _, s in model.getEntities(2):
        x = model.occ.getCenterOfMass(2, s)[0]
        layer = next(n for n in layers.names if layers.bounds(n)[0] - tol <= x
                     <= layers.bounds(n)[1] + tol)
        group = layer
        if layer == electrolyte and width_nm > 0 and split:
            # grains are the shrunk Voronoi cells or the two sides of the strip: the core is
            # the surface whose every boundary point lies within the strip width of another
            group = _core_or_grain(s, layer, width_nm)
        if group == layer and layer == electrolyte:
            grain_surfaces.append(s)
        by_group.setdefault(group, []).append(s)
    for group, surfaces in by_group.items():
        model.setPhysicalName(2, model.addPhysicalGroup(2, surfaces), group)
    sides: dict[str, list[int]] = {}
    for _, c in model.getEntities(1):
        lo, hi = model.getBoundingBox(1, c)[0:2], model.getBoundingBox(1, c)[3:5]
        if hi[0] < tol:
            sides.setdefault("left", []).append(c)
        elif lo[0] > layers.length_nm - tol:
            sides.setdefault("right", []).append(c)
        elif hi[1] < tol:
            sides.setdefault("bottom", []).append(c)
        elif lo[1] > layers.height_nm - tol:
            sides.setdefault("top", []).append(c)
        elif width_nm == 0 and split and lo[0] > a - tol and hi[0] < b + tol:
            up, _ = model.getAdjacencies(1, c)
            if len(up) == 2 and all(s in grain_surfaces for s in up):
                sides.setdefault(f"{electrolyte}_gb", []).append(c)
    for group, curves in sides.items():
        model.setPhysicalName(1, model.addPhysicalGroup(1, curves), group)


def _core_or_grain(surface: int, layer: str, width_nm: float) -> str:
    """A thin core is the only electrolyte surface thinner than twice the core width: its
    area over its perimeter (half the mean width of a strip) stays below width/2 * 1.01."""
    import gmsh  # imported here: only mesh generation needs it

    area = gmsh.model.occ.getMass(2, surface)
    perimeter = sum(gmsh.model.occ.getMass(1, abs(c))
                    for c in gmsh.model.getAdjacencies(2, surface)[1])
    return f"{layer}_gb" if area / perimeter < 0.51 * width_nm else layer


def _size_field(layers: Layers, sizing: Sizing) -> None:
    """h = min(h_min + (g - 1) d, h_max), d the distance to the nearest internal line."""
    import gmsh  # imported here: only mesh generation needs it

    model = gmsh.model
    tol = 1e-6 * layers.length_nm
    internal = []
    for _, c in model.getEntities(1):
        lo, hi = model.getBoundingBox(1, c)[0:2], model.getBoundingBox(1, c)[3:5]
        horizontal_side = hi[1] < tol or lo[1] > layers.height_nm - tol
        outer_end = hi[0] < tol or lo[0] > layers.length_nm - tol
        if not (horizontal_side or outer_end):
            internal.append(c)
    dist = model.mesh.field.add("Distance")
    model.mesh.field.setNumbers(dist, "CurvesList", internal)
    model.mesh.field.setNumber(dist, "Sampling", 200)
    size = model.mesh.field.add("MathEval")
    model.mesh.field.setString(size, "F", f"Min({sizing.h_min_nm} + "
                               f"{sizing.growth_ratio - 1} * F{dist}, {sizing.h_max_nm})")
    model.mesh.field.setAsBackgroundMesh(size)
    for opt in ("MeshSizeExtendFromBoundary", "MeshSizeFromPoints", "MeshSizeFromCurvature"):
        gmsh.option.setNumber(f"Mesh.{opt}", 0)
    gmsh.option.setNumber("Mesh.Algorithm", 6)


def bicrystal(layers: Layers, electrolyte: str, position_nm: float, angle_deg: float,
              width_nm: float, sizing: Sizing) -> None:
    """Mesh a bicrystal cross-section into the current gmsh model (see module docstring)."""
    check_layers(layers)
    sizing.check()
    if width_nm < 0:
        raise GeometryError(f"gb_width = {width_nm!r} nm: expected >= 0")
    segment = bicrystal_grains(layers, electrolyte, position_nm, angle_deg)
    build_cross_section(layers, electrolyte, [], segment, width_nm, sizing, "bicrystal")


def polycrystal_cells(layers: Layers, electrolyte: str, n_grains: int, seed: int,
                      width_nm: float, min_seed_distance_nm: float | None = None,
                      seeds_nm: Sequence[Point] | None = None
                      ) -> tuple[list[Point], list[list[Point]]]:
    """Seeds and Voronoi cells of a polycrystal layer, checked (no gmsh): seeds drawn from
    ``seed`` (or given) at least ``min_seed_distance_nm`` apart (default: four core widths,
    at least 1 nm), each grain large enough to keep a core after shrinking by width/2."""
    check_layers(layers)
    a, b = layers.bounds(electrolyte)
    box = (a, b, 0.0, layers.height_nm)
    if n_grains < 1:
        raise GeometryError(f"grains = {n_grains!r}: expected at least 1")
    if width_nm < 0:
        raise GeometryError(f"gb_width = {width_nm!r} nm: expected >= 0")
    min_d = (min_seed_distance_nm if min_seed_distance_nm is not None
             else max(4 * width_nm, 1.0))
    if seeds_nm is not None:
        seeds = [(float(x), float(y)) for x, y in seeds_nm]
        check_seeds(seeds, box, min_d)
    else:
        seeds = draw_seeds(n_grains, seed, box, min_d)
    cells = voronoi_cells(seeds, box)
    if width_nm > 0 and len(cells) > 1:
        for i, cell in enumerate(cells):
            core = shrink(cell, width_nm / 2, box)
            if not core or polygon_area(core) < width_nm**2:
                raise GeometryError(f"gb_width = {width_nm:g} nm: grain {i} (seed {seeds[i]}) "
                                    "is too small to keep a core; use a smaller width or "
                                    "fewer grains")
    return seeds, cells


def polycrystal(layers: Layers, electrolyte: str, n_grains: int, seed: int, width_nm: float,
                sizing: Sizing, min_seed_distance_nm: float | None = None,
                seeds_nm: Sequence[Point] | None = None) -> list[Point]:
    """Mesh a Voronoi polycrystal cross-section into the current gmsh model; returns the seeds
    (see :func:`polycrystal_cells`)."""
    sizing.check()
    seeds, cells = polycrystal_cells(layers, electrolyte, n_grains, seed, width_nm,
                                     min_seed_distance_nm, seeds_nm)
    build_cross_section(layers, electrolyte, cells if len(cells) > 1 else [], None, width_nm,
                        sizing, "polycrystal")
    return seeds


def plan_cross_section(regions: Sequence[tuple[str, float]], gb_region: str, gb_width_m: float,
                       geo: GeometrySpec):
    """The layers (nm) of a bicrystal or polycrystal geometry, and its grains: the bicrystal's
    boundary line, or a polycrystal's seeds and Voronoi cells (checked, no gmsh).

    Args:
        regions: (name, thickness_m) of every layer, left to right.
        gb_region: the region holding the grain boundaries; gb_width_m: their core width.
    """
    nm = 1e-9
    layers = Layers(tuple(n for n, _ in regions), tuple(t / nm for _, t in regions),
                    geo.lateral_height_m / nm)
    if geo.type == "bicrystal":
        position = (geo.gb_position_m if geo.gb_position_m is not None
                    else dict(regions)[gb_region] / 2) / nm
        return layers, gb_region, bicrystal_grains(layers, gb_region, position, geo.gb_angle_deg)
    x0 = layers.bounds(gb_region)[0]
    seeds = ([(x0 + x / nm, y / nm) for x, y in geo.seeds_m] if geo.seeds_m is not None
             else None)
    min_d = geo.min_seed_distance_m / nm if geo.min_seed_distance_m is not None else None
    return layers, gb_region, polycrystal_cells(layers, gb_region, geo.grains, geo.seed,
                                                gb_width_m / nm, min_d, seeds)


def write_msh(path: str, build) -> None:
    """Run a builder (a callable that fills the current gmsh model) and write the model to
    ``path`` atomically (a temporary file in the same folder, then a rename)."""
    gmsh = _gmsh()
    build()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp.msh")
    gmsh.write(str(tmp))
    os.replace(tmp, target)
    gmsh.model.remove()
    log.info("wrote %s", target)
