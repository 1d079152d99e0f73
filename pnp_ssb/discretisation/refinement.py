"""Uniform refinement of a triangle mesh (every triangle into four) with its regions, boundaries,
interfaces and grain-boundary cores and facets carried from the parent cells and facets to their
children: the refined twin of the error estimate on unstructured meshes (pnp_ssb.studies.adapt).
"""

import contextlib
import dataclasses

import numpy as np

from pnp_ssb.discretisation.domain import Domain
from pnp_ssb.discretisation.fem import dolfinx


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
