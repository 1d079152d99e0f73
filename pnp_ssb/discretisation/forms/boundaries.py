"""Boundary and contact units: each kind adds its own weak-form terms, Dirichlet conditions and
load-dependent constants to a :class:`FormBuilder`, and is chosen by type.

Every departure from the flat state is ramped by the load lam in [0, 1]: an electrolyte's end
sits at psi_b(lam) = psi_ref + lam (psi0_r - psi_ref) + lam offset, a conductor at
psi_ref + lam (psi_cond - psi_ref).

- potential (blocking or reservoir end, no Stern layer): Dirichlet psi = psi_b;
- Stern (Robin): - int C_S (psi_b - psi) v ds in the Poisson residual;
- reservoir: Dirichlet w_k = z_k lam offset for the species it exchanges (not at equilibrium);
- ohmic electronic contact: psi fixed in each conductor, +- a contact dipole at its contacts;
- graded carriers: electrons and holes take the touching conductor's Fermi level.
"""

from collections.abc import Callable

import numpy as np

from pnp_ssb.discretisation.fem import dolfinx
from pnp_ssb.discretisation.forms.problem import FormBuilder, submesh_facets
from pnp_ssb.physics.contacts import Terminal
from pnp_ssb.physics.model import CellModel, RegionModel

TerminalUnit = Callable[[FormBuilder, Terminal, RegionModel, dolfinx.fem.Constant], None]


def imposed_potential(b: FormBuilder, terminal: Terminal, region: RegionModel,
                      potential: dolfinx.fem.Constant) -> None:
    """Dirichlet psi = psi_b on the end's facets."""
    dofs = b.boundary_dofs[terminal.side]
    b.bcs.append(dolfinx.fem.dirichletbc(potential, dofs, b.V))


def stern_layer(b: FormBuilder, terminal: Terminal, region: RegionModel,
                potential: dolfinx.fem.Constant) -> None:
    """Robin: the Stern layer's charge C_S (psi_b - psi) on the end's facets (scaled C_S)."""
    assert terminal.stern_capacitance_F_m2 is not None  # chosen only with a Stern layer
    b.stern_capacitance[terminal.side] = terminal.stern_capacitance_F_m2
    C = b.model.scales.capacitance_scaled(terminal.stern_capacitance_F_m2)
    b.F_psi -= C * (potential - b.psi) * b.v * b.ds(b.domain.boundary_tags[terminal.side])


def reservoir(b: FormBuilder, terminal: Terminal, region: RegionModel,
              potential: dolfinx.fem.Constant) -> None:
    """Dirichlet w_k = z_k lam offset/vt for each species the reservoir exchanges: a neutral
    bulk at the boundary potential."""
    offset = terminal.offset_V / b.model.scales.thermal_voltage_V
    facets = b.domain.facets(terminal.side)
    for sp in region.species:
        # extrinsic electrons and holes have no field: they follow Li+ (carrier_potentials)
        if not terminal.exchanges(sp.name) or sp.name not in b.fields:
            continue
        vmap, sub = b.vertex_maps[sp.name]
        Vk = b.fields[sp.name].function_space
        dofs = dolfinx.fem.locate_dofs_topological(Vk, b.fdim, submesh_facets(b.domain, vmap, sub,
                                                                               facets))
        b.boundary_species_dofs[(terminal.side, sp.name)] = dofs
        w_res = b.constant(lambda lam, z=sp.charge, o=offset: z * lam * o)
        b.reservoir_w[(terminal.side, sp.name)] = w_res
        b.bcs.append(dolfinx.fem.dirichletbc(w_res, dofs, Vk))


def terminal_units(terminal: Terminal, regime: str) -> list[TerminalUnit]:
    """The units of an electrolyte's end, by its type: its potential (imposed, or through a
    Stern layer), then a reservoir's species (fluxes exist only away from equilibrium)."""
    units: list[TerminalUnit] = [
        imposed_potential if terminal.stern_capacitance_F_m2 is None else stern_layer]
    if terminal.kind == "reservoir" and regime != "equilibrium":
        units.append(reservoir)
    return units


def add_terminals(b: FormBuilder) -> None:
    """The units of both ends of the stack, for each end that is an electrolyte."""
    vt = b.model.scales.thermal_voltage_V
    ref = b.reference
    for side, region in (("left", b.model.regions[0]), ("right", b.model.regions[-1])):
        if not region.is_electrolyte:
            continue  # a conductor's terminal: its potential is already fixed
        terminal = b.model.terminals[side]
        potential = b.constant(lambda lam, r=region, o=terminal.offset_V / vt:
                               ref + lam * (r.bulk_potential - r.potential_offset - ref) + lam * o)
        b.electrode_potential[side] = potential
        b.boundary_dofs[side] = dolfinx.fem.locate_dofs_topological(b.V, b.fdim,
                                                                    b.domain.facets(side))
        for unit in terminal_units(terminal, b.model.regime):
            unit(b, terminal, region, potential)


def add_conductors(b: FormBuilder) -> None:
    """Fix psi in every conductor, psi(lam) = ref + lam (psi_cond - ref); at a conductor
    contact with a dipole, the contact node carries psi_cond +- dipole. Records the contact
    dofs of each conductor | non-conductor interface (for the electrode charges)."""
    model, ref = b.model, b.reference
    tdim = b.domain.mesh.topology.dim
    taken = np.zeros(0, dtype=np.int32)
    for a, c in zip(model.regions, model.regions[1:], strict=False):
        key = f"{a.name}|{c.name}"
        if a.is_conductor == c.is_conductor:
            continue
        (conductor, other), sign = ((a, c), 1.0) if a.is_conductor else ((c, a), -1.0)
        dofs = dolfinx.fem.locate_dofs_topological(b.V, tdim - 1, b.domain.facets(key))
        step = sign * model.dipoles.get(key, 0.0)
        # on the mesh field's scale of the charged side (its potential offset)
        const = b.constant(lambda lam, v=conductor.bulk_potential + step - other.potential_offset:
                           ref + lam * (v - ref))
        b.conductor_potential.setdefault(conductor.name, []).append(
            (const, step - other.potential_offset))
        b.bcs.append(dolfinx.fem.dirichletbc(const, dofs, b.V))
        b.interface_dofs[key] = dofs
        taken = np.union1d(taken, dofs)
    for region in model.regions:
        if not region.is_conductor:
            continue
        dofs = dolfinx.fem.locate_dofs_topological(b.V, tdim, b.domain.region_cells(region.name))
        dofs = np.setdiff1d(dofs, taken).astype(np.int32)
        taken = np.union1d(taken, dofs)
        const = b.constant(lambda lam, v=region.bulk_potential: ref + lam * (v - ref))
        b.conductor_potential.setdefault(region.name, []).append((const, 0.0))
        b.bcs.append(dolfinx.fem.dirichletbc(const, dofs, b.V))


def add_carrier_contacts(b: FormBuilder) -> None:
    """Graded electrons and holes take the Fermi level of the conductor they touch (the
    Schottky analogue): w_e = (E_F,electrode - E_F,bulk)/kT = (U_SE - V)/vt, w_h = -w_e.
    Records (constant, z, U_SE) per conductor, for a time loop that moves V."""
    model = b.model
    vt = model.scales.thermal_voltage_V
    for a, c in zip(model.regions, model.regions[1:], strict=False):
        key = f"{a.name}|{c.name}"
        for conductor, se in ((a, c), (c, a)):
            if not (conductor.is_conductor and se.is_electrolyte and se.electronic == "graded"):
                continue
            u_se = se.li_potential_V
            # case validation: electronic carriers need li_potential_V; a conductor, a cell
            assert u_se is not None and isinstance(model, CellModel)
            w_e = (u_se - model.cell.fermi_voltage_V[conductor.name]) / vt
            for sp in se.species:
                if not sp.carrier or sp.name not in b.fields:
                    continue
                vmap, sub = b.vertex_maps[sp.name]
                Vk = b.fields[sp.name].function_space
                facets = submesh_facets(b.domain, vmap, sub, b.domain.facets(key))
                dofs = dolfinx.fem.locate_dofs_topological(Vk, b.fdim, facets)
                b.boundary_species_dofs[(key, sp.name)] = dofs
                const = b.constant(lambda lam, t=w_e if sp.carrier == "electron" else -w_e:
                                   lam * t)
                b.carrier_contact.setdefault(conductor.name, []).append((const, sp.charge, u_se))
                b.bcs.append(dolfinx.fem.dirichletbc(const, dofs, Vk))
