"""Meshes: 1D graded layer stacks and gmsh models, with regions, boundaries and interfaces by name.

Every mesh goes through one path: a gmsh model with named physical groups ->
``dolfinx.io.gmsh.model_to_mesh`` (ghosted on shared facets, so that interface integrals
survive partition boundaries) -> :class:`Domain`, whose interfaces between regions are found
topologically (facets incident to cells of both regions) and named ``"A|B"``.
Mesh coordinates are in units of ``model.LENGTH_SCALE_M`` (nm).
"""

import contextlib
import dataclasses
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pnp_ssb.discretisation.fem import MPI, dolfinx
from pnp_ssb.discretisation.grading import (  # noqa: F401 - the grading rules, re-exported here
    MAX_DROP_FOR_GRADING_KT,
    MIN_CELL_DEBYE_FRACTION,
    cell_sizes_at_ends,
    graded_segment,
    grain_boundary_cell_m,
    microstructure_sizing,
    stack_segments,
)
from pnp_ssb.input.case import Case
from pnp_ssb.physics.model import StackModel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Domain:
    """A mesh with its regions, outer boundaries and internal interfaces, by name."""

    mesh: dolfinx.mesh.Mesh
    cell_tags: dolfinx.mesh.MeshTags
    facet_tags: dolfinx.mesh.MeshTags
    region_tags: dict[str, int]
    boundary_tags: dict[str, int]
    interface_tags: dict[str, int]
    length_scale_m: float
    grain_boundary_cells: dict[str, np.ndarray] = field(default_factory=dict)
    grain_boundary_facets: dict[str, np.ndarray] = field(default_factory=dict)
    cross_section: float = 1.0  # lateral size in scaled units: 1 in 1D, the height in 2D
    profile_x: np.ndarray | None = None  # 2D: x (scaled) of the laterally averaged profile
    layer_bounds: dict[str, tuple[float, float]] = field(default_factory=dict)  # 2D, scaled

    def region_cells(self, name: str) -> np.ndarray:
        """Local cell indices (ghosts included) of a region."""
        return self.cell_tags.find(self.region_tags[name])

    def facets(self, name: str) -> np.ndarray:
        """Local facet indices of a boundary or an interface."""
        tag = self.boundary_tags.get(name, self.interface_tags.get(name))
        return self.facet_tags.find(tag)

    @property
    def dimension(self) -> int:
        """Topological dimension of the mesh."""
        return self.mesh.topology.dim

    def num_cells_global(self) -> int:
        """Number of cells over all ranks."""
        imap = self.mesh.topology.index_map(self.mesh.topology.dim)
        return imap.size_global


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


def stack_layout(case: Case, model: StackModel) -> StackLayout:
    """Graded vertices of the 1D stack (the segments of :func:`grading.stack_segments`),
    refined ``mesh.refine`` times."""
    x0, pieces_x, pieces, points = 0.0, [np.zeros(1)], [], []
    for region, segments in zip(case.regions, stack_segments(case, model), strict=True):
        gb = case.grain_boundaries.get(region.name)
        if gb is not None:
            points += [(x0 + p, f"{region.name}_gb") for p in gb.positions_m if not gb.width_m]
        a = x0
        for segment in segments:
            sizes = graded_segment(segment.length, segment.h_start, segment.h_end, segment.h_cap,
                                   case.mesh.growth_ratio)
            for _ in range(case.mesh.refine):
                sizes = np.repeat(sizes / 2, 2)
            pieces_x.append(segment_vertices(a, a + segment.length, sizes))
            pieces.append((a, a + segment.length, segment.group))
            a += segment.length
        x0 += region.thickness_m
    x = np.concatenate(pieces_x)
    x[-1] = x0
    return StackLayout(x, tuple(pieces), tuple(points))


def stack_vertices_m(case: Case, model: StackModel) -> np.ndarray:
    """Vertex coordinates (m) of the graded 1D stack (see :func:`stack_layout`)."""
    return stack_layout(case, model).x_m


def _gmsh():
    import gmsh  # imported here: only mesh generation needs it

    if not gmsh.isInitialized():
        gmsh.initialize(interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    return gmsh


def stack_domain(case: Case, model: StackModel, comm: MPI.Comm = MPI.COMM_WORLD,
                 layout: StackLayout | None = None) -> Domain:
    """Mesh a 1D layer stack: regions named as in the case, boundaries 'left' and 'right',
    grain-boundary cores '<region>_gb' (cells) or sharp grain boundaries '<region>_gb' (points).
    The vertices are ``layout``'s (the same on every rank), by default :func:`stack_layout`."""
    if comm.rank == 0:
        layout = layout or stack_layout(case, model)
        xs = layout.x_m / model.scales.length_m
        gmsh = _gmsh()
        gmsh.model.add(case.name)
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
    domain = domain_from_gmsh(comm, gdim=1, region_order=[r.name for r in case.regions],
                              length_scale_m=model.scales.length_m)
    if comm.rank == 0:
        gmsh.model.remove()
    return domain


def layered_domain(case: Case, model: StackModel, comm: MPI.Comm = MPI.COMM_WORLD,
                   layout: StackLayout | None = None) -> Domain:
    """A laterally uniform 2D stack: the graded 1D vertices (``layout``, by default
    :func:`stack_layout`) extruded over the height with ``geometry.lateral_cells`` rows of
    quadrilaterals, so that every vertex line x = x_j of the 1D mesh is a line of the 2D mesh
    (its laterally uniform solution is the 1D one, exactly: Q1 integrals factorise into x and
    y). Boundaries left, right, bottom, top."""
    layout = layout or stack_layout(case, model)
    L = model.scales.length_m
    if comm.rank == 0:
        xs = layout.x_m / L
        ys = np.linspace(0.0, case.geometry.lateral_height_m / L,
                         case.geometry.lateral_cells + 1)
        nx, ny = len(xs), len(ys)
        gmsh = _gmsh()
        gmsh.model.add(case.name)
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
    domain = domain_from_gmsh(comm, gdim=2, region_order=[r.name for r in case.regions],
                              length_scale_m=L)
    if comm.rank == 0:
        gmsh.model.remove()
    return _with_layout(domain, case, layout)


def _with_layout(domain: Domain, case: Case, layout: StackLayout) -> Domain:
    """Attach the x of the 1D stack (for lateral averages) and the layer bounds (scaled)."""
    L = domain.length_scale_m
    bounds, x0 = {}, 0.0
    for r in case.regions:
        bounds[r.name] = (x0 / L, (x0 + r.thickness_m) / L)
        x0 += r.thickness_m
    return dataclasses.replace(domain, profile_x=layout.x_m / L, layer_bounds=bounds)


ADAPTIVE_GEOMETRIES = ("stack", "layered_2d")  # meshed from a StackLayout (pnp_ssb.studies.adapt)
REFINED_GEOMETRIES = ("bicrystal", "polycrystal", "mesh_file")  # estimated on refined_domain


def refined_domain(domain: Domain) -> Domain:
    """The uniform refinement of a triangle mesh (every triangle into four, each cell on the
    rank of its parent, ghosts updated; collective), with the same regions, boundaries,
    interfaces and grain-boundary cores and facets: tags go from parent cells and facets to
    their children (the error estimate of unstructured meshes, pnp_ssb.studies.adapt)."""
    msh = domain.mesh
    if msh.topology.cell_type != dolfinx.mesh.CellType.triangle:
        raise ValueError(f"only triangle meshes are refined, not {msh.topology.cell_type.name}")
    msh.topology.create_entities(1)
    fine, parent_cell, parent_facet = dolfinx.mesh.refine(
        msh, option=dolfinx.mesh.RefinementOption.parent_cell_and_facet)
    parent, local_facet = _parents(msh, fine, parent_cell, parent_facet)
    for d0 in range(3):  # the connectivity the coarse mesh has (forms and sampling use it)
        for d1 in range(3):
            with contextlib.suppress(RuntimeError):  # raised where the coarse one lacks it
                msh.topology.connectivity(d0, d1)
                fine.topology.create_connectivity(d0, d1)
    cell_values = np.full(_num_local(msh, 2), -1, dtype=np.int32)
    cell_values[domain.cell_tags.indices] = domain.cell_tags.values
    cells = np.flatnonzero(cell_values[parent] >= 0).astype(np.int32)
    cell_tags = dolfinx.mesh.meshtags(fine, 2, cells, cell_values[parent][cells])
    cores = {name: np.flatnonzero(np.isin(parent, found)).astype(np.int32)
             for name, found in domain.grain_boundary_cells.items()}
    coarse_c2f = msh.topology.connectivity(2, 1).array.reshape(-1, 3)
    fine_c2f = fine.topology.connectivity(2, 1).array.reshape(-1, 3)
    has = local_facet >= 0
    children = fine_c2f[has]  # fine facets on a facet of their parent cell, and that facet
    parents = coarse_c2f[parent[np.nonzero(has)[0]], local_facet[has]]

    def transfer(indices: np.ndarray, values: np.ndarray):
        lookup = np.full(_num_local(msh, 1), -1, dtype=np.int32)
        lookup[indices] = values
        tagged = lookup[parents] >= 0
        facets, first = np.unique(children[tagged], return_index=True)
        return dolfinx.mesh.meshtags(fine, 1, facets.astype(np.int32),
                                     lookup[parents][tagged][first])

    gb_facets = {name: transfer(found, np.ones(found.size, np.int32)).indices
                 for name, found in domain.grain_boundary_facets.items()}
    return dataclasses.replace(
        domain, mesh=fine, cell_tags=cell_tags, grain_boundary_cells=cores,
        facet_tags=transfer(domain.facet_tags.indices, domain.facet_tags.values),
        grain_boundary_facets=gb_facets)


def _num_local(msh, dim: int) -> int:
    imap = msh.topology.index_map(dim)
    return imap.size_local + imap.num_ghosts


def _parents(coarse, fine, parent_cell: np.ndarray, parent_facet: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """The parent cell of every local cell of ``fine`` (ghosts too: found by their centroids,
    as refine gives owned cells only) and, per cell and local facet, the local facet of the
    parent that holds it (-1 inside the parent)."""
    for msh in (coarse, fine):
        msh.topology.create_entities(1)
        msh.topology.create_connectivity(2, 1)
        msh.topology.create_connectivity(1, 2)
    n_own, n_all = fine.topology.index_map(2).size_local, _num_local(fine, 2)
    parent = np.empty(n_all, dtype=np.int32)
    # refine's maps follow the refined cells' original order, before the mesh reordered them
    order = (np.asarray(fine.topology.original_cell_index, dtype=np.int64)[:n_own]
             - fine.topology.index_map(2).local_range[0])
    parent[:n_own] = parent_cell[order]
    local_facet = np.full((n_all, 3), -1, dtype=np.int32)
    local_facet[:n_own] = np.asarray(parent_facet).reshape(-1, 3)[order]
    ghosts = np.arange(n_own, n_all, dtype=np.int32)
    if ghosts.size == 0:
        return parent, local_facet
    x_fine, x_coarse = fine.geometry.x, coarse.geometry.x
    centroid = x_fine[dolfinx.mesh.entities_to_geometry(fine, 2, ghosts)].mean(axis=1)
    tree = dolfinx.geometry.bb_tree(coarse, 2, entities=np.arange(_num_local(coarse, 2),
                                                                   dtype=np.int32))
    hits = dolfinx.geometry.compute_colliding_cells(
        coarse, dolfinx.geometry.compute_collisions_points(tree, centroid), centroid)
    parent[ghosts] = [hits.links(i)[0] for i in range(ghosts.size)]
    coarse_c2f = coarse.topology.connectivity(2, 1).array.reshape(-1, 3)
    fine_c2f = fine.topology.connectivity(2, 1).array.reshape(-1, 3)
    for c in ghosts:
        mid = x_fine[dolfinx.mesh.entities_to_geometry(fine, 1, fine_c2f[c])].mean(axis=1)
        ends = x_coarse[dolfinx.mesh.entities_to_geometry(coarse, 1, coarse_c2f[parent[c]])]
        for i in range(3):
            for k in range(3):  # the midpoint of the fine facet on the coarse facet k
                a, b = ends[k]
                d = mid[i] - a
                along = np.dot(d, b - a) / np.dot(b - a, b - a)
                off = np.linalg.norm(d - along * (b - a))
                if 0 < along < 1 and off < 1e-9 * np.linalg.norm(b - a):
                    local_facet[c, i] = k
    return parent, local_facet


def build_domain(case: Case, model: StackModel, comm: MPI.Comm = MPI.COMM_WORLD,
                 layout: StackLayout | None = None) -> Domain:
    """The mesh of a case's geometry (collective): see case.GeometrySpec. Stacks and
    layered_2d cross-sections take their x vertices from ``layout`` where one is given."""
    kind = case.geometry.type
    if kind == "stack":
        return stack_domain(case, model, comm, layout)
    if kind == "layered_2d":
        return layered_domain(case, model, comm, layout)
    if kind == "mesh_file":
        return file_domain(case, model, comm)
    if kind in ("bicrystal", "polycrystal"):
        return microstructure_domain(case, model, comm)
    raise NotImplementedError(f"geometry.type = {kind!r}")


def microstructure_domain(case: Case, model: StackModel, comm: MPI.Comm = MPI.COMM_WORLD
                          ) -> Domain:
    """A bicrystal or Voronoi polycrystal cross-section (pnp_ssb.discretisation.microstructure), meshed with
    gmsh on rank 0 from the case (the same case gives the same mesh)."""
    from pnp_ssb.discretisation import microstructure
    from pnp_ssb.input.validate import plan_microstructure

    if comm.rank == 0:
        layers, key, plan = plan_microstructure(case)
        width_nm = case.grain_boundaries[key].width_m / model.scales.length_m
        sizing = microstructure_sizing(case, model)
        if case.geometry.type == "bicrystal":
            microstructure.build_cross_section(layers, key, [], plan, width_nm, sizing, case.name)
        else:
            _, cells = plan
            microstructure.build_cross_section(layers, key, cells if len(cells) > 1 else [],
                                               None, width_nm, sizing, case.name)
        log.info("%s: %s mesh, h_min %.3g nm, h_max %.3g nm", case.name, case.geometry.type,
                 sizing.h_min_nm, sizing.h_max_nm)
    domain = domain_from_gmsh(comm, gdim=2, region_order=[r.name for r in case.regions],
                              length_scale_m=model.scales.length_m)
    if comm.rank == 0:
        __import__("gmsh").model.remove()
    return _with_layout(domain, case, stack_layout(case, model))


def file_domain(case: Case, model: StackModel, comm: MPI.Comm = MPI.COMM_WORLD) -> Domain:
    """A 2D mesh from a gmsh .msh file with named physical groups (validated with the case);
    its coordinates are scaled from ``geometry.mesh_unit_m`` to the model's length scale."""
    if comm.rank == 0:
        gmsh = _gmsh()
        gmsh.open(str(case.geometry.mesh_file))
    domain = domain_from_gmsh(comm, gdim=2, region_order=[r.name for r in case.regions],
                              length_scale_m=model.scales.length_m)
    if comm.rank == 0:
        gmsh.model.remove()
    domain.mesh.geometry.x[:] *= case.geometry.mesh_unit_m / model.scales.length_m
    return _with_layout(dataclasses.replace(domain, cross_section=_cross_section(domain.mesh)),
                        case, stack_layout(case, model))


def domain_from_gmsh(comm: MPI.Comm, gdim: int, region_order: Sequence[str],
                     length_scale_m: float) -> Domain:
    """Build a :class:`Domain` from the current gmsh model on rank 0 (collective).

    Physical groups of the top dimension are regions; those of dimension - 1 are outer
    boundaries. Interfaces between regions are found topologically and named 'A|B' with A
    before B in ``region_order``.
    """
    from dolfinx.io import gmsh as dgmsh

    # the (mode, max links) overload is registered by singledispatch, which mypy does not see
    partitioner = dolfinx.mesh.create_cell_partitioner(  # type: ignore[call-arg]
        dolfinx.mesh.GhostMode.shared_facet, 2)
    data = dgmsh.model_to_mesh(__import__("gmsh").model if comm.rank == 0 else None, comm, 0,
                               gdim=gdim, partitioner=partitioner)
    msh = data.mesh
    tdim = msh.topology.dim
    regions = {n: g.tag for n, g in data.physical_groups.items() if g.dim == tdim}
    boundaries = {n: g.tag for n, g in data.physical_groups.items() if g.dim == tdim - 1}
    missing = [n for n in region_order if n not in regions]
    if missing:
        raise ValueError(f"mesh has no region named {missing}; it has {sorted(regions)}")
    if data.cell_tags is None or data.facet_tags is None:
        raise ValueError("the mesh has no physical groups of cells and facets")
    facet_data = data.facet_tags
    cell_tags, core_cells = _fold_cores(msh, data.cell_tags, regions, region_order)
    gb_facets = {n.removesuffix("_gb"): facet_data.find(boundaries.pop(n))
                 for n in list(boundaries) if n.removesuffix("_gb") in region_order
                 and n.endswith("_gb")}
    unknown = sorted(set(regions) - set(region_order))
    if unknown:
        raise ValueError(f"mesh has regions {unknown} that the case does not name; the case has "
                         f"{list(region_order)}")
    domain = _with_interfaces(msh, cell_tags, data.facet_tags, regions, boundaries,
                              list(region_order), length_scale_m,
                              [g.tag for g in data.physical_groups.values()])
    return Domain(domain.mesh, domain.cell_tags, domain.facet_tags, domain.region_tags,
                  domain.boundary_tags, domain.interface_tags, length_scale_m, core_cells,
                  gb_facets, _cross_section(msh))


def _fold_cores(msh, cell_tags, regions: dict[str, int], order: Sequence[str]):
    """Give the cells of every '<region>_gb' group the tag of <region> (a grain-boundary
    core is part of its region, with modified properties); return them by region."""
    indices, values = cell_tags.indices.copy(), cell_tags.values.copy()
    cores: dict[str, np.ndarray] = {}
    for name in [n for n in regions if n.endswith("_gb") and n.removesuffix("_gb") in order]:
        tag = regions.pop(name)
        owner = name.removesuffix("_gb")
        cores[owner] = indices[values == tag]
        values[values == tag] = regions[owner]
    if not cores:
        return cell_tags, cores
    return dolfinx.mesh.meshtags(msh, msh.topology.dim, indices, values), cores


def _cross_section(msh) -> float:
    """Lateral size in mesh units: 1 in 1D, the y extent in 2D (collective)."""
    if msh.topology.dim == 1:
        return 1.0
    y = msh.geometry.x[:, 1]
    lo = msh.comm.allreduce(float(y.min()) if y.size else math.inf, op=MPI.MIN)
    hi = msh.comm.allreduce(float(y.max()) if y.size else -math.inf, op=MPI.MAX)
    return hi - lo


def _with_interfaces(msh, cell_tags, facet_tags, regions: dict[str, int],
                     boundaries: dict[str, int], order: list[str], length_scale_m: float,
                     reserved: Sequence[int] = ()) -> Domain:
    tdim = msh.topology.dim
    msh.topology.create_connectivity(tdim - 1, tdim)
    f2c = msh.topology.connectivity(tdim - 1, tdim)
    cell_region = np.full(msh.topology.index_map(tdim).size_local
                          + msh.topology.index_map(tdim).num_ghosts, -1, dtype=np.int32)
    cell_region[cell_tags.indices] = cell_tags.values
    offsets, links = f2c.offsets, f2c.array
    two = np.flatnonzero(np.diff(offsets) == 2)
    first, second = cell_region[links[offsets[two]]], cell_region[links[offsets[two] + 1]]
    rank_of = {regions[n]: i for i, n in enumerate(order) if n in regions}
    # above every physical tag, including grain-boundary groups taken out of ``boundaries``
    next_tag = max([*regions.values(), *boundaries.values(), *reserved, 0]) + 1
    interfaces: dict[str, int] = {}
    idx_list, val_list = [facet_tags.indices], [facet_tags.values]
    for i, a in enumerate(order):
        for b in order[i + 1:]:
            ta, tb = regions[a], regions[b]
            sel = two[((first == ta) & (second == tb)) | ((first == tb) & (second == ta))]
            # the same name on every rank, even where this rank holds none of the facets
            present = msh.comm.allreduce(int(sel.size), op=MPI.SUM)
            if present == 0:
                continue
            name = f"{a}|{b}" if rank_of[ta] < rank_of[tb] else f"{b}|{a}"
            interfaces[name] = next_tag
            idx_list.append(sel.astype(np.int32))
            val_list.append(np.full(sel.size, next_tag, dtype=np.int32))
            next_tag += 1
    indices = np.concatenate(idx_list)
    values = np.concatenate(val_list)
    order_idx = np.argsort(indices, kind="stable")
    tags = dolfinx.mesh.meshtags(msh, tdim - 1, indices[order_idx], values[order_idx])
    return Domain(msh, cell_tags, tags, regions, boundaries, interfaces, length_scale_m)
