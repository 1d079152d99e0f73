"""Residual forms of the scaled Poisson–Nernst–Planck problem, by part: the bulk terms
(:mod:`.bulk`), the boundary and contact units (:mod:`.boundaries`, :mod:`.kinetics`), grain
boundaries (:mod:`.grain_boundaries`), Li diffusion in electrodes (:mod:`.electrode_diffusion`),
and the composer that puts a :class:`Problem` together (:mod:`.compose`)."""

from pnp_ssb.discretisation.forms.bulk import (
    MOBILITY_FLOOR,
    carrier_potentials,
    charge_density_ufl,
    concentration_ufl,
    lumped_measure,
)
from pnp_ssb.discretisation.forms.compose import build_problem
from pnp_ssb.discretisation.forms.electrode_diffusion import (
    TABLE_NODE_BAND,
    ElectrodeField,
    table_ufl,
)
from pnp_ssb.discretisation.forms.fields import GrainCore
from pnp_ssb.discretisation.forms.problem import (
    QUADRATURE_DEGREE,
    FormBuilder,
    Problem,
    species_scale,
    submesh_facets,
)

__all__ = ["MOBILITY_FLOOR", "QUADRATURE_DEGREE", "TABLE_NODE_BAND", "ElectrodeField",
           "FormBuilder", "GrainCore", "Problem", "build_problem", "carrier_potentials",
           "charge_density_ufl", "concentration_ufl", "lumped_measure", "species_scale",
           "submesh_facets", "table_ufl"]
