"""The materials database: one TOML file per material, every number with its unit and source.

A material file (``pnp_ssb/materials/data/materials/<name>.toml``) holds a ``name``, a ``kind``
(``solid_electrolyte``, ``insertion_electrode``, ``metal`` or ``dielectric``: a charge-free
layer such as a compact Stern gap), a ``description``, and tables
``[parameters]``, ``[species.<name>]`` and ``[tables.<name>]``. Every quantity is written as
``{ value, unit, source }`` or ``{ value, unit, status, reason }``:

- ``source``: a key (or list of keys) of ``pnp_ssb/materials/data/references.bib``; status "sourced";
- ``status = "derived"`` (may also carry ``source``), ``"assumed"`` or ``"unverified"``, each
  with a non-empty ``reason``;
- an optional ``note``.

The suffix of a parameter name fixes its SI unit (:mod:`pnp_ssb.materials.units`); values are converted
once, on load. Materials defined inline in a case file use the same format, but there a value
may be a plain number (taken in the SI unit of its name, status "case").

A solid electrolyte's mobile species k carry charge z_k, site density N_k, bulk concentration
c_k and diffusivity D_k; the immobile background charge that makes the bulk neutral is derived
by the model as rho_fix = -e * sum_k z_k c_k and is not stored. This module imports no DOLFINx.
"""

import logging
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pnp_ssb.materials.defect_equilibrium import (
    REFERENCE_TEMPERATURE_K,
    BulkDefectEquilibrium,
    bulk_equilibrium,
    with_defect_equilibrium,
)
from pnp_ssb.materials.format import (  # noqa: F401 - the format's names, re-exported here
    BIB_FILE,
    DATA_DIR,
    DERIVED_BY_DEFECTS,
    KINDS,
    MATERIALS_DIR,
    SPECIES_FIELDS,
    SPECIES_INTS,
    SPECIES_QUANTITIES,
    STATISTICS,
    Kind,
    Material,
    MaterialError,
    Quantity,
    Species,
    Statistics,
    Status,
    Table,
    _all_quantities,
    _bib_entries,
    _check,
    _fail,
    _parse,
    _quantity,
    _table,
)

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


@cache
def _database() -> dict[str, Path]:
    """{lower-case name: file} of the data directory."""
    files = {}
    for path in sorted(MATERIALS_DIR.glob("*.toml")):
        files[path.stem.lower()] = path
    return files


@cache
def _file_name(path: Path) -> str:
    """The ``name`` a data file declares (its stem if it cannot be read; loading reports why)."""
    try:
        with open(path, "rb") as fh:
            name = tomllib.load(fh).get("name", path.stem)
    except (OSError, tomllib.TOMLDecodeError):
        return path.stem
    return str(name)


def available_materials() -> list[str]:
    """The names of the database's materials, sorted (case-insensitively)."""
    return sorted((_file_name(p) for p in _database().values()), key=str.lower)


def material_from_dict(data: Mapping[str, object], *, origin: str) -> Material:
    """Build and validate a material given as a dictionary in the database format.

    Used for materials defined inline in a case file: there a value may be a plain number,
    taken in the SI unit of its name with status "case" and ``origin`` as reason.

    Args:
        data: the material (``name``, ``kind``, ``description``, ``parameters``, ...).
        origin: where it comes from, for messages and provenance (e.g. "case foo").

    Raises:
        MaterialError: naming the field path, the value and what was expected.
    """
    return _derive(_parse(data, origin, plain_ok=True))


def _derive(material: Material) -> Material:
    """A material with a defect chemistry gets its derived values (at 300 K, U = 0)."""
    if material.defect_chemistry is None:
        return material
    derived = resolve_defect_chemistry(material)
    _check(derived)
    return derived


def li_work_function_eV() -> float:
    """Phi_Li of the database's Li metal: the zero of the model's energy scale (eV)."""
    return load_material("Li").parameter("work_function_eV")


def defect_bulk_equilibrium(material: Material, temperature_K: float,
                            li_potential_V: float = 0.0) -> BulkDefectEquilibrium:
    """The neutral bulk of a material with a defect chemistry at T and U vs Li, with the bands
    placed by the database's Phi_Li (pnp_ssb.materials.defect_equilibrium.bulk_equilibrium)."""
    return bulk_equilibrium(material, temperature_K, li_potential_V,
                            li_work_function_eV=li_work_function_eV())


def resolve_defect_chemistry(material: Material, temperature_K: float = REFERENCE_TEMPERATURE_K,
                             li_potential_V: float = 0.0) -> Material:
    """``material`` with the values its defect chemistry derives at T and U (status "derived":
    the fed species' bulk concentrations, neutrality_potential_vs_li_V, fermi_level_above_vbm_eV)."""
    return with_defect_equilibrium(material, temperature_K, li_potential_V,
                                   li_work_function_eV=li_work_function_eV())


def load_material(name: str, overrides: Mapping[str, object] | None = None) -> Material:
    """Load a database material by name (case-insensitive), optionally overriding values.

    Args:
        name: e.g. "LLZO" or "llzo".
        overrides: dotted paths to new values, see :func:`apply_overrides`.

    Raises:
        MaterialError: for an unknown name (the message lists the available ones), or an
            invalid file or override.
    """
    path = _database().get(str(name).lower())
    if path is None:
        raise MaterialError(f"no material {name!r} in the database; available: "
                            + ", ".join(available_materials()))
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise MaterialError(f"{path}: not valid TOML: {exc}") from None
    material = _derive(_parse(data, origin=str(path.name), plain_ok=False))
    logger.debug("loaded material %s from %s", material.name, path)
    if overrides:
        material = apply_overrides(material, overrides, origin="overrides")
    return material


# what a case may add to any material (a name the code reads, so no typo goes unnoticed):
# the surface dipole of the KPFM post-processor (a number or a table in theta), an
# electrolyte's stability limits vs Li (its Li-rich and Li-poor ends, minimum_interface) and
# the band parameters of its electrons and holes
ADDABLE = ("surface_dipole_V", "stability_limit_li_rich_V", "stability_limit_li_poor_V",
           "electron_affinity_eV", "band_gap_eV", "effective_dos_conduction_m3",
           "effective_dos_valence_m3", "electron_diffusivity_m2_s", "hole_diffusivity_m2_s")


def apply_overrides(material: Material, overrides: Mapping[str, object], *,
                    origin: str) -> Material:
    """A copy of ``material`` with values replaced by dotted path (or, for the names in
    ADDABLE, added).

    Paths are relative to the material: ``"relative_permittivity"`` (a parameter; also
    ``"parameters.relative_permittivity"``), ``"species.Li_v.diffusivity_m2_s"``,
    ``"species.Li_v.charge"``, ``"tables.open_circuit_potential_V"``. A plain number becomes a
    quantity in the SI unit of its name with status "case" (reason ``origin``); a table
    ``{value, unit, source|status+reason}`` is validated like a data-file entry.

    Raises:
        MaterialError: for an unknown path (naming it and the valid keys) or an invalid value.
    """
    name = material.name
    parameters = dict(material.parameters)
    species = dict(material.species)
    tables = dict(material.tables)
    for path, value in overrides.items():
        parts = str(path).split(".")
        if parts[0] == "parameters" and len(parts) == 2:
            parts = parts[1:]
        where = f"{name}.{path}"
        chem = material.defect_chemistry
        if chem is not None and (parts[-1] in DERIVED_BY_DEFECTS or (
                parts[0] == "species" and len(parts) == 3 and parts[1] in chem.fed_species()
                and parts[2] == "bulk_concentration_m3")):
            raise MaterialError(f"override {path!r}: material {name!r} derives it from its "
                                "[defect_chemistry]; change the formation energies instead")
        if len(parts) == 1:
            key = parts[0]
            if key not in parameters and key not in ADDABLE:
                raise MaterialError(
                    f"override {path!r}: material {name!r} has no parameter {key!r}; valid "
                    "keys: " + ", ".join([*parameters, *(f"species.{s}.<field>" for s in species),
                                          *(f"tables.{t}" for t in tables)]))
            parameters[key] = _quantity(key, value, where, origin, plain_ok=True)
        elif parts[0] == "species" and len(parts) == 3:
            sp_name, field = parts[1], parts[2]
            if sp_name not in species:
                raise MaterialError(f"override {path!r}: material {name!r} has no species "
                                    f"{sp_name!r}; it has: " + (", ".join(species) or "(none)"))
            if field not in SPECIES_FIELDS:
                raise MaterialError(f"override {path!r}: a species has no field {field!r}; "
                                    "valid fields: " + ", ".join(SPECIES_FIELDS))
            new: Any  # a Quantity, an int or the statistics name, per field
            if field in SPECIES_QUANTITIES:
                new = _quantity(field, value, where, origin, plain_ok=True)
            elif field in SPECIES_INTS:
                if not isinstance(value, int) or isinstance(value, bool):
                    raise _fail(where, value, "an integer")
                new = value
            else:
                new = value
            species[sp_name] = replace(species[sp_name], **{field: new})
        elif parts[0] == "tables" and len(parts) == 2:
            if parts[1] not in tables and parts[1] not in ADDABLE:
                raise MaterialError(f"override {path!r}: material {name!r} has no table "
                                    f"{parts[1]!r}; it has: " + (", ".join(tables) or "(none)"))
            tables[parts[1]] = _table(parts[1], value, where, origin, plain_ok=True)
        else:
            raise MaterialError(
                f"override {path!r}: not a path of material {name!r}; valid keys: "
                + ", ".join([*parameters, *(f"species.{s}.{f}" for s in species
                                            for f in SPECIES_FIELDS),
                             *(f"tables.{t}" for t in tables)]))
    result = replace(material, parameters=MappingProxyType(parameters),
                     species=MappingProxyType(species), tables=MappingProxyType(tables))
    _check(result)
    return result


def bibtex_entries(keys: Iterable[str]) -> str:
    """The BibTeX text of ``keys`` (each once, in the order given), for a run's citations.bib.

    Raises:
        MaterialError: for a key that references.bib does not have.
    """
    entries = _bib_entries()
    out: list[str] = []
    seen: set[str] = set()
    for key in keys:
        if key not in entries:
            raise MaterialError(f"bibliography key {key!r} is not in {BIB_FILE.name}")
        if key not in seen:
            seen.add(key)
            out.append(entries[key])
    return "\n\n".join(out) + ("\n" if out else "")


def describe_materials() -> str:
    """A plain-text table of the database: name, kind, description."""
    rows = [("name", "kind", "description")]
    for name in available_materials():
        m = load_material(name)
        rows.append((m.name, m.kind, m.description))
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    lines = [f"{a:<{w0}}  {b:<{w1}}  {c}" for a, b, c in rows]
    lines.insert(1, f"{'-' * w0}  {'-' * w1}  {'-' * 11}")
    return "\n".join(lines)


__all__ = [
    "Material",
    "MaterialError",
    "Quantity",
    "Species",
    "Status",
    "Table",
    "apply_overrides",
    "available_materials",
    "bibtex_entries",
    "defect_bulk_equilibrium",
    "describe_materials",
    "li_work_function_eV",
    "load_material",
    "material_from_dict",
    "resolve_defect_chemistry",
]
