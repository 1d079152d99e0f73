"""Geometries checked before meshing: a bicrystal or polycrystal cross-section planned (layers,
seeds, Voronoi cells; no gmsh), and a mesh file's physical groups matched to the case."""

from pnp_ssb.discretisation import microstructure
from pnp_ssb.discretisation.msh import physical_groups
from pnp_ssb.input.case import Case
from pnp_ssb.input.fields import CaseError, field_error


def check_cross_section(case: Case) -> None:
    """A bicrystal or polycrystal cross-section that can be drawn, or the geometry's reason."""
    if case.geometry.type not in ("bicrystal", "polycrystal"):
        return
    (key,) = case.grain_boundaries
    try:
        microstructure.plan_cross_section([(r.name, r.thickness_m) for r in case.regions], key,
                                          case.grain_boundaries[key].width_m, case.geometry)
    except microstructure.GeometryError as exc:
        raise CaseError(f"geometry ({case.geometry.type}): {exc}") from None


def check_mesh_file(case: Case) -> None:
    """The mesh names every region (dimension 2), and 'left' and 'right' (dimension 1)."""
    if case.geometry.type != "mesh_file":
        return
    path = case.geometry.mesh_path
    try:
        groups = physical_groups(path)
    except ValueError as exc:
        raise field_error("geometry.mesh_file", path, f"a 2D gmsh mesh ({exc})") from None
    have = ", ".join(f"{n} (dimension {d})" for n, d in groups.items())
    for name, dim in [*((r.name, 2) for r in case.regions), ("left", 1), ("right", 1)]:
        if groups.get(name) != dim:
            raise field_error("geometry.mesh_file", path, f"a mesh with a physical group "
                              f"{name!r} of dimension {dim}; it has: {have}")
    for name, dim in groups.items():
        owner = name.removesuffix("_gb")
        if name.endswith("_gb") and owner not in case.grain_boundaries:
            raise field_error("geometry.mesh_file", path, f"grain boundaries {name!r} (dimension "
                              f"{dim}) described by a [grain_boundaries.{owner}] table")
        if dim == 2 and not name.endswith("_gb") and name not in {r.name for r in case.regions}:
            raise field_error("geometry.mesh_file", path, f"no region {name!r} that the case "
                              "does not name (every 2D physical group is a region)")
