"""The mesh of a run as a :class:`Domain`, with regions, boundaries and interfaces by name. Every
mesh goes through one path: a gmsh model with named physical groups ->
``dolfinx.io.gmsh.model_to_mesh`` (ghosted on shared facets, so that interface integrals
survive partition boundaries) -> :class:`Domain`, whose interfaces between regions are found
topologically (facets incident to cells of both regions) and named ``"A|B"``.
Mesh coordinates are in units of ``model.LENGTH_SCALE_M`` (nm).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pnp_ssb.discretisation.fem import MPI, dolfinx


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


def _gmsh():
    import gmsh  # imported here: only mesh generation needs it

    if not gmsh.isInitialized():
        gmsh.initialize(interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    return gmsh


def domain_from_gmsh(comm: MPI.Comm, gdim: int, region_order: Sequence[str],
                     length_scale_m: float) -> Domain:
    """Build a :class:`Domain` from the current gmsh model on rank 0 (collective).

    Physical groups of the top dimension are regions; those of dimension - 1 are outer
    boundaries. Interfaces between regions are found topologically and named 'A|B' with A
    before B in ``region_order``.
    """
    # the (mode, max links) overload is registered by singledispatch, which mypy does not see
    partitioner = dolfinx.mesh.create_cell_partitioner(  # type: ignore[call-arg]
        dolfinx.mesh.GhostMode.shared_facet, 2)
    data = dolfinx.io.gmsh.model_to_mesh(__import__("gmsh").model if comm.rank == 0 else None,
                                         comm, 0, gdim=gdim, partitioner=partitioner)
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
