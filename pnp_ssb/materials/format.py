"""The materials database format: types, parsing and value checks (one material file or table).

See :mod:`pnp_ssb.materials.database` for the format itself and the database API. Every quantity is
parsed into a :class:`Quantity` (SI value, unit, provenance) or a :class:`Table` of theta;
:func:`_parse` builds a :class:`Material` and :func:`_check` enforces the cross-field rules.
"""


import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from types import MappingProxyType
from typing import Any, Literal, get_args

import numpy as np

from pnp_ssb.materials.defects import (
    DefectChemistry,
    check_against_species,
    parse_defect_chemistry,
)
from pnp_ssb.materials.quantities import (  # noqa: F401 - re-exported: the format's names
    BIB_FILE,
    DATA_DIR,
    MATERIALS_DIR,
    MaterialError,
    Quantity,
    Status,
    Uncertainty,
    _bib_entries,
    _fail,
    _is_number,
    _known_fields,
    _provenance,
    _quantity,
    parse_uncertainty,
)
from pnp_ssb.materials.units import UnitError, si_unit, to_si

logger = logging.getLogger(__name__)


Kind = Literal["solid_electrolyte", "insertion_electrode", "metal", "dielectric"]
Statistics = Literal["boltzmann", "lattice_gas"]

KINDS: tuple[str, ...] = get_args(Kind)
STATISTICS: tuple[str, ...] = get_args(Statistics)
_TABLE_KEYS = ("theta", "value", "unit", "source", "status", "reason", "note", "uncertainty")
_MATERIAL_KEYS = ("name", "kind", "description", "parameters", "species", "tables",
                  "defect_chemistry")
SPECIES_INTS = ("charge", "li_stoichiometry", "mobility_exponent")
SPECIES_QUANTITIES = ("site_density_m3", "bulk_concentration_m3", "diffusivity_m2_s")
SPECIES_FIELDS = (*SPECIES_INTS[:2], "statistics", SPECIES_INTS[2], *SPECIES_QUANTITIES)
# Parameter suffixes (SI units) whose values must be strictly positive.
_POSITIVE_UNITS = ("m^-3", "mol/m^3", "m^2/s", "S/m", "K", "m", "F/m^2")
_POSITIVE_KEYS = ("relative_permittivity",)


@dataclass(frozen=True)
class Table:
    """A function of the Li site fraction theta, piecewise linear between tabulated points.

    Attributes:
        theta: strictly increasing site fractions in [0, 1] (1).
        value: the function at those points, in ``unit``.
        unit: the SI unit of the table name's suffix (e.g. "V" for an OCV U(theta)).
        sources, status, reason, note: provenance, as for :class:`Quantity`.
        uncertainty: the spread of a shift of the whole curve (std, or a range that holds 0),
            in ``unit``; None if the table is taken as exact.
    """

    theta: tuple[float, ...]
    value: tuple[float, ...]
    unit: str
    sources: tuple[str, ...]
    status: Status
    reason: str = ""
    note: str = ""
    uncertainty: Uncertainty | None = None

    def __call__(self, theta: float | np.ndarray) -> float | np.ndarray:
        """Interpolate linearly (np.interp) at ``theta``.

        Raises:
            ValueError: if any theta lies outside [theta[0], theta[-1]].
        """
        x = np.asarray(theta, dtype=float)
        lo, hi = self.theta[0], self.theta[-1]
        if np.any(~np.isfinite(x)) or np.any(x < lo) or np.any(x > hi):
            bad = x[(x < lo) | (x > hi) | ~np.isfinite(x)]
            raise ValueError(f"theta = {bad.ravel()[0]!r} is outside the tabulated range "
                             f"[{lo}, {hi}]")
        out = np.interp(x, self.theta, self.value)
        return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class Species:
    """A mobile defect or carrier of a solid electrolyte.

    Attributes:
        name: e.g. "Li_i" or "Li_v".
        charge: charge number z (nonzero).
        li_stoichiometry: Li atoms the defect adds to the lattice (interstitial +1, vacancy -1,
            unrelated 0).
        statistics: "boltzmann" (mu = g + kT ln c) or "lattice_gas" (mu = g + kT ln(c/(N - c))).
        mobility_exponent: m in J = -(D c / kT)(1 - c/N)^m grad(mu~), 0 or 1.
        site_density_m3: N, sites available to the species, m^-3.
        bulk_concentration_m3: c in the neutral bulk, m^-3.
        diffusivity_m2_s: D, m^2/s.
    """

    name: str
    charge: int
    li_stoichiometry: int
    statistics: Statistics
    mobility_exponent: int
    site_density_m3: Quantity
    bulk_concentration_m3: Quantity
    diffusivity_m2_s: Quantity


@dataclass(frozen=True)
class Material:
    """A resolved material: every value in SI units with its provenance.

    Attributes:
        name: the name cases use (looked up case-insensitively).
        kind: "solid_electrolyte", "insertion_electrode" or "metal".
        description: one line.
        parameters: scalar quantities by name (the suffix gives the unit).
        species: mobile species by name (solid electrolytes).
        tables: functions of theta by name (insertion electrodes), e.g. U(theta) in V.
        defect_chemistry: the charged defects by formation energy (solid electrolytes), from
            which the fed species' bulk concentrations and the neutrality potential are
            derived (:mod:`pnp_ssb.materials.defect_equilibrium`); None if not given.
    """

    name: str
    kind: Kind
    description: str
    parameters: Mapping[str, Quantity]
    species: Mapping[str, Species]
    tables: Mapping[str, Table]
    defect_chemistry: DefectChemistry | None = None

    def parameter(self, key: str) -> float:
        """The SI value of parameter ``key``.

        Raises:
            MaterialError: if the material has no such parameter (the message lists those it has).
        """
        if key not in self.parameters:
            raise MaterialError(f"material {self.name!r} has no parameter {key!r}; it has: "
                                + (", ".join(self.parameters) or "(none)"))
        return self.parameters[key].value

    def citation_keys(self) -> tuple[str, ...]:
        """Every bibliography key behind this material's numbers, in first-use order."""
        keys: dict[str, None] = {}
        for q in _all_quantities(self):
            keys.update(dict.fromkeys(q.sources))
        return tuple(keys)


def uncertain_inputs(material: Material) -> list[tuple[str, Quantity | Table]]:
    """(path, quantity or table) of every input of ``material`` that carries an uncertainty;
    paths as overrides name them (``work_function_eV``, ``species.Li_v.site_density_m3``,
    ``tables.work_function_eV``, ``defect_chemistry.defects.V_Li.charge_states[0]...``)."""
    found: list[tuple[str, Quantity | Table]] = []
    found += [(k, q) for k, q in material.parameters.items()]
    for name, sp in material.species.items():
        found += [(f"species.{name}.{f}", getattr(sp, f)) for f in SPECIES_QUANTITIES]
    found += [(f"tables.{k}", t) for k, t in material.tables.items()]
    chem = material.defect_chemistry
    if chem is not None:
        found.append(("defect_chemistry.cell_volume_m3", chem.cell_volume_m3))
        for d in chem.defects:
            where = f"defect_chemistry.defects.{d.name}"
            found += [(f"{where}.charge_states[{i}].formation_energy_eV", cs.formation_energy_eV)
                      for i, cs in enumerate(d.charge_states)]
            if d.frozen_concentration_m3 is not None:
                found.append((f"{where}.frozen_concentration_m3", d.frozen_concentration_m3))
    return [(path, q) for path, q in found if q.uncertainty is not None]


def _all_quantities(material: Material) -> Iterable[Quantity | Table]:
    yield from material.parameters.values()
    for sp in material.species.values():
        yield sp.site_density_m3
        yield sp.bulk_concentration_m3
        yield sp.diffusivity_m2_s
    yield from material.tables.values()
    chem = material.defect_chemistry
    if chem is not None:
        yield chem.cell_volume_m3
        for defect in chem.defects:
            yield from (cs.formation_energy_eV for cs in defect.charge_states)
            if defect.frozen_concentration_m3 is not None:
                yield defect.frozen_concentration_m3


# ---------------------------------------------------------------------------------------------
# Parsing and validation
# ---------------------------------------------------------------------------------------------


def _table(key: str, spec: Any, path: str, origin: str, plain_ok: bool) -> Table:
    if not isinstance(spec, Mapping):
        raise _fail(path, spec, "a table { theta = [...], value = [...], unit, source }")
    _known_fields(spec, _TABLE_KEYS, path, "a table")
    arrays = {}
    for field in ("theta", "value"):
        arr = spec.get(field)
        if (not isinstance(arr, (list, tuple)) or len(arr) < 2
                or not all(_is_number(v) and math.isfinite(v) for v in arr)):
            raise _fail(f"{path}.{field}", arr, "a list of at least two finite numbers")
        arrays[field] = tuple(float(v) for v in arr)
    theta, values = arrays["theta"], arrays["value"]
    if len(theta) != len(values):
        raise _fail(f"{path}.value", f"{len(values)} values",
                    f"as many values as theta points ({len(theta)})")
    if theta[0] < 0.0 or theta[-1] > 1.0 or any(b <= a for a, b in pairwise(theta)):
        raise _fail(f"{path}.theta", list(theta), "strictly increasing site fractions in [0, 1]")
    unit = si_unit(key)
    given_unit = spec.get("unit")
    if given_unit is None:
        raise MaterialError(f"{path}.unit: missing; expected a unit convertible to {unit}")
    try:
        factor = to_si(1.0, given_unit, key, where=f"{path}.unit")
    except UnitError as exc:
        raise MaterialError(str(exc)) from None
    values = tuple(factor * v for v in values)
    spread = None
    if "uncertainty" in spec:
        if isinstance(spec["uncertainty"], Mapping) and "factor" in spec["uncertainty"]:
            raise _fail(f"{path}.uncertainty.factor", spec["uncertainty"]["factor"],
                        "std or range: a table's uncertainty is a shift of the whole curve")
        spread = parse_uncertainty(spec["uncertainty"], f"{path}.uncertainty", factor, 0.0)
    if plain_ok and "source" not in spec and "status" not in spec:
        return Table(theta, values, unit, (), "case", origin, str(spec.get("note", "")), spread)
    sources, status, reason, note = _provenance(spec, path)
    return Table(theta, values, unit, sources, status, reason, note, spread)


def _species(name: str, spec: Any, path: str, origin: str, plain_ok: bool) -> Species:
    if not isinstance(spec, Mapping):
        raise _fail(path, spec, "a table with " + ", ".join(SPECIES_FIELDS))
    _known_fields(spec, SPECIES_FIELDS, path, "a species")
    for field in SPECIES_FIELDS:
        if field not in spec:
            raise MaterialError(f"{path}.{field}: missing; a species needs "
                                + ", ".join(SPECIES_FIELDS))
    ints: dict[str, Any] = {}
    for field in SPECIES_INTS:
        value = spec[field]
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(f"{path}.{field}", value, "an integer")
        ints[field] = value
    quantities: dict[str, Any] = {f: _quantity(f, spec[f], f"{path}.{f}", origin, plain_ok)
                                  for f in SPECIES_QUANTITIES}
    return Species(name=name, statistics=spec["statistics"], **ints, **quantities)


def _mapping(data: Mapping[str, Any], field: str, where: str) -> Mapping[str, Any]:
    value = data.get(field, {})
    if not isinstance(value, Mapping):
        raise _fail(f"{where}.{field}", value, "a table")
    return value


def _parse(data: Mapping[str, Any], origin: str, plain_ok: bool) -> Material:
    if not isinstance(data, Mapping):
        raise MaterialError(f"material from {origin}: expected a table, got {data!r}")
    name = data.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        raise _fail(f"material ({origin}).name", name,
                    "a name of letters, digits and '_' that starts with a letter")
    _known_fields(data, _MATERIAL_KEYS, name, "a material")
    kind = data.get("kind")
    if kind not in KINDS:
        raise _fail(f"{name}.kind", kind, "one of " + ", ".join(KINDS))
    description = data.get("description", "")
    if not isinstance(description, str):
        raise _fail(f"{name}.description", description, "a string")
    parameters = {key: _quantity(key, spec, f"{name}.parameters.{key}", origin, plain_ok)
                  for key, spec in _mapping(data, "parameters", name).items()}
    chem = _defect_chemistry(data, name, origin, plain_ok)
    fed = chem.fed_species() if chem is not None else {}
    for sp_name, (defect, _) in fed.items():
        if sp_name not in _mapping(data, "species", name):
            raise _fail(f"{name}.defect_chemistry.defects.{defect.name}.species", sp_name,
                        "one of the material's species: "
                        + (", ".join(_mapping(data, "species", name)) or "(none)"))
    species = {sp: _species(sp, _with_placeholder(spec, sp in fed, f"{name}.species.{sp}"),
                            f"{name}.species.{sp}", origin, plain_ok)
               for sp, spec in _mapping(data, "species", name).items()}
    tables = {key: _table(key, spec, f"{name}.tables.{key}", origin, plain_ok)
              for key, spec in _mapping(data, "tables", name).items()}
    material = Material(name, kind, description.strip(), MappingProxyType(parameters),
                        MappingProxyType(species), MappingProxyType(tables), chem)
    if chem is not None:  # the database derives the fed values (defect_equilibrium)
        for key in DERIVED_BY_DEFECTS:
            if key in parameters:
                raise _fail(f"{name}.parameters.{key}", parameters[key].value,
                            "no value: it is derived from [defect_chemistry]")
        check_against_species(chem, species, parameters, f"{name}.defect_chemistry")
    _check(material)
    return material


# parameters a defect chemistry derives (defect_equilibrium.with_defect_equilibrium)
DERIVED_BY_DEFECTS = ("neutrality_potential_vs_li_V", "fermi_level_above_vbm_eV")


def _defect_chemistry(data: Mapping[str, Any], name: str, origin: str,
                      plain_ok: bool) -> DefectChemistry | None:
    if "defect_chemistry" not in data:
        return None
    if data.get("kind") != "solid_electrolyte":
        raise _fail(f"{name}.defect_chemistry", data["defect_chemistry"],
                    "no defect chemistry for a " + str(data.get("kind")))
    return parse_defect_chemistry(data["defect_chemistry"], f"{name}.defect_chemistry", origin,
                                  plain_ok)


def _with_placeholder(spec: Any, fed: bool, path: str) -> Any:
    """A fed species' bulk concentration comes from the defect chemistry, never the file."""
    if not fed or not isinstance(spec, Mapping):
        return spec
    if "bulk_concentration_m3" in spec:
        raise _fail(f"{path}.bulk_concentration_m3", spec["bulk_concentration_m3"],
                    "no value: a charge state of [defect_chemistry] feeds this species")
    return {**spec, "bulk_concentration_m3": {"value": 1.0, "unit": "m^-3", "status": "derived",
                                              "reason": "replaced by the defect equilibrium"}}


def _check(material: Material) -> None:
    """Value checks that span fields: signs, statistics, bulk below site density."""
    name = material.name
    for key, q in material.parameters.items():
        if (q.unit in _POSITIVE_UNITS or key in _POSITIVE_KEYS) and not q.value > 0:
            raise _fail(f"{name}.parameters.{key}.value", q.value, f"a value > 0 ({q.unit})")
    for sp_name, sp in material.species.items():
        path = f"{name}.species.{sp_name}"
        if sp.charge == 0:
            raise _fail(f"{path}.charge", sp.charge, "a nonzero integer charge number")
        if sp.statistics not in STATISTICS:
            raise _fail(f"{path}.statistics", sp.statistics, "one of " + ", ".join(STATISTICS))
        if sp.mobility_exponent not in (0, 1):
            raise _fail(f"{path}.mobility_exponent", sp.mobility_exponent, "0 or 1")
        for field in SPECIES_QUANTITIES:
            q = getattr(sp, field)
            if not q.value > 0:
                raise _fail(f"{path}.{field}.value", q.value, f"a value > 0 ({q.unit})")
        if (sp.statistics == "lattice_gas"
                and not sp.bulk_concentration_m3.value < sp.site_density_m3.value):
            raise _fail(f"{path}.bulk_concentration_m3.value", sp.bulk_concentration_m3.value,
                        f"a value below the site density {sp.site_density_m3.value:.6g} m^-3 "
                        "(lattice_gas statistics)")
    if material.kind in ("solid_electrolyte", "dielectric"):
        if "relative_permittivity" not in material.parameters:
            raise MaterialError(f"{name}.parameters.relative_permittivity: missing; a "
                                f"{material.kind} needs it")
    if material.kind == "dielectric" and material.species:
        raise MaterialError(f"{name}.species: a dielectric holds no mobile species")
    if material.kind == "solid_electrolyte":
        if not material.species:
            raise MaterialError(f"{name}.species: missing; a solid_electrolyte needs at least "
                                "one mobile species")


