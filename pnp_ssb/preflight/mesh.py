"""Meshes checked before meshing: the automatic graded mesh is counted (the rules of
:mod:`pnp_ssb.discretisation.grading`, which the mesher uses) and refused above MAX_CELLS, and
cell sizes that would not take effect are reported."""

import logging

from pnp_ssb.discretisation import grading
from pnp_ssb.input.case import Case
from pnp_ssb.input.fields import field_error
from pnp_ssb.input.plan import mesh_plan
from pnp_ssb.preflight.cell import meshing_model

log = logging.getLogger(__name__)


def check_mesh_size(case: Case) -> None:
    """At most MAX_CELLS cells, counted without meshing; warnings for ignored cell sizes."""
    plan, model = mesh_plan(case), meshing_model(case)
    estimate = grading.estimate_cells(plan, model)
    if estimate.cells > grading.MAX_CELLS:
        raise field_error(estimate.field, estimate.value, f"a case whose mesh has at most "
                          f"{grading.MAX_CELLS:,} cells; {estimate.detail}")
    ignored = [max(s.h_start, s.h_end) for segments, r in zip(
        grading.stack_segments(plan, model), model.regions, strict=True) if r.is_electrolyte
        for s in segments if s.h_cap < max(s.h_start, s.h_end)]
    if ignored:
        log.warning("mesh.max_cell_m = %r is below the automatic cells at the walls (up to "
                    "%.3g m, mesh.min_cell_m = 'auto'): those layers use their wall cells as "
                    "the largest instead", case.mesh.max_cell_m, max(ignored))
    geo = case.geometry
    if geo.type in ("bicrystal", "polycrystal") and geo.max_cell_m != "auto":
        h_min = grading.microstructure_sizing(plan, model).h_min_nm * model.scales.length_m
        if geo.max_cell_m < h_min:
            log.warning("geometry.max_cell_m = %r is below the smallest cell (%.3g m): the "
                        "cross-section is meshed with cells of %.3g m", geo.max_cell_m,
                        h_min, h_min)
