"""A material's defect chemistry: charged point defects given by their formation energies.

A ``[defect_chemistry]`` table in a material replaces the inputs "bulk concentration" and
"neutrality potential" of a solid electrolyte by what DFT gives (formulation.md, section 3)::

    [defect_chemistry]
    cell_volume_m3 = { value = 46.1, unit = "A^3", source = "..." }
    [defect_chemistry.defects.Li_i]
    sites_per_cell = 4          # sites the defect may occupy in one cell
    li_stoichiometry = 1        # Li atoms it adds (interstitial +1, vacancy -1, dopant 0)
    charge_states = [ { charge = 1, formation_energy_eV = {...}, species = "Li_i" } ]
    [defect_chemistry.defects.Al_Li]
    sites_per_cell = 4
    li_stoichiometry = -1
    frozen_concentration_m3 = { value = 1e20, unit = "cm^-3", source = "..." }
    charge_states = [ { charge = 2, formation_energy_eV = {...} } ]

The formation energy of charge state q is given at the reference of DFT defect tables: the
Fermi level at the valence-band maximum and Li at the chemical potential of Li metal. At Fermi
level E_F above the VBM and mu_Li = -e U (U vs Li/Li+),

    E_f(q; E_F, U) = E_f(q) + q E_F + s e U,      c_q = g_q n_sites exp(-E_f / kT) / V_cell.

A charge state that names a ``species`` of the material feeds that mobile PNP species: its bulk
concentration is derived, never given. A frozen defect keeps its total concentration (a dopant
quenched from synthesis); charge states that feed no species stay immobile in the PNP model.
The self-consistent solution is :mod:`pnp_ssb.materials.defect_equilibrium`.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pnp_ssb.materials.quantities import MaterialError, Quantity, _fail, _known_fields, _quantity

_TOP_KEYS = ("cell_volume_m3", "defects")
_DEFECT_KEYS = ("sites_per_cell", "li_stoichiometry", "charge_states", "frozen_concentration_m3")
_STATE_KEYS = ("charge", "formation_energy_eV", "degeneracy", "species")


@dataclass(frozen=True)
class ChargeState:
    """One charge state of a defect.

    Attributes:
        charge: q, in units of e (may be 0).
        formation_energy_eV: E_f(q) at E_F = VBM and mu_Li = mu_Li(Li metal), eV.
        degeneracy: g_q, the number of equivalent electronic configurations (1).
        species: the material's mobile species this state is ("" for an immobile state).
    """

    charge: int
    formation_energy_eV: Quantity
    degeneracy: int = 1
    species: str = ""


@dataclass(frozen=True)
class Defect:
    """A point defect with its charge states.

    Attributes:
        name: e.g. "Li_i", "V_Li", "Al_Li".
        sites_per_cell: lattice sites per cell the defect may occupy (1).
        li_stoichiometry: s, Li atoms the defect adds to the crystal (1).
        charge_states: at least one.
        frozen_concentration_m3: total concentration held fixed (m^-3), or None when it
            follows from the formation energies.
    """

    name: str
    sites_per_cell: int
    li_stoichiometry: int
    charge_states: tuple[ChargeState, ...]
    frozen_concentration_m3: Quantity | None = None


@dataclass(frozen=True)
class DefectChemistry:
    """The defects of a material and its cell.

    Attributes:
        cell_volume_m3: volume of the cell the sites and the DOS refer to, m^3.
        defects: the point defects.
    """

    cell_volume_m3: Quantity
    defects: tuple[Defect, ...]

    def fed_species(self) -> dict[str, tuple[Defect, ChargeState]]:
        """{species name: (defect, charge state)} for every state that feeds a species."""
        return {cs.species: (d, cs) for d in self.defects for cs in d.charge_states
                if cs.species}


def _integer(value: Any, path: str, minimum: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or (
            minimum is not None and value < minimum):
        raise _fail(path, value, "an integer" + (f" >= {minimum}" if minimum is not None else ""))
    return value


def _charge_state(spec: Any, path: str, origin: str, plain_ok: bool) -> ChargeState:
    if not isinstance(spec, Mapping):
        raise _fail(path, spec, "a table { charge, formation_energy_eV, degeneracy, species }")
    _known_fields(spec, _STATE_KEYS, path, "a charge state")
    for key in _STATE_KEYS[:2]:
        if key not in spec:
            raise MaterialError(f"{path}.{key}: missing; a charge state needs charge and "
                                "formation_energy_eV")
    species = spec.get("species", "")
    if not isinstance(species, str):
        raise _fail(f"{path}.species", species, "the name of one of the material's species")
    return ChargeState(
        charge=_integer(spec["charge"], f"{path}.charge"),
        formation_energy_eV=_quantity("formation_energy_eV", spec["formation_energy_eV"],
                                      f"{path}.formation_energy_eV", origin, plain_ok),
        degeneracy=_integer(spec.get("degeneracy", 1), f"{path}.degeneracy", 1),
        species=species)


def _defect(name: str, spec: Any, path: str, origin: str, plain_ok: bool) -> Defect:
    if not isinstance(spec, Mapping):
        raise _fail(path, spec, "a table with " + ", ".join(_DEFECT_KEYS))
    _known_fields(spec, _DEFECT_KEYS, path, "a defect")
    for key in _DEFECT_KEYS[:3]:
        if key not in spec:
            raise MaterialError(f"{path}.{key}: missing; a defect needs "
                                + ", ".join(_DEFECT_KEYS[:3]))
    states = spec["charge_states"]
    if not isinstance(states, (list, tuple)) or not states:
        raise _fail(f"{path}.charge_states", states, "a non-empty list of charge states")
    parsed = tuple(_charge_state(s, f"{path}.charge_states[{i}]", origin, plain_ok)
                   for i, s in enumerate(states))
    charges = [cs.charge for cs in parsed]
    if len(set(charges)) != len(charges):
        raise _fail(f"{path}.charge_states", charges, "each charge at most once")
    frozen = spec.get("frozen_concentration_m3")
    frozen_q = None if frozen is None else _quantity(
        "frozen_concentration_m3", frozen, f"{path}.frozen_concentration_m3", origin, plain_ok)
    if frozen_q is not None and not frozen_q.value > 0:
        raise _fail(f"{path}.frozen_concentration_m3.value", frozen_q.value, "a value > 0 (m^-3)")
    return Defect(name, _integer(spec["sites_per_cell"], f"{path}.sites_per_cell", 1),
                  _integer(spec["li_stoichiometry"], f"{path}.li_stoichiometry"), parsed,
                  frozen_q)


def parse_defect_chemistry(spec: Any, path: str, origin: str, plain_ok: bool) -> DefectChemistry:
    """Parse a material's ``[defect_chemistry]`` table.

    Raises:
        MaterialError: naming the field path, the value and what was expected.
    """
    if not isinstance(spec, Mapping):
        raise _fail(path, spec, "a table { cell_volume_m3, defects }")
    _known_fields(spec, _TOP_KEYS, path, "a defect chemistry")
    if "cell_volume_m3" not in spec:
        raise MaterialError(f"{path}.cell_volume_m3: missing; the sites and the DOS refer to "
                            "a cell of this volume")
    volume = _quantity("cell_volume_m3", spec["cell_volume_m3"], f"{path}.cell_volume_m3",
                       origin, plain_ok)
    if not (volume.value > 0 and math.isfinite(volume.value)):
        raise _fail(f"{path}.cell_volume_m3.value", volume.value, "a volume > 0 (m^3)")
    defects = spec.get("defects")
    if not isinstance(defects, Mapping) or not defects:
        raise _fail(f"{path}.defects", defects, "a table of at least one defect")
    parsed = tuple(_defect(n, d, f"{path}.defects.{n}", origin, plain_ok)
                   for n, d in defects.items())
    named = [cs.species for d in parsed for cs in d.charge_states if cs.species]
    if len(set(named)) != len(named):
        raise _fail(f"{path}.defects", sorted(named), "each species fed by one charge state")
    return DefectChemistry(volume, parsed)


def check_against_species(chem: DefectChemistry, species: Mapping[str, Any],
                          parameters: Mapping[str, Any], path: str) -> None:
    """Cross-field rules: each fed species exists with the state's charge and Li content,
    is not frozen, and the band parameters the carriers need are given.

    Raises:
        MaterialError: naming the field.
    """
    for key in ("band_gap_eV", "effective_dos_conduction_m3", "effective_dos_valence_m3",
                "electron_affinity_eV"):
        if key not in parameters:
            raise MaterialError(f"{path}: parameters.{key} missing; a defect chemistry places "
                                "electrons and holes and the bands with it")
    for defect in chem.defects:
        for i, cs in enumerate(defect.charge_states):
            if not cs.species:
                continue
            where = f"{path}.defects.{defect.name}.charge_states[{i}].species"
            if cs.species not in species:
                raise _fail(where, cs.species, "one of the material's species: "
                            + (", ".join(species) or "(none)"))
            sp = species[cs.species]
            if (sp.charge, sp.li_stoichiometry) != (cs.charge, defect.li_stoichiometry):
                raise _fail(where, cs.species,
                            f"a species with charge {cs.charge} and li_stoichiometry "
                            f"{defect.li_stoichiometry} (it has {sp.charge} and "
                            f"{sp.li_stoichiometry})")
            if defect.frozen_concentration_m3 is not None:
                raise _fail(where, cs.species, "no species for a frozen defect (a frozen "
                            "dopant is immobile)")


__all__ = ["ChargeState", "Defect", "DefectChemistry", "check_against_species",
           "parse_defect_chemistry"]
