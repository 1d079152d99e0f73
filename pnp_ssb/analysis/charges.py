"""Charges and currents per area of a solved problem, from its assembled forms: the electrode
charges and boundary currents from the consistent (reaction) fluxes at the boundary nodes, the
integrated space charge of each region, and the boundary and interface measures they divide by
(collective).
"""

import numpy as np

from pnp_ssb.constants import ELEMENTARY_CHARGE_C
from pnp_ssb.discretisation.fem import MPI, dolfinx, ufl
from pnp_ssb.discretisation.forms import Problem, charge_density_ufl, species_scale


def _sum_owned(vector: dolfinx.la.Vector, dofs: np.ndarray, comm: MPI.Comm) -> float:
    n_owned = vector.index_map.size_local * vector.block_size
    local = float(vector.array[dofs[dofs < n_owned]].sum())
    return comm.allreduce(local, op=MPI.SUM)


def _reaction_vector(problem: Problem, name: str, form) -> dolfinx.la.Vector:
    vec = dolfinx.fem.assemble_vector(problem.compiled(name, lambda: form))
    vec.scatter_reverse(dolfinx.la.InsertMode.add)
    return vec


def boundary_measure(problem: Problem, side: str) -> float:
    """Size of a boundary in scaled units (1 for a 1D end point) (collective)."""
    if f"measure:{side}" not in problem.cache:  # geometry: fixed for the problem's lifetime
        tag = problem.domain.boundary_tags[side]
        value = dolfinx.fem.assemble_scalar(dolfinx.fem.form(1.0 * problem.ds(tag)))
        problem.cache[f"measure:{side}"] = problem.domain.mesh.comm.allreduce(value, op=MPI.SUM)
    return problem.cache[f"measure:{side}"]


def electrode_charges_C_m2(problem: Problem) -> dict[str, float]:
    """Charge per area on each boundary's electrode side, from the Poisson reaction (collective).

    The Poisson residual without boundary terms, summed over a boundary's nodes, equals
    int eps grad(phi).n ds there: the charge on the electrode (Gauss). This is the consistent
    flux, exact for the discrete solution, rather than a differentiated potential.
    """
    comm = problem.domain.mesh.comm
    vec = _reaction_vector(problem, "poisson_volume", problem.poisson_volume)
    scale = problem.model.scales.charge_per_area_C_m2
    out = {side: _sum_owned(vec, dofs, comm) * scale / boundary_measure(problem, side)
           for side, dofs in problem.boundary_dofs.items()}
    for key, dofs in problem.interface_dofs.items():
        out[key] = _sum_owned(vec, dofs, comm) * scale / interface_measure(problem, key)
    return out


def interface_measure(problem: Problem, key: str) -> float:
    """Size of an interface in scaled units (1 for a 1D contact point) (collective)."""
    if f"measure:{key}" not in problem.cache:  # geometry: fixed for the problem's lifetime
        domain = problem.domain
        dS = ufl.Measure("dS", domain=domain.mesh, subdomain_data=domain.facet_tags)
        value = dolfinx.fem.assemble_scalar(dolfinx.fem.form(
            dolfinx.fem.Constant(domain.mesh, 1.0) * dS(domain.interface_tags[key])))
        problem.cache[f"measure:{key}"] = domain.mesh.comm.allreduce(value, op=MPI.SUM)
    return problem.cache[f"measure:{key}"]


def space_charge_C_m2(problem: Problem) -> dict[str, float]:
    """Integrated charge of each region per unit boundary area, its sharp grain boundaries'
    sheet charge included (collective)."""
    comm = problem.domain.mesh.comm
    out = {}
    for region in problem.model.electrolytes:
        rho = charge_density_ufl(region, problem.psi, dict(problem.species_fields),
                                 problem.bulk_potential[region.name],
                                 problem.grain_cores.get(region.name))
        tag = problem.domain.region_tags[region.name]
        form = dolfinx.fem.form(rho * problem.dx(tag), entity_maps=problem.entity_maps or None)
        value = comm.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM)
        if region.name in problem.sheet_charge:  # the charge of sharp grain boundaries
            sheet = problem.compiled(f"sheet:{region.name}",
                                     lambda n=region.name: problem.sheet_charge[n])
            value += comm.allreduce(dolfinx.fem.assemble_scalar(sheet), op=MPI.SUM)
        out[region.name] = value * problem.model.scales.charge_per_area_C_m2 / boundary_measure(
            problem, "left")
    return out


def boundary_currents_A_m2(problem: Problem) -> dict[str, float]:
    """Electric current density leaving the electrolyte through each reservoir (collective).

    From the Nernst–Planck reactions at the reservoir nodes (the consistent flux): for each
    species, J.n = -R_b (D c_bulk)_ref c_s / L, and i = sum_k z_k e J_k.n.
    """
    comm = problem.domain.mesh.comm
    model = problem.model
    out: dict[str, float] = {side: 0.0 for side in problem.boundary_dofs}
    out.update({side: 0.0 for side, _ in problem.boundary_species_dofs})
    vectors = {name: _reaction_vector(problem, f"species:{name}", form)
               for name, form in problem.species_residuals.items()}
    charge = {sp.name: sp.charge for r in model.regions for sp in r.species}
    for (side, name), dofs in problem.boundary_species_dofs.items():
        flux = -_sum_owned(vectors[name], dofs, comm) * species_scale(model, name) * (
            model.scales.concentration_m3 / model.scales.length_m)
        size = interface_measure(problem, side) if "|" in side else boundary_measure(problem, side)
        out[side] += charge[name] * ELEMENTARY_CHARGE_C * flux / size
    return out
