"""The composer: the residual forms of the scaled Poisson–Nernst–Planck problem from the bulk
terms and the boundary, contact and grain-boundary units (builds, never solves).

Unknowns (all in kT units): psi = e phi/kT on the whole mesh, one field w_k = mu~_k/kT per
transported species on the submesh of the regions that hold it (physics.exchange), and in a
transient the Li field of each insertion electrode. Every departure from the flat neutral state
is scaled by a load parameter lam in [0, 1]; at lam = 0 the flat state is the exact solution,
which is what continuation starts from.
"""

from typing import cast

from pnp_ssb.discretisation.domain import Domain
from pnp_ssb.discretisation.fem import dolfinx, ufl
from pnp_ssb.discretisation.forms.boundaries import (
    add_carrier_contacts,
    add_conductors,
    add_terminals,
)
from pnp_ssb.discretisation.forms.bulk import add_bulk_terms, add_species_fields
from pnp_ssb.discretisation.forms.grain_boundaries import (
    add_grain_cores,
    add_sheet_charge,
    sheet_entities,
)
from pnp_ssb.discretisation.forms.kinetics import (
    add_charge_transfer,
    add_collector_sink,
    add_electrode_states,
    interface_entities,
)
from pnp_ssb.discretisation.forms.problem import QUADRATURE_DEGREE, FormBuilder, Problem
from pnp_ssb.physics.exchange import closed_species, transported_species
from pnp_ssb.physics.model import StackModel


def start_builder(domain: Domain, model: StackModel) -> FormBuilder:
    """The potential's space and field at the flat state, the measures, and each
    electrolyte's bulk potential psi0_r(lam) = ref + lam (psi0_r - offset_r - ref), on the scale
    of the mesh field (RegionModel.potential_offset)."""
    msh = domain.mesh
    msh.topology.create_connectivity(msh.topology.dim - 1, msh.topology.dim)
    metadata = {"quadrature_degree": QUADRATURE_DEGREE}
    V = dolfinx.fem.functionspace(msh, ("Lagrange", 1))
    psi = dolfinx.fem.Function(V, name="psi")
    psi.x.array[:] = model.reference_potential
    b = FormBuilder(domain, model, V, psi, ufl.TestFunction(V),
                    ufl.Measure("dx", domain=msh, subdomain_data=domain.cell_tags,
                                metadata=metadata),
                    ufl.Measure("ds", domain=msh, subdomain_data=domain.facet_tags,
                                metadata=metadata))
    ref = model.reference_potential
    b.bulk = {r.name: b.constant(lambda lam, r=r: ref + lam * (
        r.bulk_potential - r.potential_offset - ref)) for r in model.electrolytes}
    return b


def add_interfaces(b: FormBuilder) -> None:
    """Butler–Volmer contacts and sharp grain boundaries, on one interior-facet measure (a form
    takes one subdomain_data per integral type)."""
    contacts = b.model.contacts
    entities = [(k + 1, interface_entities(b.domain, c.key, c.electrolyte))
                for k, c in enumerate(contacts)]
    sheets = sheet_entities(b, len(entities) + 1)
    entities += list(sheets.values())
    collectors = [(len(entities) + 1 + k, chain) for k, chain in enumerate(
        b.model.collector_chains if b.model.regime == "transient" else ())]
    entities += [(tag, interface_entities(b.domain, chain.contact_key, chain.electrode))
                 for tag, chain in collectors]
    dS = ufl.Measure("dS", domain=b.domain.mesh, subdomain_data=entities,
                     metadata={"quadrature_degree": QUADRATURE_DEGREE})
    for region, (tag, _) in sheets.items():
        add_sheet_charge(b, region, dS(tag))
    for k, contact in enumerate(contacts):
        add_charge_transfer(b, contact, dS(k + 1))
    for tag, chain in collectors:
        add_collector_sink(b, chain.electrode, chain.contact_key, dS(tag))


def build_problem(domain: Domain, model: StackModel) -> Problem:
    """Assemble the residual forms, Dirichlet conditions and load-dependent constants of
    ``model`` (its regime chooses the terms) on ``domain``."""
    b = start_builder(domain, model)
    add_species_fields(b, transported_species(model))
    add_grain_cores(b)
    uniform = set() if model.regime == "transient" else set(closed_species(model))
    add_bulk_terms(b, uniform)
    poisson_volume = b.F_psi
    add_conductors(b)
    add_terminals(b)
    if model.regime != "equilibrium":
        add_carrier_contacts(b)
    if model.regime == "transient":
        add_electrode_states(b, b.dx)
    add_interfaces(b)
    electrodes = b.electrodes.values()
    return Problem(
        domain=domain, model=model,
        unknowns=[b.psi, *b.fields.values(), *(e.field for e in electrodes)],
        residuals=cast(list[ufl.Form], [b.F_psi, *(b.F_w[n] for n in b.fields),
                                        *(e.residual for e in electrodes)]),
        bcs=b.bcs, entity_maps=b.entity_maps, species_fields=b.fields,
        species_vertex_maps=b.vertex_maps, bulk_potential=b.bulk,
        electrode_potential=b.electrode_potential, stern_capacitance=b.stern_capacitance,
        dx=b.dx, ds=b.ds, poisson_volume=cast(ufl.Form, poisson_volume),
        species_residuals=cast(dict[str, ufl.Form], b.F_w), boundary_dofs=b.boundary_dofs,
        boundary_species_dofs=b.boundary_species_dofs, interface_dofs=b.interface_dofs,
        load_updates=b.updates, species_tests=b.tests, electrodes=b.electrodes,
        fermi_voltage=b.fermi_voltage, conductor_potential=b.conductor_potential,
        carrier_contact=b.carrier_contact, contacts=list(model.contacts),
        contact_current=b.contact_current, grain_cores=b.grain_cores,
        sheet_charge=b.sheet_charge, reservoir_w=b.reservoir_w,
        collector_sink=b.collector_sink)
