"""What a mesh is built from besides the resolved model: the case's name (gmsh model names) and
its numerical geometry and mesh settings. The meshing reads this and the model, never the Case."""

from dataclasses import dataclass

from pnp_ssb.input.case import Case, GeometrySpec, MeshSpec


@dataclass(frozen=True)
class MeshPlan:
    """The meshing settings of a case: ``geometry`` (stack, layered_2d, bicrystal, polycrystal
    or mesh file, with its sizes) and ``mesh`` (grading, refinement, error control)."""

    name: str
    geometry: GeometrySpec
    mesh: MeshSpec


def mesh_plan(case: Case) -> MeshPlan:
    """The case's meshing settings."""
    return MeshPlan(case.name, case.geometry, case.mesh)
