"""Point evaluation of finite-element fields on every rank (for profiles and maps of 2D runs).

Each rank evaluates the points that fall in its owned cells; the values are summed over ranks
and divided by the number of ranks that found each point, so the result is identical on every
rank and independent of the partition (a point on a partition boundary is found by both
neighbours, which agree to round-off).
"""

from dataclasses import dataclass

import numpy as np

from pnp_ssb.discretisation.fem import MPI, dolfinx


@dataclass(frozen=True)
class PointLocator:
    """The owned cell of a mesh holding each of a set of points (-1 where none on this rank)."""

    points: np.ndarray  # (n, 3), mesh coordinates
    cells: np.ndarray  # (n,) local cell index or -1
    found: np.ndarray  # (n,) number of ranks that own a cell holding the point

    @property
    def local(self) -> np.ndarray:
        """Indices of the points this rank evaluates."""
        return np.flatnonzero(self.cells >= 0)


def locate(msh: dolfinx.mesh.Mesh, points: np.ndarray,
           cells: np.ndarray | None = None) -> PointLocator:
    """Find an owned cell for each point (collective). ``cells`` restricts the search (for
    example to one region); points outside every candidate cell stay unlocated.
    """
    tdim = msh.topology.dim
    n_owned = msh.topology.index_map(tdim).size_local
    owned = np.arange(n_owned, dtype=np.int32) if cells is None else cells[cells < n_owned]
    tree = dolfinx.geometry.bb_tree(msh, tdim, entities=owned.astype(np.int32))
    candidates = dolfinx.geometry.compute_collisions_points(tree, points)
    colliding = dolfinx.geometry.compute_colliding_cells(msh, candidates, points)
    allowed = np.zeros(max(n_owned, 1), dtype=bool)
    allowed[owned] = True
    out = np.full(len(points), -1, dtype=np.int32)
    for i in range(len(points)):
        links = colliding.links(i)
        links = links[(links < n_owned)]
        links = links[allowed[links]] if links.size else links
        if links.size:
            out[i] = links[0]
    found = (out >= 0).astype(np.int64)
    msh.comm.Allreduce(MPI.IN_PLACE, found, op=MPI.SUM)
    return PointLocator(points, out, found)


def evaluate(function: dolfinx.fem.Function, where: PointLocator) -> np.ndarray:
    """Values of a function at the located points, on every rank (collective): shape (n,) for
    a scalar, (n, components) for a vector. ``where`` must have been located on the function's
    own mesh. Unlocated points give NaN.
    """
    local = where.local
    size = function.function_space.value_size
    values = np.zeros((len(where.points), size))
    if local.size:
        values[local] = function.eval(where.points[local], where.cells[local]).reshape(-1, size)
    function.function_space.mesh.comm.Allreduce(MPI.IN_PLACE, values, op=MPI.SUM)
    found = where.found[:, None]
    out = np.where(found > 0, values / np.maximum(found, 1), np.nan)
    return out[:, 0] if size == 1 else out


def grid_points(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(len(y) * len(x), 3) points of the tensor grid, x fastest."""
    xx, yy = np.meshgrid(x, y)
    return np.column_stack([xx.ravel(), yy.ravel(), np.zeros(xx.size)])
