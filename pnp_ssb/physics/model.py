"""The resolved physical model of an electrolyte stack, in scaled units (no DOLFINx).

Scales: potentials by kT/e (psi = e*phi/kT), electrochemical potentials by kT
(w_k = mu~_k/kT), lengths by ``LENGTH_SCALE_M`` (mesh coordinates are in nm) and
concentrations by the largest bulk concentration c_s.

Species k in region r has concentration (formulation.md, section 3)

    c_k = N_k f(a_k),   a_k = w_k - z_k (psi - psi0_r) + f^-1(c_bulk_k / N_k),

with f(a) = exp(a) for Boltzmann statistics and f(a) = 1/(1 + exp(-a)) for a lattice gas.
w_k = 0 and psi = psi0_r give the neutral bulk: psi0_r is the electrolyte's
``neutrality_potential_vs_li_V`` and w_k = s_k * mu~_Li+/kT for a defect that adds s_k Li
(s = +1 interstitial, -1 vacancy), so w = 0 is equilibrium with Li metal at 0 V.
The immobile background charge rho_fix = -e sum_k z_k c_bulk_k makes each bulk neutral.
"""

import math
from dataclasses import dataclass, field, replace

import numpy as np

from pnp_ssb.constants import (
    ELEMENTARY_CHARGE_C,
    VACUUM_PERMITTIVITY_F_M,
    debye_length_m,
    thermal_voltage_V,
)
from pnp_ssb.input.case import Case, RegionSpec
from pnp_ssb.input.topology import neutrality_potential_V
from pnp_ssb.materials.format import Material
from pnp_ssb.physics.collector_li import CollectorChain, collector_chains
from pnp_ssb.physics.contacts import (
    ElectrodeTransport,
    GrainBoundaryModel,
    ReactingContact,
    Regime,
    Terminal,
    li_exchanging_conductors,
    regime_of,
    resolve_contacts,
    resolve_electrode_transport,
    resolve_grain_boundaries,
    resolve_terminals,
)
from pnp_ssb.physics.electrodes import CellState, cell_state, reference_work_function_eV

LENGTH_SCALE_M = 1e-9
MIXED_CONDUCTOR = "mixed_conductor"


@dataclass(frozen=True)
class Scales:
    """Unit scales of the nondimensional problem."""

    temperature_K: float
    length_m: float
    concentration_m3: float

    @property
    def thermal_voltage_V(self) -> float:
        """kT/e in V."""
        return thermal_voltage_V(self.temperature_K)

    @property
    def poisson_coefficient(self) -> float:
        """eps0 kT / (e^2 c_s L^2): multiplies eps_r in the scaled Poisson equation."""
        return (VACUUM_PERMITTIVITY_F_M * self.thermal_voltage_V
                / (ELEMENTARY_CHARGE_C * self.concentration_m3 * self.length_m**2))

    @property
    def charge_per_area_C_m2(self) -> float:
        """SI surface charge of one scaled unit (e c_s L)."""
        return ELEMENTARY_CHARGE_C * self.concentration_m3 * self.length_m

    def capacitance_scaled(self, capacitance_F_m2: float) -> float:
        """C kT / (e^2 c_s L): a capacitance per area in scaled units."""
        return capacitance_F_m2 * self.thermal_voltage_V / self.charge_per_area_C_m2


@dataclass(frozen=True)
class SpeciesModel:
    """A mobile species in one region (scaled concentrations c/c_s)."""

    name: str
    charge: int
    li_stoichiometry: int
    statistics: str
    mobility_exponent: int
    site_density: float
    bulk_concentration: float
    diffusivity_m2_s: float
    carrier: str = ""  # "electron" or "hole" for electronic carriers of an electrolyte

    @property
    def bulk_activity(self) -> float:
        """f^-1(c_bulk/N): ln(c/N) (Boltzmann) or ln(c/(N-c)) (lattice gas)."""
        theta = self.bulk_concentration / self.site_density
        return math.log(theta) if self.statistics == "boltzmann" else math.log(theta / (1 - theta))

    def concentration(self, a: np.ndarray) -> np.ndarray:
        """c/c_s = N f(a), with the overflow-free tanh form of the logistic function."""
        if self.statistics == "boltzmann":
            return self.site_density * np.exp(a)
        return self.site_density * 0.5 * (1.0 + np.tanh(0.5 * a))


@dataclass(frozen=True)
class LiSlope:
    """The minimum-interface assumption: mu_Li = -e U(x) goes linearly through an electrolyte
    from its Li-rich stability limit U_a at the anode side to its Li-poor limit U_c at the
    cathode side (the seed's "future directions"; formulation.md, section 3).

    Attributes:
        anode_x, cathode_x: the region's edges on the anode and cathode sides (scaled lengths).
        anode_V, cathode_V: U_a and U_c, V vs Li/Li+.
        thermal_voltage_V: kT/e.
    """

    anode_x: float
    cathode_x: float
    anode_V: float
    cathode_V: float
    thermal_voltage_V: float

    def li_potential_V(self, x):
        """U(x), V vs Li (numpy or UFL)."""
        xi = (x - self.anode_x) / (self.cathode_x - self.anode_x)
        return self.anode_V + (self.cathode_V - self.anode_V) * xi

    def fermi_shift(self, x):
        """(mu_Li(x) - mu_Li(anode edge))/kT = -(U(x) - U_a)/(kT/e): the shift of w_e."""
        return -(self.li_potential_V(x) - self.anode_V) / self.thermal_voltage_V


@dataclass(frozen=True)
class RegionModel:
    """A region (scaled): permittivity, bulk potential and species.

    ``kind`` is the material kind, or "mixed_conductor" for an insertion electrode resolved as
    a mixed ion–electron conductor (:func:`mixed_conductor_region`). Poisson is solved in solid
    electrolytes, mixed conductors and dielectrics (charge-free, no species); in a conductor
    (metal, ideal insertion electrode) the potential is fixed, psi = e phi/kT with
    phi = V - (Phi - Phi_Li)/e (pnp_ssb.physics.electrodes), and stored in ``bulk_potential``.
    """

    name: str
    relative_permittivity: float
    bulk_potential: float
    species: tuple[SpeciesModel, ...]
    kind: str = "solid_electrolyte"
    electronic: str = "none"  # "extrinsic", "minimum_interface" or "graded": electrons, holes
    li_potential_V: float | None = None  # U vs Li that sets the carriers' bulk Fermi level
    thickness_m: float = math.nan  # the layer's thickness (1D stacks; layer bounds in 2D)
    material: Material | None = None  # the resolved material (overrides applied)
    li_slope: "LiSlope | None" = None  # minimum_interface: U from the anode to the cathode side
    potential_offset: float = 0.0  # psi - (the mesh field psi) here: dipoles at charged contacts

    @property
    def is_conductor(self) -> bool:
        """Metals and insertion electrodes: potential fixed by the Fermi level."""
        return self.kind in ("metal", "insertion_electrode")

    @property
    def is_electrolyte(self) -> bool:
        """Regions with mobile charged species: solid electrolytes and mixed conductors."""
        return self.kind in ("solid_electrolyte", MIXED_CONDUCTOR)

    @property
    def is_mixed_conductor(self) -> bool:
        """An insertion electrode with its own Li+ and electrons (space charge inside it)."""
        return self.kind == MIXED_CONDUCTOR

    @property
    def background_charge(self) -> float:
        """rho_fix/(e c_s) = -sum_k z_k c_bulk_k: the immobile charge that makes the bulk neutral."""
        return -sum(s.charge * s.bulk_concentration for s in self.species)

    def carrier_potentials(self, w: dict, x=None) -> dict:
        """w of every species for its charge density: a transported species' own field; for
        electrons and holes tied to Li+ (extrinsic, minimum_interface), local equilibrium
        Li = Li+ + e- at the local mu_Li: w_e = (mu_Li(x) - mu_Li,a)/kT - mu~_Li+/kT, w_h = -w_e,
        with mu~_Li+ = kT w_k / s_k of the first transported Li-linked defect and mu_Li,a the
        bulk value that places n_b and p_b. ``w`` and ``x`` (scaled, the stack axis) may be numpy
        arrays or UFL expressions."""
        out = dict(w)
        if self.electronic not in ("extrinsic", "minimum_interface"):
            return out
        ref = next((sp for sp in self.species if sp.li_stoichiometry and sp.name in w), None)
        w_e = -w[ref.name] / ref.li_stoichiometry if ref is not None else 0.0
        if self.li_slope is not None and x is not None:
            w_e = w_e + self.li_slope.fermi_shift(x)
        for sp in self.species:
            if sp.carrier:
                out[sp.name] = w_e if sp.carrier == "electron" else -w_e
        return out

    def activity(self, sp: SpeciesModel, psi: np.ndarray, w: np.ndarray | float,
                 bulk_potential: float | None = None) -> np.ndarray:
        """a_k = w_k - z_k (psi - psi0) + f^-1(c_bulk/N)."""
        psi0 = self.bulk_potential if bulk_potential is None else bulk_potential
        return w - sp.charge * (np.asarray(psi) - psi0) + sp.bulk_activity

    def charge_density(self, psi: np.ndarray, w: dict[str, np.ndarray] | None = None,
                       bulk_potential: float | None = None) -> np.ndarray:
        """Scaled charge density rho/(e c_s) = sum_k z_k c_k + rho_fix/(e c_s)."""
        w = w or {}
        rho = np.full_like(np.asarray(psi, dtype=float), self.background_charge)
        for sp in self.species:
            a = self.activity(sp, psi, w.get(sp.name, 0.0), bulk_potential)
            rho = rho + sp.charge * sp.concentration(a)
        return rho

    def neutral_potential(self, w: dict[str, np.ndarray] | None = None,
                          shape: tuple[int, ...] = ()) -> np.ndarray:
        """The potential psi_n at which the local charge vanishes for given w (bisection).

        The charge density decreases strictly with psi, so the root is unique. Used to
        measure space-charge potential drops: drop = psi(interface) - psi_n(interface).
        """
        w = w or {}
        shape = np.broadcast_shapes(shape, *(np.shape(v) for v in w.values()))
        lo = np.full(shape, self.bulk_potential - 200.0)
        hi = np.full(shape, self.bulk_potential + 200.0)
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            positive = self.charge_density(mid, w) > 0
            lo = np.where(positive, mid, lo)
            hi = np.where(positive, hi, mid)
        return 0.5 * (lo + hi)

    def ionic_strength(self) -> float:
        """sum_k z_k^2 c_bulk_k (scaled)."""
        return sum(s.charge**2 * s.bulk_concentration for s in self.species)


@dataclass(frozen=True)
class StackModel:
    """All regions of a case, with the scales, interface dipoles and the boundary and contact
    conditions its study solves with (a stack without conductors; a cell is a CellModel).

    Attributes:
        dipoles: scaled potential step psi(B) - psi(A) at each "A|B" contact with a dipole. At
            a contact of two charged regions (electrolytes, mixed conductors) the mesh field is
            continuous and B's ``potential_offset`` carries the step (:func:`with_offsets`).
        regime: what the study solves for (physics.contacts.regime_of).
        terminals: the electrolytes' outer boundaries, by side.
        contacts: Butler–Volmer contacts (steady and transient regimes, in a cell).
        grain_boundaries: by region.
        electrode_transport: Li diffusion of insertion electrodes, by region.
        li_exchanging: conductors that can exchange Li at their compositions.
        open_to_electrodes: an equilibrium study's electrolytes exchange their Li-linked
            species with the Li-holding conductors they touch; other studies that start from
            equilibrium (OCV sweeps, impedance) conserve those amounts.
        collector_chains: lithiating current collectors and their electrode (transients).
    """

    scales: Scales
    regions: tuple[RegionModel, ...]
    dipoles: dict[str, float] = field(default_factory=dict)
    regime: Regime = "equilibrium"
    terminals: dict[str, Terminal] = field(default_factory=dict)
    contacts: tuple[ReactingContact, ...] = ()
    grain_boundaries: dict[str, GrainBoundaryModel] = field(default_factory=dict)
    electrode_transport: dict[str, ElectrodeTransport] = field(default_factory=dict)
    li_exchanging: frozenset[str] = frozenset()
    open_to_electrodes: bool = False
    collector_chains: tuple[CollectorChain, ...] = ()

    @property
    def electrolytes(self) -> tuple[RegionModel, ...]:
        """The solid-electrolyte regions."""
        return tuple(r for r in self.regions if r.is_electrolyte)

    @property
    def reference_potential(self) -> float:
        """The flat state's potential: the first electrolyte's bulk potential (scaled)."""
        return self.electrolytes[0].bulk_potential

    def region(self, name: str) -> RegionModel:
        """The region called ``name``."""
        return next(r for r in self.regions if r.name == name)

    def require_cell(self) -> CellState:
        """The conductors' state of a cell (ValueError for a stack without conductors)."""
        if not isinstance(self, CellModel):
            raise ValueError("this stack has no conductors: it is not a cell")
        return self.cell

    @property
    def species_names(self) -> list[str]:
        """Every species name, in first-appearance order."""
        names: dict[str, None] = {}
        for r in self.regions:
            names.update(dict.fromkeys(s.name for s in r.species))
        return list(names)

    def debye_length_m(self, region: str) -> float:
        """Bulk Debye length of a region in m."""
        r = self.region(region)
        return debye_length_m(r.relative_permittivity,
                              r.ionic_strength() * self.scales.concentration_m3,
                              self.scales.temperature_K)


@dataclass(frozen=True)
class CellModel(StackModel):
    """A stack with conductors (metals, insertion electrodes): a cell, with the conductors'
    Fermi levels, work functions and compositions at one state of charge."""

    cell: CellState = field(kw_only=True)


ELECTRON, HOLE = "electron", "hole"


def electronic_carriers(material, li_potential_V: float, vt: float,
                        c_s: float) -> tuple[SpeciesModel, SpeciesModel]:
    """Electrons and holes of an electrolyte from its band edges (Boltzmann statistics).

    In eV vs the Fermi level of the Li reference (the gauge mu~_Li+ = 0), the bulk has
    E_vac = Phi_Li - e phi0, E_c = E_vac - EA, E_v = E_c - Eg and, with mu_Li = -e U fixed,
    E_F = mu_Li - mu~_Li+ = -e U. Then n_b = N_c exp((E_F - E_c)/kT), p_b = N_v exp((E_v - E_F)/kT).
    Their electrochemical potentials w are measured from E_F (w = 0 in the bulk).
    """
    p = material.parameters
    e_c = reference_work_function_eV() - neutrality_potential_V(material) - p[
        "electron_affinity_eV"].value
    e_v = e_c - p["band_gap_eV"].value
    e_f = -li_potential_V
    tiny = 1e-300  # keeps ln(c/N) finite for a carrier frozen out by a wide gap
    n_c, n_v = p["effective_dos_conduction_m3"].value, p["effective_dos_valence_m3"].value
    n_b = max(n_c * math.exp(max((e_f - e_c) / vt, -690.0)), tiny)
    p_b = max(n_v * math.exp(max((e_v - e_f) / vt, -690.0)), tiny)
    d_n = p["electron_diffusivity_m2_s"].value if "electron_diffusivity_m2_s" in p else 0.0
    d_p = p["hole_diffusivity_m2_s"].value if "hole_diffusivity_m2_s" in p else 0.0
    return (SpeciesModel(ELECTRON, -1, 0, "boltzmann", 0, n_c / c_s, n_b / c_s, d_n, ELECTRON),
            SpeciesModel(HOLE, 1, 0, "boltzmann", 0, n_v / c_s, p_b / c_s, d_p, HOLE))


ELECTRON_SITES = "electron_site_density_m3"
ELECTRODE_LI = "Li_electrode"  # the name of a mixed conductor's Li+ (its own, not an electrolyte's)


def mixed_conductor_region(region: RegionSpec, mat: Material, cell: CellState, vt: float,
                           c_s: float) -> RegionModel:
    """An insertion electrode as a mixed ion–electron conductor (docs/theory.md, section 4b).

    Li+ sits on the Li sites (N_Li = li_site_density_m3) and the electrons it brings on the
    redox sites (N_e = electron_site_density_m3, default N_Li: Co4+ + e- -> Co3+ in LixCoO2),
    both as lattice gases at the bulk occupancy theta:

        c_Li = N_Li f(a_Li),  n = N_e f(a_e),  f(a) = 1/(1 + e^-a),  rho = e (c_Li - n) + rho_fix,

    with rho_fix = -e theta (N_Li - N_e) (zero for N_e = N_Li). The bulk sits at the electrode's
    vacuum potential phi_b = U(theta) - (Phi(theta) - Phi_Li)/e, which is where an electrolyte in
    Li+ equilibrium with it and a collector at its Fermi level E_F = -e U put it. Li+ shares the
    electrolytes' mu~_Li+ and the electrons the collector's Fermi level: at equilibrium both are
    uniform, so mu_Li = mu~_Li+ + mu~_e is too (the 'extrinsic' tie, at U(theta)). The
    electrons' differential DOS N_e theta(1 - theta)/kT grows without bound with N_e: the ideal
    conductor is the limit N_e -> infinity (tests/verification/test_mixed_conductor.py).
    """
    theta = cell.li_fraction[region.name]
    n_li = mat.parameter("li_site_density_m3")
    n_e = mat.parameter(ELECTRON_SITES) if ELECTRON_SITES in mat.parameters else n_li
    d_li = (mat.parameter("chemical_diffusivity_m2_s")
            if "chemical_diffusivity_m2_s" in mat.parameters else 0.0)
    species = (SpeciesModel(ELECTRODE_LI, 1, 1, "lattice_gas", 0, n_li / c_s, theta * n_li / c_s,
                            d_li),
               SpeciesModel(ELECTRON, -1, 0, "lattice_gas", 0, n_e / c_s, theta * n_e / c_s, 0.0,
                            ELECTRON))
    return RegionModel(name=region.name, relative_permittivity=mat.parameter(
        "relative_permittivity"), bulk_potential=cell.vacuum_potential_V(region.name) / vt,
        species=species, kind=MIXED_CONDUCTOR, electronic="extrinsic",
        li_potential_V=cell.fermi_voltage_V[region.name], thickness_m=region.thickness_m,
        material=mat)


RICH_LIMIT, POOR_LIMIT = "stability_limit_li_rich_V", "stability_limit_li_poor_V"


def li_slope(case: Case, region_name: str, vt: float) -> LiSlope | None:
    """The minimum-interface slope of a region (None unless electronic = "minimum_interface").
    The stack axis is x, from 0 at the left boundary in the layers' order (lengths scaled)."""
    index = [r.name for r in case.regions].index(region_name)
    region = case.regions[index]
    if region.electronic != "minimum_interface":
        return None
    params = case.region_materials[region_name].parameters
    left = sum(r.thickness_m for r in case.regions[:index]) / LENGTH_SCALE_M
    right = left + region.thickness_m / LENGTH_SCALE_M
    anode, cathode = (left, right) if region.anode_side == "left" else (right, left)
    return LiSlope(anode, cathode, params[RICH_LIMIT].value, params[POOR_LIMIT].value, vt)


def with_offsets(regions: list[RegionModel], dipoles: dict[str, float]) -> list[RegionModel]:
    """Each charged region's potential offset: the sum of the dipole steps at the contacts of
    charged regions between it and the last conductor (or the stack's start) to its left. Its
    potential is the mesh field plus the offset, so the field stays continuous (1D stacks)."""
    out, offset = [], 0.0
    for k, region in enumerate(regions):
        if region.is_conductor:
            offset = 0.0
        elif k > 0 and not regions[k - 1].is_conductor:
            offset += dipoles.get(f"{regions[k - 1].name}|{region.name}", 0.0)
        out.append(replace(region, potential_offset=offset) if offset else region)
    return out


def build_stack_model(case: Case, li_fraction: dict[str, float] | None = None,
                      terminal_voltage_V: dict[str, float] | None = None) -> StackModel:
    """Resolve a validated case into scaled region models.

    Args:
        li_fraction, terminal_voltage_V: a state of charge (see electrodes.cell_state); the
            case's own compositions and terminal voltages by default.
    """
    mats = case.region_materials
    c_s = max(sp.bulk_concentration_m3.value for m in mats.values() for sp in m.species.values())
    scales = Scales(case.temperature_K, LENGTH_SCALE_M, c_s)
    vt = scales.thermal_voltage_V
    cell = cell_state(case, li_fraction, terminal_voltage_V)
    regions = []
    for region in case.regions:
        mat = mats[region.name]
        if region.electronic == MIXED_CONDUCTOR:
            regions.append(mixed_conductor_region(region, mat, cell, vt, c_s))
            continue
        if mat.kind in ("metal", "insertion_electrode"):
            regions.append(RegionModel(region.name, math.nan,
                                       cell.vacuum_potential_V(region.name) / vt, (), mat.kind,
                                       thickness_m=region.thickness_m, material=mat))
            continue
        species = tuple(
            SpeciesModel(name=name, charge=sp.charge, li_stoichiometry=sp.li_stoichiometry,
                         statistics=sp.statistics, mobility_exponent=sp.mobility_exponent,
                         site_density=sp.site_density_m3.value / c_s,
                         bulk_concentration=sp.bulk_concentration_m3.value / c_s,
                         diffusivity_m2_s=sp.diffusivity_m2_s.value)
            for name, sp in mat.species.items())
        bulk = neutrality_potential_V(mat) / vt if mat.kind == "solid_electrolyte" else math.nan
        slope = li_slope(case, region.name, vt)
        u_bulk = slope.anode_V if slope is not None else region.li_potential_V
        if region.electronic != "none":
            assert u_bulk is not None  # required by case validation
            species = species + electronic_carriers(mat, u_bulk, vt, c_s)
        regions.append(RegionModel(name=region.name,
                                   relative_permittivity=mat.parameter("relative_permittivity"),
                                   bulk_potential=bulk, species=species, kind=mat.kind,
                                   electronic=region.electronic, li_potential_V=u_bulk,
                                   thickness_m=region.thickness_m, material=mat, li_slope=slope))
    dipoles = {key: spec.dipole_V / vt for key, spec in case.interfaces.items() if spec.dipole_V}
    regions = with_offsets(regions, dipoles)
    regime = regime_of(case.study.type)
    conductors = cell if cell.groups else None
    li_linked = {r.name: tuple((sp.name, sp.li_stoichiometry) for sp in r.species
                               if sp.li_stoichiometry != 0) for r in regions}
    resolved = (scales, tuple(regions), dipoles, regime, resolve_terminals(case),
                resolve_contacts(case, conductors, regime, li_linked),
                resolve_grain_boundaries(case), resolve_electrode_transport(case),
                li_exchanging_conductors(case, conductors), case.study.type == "equilibrium")
    chains = collector_chains(case)
    return CellModel(*resolved, collector_chains=chains, cell=cell) if conductors \
        else StackModel(*resolved, collector_chains=chains)
