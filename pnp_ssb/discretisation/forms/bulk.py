"""Bulk terms: the Poisson equation in every region and Nernst–Planck in the electrolytes.

With c_k = N_k f(a_k) from :mod:`pnp_ssb.physics.model` (all in kT units):

    Poisson:  int A eps_r grad psi . grad v - (rho_fix + sum_k z_k c_k) v dx,
              A = eps0 kT/(e^2 c_s L^2)
    NP:       int D_k M_k grad w_k . grad q dx,   flux J_k = -D_k M_k grad w_k,
              M_k = c_k (1 - c_k/N_k)^m + 1e-10 c_bulk_k  (the floor keeps depleted rows regular)
"""

import numpy as np

from pnp_ssb.discretisation.fem import dolfinx, ufl
from pnp_ssb.discretisation.forms.fields import GrainCore
from pnp_ssb.discretisation.forms.problem import FormBuilder, Problem, species_scale
from pnp_ssb.physics.model import RegionModel, SpeciesModel

# Mobility floor, relative to the bulk concentration: a fully depleted species (c ~ e^-80 c_b)
# would make its Nernst–Planck rows singular; the flux error this adds is 1e-10 of the bulk's.
MOBILITY_FLOOR = 1e-10


def concentration_ufl(sp: SpeciesModel, psi, w, psi0, shift=0.0):
    """c/c_s = N f(a), a = w - z (psi - psi0) + f^-1(c_bulk/N) - shift; tanh form of the
    logistic. ``shift`` is the change of the standard chemical potential (kT) in a
    grain-boundary core."""
    a = w - sp.charge * (psi - psi0) + sp.bulk_activity - shift
    if sp.statistics == "boltzmann":
        return sp.site_density * ufl.exp(a)
    return sp.site_density * 0.5 * (1 + ufl.tanh(0.5 * a))


def charge_density_ufl(region: RegionModel, psi, w: dict, psi0, core: GrainCore | None = None):
    """Scaled charge density rho/(e c_s) of a region, with its grain-boundary cores."""
    rho = region.background_charge
    for sp in region.species:
        rho = rho + sp.charge * concentration_ufl(sp, psi, w.get(sp.name, 0.0), psi0,
                                                  core.shift(sp.name) if core else 0.0)
    if core is not None:
        rho = rho + core.charge_density
    return rho


def carrier_potentials(region: RegionModel, fields: dict, mesh) -> dict:
    """w of every species of a region for the charge density (RegionModel.carrier_potentials:
    electrons and holes tied to Li+ at the local mu_Li), with x the mesh's stack axis."""
    return region.carrier_potentials(dict(fields), ufl.SpatialCoordinate(mesh)[0])


def add_species_fields(b: FormBuilder, transported: list[str]) -> None:
    """One w_k field per transported species, on the submesh of the regions that hold it."""
    msh = b.domain.mesh
    tdim = msh.topology.dim
    for name in transported:
        holders = [r.name for r in b.model.regions if any(s.name == name for s in r.species)]
        cells = np.sort(np.concatenate([b.domain.region_cells(r) for r in holders]))
        sub, cmap, vmap, _ = dolfinx.mesh.create_submesh(msh, tdim, cells.astype(np.int32))
        sub.topology.create_connectivity(tdim - 1, tdim)
        Vk = dolfinx.fem.functionspace(sub, ("Lagrange", 1))
        b.fields[name] = dolfinx.fem.Function(Vk, name=f"w_{name}")
        b.tests[name] = ufl.TestFunction(Vk)
        b.vertex_maps[name] = (vmap, sub)
        b.entity_maps.append(cmap)
        b.F_w[name] = 0


def add_bulk_terms(b: FormBuilder, uniform: set[str]) -> None:
    """Poisson in every region and Nernst–Planck for each field in its electrolytes.

    ``uniform``: closed species at steady state carry no flux, so w is uniform for any positive
    mobility; a constant one (the bulk concentration) makes their rows a plain Laplacian.
    """
    model, dx, psi, v = b.model, b.dx, b.psi, b.v
    A = model.scales.poisson_coefficient
    no_weight = dolfinx.fem.Constant(b.domain.mesh, 0.0)
    for region in model.regions:
        tag = b.domain.region_tags[region.name]
        if region.is_conductor:  # psi is fixed there (Dirichlet); the zero-weight term only
            # puts the conductor's dofs into the matrix sparsity for the Dirichlet rows
            b.F_psi += no_weight * ufl.inner(ufl.grad(psi), ufl.grad(v)) * dx(tag)
            continue
        b.F_psi += A * region.relative_permittivity * ufl.inner(ufl.grad(psi), ufl.grad(v)) * dx(tag)
        if not region.is_electrolyte:
            continue
        w = carrier_potentials(region, b.fields, b.domain.mesh)
        core = b.grain_cores.get(region.name)
        b.F_psi -= charge_density_ufl(region, psi, w, b.bulk[region.name], core) * v * dx(tag)
        for sp in region.species:
            if sp.name not in b.fields:
                continue
            c = concentration_ufl(sp, psi, b.fields[sp.name], b.bulk[region.name],
                                  core.shift(sp.name) if core else 0.0)
            mobility = c if sp.mobility_exponent == 0 else c * (1 - c / sp.site_density)
            mobility = mobility + MOBILITY_FLOOR * sp.bulk_concentration
            if sp.name in uniform:
                mobility = sp.bulk_concentration
            if core is not None:
                mobility = mobility * core.mobility_factor
            weight = sp.diffusivity_m2_s / species_scale(model, sp.name)
            b.F_w[sp.name] += weight * mobility * ufl.inner(
                ufl.grad(b.fields[sp.name]), ufl.grad(b.tests[sp.name])) * dx(tag)


def lumped_measure(problem: Problem) -> ufl.Measure:
    """dx with the vertex rule: lumped mass. Each node's row sees only its own concentration,
    so rows of a depleted species are not swamped by the round-off of large neighbours."""
    return ufl.Measure("dx", domain=problem.domain.mesh, subdomain_data=problem.domain.cell_tags,
                       metadata={"quadrature_rule": "vertex", "quadrature_degree": 1})
