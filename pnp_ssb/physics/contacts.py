"""The boundary and contact conditions of a case, resolved for the forms (no DOLFINx).

What a study solves for decides which conditions act (its regime): at equilibrium the
electrochemical potentials are uniform and only the potential is solved for; a steady state or
a transient adds fluxes, reservoirs and Butler–Volmer contacts. Each condition here carries the
numbers its weak-form unit (:mod:`pnp_ssb.discretisation.forms`) needs, in SI or kT units.
"""

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from pnp_ssb.constants import VACUUM_PERMITTIVITY_F_M
from pnp_ssb.input.case import BoundarySpec, Case
from pnp_ssb.input.topology import neutrality_potential_V, reacting_contacts
from pnp_ssb.materials.format import Table
from pnp_ssb.physics.electrodes import CellState, open_circuit_potential_V

Regime = Literal["equilibrium", "steady", "transient"]


def regime_of(study_type: str) -> Regime:
    """The regime a study type solves in: steady_state -> steady, transient -> transient;
    every other study (equilibrium, OCV sweep, impedance, DC resistance) starts from an
    equilibrium solve."""
    if study_type == "transient":
        return "transient"
    return "steady" if study_type == "steady_state" else "equilibrium"


@dataclass(frozen=True)
class Terminal:
    """The outer boundary of an electrolyte at one end of the stack.

    Attributes:
        side: "left" or "right".
        kind: "blocking" (ions blocked) or "reservoir" (exchanges species with a neutral bulk).
        offset_V: boundary potential minus the adjacent bulk's (V).
        stern_capacitance_F_m2: C_S of a Stern (Robin) layer; None: the potential is imposed.
        species: the species a reservoir exchanges (None: all of the region's).
        absolute: the boundary potential was given vs Li (potential_V), so it stays put when
            the bulk's neutrality potential changes; otherwise it follows the bulk.
    """

    side: str
    kind: str
    offset_V: float
    stern_capacitance_F_m2: float | None = None
    species: tuple[str, ...] | None = None
    absolute: bool = False

    def exchanges(self, species: str) -> bool:
        """Whether this boundary is a reservoir of ``species``."""
        return self.kind == "reservoir" and (self.species is None or species in self.species)


@dataclass(frozen=True)
class ReactingContact:
    """An electrode | electrolyte contact with Butler–Volmer kinetics (see case.KineticsSpec).

    Attributes:
        key: interface name "A|B"; conductor, electrolyte: region names.
        driving_V: V - U(theta) of the conductor (V): e*eta = e(V - U) - s_k mu~_k at the plane.
        channels: the electrolyte's Li-linked species names with their Li stoichiometry s_k.
        ocv_table: U(theta) of an insertion electrode (None: Li metal, U = 0).
    """

    key: str
    conductor: str
    electrolyte: str
    driving_V: float
    exchange_current_density_A_m2: float
    alpha_anodic: float
    alpha_cathodic: float
    channels: tuple[tuple[str, int], ...]
    ocv_table: Table | None = None

    def current_density_A_m2(self, eta_V: np.ndarray | float, vt: float) -> np.ndarray | float:
        """i = i0 [exp(alpha_a eta/vt) - exp(-alpha_c eta/vt)], Li+ into the electrolyte."""
        return self.exchange_current_density_A_m2 * (np.exp(self.alpha_anodic * eta_V / vt)
                                                     - np.exp(-self.alpha_cathodic * eta_V / vt))


@dataclass(frozen=True)
class GrainBoundaryModel:
    """The grain boundaries of one electrolyte region: a sheet charge (width_m = 0) or thin
    cores with shifted standard chemical potentials (eV) and D_core/D_grain; in a stack they
    sit at positions_m from the region's left edge."""

    core_charge_C_m2: float
    width_m: float = 0.0
    diffusivity_factor: float = 1.0
    energy_shift_eV: dict[str, float] = field(default_factory=dict)
    positions_m: tuple[float, ...] = ()


@dataclass(frozen=True)
class ElectrodeTransport:
    """Li diffusion inside an insertion electrode: N dtheta/dt = div(D(theta) N grad theta).

    Attributes:
        chemical_diffusivity_m2_s: D_ref, the scale of the electrode's rows (m^2/s).
        li_site_density_m3: N (m^-3).
        diffusivity_table: D(theta) (m^2/s) when the material tabulates it.
    """

    chemical_diffusivity_m2_s: float
    li_site_density_m3: float
    diffusivity_table: Table | None = None


def stern_capacitance_F_m2(bc: BoundarySpec) -> float | None:
    """C_S = eps0 eps_S / d_S, or the given capacitance; None without a Stern layer."""
    if bc.stern is None:
        return None
    if bc.stern.capacitance_F_m2 is not None:
        return bc.stern.capacitance_F_m2
    # SternSpec's validator: without a capacitance, both thickness and permittivity are given
    assert bc.stern.relative_permittivity is not None and bc.stern.thickness_m is not None
    return VACUUM_PERMITTIVITY_F_M * bc.stern.relative_permittivity / bc.stern.thickness_m


def resolve_terminals(case: Case) -> dict[str, Terminal]:
    """The outer boundaries of the electrolytes at the stack's two ends."""
    out = {}
    for side, region in (("left", case.regions[0]), ("right", case.regions[-1])):
        material = case.region_materials[region.name]
        bc = case.boundaries.get(side)
        if bc is None or material.kind != "solid_electrolyte":
            continue  # a conductor's terminal: its Fermi level is in the cell state
        if bc.potential_vs_bulk_V is not None:
            offset = bc.potential_vs_bulk_V
        elif bc.potential_V is not None:
            offset = bc.potential_V - neutrality_potential_V(material)
        else:
            offset = 0.0
        out[side] = Terminal(side, bc.type, offset, stern_capacitance_F_m2(bc),
                             tuple(bc.species) if bc.species is not None else None,
                             absolute=bc.potential_vs_bulk_V is None and bc.potential_V is not None)
    return out


def resolve_contacts(case: Case, cell: CellState | None, regime: Regime,
                     li_linked: dict[str, tuple[tuple[str, int], ...]]
                     ) -> tuple[ReactingContact, ...]:
    """The Butler–Volmer contacts of a steady-state or transient cell (none at equilibrium).

    Args:
        li_linked: each electrolyte's Li-linked species (name, s_k).
    """
    if regime == "equilibrium" or cell is None:
        return ()
    out = []
    for key, conductor, se in reacting_contacts(case):
        kin = case.interfaces[key].kinetics
        assert kin is not None  # case validation (_check_kinetics) for these study types
        material = case.region_materials[conductor]
        u = open_circuit_potential_V(material, cell.li_fraction.get(conductor))
        if u is None:
            continue  # a Li-free electrode cannot exchange Li: blocking
        table = (material.tables["open_circuit_potential_V"]
                 if material.kind == "insertion_electrode" else None)
        out.append(ReactingContact(key, conductor, se, cell.fermi_voltage_V[conductor] - u,
                                   kin.exchange_current_density_A_m2, kin.alpha_anodic,
                                   kin.alpha_cathodic, li_linked[se], table))
    return tuple(out)


def li_exchanging_conductors(case: Case, cell: CellState | None) -> frozenset[str]:
    """Conductors that can exchange Li at their compositions (Li metal; electrodes holding Li)."""
    if cell is None:
        return frozenset()
    mats = case.region_materials
    return frozenset(r.name for r in case.regions
                     if mats[r.name].kind in ("metal", "insertion_electrode")
                     and open_circuit_potential_V(mats[r.name], cell.li_fraction.get(r.name))
                     is not None)


def resolve_grain_boundaries(case: Case) -> dict[str, GrainBoundaryModel]:
    """The grain boundaries of each region that has them."""
    return {name: GrainBoundaryModel(gb.core_charge_C_m2, gb.width_m, gb.diffusivity_factor,
                                     dict(gb.energy_shift_eV), tuple(gb.positions_m))
            for name, gb in case.grain_boundaries.items()}


def resolve_electrode_transport(case: Case) -> dict[str, ElectrodeTransport]:
    """Li transport of every insertion electrode that has a chemical diffusivity."""
    out = {}
    for region in case.regions:
        m = case.region_materials[region.name]
        if m.kind == "insertion_electrode" and "chemical_diffusivity_m2_s" in m.parameters:
            out[region.name] = ElectrodeTransport(m.parameter("chemical_diffusivity_m2_s"),
                                                  m.parameter("li_site_density_m3"),
                                                  m.tables.get("chemical_diffusivity_m2_s"))
    return out
