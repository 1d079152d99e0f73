"""Grain boundaries: thin cores (shifted standard chemical potentials, a lower diffusivity and a
spread core charge) and sharp ones (a sheet charge on interior facets), both ramped with the load.

    thin:   rho_core = lam sigma_core/(w e c_s) chi,   mu0_k -> mu0_k + lam dG_k chi,
            D_k -> D_k (1 + (f_D - 1) chi)            (chi = 1 in core cells)
    sharp:  - int lam sigma/(e c_s L) v dS           in the Poisson residual
"""

import numpy as np

from pnp_ssb.constants import ELEMENTARY_CHARGE_C
from pnp_ssb.discretisation.fem import dolfinx, ufl
from pnp_ssb.discretisation.forms.fields import GrainCore
from pnp_ssb.discretisation.forms.problem import FormBuilder


def _core_nodes(b: FormBuilder, cells: np.ndarray) -> dolfinx.fem.Function:
    """1 at vertices whose every cell is a core cell (ghosts included: no scatter needed)."""
    msh = b.domain.mesh
    tdim = msh.topology.dim
    V1 = dolfinx.fem.functionspace(msh, ("Lagrange", 1))
    nodes = dolfinx.fem.Function(V1)
    inside = dolfinx.fem.locate_dofs_topological(V1, tdim, cells)
    n_cells = msh.topology.index_map(tdim).size_local + msh.topology.index_map(tdim).num_ghosts
    others = np.setdiff1d(np.arange(n_cells, dtype=np.int32), cells)
    outside = dolfinx.fem.locate_dofs_topological(V1, tdim, others)
    nodes.x.array[np.setdiff1d(inside, outside)] = 1.0
    return nodes


def add_grain_cores(b: FormBuilder) -> None:
    """The indicator, shifts and charge of each region's thin cores (the bulk terms use them)."""
    scales = b.model.scales
    for region, cells in b.domain.grain_boundary_cells.items():
        gb = b.model.grain_boundaries[region]
        V0 = dolfinx.fem.functionspace(b.domain.mesh, ("DG", 0))
        chi = dolfinx.fem.Function(V0, name=f"gb_core_{region}")
        chi.x.array[V0.dofmap.list[cells].ravel()] = 1.0
        kT_eV = scales.thermal_voltage_V
        shifts = {sp: b.constant(lambda lam, g=g / kT_eV: lam * g)
                  for sp, g in gb.energy_shift_eV.items()}
        rho = (gb.core_charge_C_m2 / gb.width_m / ELEMENTARY_CHARGE_C / scales.concentration_m3
               if gb.width_m else 0.0)
        b.grain_cores[region] = GrainCore(chi, _core_nodes(b, cells), shifts,
                                          gb.diffusivity_factor,
                                          chi * b.constant(lambda lam, r=rho: lam * r))


def sheet_entities(b: FormBuilder, first_tag: int) -> dict[str, tuple[int, np.ndarray]]:
    """Interior-facet integration entities of each region's sharp boundaries, tagged from
    ``first_tag`` on."""
    msh = b.domain.mesh
    out = {}
    for k, (name, facets) in enumerate(b.domain.grain_boundary_facets.items()):
        raw = dolfinx.fem.compute_integration_domains(
            dolfinx.fem.IntegralType.interior_facet, msh.topology, facets)
        out[name] = (first_tag + k, np.asarray(raw, dtype=np.int32))
    return out


def add_sheet_charge(b: FormBuilder, region: str, dS_boundary: ufl.Measure) -> None:
    """The sheet charge lam sigma/(e c_s L) of a region's sharp grain boundaries."""
    sigma = (b.model.grain_boundaries[region].core_charge_C_m2
             / b.model.scales.charge_per_area_C_m2)
    sheet = b.constant(lambda lam, s=sigma: lam * s)
    b.F_psi -= sheet * b.v("+") * dS_boundary
    b.sheet_charge[region] = sheet * dS_boundary
