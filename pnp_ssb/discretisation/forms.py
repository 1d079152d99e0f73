"""Residual forms of the scaled Poisson–Nernst–Planck problem (builds, never solves).

Unknowns (all in kT units): psi = e phi/kT on the whole mesh, and in a steady-state study one
field w_k = mu~_k/kT per species on the submesh of the regions that hold it (equilibrium
studies fix w_k = 0). With c_k = N_k f(a_k) from :mod:`pnp_ssb.physics.model`:

    Poisson:  int A eps_r grad psi . grad v - (rho_fix + sum_k z_k c_k) v dx
              - sum_Stern int C_S (psi_E - psi) v ds = 0,          A = eps0 kT/(e^2 c_s L^2)
    NP:       int D_k M_k grad w_k . grad q dx = 0,   flux J_k = -D_k M_k grad w_k,
              M_k = c_k (1 - c_k/N_k)^m + 1e-10 c_bulk_k  (the floor keeps depleted rows regular)

Every departure from the flat neutral state is scaled by a load parameter lam in [0, 1]: bulk
potentials psi0_r(lam) = psi0_ref + lam (psi0_r - psi0_ref), and boundary potentials
psi_b = psi0_r(lam) + lam (V_b - psi0_r). At lam = 0 the flat state is the exact solution,
which is what continuation starts from.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from pnp_ssb.constants import ELEMENTARY_CHARGE_C
from pnp_ssb.discretisation.domain import Domain
from pnp_ssb.discretisation.fem import dolfinx, ufl
from pnp_ssb.input.case import BoundarySpec, Case
from pnp_ssb.physics.model import RegionModel, SpeciesModel, StackModel

QUADRATURE_DEGREE = 4
# Mobility floor, relative to the bulk concentration: a fully depleted species (c ~ e^-80 c_b)
# would make its Nernst–Planck rows singular; the flux error this adds is 1e-10 of the bulk's.
MOBILITY_FLOOR = 1e-10


@dataclass
class Problem:
    """Everything the solver needs, plus what post-processing reads back.

    Attributes:
        unknowns: [psi, w_1, ..., w_n] (w only in steady-state studies).
        residuals: one residual form per unknown.
        bcs: Dirichlet conditions (boundary potentials, reservoir electrochemical potentials).
        entity_maps: submesh cell maps for mixed-domain assembly.
        load_updates: constants with their value as a function of the load parameter.
    """

    domain: Domain
    model: StackModel
    unknowns: list[dolfinx.fem.Function]
    residuals: list[ufl.Form]
    bcs: list[dolfinx.fem.DirichletBC]
    entity_maps: list
    species_fields: dict[str, dolfinx.fem.Function]
    species_vertex_maps: dict[str, tuple[dolfinx.mesh.EntityMap, dolfinx.mesh.Mesh]]
    bulk_potential: dict[str, dolfinx.fem.Constant]
    electrode_potential: dict[str, dolfinx.fem.Constant]
    stern_capacitance: dict[str, float]
    dx: ufl.Measure
    ds: ufl.Measure
    poisson_volume: ufl.Form
    species_residuals: dict[str, ufl.Form]
    boundary_dofs: dict[str, np.ndarray]
    boundary_species_dofs: dict[tuple[str, str], np.ndarray]
    interface_dofs: dict[str, np.ndarray] = field(default_factory=dict)
    species_tests: dict[str, ufl.Argument] = field(default_factory=dict)
    electrodes: dict[str, "ElectrodeField"] = field(default_factory=dict)
    fermi_voltage: dict[str, dolfinx.fem.Constant] = field(default_factory=dict)
    conductor_potential: dict[str, list] = field(default_factory=dict)
    # conductor -> (constant, carrier charge z, U_SE in V) of graded carriers' contact w
    carrier_contact: dict[str, list] = field(default_factory=dict)
    contacts: list = field(default_factory=list)
    contact_current: dict[str, ufl.Form] = field(default_factory=dict)
    load_updates: list[tuple[dolfinx.fem.Constant, Callable[[float], float]]] = field(
        default_factory=list)
    grain_cores: dict[str, "GrainCore"] = field(default_factory=dict)
    sheet_charge: dict[str, ufl.Form] = field(default_factory=dict)  # sharp boundaries, scaled
    reservoir_w: dict = field(default_factory=dict)  # (side, species): held w_k (kT)
    load: float = 0.0
    cache: dict = field(default_factory=dict)  # compiled forms and fixed measures, by name

    def compiled(self, name: str, build: Callable[..., ufl.Form]):
        """A form compiled once per problem (post-processing in a time loop would otherwise
        recompile it at every call)."""
        if name not in self.cache:
            self.cache[name] = dolfinx.fem.form(build(), entity_maps=self.entity_maps or None)
        return self.cache[name]

    def set_load(self, lam: float) -> None:
        """Set every load-dependent constant to its value at ``lam``."""
        for const, value in self.load_updates:
            const.value = value(lam)  # type: ignore[assignment]  # dolfinx: any array-like
        self.load = lam

    def shift(self, region: str, species: str):
        """The grain-boundary core shift of a species' chemical potential (kT), or 0."""
        core = self.grain_cores.get(region)
        return core.shift(species) if core is not None else 0.0

    @property
    def psi(self) -> dolfinx.fem.Function:
        """The scaled potential e phi / kT."""
        return self.unknowns[0]


def concentration_ufl(sp: SpeciesModel, psi, w, psi0, shift=0.0):
    """c/c_s = N f(a), a = w - z (psi - psi0) + f^-1(c_bulk/N) - shift; tanh form of the
    logistic. ``shift`` is the change of the standard chemical potential (kT) in a
    grain-boundary core."""
    a = w - sp.charge * (psi - psi0) + sp.bulk_activity - shift
    if sp.statistics == "boltzmann":
        return sp.site_density * ufl.exp(a)
    return sp.site_density * 0.5 * (1 + ufl.tanh(0.5 * a))


def charge_density_ufl(region: RegionModel, psi, w: dict, psi0, core: "GrainCore | None" = None):
    """Scaled charge density rho/(e c_s) of a region, with its grain-boundary cores."""
    rho = region.background_charge
    for sp in region.species:
        rho = rho + sp.charge * concentration_ufl(sp, psi, w.get(sp.name, 0.0), psi0,
                                                  core.shift(sp.name) if core else 0.0)
    if core is not None:
        rho = rho + core.charge_density
    return rho


@dataclass
class GrainCore:
    """The thin grain-boundary cores of one region, as a cell indicator chi (DG0, 1 in cores).

    In the cores: standard chemical potentials shift by lam dG_k (kT), diffusivities are
    multiplied by f_D, and a fixed charge density lam sigma_core/(w e c_s) sits (scaled).
    ``nodes`` is 1 at vertices all of whose cells are core cells (for nodal post-processing).
    """

    indicator: dolfinx.fem.Function
    nodes: dolfinx.fem.Function
    shifts: dict[str, dolfinx.fem.Constant]
    diffusivity_factor: float
    charge_density: ufl.core.expr.Expr

    def shift(self, species: str):
        """chi lam dG_k/kT, or 0 for a species without a shift."""
        return self.indicator * self.shifts[species] if species in self.shifts else 0.0

    @property
    def mobility_factor(self):
        """1 + (f_D - 1) chi."""
        return 1.0 + (self.diffusivity_factor - 1.0) * self.indicator


def _offset_from_bulk_kT(bc: BoundarySpec, region: RegionModel, vt: float) -> float:
    if bc.potential_vs_bulk_V is not None:
        return bc.potential_vs_bulk_V / vt
    if bc.potential_V is not None:
        return bc.potential_V / vt - region.bulk_potential
    return 0.0


def stern_capacitance_F_m2(bc: BoundarySpec) -> float | None:
    """C_S = eps0 eps_S / d_S, or the given capacitance; None without a Stern layer."""
    from pnp_ssb.constants import VACUUM_PERMITTIVITY_F_M

    if bc.stern is None:
        return None
    if bc.stern.capacitance_F_m2 is not None:
        return bc.stern.capacitance_F_m2
    # SternSpec's validator: without a capacitance, both thickness and permittivity are given
    assert bc.stern.relative_permittivity is not None and bc.stern.thickness_m is not None
    return VACUUM_PERMITTIVITY_F_M * bc.stern.relative_permittivity / bc.stern.thickness_m


def submesh_facets(domain: Domain, vertex_map, submesh, parent_facets: np.ndarray) -> np.ndarray:
    """Facets of a submesh that coincide with the given parent facets (matched by vertices)."""
    msh = domain.mesh
    fdim = msh.topology.dim - 1
    msh.topology.create_connectivity(fdim, 0)
    submesh.topology.create_connectivity(fdim, 0)
    f2v = msh.topology.connectivity(fdim, 0)
    sub_f2v = submesh.topology.connectivity(fdim, 0)
    n_sub = submesh.topology.index_map(fdim).size_local + submesh.topology.index_map(fdim).num_ghosts
    lookup = {tuple(sorted(sub_f2v.links(f))): f for f in range(n_sub)}
    out = []
    for f in parent_facets:
        sub_vertices = vertex_map.sub_topology_to_topology(f2v.links(f).astype(np.int32), True)
        if np.all(sub_vertices >= 0):
            key = tuple(sorted(sub_vertices))
            if key in lookup:
                out.append(lookup[key])
    return np.asarray(out, dtype=np.int32)


def build_problem(case: Case, domain: Domain, model: StackModel) -> Problem:
    """Assemble the residual forms, Dirichlet conditions and load-dependent constants."""
    msh = domain.mesh
    tdim = msh.topology.dim
    fdim = tdim - 1
    msh.topology.create_connectivity(fdim, tdim)
    vt = model.scales.thermal_voltage_V
    steady = case.study.type in ("steady_state", "transient")  # fluxes, contacts, reservoirs
    transient = case.study.type == "transient"
    transported = transported_species(case, model)  # closed species get a field in any study
    # a closed species carries no flux at steady state (no source, no sink), so its w is
    # uniform for any positive mobility: a constant one makes its rows a plain Laplacian
    uniform = set() if transient else set(closed_species(case, model))
    metadata = {"quadrature_degree": QUADRATURE_DEGREE}
    dx = ufl.Measure("dx", domain=msh, subdomain_data=domain.cell_tags, metadata=metadata)
    ds = ufl.Measure("ds", domain=msh, subdomain_data=domain.facet_tags, metadata=metadata)

    V = dolfinx.fem.functionspace(msh, ("Lagrange", 1))
    psi = dolfinx.fem.Function(V, name="psi")
    v = ufl.TestFunction(V)
    ref = model.reference_potential
    psi.x.array[:] = ref
    updates: list[tuple[dolfinx.fem.Constant, Callable[[float], float]]] = []

    # (Callable[..., float]: mypy cannot check a lambda with default arguments against
    # Callable[[float], float]; every caller passes lambda lam, <bound defaults>: ...)
    def constant(value_of_load: Callable[..., float]) -> dolfinx.fem.Constant:
        const = dolfinx.fem.Constant(msh, float(value_of_load(0.0)))
        updates.append((const, value_of_load))
        return const

    bulk = {r.name: constant(lambda lam, r=r: ref + lam * (r.bulk_potential - ref))
            for r in model.electrolytes}

    # species fields on the submesh of the regions that hold them
    fields: dict[str, dolfinx.fem.Function] = {}
    vmaps: dict[str, tuple[dolfinx.mesh.EntityMap, dolfinx.mesh.Mesh]] = {}
    entity_maps = []
    tests: dict[str, ufl.Argument] = {}
    if transported:
        for name in transported:
            holders = [r.name for r in model.regions if any(s.name == name for s in r.species)]
            cells = np.sort(np.concatenate([domain.region_cells(r) for r in holders]))
            sub, cmap, vmap, _ = dolfinx.mesh.create_submesh(msh, tdim, cells.astype(np.int32))
            sub.topology.create_connectivity(fdim, tdim)
            Vk = dolfinx.fem.functionspace(sub, ("Lagrange", 1))
            fields[name] = dolfinx.fem.Function(Vk, name=f"w_{name}")
            tests[name] = ufl.TestFunction(Vk)
            vmaps[name] = (vmap, sub)
            entity_maps.append(cmap)

    cores = {name: _grain_core(case, domain, model, name, constant)
             for name in domain.grain_boundary_cells}
    A = model.scales.poisson_coefficient
    # sums of integrals started from 0: every region adds to F_psi, every electrolyte holding
    # a transported species to its F_w, so each is a ufl.Form by the time Problem gets it
    F_psi: ufl.Form | int = 0
    F_w: dict[str, ufl.Form | int] = {name: 0 for name in fields}
    no_weight = dolfinx.fem.Constant(msh, 0.0)
    for region in model.regions:
        tag = domain.region_tags[region.name]
        if region.is_conductor:  # psi is fixed there (Dirichlet below); the zero-weight term
            # only puts the conductor's dofs into the matrix sparsity for the Dirichlet rows
            F_psi += no_weight * ufl.inner(ufl.grad(psi), ufl.grad(v)) * dx(tag)
            continue
        F_psi += A * region.relative_permittivity * ufl.inner(ufl.grad(psi), ufl.grad(v)) * dx(tag)
        if not region.is_electrolyte:
            continue
        w = carrier_potentials(region, fields)
        core = cores.get(region.name)
        F_psi -= charge_density_ufl(region, psi, w, bulk[region.name], core) * v * dx(tag)
        for sp in region.species:
            if sp.name not in fields:
                continue
            c = concentration_ufl(sp, psi, fields[sp.name], bulk[region.name],
                                  core.shift(sp.name) if core else 0.0)
            mobility = c if sp.mobility_exponent == 0 else c * (1 - c / sp.site_density)
            mobility = mobility + MOBILITY_FLOOR * sp.bulk_concentration
            if sp.name in uniform:
                mobility = sp.bulk_concentration
            if core is not None:
                mobility = mobility * core.mobility_factor
            weight = sp.diffusivity_m2_s / _species_scale(model, sp.name)
            F_w[sp.name] += weight * mobility * ufl.inner(
                ufl.grad(fields[sp.name]), ufl.grad(tests[sp.name])) * dx(tag)

    poisson_volume = F_psi
    bcs: list[dolfinx.fem.DirichletBC] = []
    boundary_dofs: dict[str, np.ndarray] = {}
    boundary_species_dofs: dict[tuple[str, str], np.ndarray] = {}
    electrode: dict[str, dolfinx.fem.Constant] = {}
    stern: dict[str, float] = {}
    conductor_constants: dict[str, list] = {}
    reservoir_w: dict[tuple[str, str], dolfinx.fem.Constant] = {}
    interface_dofs = _conductor_conditions(domain, model, V, constant, ref, bcs,
                                           conductor_constants)
    for side, region in (("left", model.regions[0]), ("right", model.regions[-1])):
        if not region.is_electrolyte:
            continue  # a conductor's terminal: its potential is already fixed
        bc = case.boundaries[side]
        offset = _offset_from_bulk_kT(bc, region, vt)
        potential = constant(lambda lam, r=region, o=offset: ref + lam * (r.bulk_potential - ref)
                             + lam * o)
        electrode[side] = potential
        facets = domain.facets(side)
        boundary_dofs[side] = dolfinx.fem.locate_dofs_topological(V, fdim, facets)
        c_stern = stern_capacitance_F_m2(bc)
        if c_stern is not None:
            stern[side] = c_stern
            C = model.scales.capacitance_scaled(c_stern)
            F_psi -= C * (potential - psi) * v * ds(domain.boundary_tags[side])
        else:
            bcs.append(dolfinx.fem.dirichletbc(potential, boundary_dofs[side], V))
        if bc.type == "reservoir" and steady:
            for sp in region.species:
                if bc.species is not None and sp.name not in bc.species:
                    continue
                vmap, sub = vmaps[sp.name]
                Vk = fields[sp.name].function_space
                sub_f = submesh_facets(domain, vmap, sub, facets)
                dofs = dolfinx.fem.locate_dofs_topological(Vk, fdim, sub_f)
                boundary_species_dofs[(side, sp.name)] = dofs
                w_res = constant(lambda lam, z=sp.charge, o=offset: z * lam * o)
                reservoir_w[(side, sp.name)] = w_res
                bcs.append(dolfinx.fem.dirichletbc(w_res, dofs, Vk))

    carrier_contact: dict[str, list] = {}
    if steady:
        _carrier_contacts(case, domain, model, fields, vmaps, constant, bcs, boundary_species_dofs,
                          carrier_contact)

    contacts = reacting_contacts(case, model) if steady else []
    electrodes: dict[str, ElectrodeField] = {}
    fermi: dict[str, dolfinx.fem.Constant] = {}
    contact_current: dict[str, ufl.Form] = {}
    if transient:
        for contact in contacts:
            if contact.conductor not in electrodes and contact.ocv_table is not None:
                electrodes[contact.conductor] = _electrode_field(
                    case, domain, model, contact.conductor, dx, entity_maps)
            assert model.cell is not None  # reacting_contacts returns none without a cell
            fermi.setdefault(contact.conductor, dolfinx.fem.Constant(
                msh, model.cell.fermi_voltage_V[contact.conductor] / vt))
    # one interior-facet measure for every dS term (a form takes one subdomain_data per type)
    entities = [(k + 1, interface_entities(domain, c.key, c.electrolyte))
                for k, c in enumerate(contacts)]
    gb_tags = {}
    for name, facets in domain.grain_boundary_facets.items():
        gb_tags[name] = len(entities) + 1
        raw = dolfinx.fem.compute_integration_domains(
            dolfinx.fem.IntegralType.interior_facet, msh.topology, facets)
        entities.append((gb_tags[name], np.asarray(raw, dtype=np.int32)))
    dS = ufl.Measure("dS", domain=msh, subdomain_data=entities, metadata=metadata)
    sheet_charge = {}
    for name, tag in gb_tags.items():
        # the sheet charge of sharp grain boundaries, ramped with the load like every drive
        sigma = case.grain_boundaries[name].core_charge_C_m2 / model.scales.charge_per_area_C_m2
        sheet = constant(lambda lam, s=sigma: lam * s)
        F_psi -= sheet * v("+") * dS(tag)
        sheet_charge[name] = sheet * dS(tag)
    if contacts:
        for k, contact in enumerate(contacts):
            current = _add_charge_transfer(contact, dS(k + 1), model, fields, tests, constant,
                                           F_w, electrodes.get(contact.conductor),
                                           fermi.get(contact.conductor))
            contact_current[contact.key] = current * dS(k + 1)

    unknowns = [psi, *fields.values(), *(e.field for e in electrodes.values())]
    residuals = [F_psi, *(F_w[n] for n in fields), *(e.residual for e in electrodes.values())]
    return Problem(domain=domain, model=model, unknowns=unknowns,
                   residuals=cast(list[ufl.Form], residuals), bcs=bcs,
                   entity_maps=entity_maps, species_fields=fields, species_vertex_maps=vmaps,
                   bulk_potential=bulk, electrode_potential=electrode, stern_capacitance=stern,
                   dx=dx, ds=ds, poisson_volume=cast(ufl.Form, poisson_volume),
                   species_residuals=cast(dict[str, ufl.Form], F_w),
                   boundary_dofs=boundary_dofs, boundary_species_dofs=boundary_species_dofs,
                   interface_dofs=interface_dofs, load_updates=updates,
                   species_tests=tests, electrodes=electrodes, fermi_voltage=fermi,
                   conductor_potential=conductor_constants, carrier_contact=carrier_contact,
                   contacts=contacts,
                   contact_current=contact_current, grain_cores=cores,
                   sheet_charge=sheet_charge, reservoir_w=reservoir_w)


def _conductor_conditions(domain: Domain, model: StackModel, V, constant, ref: float,
                          bcs: list, record: dict[str, list]) -> dict[str, np.ndarray]:
    """Fix psi in every conductor, psi(lam) = ref + lam (psi_cond - ref); at a conductor
    contact with a dipole, the contact node carries psi_cond +- dipole. Returns the contact
    dofs of each conductor | non-conductor interface (for the electrode charges)."""
    tdim = domain.mesh.topology.dim
    taken = np.zeros(0, dtype=np.int32)
    contact_dofs: dict[str, np.ndarray] = {}
    for a, b in zip(model.regions, model.regions[1:], strict=False):
        key = f"{a.name}|{b.name}"
        if a.is_conductor == b.is_conductor:
            continue
        conductor, sign = (a, 1.0) if a.is_conductor else (b, -1.0)
        dofs = dolfinx.fem.locate_dofs_topological(V, tdim - 1, domain.facets(key))
        step = sign * model.dipoles.get(key, 0.0)
        value = conductor.bulk_potential + step
        const = constant(lambda lam, v=value: ref + lam * (v - ref))
        record.setdefault(conductor.name, []).append((const, step))
        bcs.append(dolfinx.fem.dirichletbc(const, dofs, V))
        contact_dofs[key] = dofs
        taken = np.union1d(taken, dofs)
    for region in model.regions:
        if not region.is_conductor:
            continue
        dofs = dolfinx.fem.locate_dofs_topological(V, tdim, domain.region_cells(region.name))
        dofs = np.setdiff1d(dofs, taken).astype(np.int32)
        taken = np.union1d(taken, dofs)
        const = constant(lambda lam, v=region.bulk_potential: ref + lam * (v - ref))
        record.setdefault(region.name, []).append((const, 0.0))
        bcs.append(dolfinx.fem.dirichletbc(const, dofs, V))
    return contact_dofs


def _grain_core(case: Case, domain: Domain, model: StackModel, region: str,
                constant) -> GrainCore:
    """The indicator, shifts and charge of a region's thin grain-boundary cores."""
    msh = domain.mesh
    tdim = msh.topology.dim
    gb = case.grain_boundaries[region]
    V0 = dolfinx.fem.functionspace(msh, ("DG", 0))
    chi = dolfinx.fem.Function(V0, name=f"gb_core_{region}")
    cells = domain.grain_boundary_cells[region]
    chi.x.array[V0.dofmap.list[cells].ravel()] = 1.0
    # vertices whose every cell is a core cell: ghosts are included, so no scatter is needed
    V1 = dolfinx.fem.functionspace(msh, ("Lagrange", 1))
    nodes = dolfinx.fem.Function(V1)
    inside = dolfinx.fem.locate_dofs_topological(V1, tdim, cells)
    n_cells = msh.topology.index_map(tdim).size_local + msh.topology.index_map(tdim).num_ghosts
    others = np.setdiff1d(np.arange(n_cells, dtype=np.int32), cells)
    outside = dolfinx.fem.locate_dofs_topological(V1, tdim, others)
    nodes.x.array[np.setdiff1d(inside, outside)] = 1.0
    kT_eV = model.scales.thermal_voltage_V
    shifts = {sp: constant(lambda lam, g=g / kT_eV: lam * g) for sp, g in gb.energy_shift_eV.items()}
    rho = (gb.core_charge_C_m2 / gb.width_m / ELEMENTARY_CHARGE_C / model.scales.concentration_m3
           if gb.width_m else 0.0)
    return GrainCore(chi, nodes, shifts, gb.diffusivity_factor,
                     chi * constant(lambda lam, r=rho: lam * r))


@dataclass(frozen=True)
class ReactingContact:
    """An electrode | electrolyte contact with Butler–Volmer kinetics (see case.KineticsSpec).

    Attributes:
        key: interface name "A|B"; conductor, electrolyte: region names.
        driving_V: V - U(theta) of the conductor (V): e*eta = e(V - U) - s_k mu~_k at the plane.
        channels: the electrolyte's Li-linked species names with their Li stoichiometry s_k.
    """

    key: str
    conductor: str
    electrolyte: str
    driving_V: float
    exchange_current_density_A_m2: float
    alpha_anodic: float
    alpha_cathodic: float
    channels: tuple[tuple[str, int], ...]
    ocv_table: object | None = None  # U(theta) of an insertion electrode (materials.Table)

    def current_density_A_m2(self, eta_V: np.ndarray | float, vt: float) -> np.ndarray | float:
        """i = i0 [exp(alpha_a eta/vt) - exp(-alpha_c eta/vt)], Li+ into the electrolyte."""
        return self.exchange_current_density_A_m2 * (np.exp(self.alpha_anodic * eta_V / vt)
                                                     - np.exp(-self.alpha_cathodic * eta_V / vt))


def reacting_contacts(case: Case, model: StackModel) -> list[ReactingContact]:
    """The Butler–Volmer contacts of a steady-state cell."""
    from pnp_ssb.input.validate import reacting_contacts as contacts_of
    from pnp_ssb.physics.electrodes import open_circuit_potential_V

    if case.study.type not in ("steady_state", "transient") or model.cell is None:
        return []
    out = []
    for key, conductor, se in contacts_of(case):
        kin = case.interfaces[key].kinetics
        assert kin is not None  # case validation (_check_kinetics) for these study types
        material = case.region_materials[conductor]
        u = open_circuit_potential_V(material, model.cell.li_fraction.get(conductor))
        if u is None:
            continue  # a Li-free electrode cannot exchange Li: blocking
        channels = tuple((sp.name, sp.li_stoichiometry) for sp in model.region(se).species
                         if sp.li_stoichiometry != 0)
        table = (material.tables["open_circuit_potential_V"]
                 if material.kind == "insertion_electrode" else None)
        out.append(ReactingContact(key, conductor, se, model.cell.fermi_voltage_V[conductor] - u,
                                   kin.exchange_current_density_A_m2, kin.alpha_anodic,
                                   kin.alpha_cathodic, channels, table))
    return out


def transported_species(case: Case, model: StackModel) -> list[str]:
    """Species with a source or sink (a reservoir, or a reacting contact for Li-linked ones):
    these get an electrochemical-potential field. A species with neither is blocked everywhere;
    at steady state it carries no flux, so its electrochemical potential is uniform, and it is
    held at its bulk value (grand-canonical: exact when the layer is much thicker than its
    space charge). At equilibrium only the closed species get a field: every other one is
    in equilibrium with its reservoir or electrode (its w is the bulk value, no field)."""
    out: dict[str, None] = dict.fromkeys(closed_species(case, model))
    if case.study.type not in ("steady_state", "transient"):
        return [name for name in model.species_names if name in out]
    for side, region in (("left", model.regions[0]), ("right", model.regions[-1])):
        bc = case.boundaries.get(side)
        if bc is not None and bc.type == "reservoir":
            out.update(dict.fromkeys(sp.name for sp in region.species
                                     if bc.species is None or sp.name in bc.species))
    for contact in reacting_contacts(case, model):
        out.update(dict.fromkeys(name for name, _ in contact.channels))
    if case.study.type == "transient":  # every species moves; blocked ones keep their amount
        out.update(dict.fromkeys(model.species_names))
    for region in model.electrolytes:
        for sp in region.species:
            if sp.carrier and region.electronic == "graded":
                out[sp.name] = None  # they take the electrodes' Fermi levels at the contacts
            elif sp.carrier:
                out.pop(sp.name, None)  # extrinsic: tied to Li+ (see carrier_potentials)
    return [name for name in model.species_names if name in out]


def closed_species(case: Case, model: StackModel) -> list[str]:
    """Mobile species that nothing exchanges: no reservoir holds them, no reacting contact
    passes them, and (at equilibrium) they are not Li-linked species of an electrolyte touching
    a conductor that holds Li. Their amounts are conserved (canonical; conservation.py)."""
    from pnp_ssb.physics.electrodes import open_circuit_potential_V

    exchanged: set[str] = set()
    for side, region in (("left", model.regions[0]), ("right", model.regions[-1])):
        bc = case.boundaries.get(side)
        if bc is not None and bc.type == "reservoir":
            exchanged.update(sp.name for sp in region.species
                             if bc.species is None or sp.name in bc.species)
    for contact in reacting_contacts(case, model):
        exchanged.update(name for name, _ in contact.channels)
    li_active = {r.name for r in model.regions if r.is_conductor and model.cell is not None
                 and open_circuit_potential_V(case.region_materials[r.name],
                                              model.cell.li_fraction.get(r.name)) is not None}
    mobile: dict[str, None] = {}
    for k, region in enumerate(model.regions):
        touches = {model.regions[j].name for j in (k - 1, k + 1) if 0 <= j < len(model.regions)}
        for sp in region.species:
            if sp.carrier:  # extrinsic: tied to Li+; graded: the contacts' Fermi levels
                continue
            if case.study.type == "equilibrium" and sp.li_stoichiometry and touches & li_active:
                exchanged.add(sp.name)
            if sp.diffusivity_m2_s > 0:
                mobile[sp.name] = None
    return [name for name in mobile if name not in exchanged]


def carrier_potentials(region: RegionModel, fields: dict) -> dict:
    """w of every species of a region for the charge density: its field if it has one; for
    extrinsic electrons and holes, local equilibrium Li = Li+ + e- at fixed mu_Li,
    w_e = -mu~_Li+/kT = -w_k/s_k of the region's first transported Li-linked defect, w_h = -w_e."""
    w = {name: f for name, f in fields.items()}
    if region.electronic != "extrinsic":
        return w
    ref = next((sp for sp in region.species if sp.li_stoichiometry and sp.name in fields), None)
    w_li = fields[ref.name] / ref.li_stoichiometry if ref is not None else 0.0
    for sp in region.species:
        if sp.carrier:
            w[sp.name] = -w_li if sp.carrier == "electron" else w_li
    return w


def _carrier_contacts(case: Case, domain: Domain, model: StackModel, fields: dict, vmaps: dict,
                      constant, bcs: list, species_dofs: dict, record: dict) -> None:
    """Graded electrons and holes take the Fermi level of the conductor they touch (the
    Schottky analogue): w_e = (E_F,electrode - E_F,bulk)/kT = (U_SE - V)/vt, w_h = -w_e.
    ``record`` gets (constant, z, U_SE) per conductor, for a time loop that moves V."""
    fdim = domain.mesh.topology.dim - 1
    vt = model.scales.thermal_voltage_V
    for a, b in zip(model.regions, model.regions[1:], strict=False):
        key = f"{a.name}|{b.name}"
        for conductor, se in ((a, b), (b, a)):
            if not (conductor.is_conductor and se.is_electrolyte and se.electronic == "graded"):
                continue
            u_se = case.region(se.name).li_potential_V
            # case validation: electronic carriers need li_potential_V; a conductor, a cell
            assert u_se is not None and model.cell is not None
            w_e = (u_se - model.cell.fermi_voltage_V[conductor.name]) / vt
            for sp in se.species:
                if not sp.carrier or sp.name not in fields:
                    continue
                vmap, sub = vmaps[sp.name]
                facets = submesh_facets(domain, vmap, sub, domain.facets(key))
                dofs = dolfinx.fem.locate_dofs_topological(fields[sp.name].function_space, fdim,
                                                           facets)
                target = w_e if sp.carrier == "electron" else -w_e
                species_dofs[(key, sp.name)] = dofs
                const = constant(lambda lam, t=target: lam * t)
                record.setdefault(conductor.name, []).append((const, sp.charge, u_se))
                bcs.append(dolfinx.fem.dirichletbc(const, dofs, fields[sp.name].function_space))


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


def _add_charge_transfer(contact: ReactingContact, dS_contact, model: StackModel,
                         fields: dict, tests: dict, constant, F_w: dict,
                         electrode: "ElectrodeField | None" = None,
                         fermi: dolfinx.fem.Constant | None = None):
    """Add the Butler–Volmer flux of each channel to its Nernst–Planck residual (and, in a
    transient with a resolved electrode, the Li it takes to the electrode's residual).

    With x into the electrolyte, the outward flux of species k is J.n = -s_k i_k/e, and the weak
    form int D M grad w . grad q dx + int (J.n) q ds = 0 takes it in the scaled units of the
    NP rows: J_res = J_SI L / (c_s (D c_b)_ref). The driving force eta_k/(kT/e) =
    lam (V - U)/vt - s_k w_k vanishes in the flat state (lam = 0); in a transient,
    (V - U(theta_plane))/vt - s_k w_k with V a constant the time loop controls. The electrode
    loses sum_k i_k/e of Li through the contact. Returns the total current sum_k i_k (A/m^2).
    """
    vt = model.scales.thermal_voltage_V
    if fermi is None:
        drive = constant(lambda lam, d=contact.driving_V / vt: lam * d)
    elif electrode is None:  # Li metal: U = 0
        drive = fermi
    else:
        drive = fermi - table_ufl(contact.ocv_table, electrode.theta("-")) / vt
    scale = model.scales.length_m / model.scales.concentration_m3
    li_out = 0
    for name, stoich in contact.channels:
        if name not in fields:
            continue
        eta = drive - stoich * fields[name]("+")
        i0 = contact.exchange_current_density_A_m2
        current = i0 * (ufl.exp(contact.alpha_anodic * eta) - ufl.exp(-contact.alpha_cathodic * eta))
        flux_out = -stoich * current / ELEMENTARY_CHARGE_C
        F_w[name] += (flux_out * scale / _species_scale(model, name)
                      * tests[name]("+") * dS_contact)
        li_out = li_out + current / ELEMENTARY_CHARGE_C
    if electrode is not None:
        electrode.residual += (li_out * model.scales.length_m / electrode.row_scale
                               * electrode.test("-") * dS_contact)
    return li_out * ELEMENTARY_CHARGE_C


TABLE_NODE_BAND = 1e-9  # theta band about a table node in which the slope blends (_ramp)


def table_ufl(table, theta):
    """A piecewise-linear table of theta as a UFL expression: the first value plus clipped
    ramps, constant beyond the ends (continuous, so Newton sees a well-defined slope).

    At a node the derivative is the mean of the two adjacent slopes (the central difference),
    whatever side round-off puts theta on: a state at a node (a li_fraction on the table, e.g.
    LiCoO2 at 0.8) otherwise linearises with one one-sided slope or with none, and the
    small-signal capacitance e N L/(dU/dtheta) would follow round-off."""
    t, v = table.theta, table.value
    out = v[0]
    for j in range(len(t) - 1):
        slope = (v[j + 1] - v[j]) / (t[j + 1] - t[j])
        out = out + slope * _ramp(theta - t[j], t[j + 1] - t[j], TABLE_NODE_BAND)
    return out


def _ramp(x, width: float, band: float):
    """clip(x, 0, width): exact at its corners and beyond ``band`` of them; within the band
    |y| is replaced by y^2/band, so the slope passes 1/2 at each corner (the value departs from
    the clip by at most band/8 in the band: ~1e-10 V of an OCV table)."""
    low = 0.5 * (x + x * x / band)  # max(x, 0)
    high = width - 0.5 * ((width - x) + (x - width) * (x - width) / band)  # min(x, width)
    clip = ufl.max_value(ufl.min_value(x, width), 0.0)
    return ufl.conditional(ufl.lt(abs(x), band), low,
                           ufl.conditional(ufl.lt(abs(x - width), band), high, clip))


@dataclass
class ElectrodeField:
    """Li in an insertion electrode during a transient: u = logit(theta) on its submesh.

    Residual (scaled by L^2/D_ref): int (L^2/D_ref)(theta - theta_n)/dt r dx
    + int (D(theta)/D_ref) theta(1 - theta) grad u . grad r dx + int (J_Li,out L/(N D_ref)) r dS
    = 0, i.e. N dtheta/dt = div(D(theta) N grad theta); D_ref is the material's
    chemical_diffusivity_m2_s, D(theta) its table of the same name if it has one.
    """

    region: str
    field: dolfinx.fem.Function
    test: ufl.Argument
    residual: object
    diffusivity_m2_s: float
    li_sites_m3: float
    tag: int

    @property
    def theta(self):
        """theta = 1/(1 + exp(-u)) (tanh form, overflow-free)."""
        return 0.5 * (1.0 + ufl.tanh(0.5 * self.field))

    @property
    def row_scale(self) -> float:
        """N D: turns an SI Li flux into the scaled electrode row."""
        return self.li_sites_m3 * self.diffusivity_m2_s


def _electrode_field(case: Case, domain: Domain, model: StackModel, region: str, dx,
                     entity_maps: list) -> ElectrodeField:
    msh = domain.mesh
    tdim = msh.topology.dim
    material = case.region_materials[region]
    sub, cmap, _, _ = dolfinx.mesh.create_submesh(msh, tdim, domain.region_cells(region))
    entity_maps.append(cmap)
    Ve = dolfinx.fem.functionspace(sub, ("Lagrange", 1))
    u = dolfinx.fem.Function(Ve, name=f"logit_theta_{region}")
    assert model.cell is not None  # an insertion electrode is a conductor: there is a cell
    theta0 = model.cell.li_fraction[region]
    u.x.array[:] = np.log(theta0 / (1.0 - theta0))
    r = ufl.TestFunction(Ve)
    tag = domain.region_tags[region]
    ef = ElectrodeField(region, u, r, 0, material.parameter("chemical_diffusivity_m2_s"),
                        material.parameter("li_site_density_m3"), tag)
    th = ef.theta
    # D(theta)/D_ref when the material tabulates it (the rows are scaled by the constant D_ref)
    table = material.tables.get("chemical_diffusivity_m2_s")
    relative = table_ufl(table, th) / ef.diffusivity_m2_s if table is not None else 1.0
    ef.residual = relative * th * (1 - th) * ufl.inner(ufl.grad(u), ufl.grad(r)) * dx(tag)
    return ef


def lumped_measure(problem: Problem) -> ufl.Measure:
    """dx with the vertex rule: lumped mass. Each node's row sees only its own concentration,
    so rows of a depleted species are not swamped by the round-off of large neighbours."""
    return ufl.Measure("dx", domain=problem.domain.mesh, subdomain_data=problem.domain.cell_tags,
                       metadata={"quadrature_rule": "vertex", "quadrature_degree": 1})


def _species_scale(model: StackModel, name: str) -> float:
    """D c_bulk of the species where it is largest: makes each NP row O(1) in the bulk."""
    return max(sp.diffusivity_m2_s * sp.bulk_concentration
               for r in model.regions for sp in r.species if sp.name == name)
