"""Butler–Volmer charge transfer at electrode | electrolyte contacts (interior facets).

With x into the electrolyte, the outward flux of species k is J.n = -s_k i_k/e, with
i_k = i0 [exp(alpha_a eta_k) - exp(-alpha_c eta_k)] and eta_k/(kT/e) = lam (V - U)/vt - s_k w_k
(0 in the flat state); in a transient (V - U(theta_plane))/vt - s_k w_k, with V a constant the
time loop controls. The electrode loses sum_k i_k/e of Li through the contact.
"""

import numpy as np

from pnp_ssb.constants import ELEMENTARY_CHARGE_C
from pnp_ssb.discretisation.domain import Domain
from pnp_ssb.discretisation.fem import dolfinx, ufl
from pnp_ssb.discretisation.forms.electrode_diffusion import (
    ElectrodeField,
    electrode_field,
    table_ufl,
)
from pnp_ssb.discretisation.forms.problem import FormBuilder, species_scale
from pnp_ssb.physics.contacts import ReactingContact


def interface_entities(domain: Domain, key: str, first_region: str) -> np.ndarray:
    """Interior-facet integration entities of an interface, (cell, local facet) pairs with the
    cell of ``first_region`` first: that side is '+' in the forms (dolfinx does not fix it)."""
    msh = domain.mesh
    tdim = msh.topology.dim
    msh.topology.create_connectivity(tdim - 1, tdim)
    raw = dolfinx.fem.compute_integration_domains(
        dolfinx.fem.IntegralType.interior_facet, msh.topology, domain.facets(key))
    pairs = np.asarray(raw, dtype=np.int32).reshape(-1, 4)
    region = np.zeros(msh.topology.index_map(tdim).size_local
                      + msh.topology.index_map(tdim).num_ghosts, dtype=bool)
    region[domain.region_cells(first_region)] = True
    swap = ~region[pairs[:, 0]]
    pairs[swap] = pairs[swap][:, [2, 3, 0, 1]]
    return pairs.ravel()


def add_electrode_states(b: FormBuilder, dx: ufl.Measure) -> None:
    """In a transient: each reacting conductor's Fermi voltage as a constant the time loop
    moves, and the Li field of each insertion electrode."""
    if not b.model.contacts:
        return
    vt = b.model.scales.thermal_voltage_V
    cell = b.model.require_cell()  # contacts exist only in a cell
    for contact in b.model.contacts:
        if contact.conductor not in b.electrodes and contact.ocv_table is not None:
            b.electrodes[contact.conductor] = electrode_field(b.domain, b.model, contact.conductor,
                                                              dx, b.entity_maps)
        b.fermi_voltage.setdefault(contact.conductor, dolfinx.fem.Constant(
            b.domain.mesh, cell.fermi_voltage_V[contact.conductor] / vt))


def add_charge_transfer(b: FormBuilder, contact: ReactingContact, dS_contact: ufl.Measure) -> None:
    """Add the Butler–Volmer flux of each channel to its Nernst–Planck residual, and, in a
    transient with a resolved electrode, the Li it takes to the electrode's residual.

    The weak form int D M grad w . grad q dx + int (J.n) q ds = 0 takes the flux in the scaled
    units of the NP rows: J_res = J_SI L / (c_s (D c_b)_ref). Records the total current
    sum_k i_k (A/m^2) as a form on the contact.
    """
    model = b.model
    vt = model.scales.thermal_voltage_V
    electrode: ElectrodeField | None = b.electrodes.get(contact.conductor)
    fermi = b.fermi_voltage.get(contact.conductor)
    if fermi is None:
        drive = b.constant(lambda lam, d=contact.driving_V / vt: lam * d)
    elif electrode is None:  # Li metal: U = 0
        drive = fermi
    else:
        assert contact.ocv_table is not None  # an insertion electrode's contact
        drive = fermi - table_ufl(contact.ocv_table, electrode.theta("-")) / vt
    scale = model.scales.length_m / model.scales.concentration_m3
    li_out = 0
    for name, stoich in contact.channels:
        if name not in b.fields:
            continue
        eta = drive - stoich * b.fields[name]("+")
        i0 = contact.exchange_current_density_A_m2
        current = i0 * (ufl.exp(contact.alpha_anodic * eta) - ufl.exp(-contact.alpha_cathodic * eta))
        flux_out = -stoich * current / ELEMENTARY_CHARGE_C
        b.F_w[name] += (flux_out * scale / species_scale(model, name)
                        * b.tests[name]("+") * dS_contact)
        li_out = li_out + current / ELEMENTARY_CHARGE_C
    if electrode is not None:
        electrode.residual += (li_out * model.scales.length_m / electrode.row_scale
                               * electrode.test("-") * dS_contact)
    b.contact_current[contact.key] = li_out * ELEMENTARY_CHARGE_C * dS_contact


def add_collector_sink(b: FormBuilder, region: str, key: str, dS_contact: ufl.Measure) -> None:
    """The Li that lithiating collectors take from an electrode at contact ``key``, a number
    flux J (m^-2 s^-1) the time loop sets per step: + J L/(N D) r dS in the electrode's row,
    with its cell on the '+' side of ``dS_contact``."""
    electrode = b.electrodes.get(region)
    if electrode is None:
        raise ValueError(f"electrode {region!r} has no Li field: its collectors cannot take Li "
                         "from it (it needs an electrolyte contact in a transient)")
    sink = dolfinx.fem.Constant(b.domain.mesh, 0.0)
    b.collector_sink[key] = sink
    electrode.residual += (sink * b.model.scales.length_m / electrode.row_scale
                           * electrode.test("+") * dS_contact)
