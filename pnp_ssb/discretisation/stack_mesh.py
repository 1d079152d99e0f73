"""Layer-stack meshes: the graded 1D vertices of a case (:class:`StackLayout`, from the rules of
:mod:`pnp_ssb.discretisation.grading`), the 1D stack meshed on them, and its laterally uniform 2D
extrusion (layered_2d) with the 1D x and the layer bounds attached for lateral averages.
"""

import dataclasses
from dataclasses import dataclass

import numpy as np

from pnp_ssb.discretisation.domain import Domain, _gmsh, domain_from_gmsh
from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.discretisation.grading import graded_segment, stack_segments
from pnp_ssb.input.plan import MeshPlan
from pnp_ssb.physics.model import StackModel


@dataclass(frozen=True)
class StackLayout:
    """The graded 1D vertices and the pieces they form.

    Attributes:
        x_m: vertex coordinates (m), increasing.
        pieces: (start_m, end_m, physical group) of every segment: regions, split at grain
            boundaries, whose thin cores form the group '<region>_gb'.
        gb_points_m: (x_m, '<region>_gb') of every sharp grain boundary.
    """

    x_m: np.ndarray
    pieces: tuple[tuple[float, float, str], ...]
    gb_points_m: tuple[tuple[float, str], ...]

    @property
    def num_cells(self) -> int:
        """Cells of the 1D stack."""
        return self.x_m.size - 1

    def bisected(self) -> "StackLayout":
        """The same stack with every cell halved (its vertices are all of these and the
        midpoints; the uniform refinement of the error estimate, pnp_ssb.studies.adapt)."""
        x = np.empty(2 * self.x_m.size - 1)
        x[0::2] = self.x_m
        x[1::2] = 0.5 * (self.x_m[:-1] + self.x_m[1:])
        return dataclasses.replace(self, x_m=x)


TINY_END_CELL = 1e-7  # a segment's last cells below this times |x| are summed from its end


def segment_vertices(a: float, b: float, sizes: np.ndarray) -> np.ndarray:
    """The vertices a + cumsum(sizes) after ``a`` of cells filling [a, b].

    Where the cells at b are tiny against |b| (below TINY_END_CELL |b|: a space-charge layer of
    many kT at a right wall or an inner interface), the second half is summed from b instead:
    one running sum from a would lose them to round-off (eps |b| per cell)."""
    total = np.cumsum(sizes)
    n = sizes.size
    k = int(np.clip(np.searchsorted(total, 0.5 * total[-1]), 1, n - 1)) if n > 1 else n
    if k == n or sizes[k:].min() >= TINY_END_CELL * abs(b):
        return a + total
    tail = np.cumsum(sizes[::-1])[::-1]  # tail[i]: the cells from i on
    return np.concatenate([a + total[:k], b - tail[k + 1:], [b]])


def stack_layout(plan: MeshPlan, model: StackModel) -> StackLayout:
    """Graded vertices of the 1D stack (the segments of :func:`grading.stack_segments`),
    refined ``mesh.refine`` times."""
    x0, pieces_x, pieces, points = 0.0, [np.zeros(1)], [], []
    for region, segments in zip(model.regions, stack_segments(plan, model), strict=True):
        gb = model.grain_boundaries.get(region.name)
        if gb is not None:
            points += [(x0 + p, f"{region.name}_gb") for p in gb.positions_m if not gb.width_m]
        a = x0
        for segment in segments:
            sizes = graded_segment(segment.length, segment.h_start, segment.h_end, segment.h_cap,
                                   plan.mesh.growth_ratio)
            for _ in range(plan.mesh.refine):
                sizes = np.repeat(sizes / 2, 2)
            pieces_x.append(segment_vertices(a, a + segment.length, sizes))
            pieces.append((a, a + segment.length, segment.group))
            a += segment.length
        x0 += region.thickness_m
    x = np.concatenate(pieces_x)
    x[-1] = x0
    return StackLayout(x, tuple(pieces), tuple(points))


def stack_vertices_m(plan: MeshPlan, model: StackModel) -> np.ndarray:
    """Vertex coordinates (m) of the graded 1D stack (see :func:`stack_layout`)."""
    return stack_layout(plan, model).x_m


def stack_domain(plan: MeshPlan, model: StackModel, comm: MPI.Comm = MPI.COMM_WORLD,
                 layout: StackLayout | None = None) -> Domain:
    """Mesh a 1D layer stack: regions named as in the case, boundaries 'left' and 'right',
    grain-boundary cores '<region>_gb' (cells) or sharp grain boundaries '<region>_gb' (points).
    The vertices are ``layout``'s (the same on every rank), by default :func:`stack_layout`."""
    if comm.rank == 0:
        layout = layout or stack_layout(plan, model)
        xs = layout.x_m / model.scales.length_m
        gmsh = _gmsh()
        gmsh.model.add(plan.name)
        nodes = np.arange(1, len(xs) + 1)
        bounds = [layout.pieces[0][0]] + [p[1] for p in layout.pieces]
        edges = [int(np.argmin(np.abs(xs - b / model.scales.length_m))) for b in bounds]
        points = [gmsh.model.addDiscreteEntity(0) for _ in edges]
        for p, e in zip(points, edges, strict=True):
            gmsh.model.mesh.addNodes(0, p, [int(nodes[e])], [xs[e], 0.0, 0.0])
            gmsh.model.mesh.addElementsByType(p, 15, [], [int(nodes[e])])
        groups: dict[str, list[int]] = {}
        for i, (_, _, group) in enumerate(layout.pieces):
            a, b = edges[i], edges[i + 1]
            curve = gmsh.model.addDiscreteEntity(1, -1, [points[i], points[i + 1]])
            inner = np.arange(a + 1, b)
            gmsh.model.mesh.addNodes(1, curve, nodes[inner].tolist(),
                                     np.column_stack([xs[inner], 0 * inner, 0 * inner]).ravel().tolist())
            conn = np.column_stack([nodes[a:b], nodes[a + 1:b + 1]]).ravel()
            gmsh.model.mesh.addElementsByType(curve, 1, [], conn.tolist())
            groups.setdefault(group, []).append(curve)
        for group, curves in groups.items():
            gmsh.model.setPhysicalName(1, gmsh.model.addPhysicalGroup(1, curves), group)
        point_groups: dict[str, list[int]] = {"left": [points[0]], "right": [points[-1]]}
        for x_m, group in layout.gb_points_m:
            k = int(np.argmin([abs(b - x_m) for b in bounds]))
            point_groups.setdefault(group, []).append(points[k])
        for group, pts in point_groups.items():
            gmsh.model.setPhysicalName(0, gmsh.model.addPhysicalGroup(0, pts), group)
    domain = domain_from_gmsh(comm, gdim=1, region_order=[r.name for r in model.regions],
                              length_scale_m=model.scales.length_m)
    if comm.rank == 0:
        gmsh.model.remove()
    return domain


def layered_domain(plan: MeshPlan, model: StackModel, comm: MPI.Comm = MPI.COMM_WORLD,
                   layout: StackLayout | None = None) -> Domain:
    """A laterally uniform 2D stack: the graded 1D vertices (``layout``, by default
    :func:`stack_layout`) extruded over the height with ``geometry.lateral_cells`` rows of
    quadrilaterals, so that every vertex line x = x_j of the 1D mesh is a line of the 2D mesh
    (its laterally uniform solution is the 1D one, exactly: Q1 integrals factorise into x and
    y). Boundaries left, right, bottom, top."""
    layout = layout or stack_layout(plan, model)
    L = model.scales.length_m
    if comm.rank == 0:
        xs = layout.x_m / L
        ys = np.linspace(0.0, plan.geometry.lateral_height_m / L,
                         plan.geometry.lateral_cells + 1)
        nx, ny = len(xs), len(ys)
        gmsh = _gmsh()
        gmsh.model.add(plan.name)
        tag = np.arange(1, nx * ny + 1).reshape(ny, nx)  # node (j, i) at (x_i, y_j)
        bounds = [layout.pieces[0][0]] + [p[1] for p in layout.pieces]
        edges = [int(np.argmin(np.abs(xs - b / L))) for b in bounds]
        groups: dict[str, list[int]] = {}
        for k, (_, _, group) in enumerate(layout.pieces):
            a, b = edges[k], edges[k + 1]
            surface = gmsh.model.addDiscreteEntity(2)
            first = 0 if k == 0 else a + 1  # a node belongs to the first piece that holds it
            cols = np.arange(first, b + 1)
            coords = np.column_stack([np.tile(xs[cols], ny), np.repeat(ys, cols.size),
                                      np.zeros(cols.size * ny)])
            gmsh.model.mesh.addNodes(2, surface, tag[:, cols].ravel().tolist(),
                                     coords.ravel().tolist())
            i = np.arange(a, b)
            lo, hi = tag[:-1, :][:, i], tag[1:, :][:, i]  # (ny-1, n) corners, bottom and top
            quads = np.stack([lo, lo + 1, hi + 1, hi], -1).reshape(-1, 4)
            gmsh.model.mesh.addElementsByType(surface, 3, [], quads.ravel().tolist())
            groups.setdefault(group, []).append(surface)
        for group, surfaces in groups.items():
            gmsh.model.setPhysicalName(2, gmsh.model.addPhysicalGroup(2, surfaces), group)
        sides = {"left": [tag[:, 0]], "right": [tag[:, -1]], "bottom": [tag[0, :]],
                 "top": [tag[-1, :]]}
        for x_m, group in layout.gb_points_m:  # sharp grain boundaries: vertical vertex lines
            sides.setdefault(group, []).append(tag[:, int(np.argmin(np.abs(xs - x_m / L)))])
        for name, lines in sides.items():
            curves = []
            for line in lines:
                curves.append(gmsh.model.addDiscreteEntity(1))
                conn = np.column_stack([line[:-1], line[1:]]).ravel()
                gmsh.model.mesh.addElementsByType(curves[-1], 1, [], conn.tolist())
            gmsh.model.setPhysicalName(1, gmsh.model.addPhysicalGroup(1, curves), name)
    domain = domain_from_gmsh(comm, gdim=2, region_order=[r.name for r in model.regions],
                              length_scale_m=L)
    if comm.rank == 0:
        gmsh.model.remove()
    return _with_layout(domain, model, layout)


def _with_layout(domain: Domain, model: StackModel, layout: StackLayout) -> Domain:
    """Attach the x of the 1D stack (for lateral averages) and the layer bounds (scaled)."""
    L = domain.length_scale_m
    bounds, x0 = {}, 0.0
    for r in model.regions:
        bounds[r.name] = (x0 / L, (x0 + r.thickness_m) / L)
        x0 += r.thickness_m
    return dataclasses.replace(domain, profile_x=layout.x_m / L, layer_bounds=bounds)
