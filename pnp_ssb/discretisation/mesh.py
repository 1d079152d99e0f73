"""The mesh of a case's geometry (:func:`build_domain`, by ``geometry.type``): 1D stacks and
layered_2d cross-sections (:mod:`pnp_ssb.discretisation.stack_mesh`), bicrystal and polycrystal
cross-sections, and gmsh mesh files; and which geometries adapt as a stack and which refine
uniformly (:mod:`pnp_ssb.discretisation.refinement`). Mesh coordinates are in units of
``model.LENGTH_SCALE_M`` (nm).
"""

import dataclasses
import logging

from pnp_ssb.discretisation import microstructure
from pnp_ssb.discretisation.domain import Domain, _cross_section, _gmsh, domain_from_gmsh
from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.discretisation.grading import cross_section_plan, microstructure_sizing
from pnp_ssb.discretisation.stack_mesh import (
    StackLayout,
    _with_layout,
    layered_domain,
    stack_domain,
    stack_layout,
)
from pnp_ssb.input.plan import MeshPlan
from pnp_ssb.physics.model import StackModel

log = logging.getLogger(__name__)


ADAPTIVE_GEOMETRIES = ("stack", "layered_2d")  # meshed from a StackLayout (pnp_ssb.studies.adapt)
REFINED_GEOMETRIES = ("bicrystal", "polycrystal", "mesh_file")  # estimated on refined_domain


def build_domain(plan: MeshPlan, model: StackModel, comm: MPI.Comm = MPI.COMM_WORLD,
                 layout: StackLayout | None = None) -> Domain:
    """The mesh of a case's geometry (collective): see case.GeometrySpec. Stacks and
    layered_2d cross-sections take their x vertices from ``layout`` where one is given."""
    kind = plan.geometry.type
    if kind == "stack":
        return stack_domain(plan, model, comm, layout)
    if kind == "layered_2d":
        return layered_domain(plan, model, comm, layout)
    if kind == "mesh_file":
        return file_domain(plan, model, comm)
    if kind in ("bicrystal", "polycrystal"):
        return microstructure_domain(plan, model, comm)
    raise NotImplementedError(f"geometry.type = {kind!r}")


def microstructure_domain(plan: MeshPlan, model: StackModel, comm: MPI.Comm = MPI.COMM_WORLD
                          ) -> Domain:
    """A bicrystal or Voronoi polycrystal cross-section (pnp_ssb.discretisation.microstructure), meshed with
    gmsh on rank 0 from the case (the same case gives the same mesh)."""
    if comm.rank == 0:
        layers, key, grains = cross_section_plan(plan, model)
        width_nm = model.grain_boundaries[key].width_m / model.scales.length_m
        sizing = microstructure_sizing(plan, model)
        if plan.geometry.type == "bicrystal":
            microstructure.build_cross_section(layers, key, [], grains, width_nm, sizing,
                                               plan.name)
        else:
            _, cells = grains
            microstructure.build_cross_section(layers, key, cells if len(cells) > 1 else [],
                                               None, width_nm, sizing, plan.name)
        log.info("%s: %s mesh, h_min %.3g nm, h_max %.3g nm", plan.name, plan.geometry.type,
                 sizing.h_min_nm, sizing.h_max_nm)
    domain = domain_from_gmsh(comm, gdim=2, region_order=[r.name for r in model.regions],
                              length_scale_m=model.scales.length_m)
    if comm.rank == 0:
        __import__("gmsh").model.remove()
    return _with_layout(domain, model, stack_layout(plan, model))


def file_domain(plan: MeshPlan, model: StackModel, comm: MPI.Comm = MPI.COMM_WORLD) -> Domain:
    """A 2D mesh from a gmsh .msh file with named physical groups (validated with the case);
    its coordinates are scaled from ``geometry.mesh_unit_m`` to the model's length scale."""
    if comm.rank == 0:
        gmsh = _gmsh()
        gmsh.open(str(plan.geometry.mesh_file))
    domain = domain_from_gmsh(comm, gdim=2, region_order=[r.name for r in model.regions],
                              length_scale_m=model.scales.length_m)
    if comm.rank == 0:
        gmsh.model.remove()
    domain.mesh.geometry.x[:] *= plan.geometry.mesh_unit_m / model.scales.length_m
    return _with_layout(dataclasses.replace(domain, cross_section=_cross_section(domain.mesh)),
                        model, stack_layout(plan, model))
