"""The checks of a case beyond its schema that need only the case and the materials: stack and
boundaries, interfaces and kinetics, grain boundaries, geometry entries and cell sizes; advisory
warnings. Run by :func:`pnp_ssb.input.load.read_case`. The checks that resolve the model or plan
the mesh (a cell that has a state, a cross-section that can be drawn, a mesh that fits) run
after these, in :mod:`pnp_ssb.preflight`."""

import logging
import math
from collections.abc import Sequence
from pathlib import Path

from pnp_ssb.input.case import BoundarySpec, Case, GeometrySpec, RegionSpec
from pnp_ssb.input.collectors import check_collector_lithiation
from pnp_ssb.input.fields import (
    ADVISORY_MAX_FREQUENCIES,
    ADVISORY_TEMPERATURE_K,
    LENGTH_RANGE,
    CaseError,
    field_error,
    with_article,
)
from pnp_ssb.input.study import ImpedanceStudy, imposed_current_A_m2
from pnp_ssb.input.topology import neutrality_potential_V, reacting_contacts
from pnp_ssb.materials import database as matdb

log = logging.getLogger(__name__)


def validate_semantics(case: Case) -> None:
    """Checks that span fields: names, materials, species and boundary/study consistency."""
    names = [r.name for r in case.regions]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise field_error(f"regions[{i}].name", name, "a region name used only once")
        if name in ("left", "right"):
            raise field_error(f"regions[{i}].name", name, "a name other than 'left'/'right'")
    for i, region in enumerate(case.regions):
        if region.material not in case.materials:
            known = {m.lower() for m in matdb.available_materials()}
            if region.material.lower() not in known:
                raise field_error(
                    f"regions[{i}].material", region.material,
                    "a database material (" + ", ".join(matdb.available_materials())
                    + ") or a key of [materials]" + (f" ({', '.join(case.materials)})"
                                                      if case.materials else ""))
    mats = case.region_materials  # raises CaseError for bad overrides or inline materials
    for i, region in enumerate(case.regions):
        _check_region_material(i, region, mats[region.name])
    kinds = [mats[r.name].kind for r in case.regions]
    if "solid_electrolyte" not in kinds:
        raise field_error("regions", [r.name for r in case.regions],
                          "at least one solid_electrolyte region")
    sides = {"left": 0, "right": len(case.regions) - 1}
    for name in case.boundaries:
        if name not in sides:
            raise field_error(f"boundaries.{name}", "{...}", "a 1D stack boundary: 'left' or 'right'")
    for name, index in sides.items():
        _check_boundary(case, name, case.regions[index].name, kinds[index])
    _check_interfaces(case, kinds)
    if case.ground is not None and (case.ground not in mats or kinds[
            [r.name for r in case.regions].index(case.ground)] not in ("metal", "insertion_electrode")):
        raise field_error("ground", case.ground, "the name of a conductor region (metal or "
                          "insertion_electrode)")
    _check_electronic(case, sides)
    _check_mixed_groups(case, kinds)
    check_collector_lithiation(case)
    if case.study.type in ("steady_state", "transient", "impedance"):
        if "dielectric" in kinds and case.study.type in ("transient", "impedance"):
            raise field_error("study.type", case.study.type, "'equilibrium' or 'steady_state' for "
                              "stacks with dielectric layers (transients across a compact layer "
                              "are not supported yet)")
        _check_kinetics(case, kinds)
        right = case.boundaries.get("right")
        controlled = imposed_current_A_m2(case.study) is not None or (
            case.study.type == "transient" and case.study.control != "voltage")
        if controlled and right is not None and right.voltage_V is not None:
            raise field_error("boundaries.right.voltage_V", right.voltage_V,
                              "no voltage_V under current control (study.current_density_A_m2): "
                              "the right terminal's voltage is solved for")
        if controlled and len(reacting_contacts(case)) != 2 and not (
                case.study.type == "transient" and _ends_pass_current(case)):
            raise field_error("study.current_density_A_m2", imposed_current_A_m2(case.study),
                              "no current control here: it needs a cell with two electrode | "
                              "electrolyte contacts (found "
                              f"{len(reacting_contacts(case))}), or, in a transient, electrodes "
                              "at both ends that pass Li+ or electrons (graded) into it")
    if isinstance(case.study, ImpedanceStudy):
        _check_bias(case, case.study)
    _check_grain_boundaries(case, kinds)
    _check_geometry(case)
    _check_cell_sizes(case)
    _advise(case)


def _check_electronic(case: Case, sides: dict[str, int]) -> None:
    """Each region's electronic option against the study, the geometry and its place."""
    for i, region in enumerate(case.regions):
        if region.electronic == "graded" and case.study.type in ("equilibrium", "ocv_sweep"):
            raise field_error(f"regions[{i}].electronic", "graded", "'extrinsic' or 'none' in "
                              f"a {case.study.type} study: graded carriers carry a current "
                              "between electrodes at different Fermi levels (use steady_state)")
        if region.electronic == "minimum_interface" and case.study.type not in (
                "equilibrium", "ocv_sweep"):
            raise field_error(f"regions[{i}].electronic", "minimum_interface", "'extrinsic', "
                              f"'graded' or 'none' in a {case.study.type} study: the sloped "
                              "mu_Li is an assumption about equilibrium states")
        if region.electronic == "minimum_interface" and case.geometry.type == "mesh_file":
            raise field_error(f"regions[{i}].electronic", "minimum_interface",
                              "a stack or a generated 2D geometry: the slope runs along the "
                              "layers' x extent, which a mesh file does not state")
        if region.electronic == "mixed_conductor" and case.study.type != "equilibrium":
            raise field_error(f"regions[{i}].electronic", "mixed_conductor",
                              f"'none' in a {case.study.type} study: a mixed-conducting "
                              "electrode is solved at equilibrium only (its Li balance in "
                              "sweeps and its transport under current are not modelled yet)")
        if region.electronic == "mixed_conductor" and i in sides.values():
            raise field_error(f"regions[{i}].electronic", "mixed_conductor",
                              "'none' at an outer end of the stack: put the electrode's current "
                              "collector (a metal region) between it and the terminal")
        if region.anode_side is not None and region.electronic != "minimum_interface":
            raise field_error(f"regions[{i}].anode_side", region.anode_side,
                              "no value unless electronic = 'minimum_interface'")


def _check_bias(case: Case, study: ImpedanceStudy) -> None:
    """A DC bias has a steady state only if no electrode fills or empties under it: every
    reacting electrode is Li metal (a reservoir); a DC current also needs contacts passing it."""
    if study.bias_V == 0.0 and study.bias_current_A_m2 is None:
        return
    field = "study.bias_V" if study.bias_current_A_m2 is None else "study.bias_current_A_m2"
    value = study.bias_V if study.bias_current_A_m2 is None else study.bias_current_A_m2
    reacting = reacting_contacts(case)
    filling = [c for _, c, _ in reacting if case.region_materials[c].kind == "insertion_electrode"]
    if filling:
        raise field_error(field, value, f"no DC bias here: insertion electrode {filling[0]!r} "
                          "would change its Li content without end (no steady state); use a "
                          "transient and an impedance study of Li metal contacts, or bias 0")
    ends = [case.boundaries.get(side) for side in ("left", "right")]
    passes = len(reacting) == 2 or all(bc is not None and bc.type == "reservoir" for bc in ends)
    if study.bias_current_A_m2 is not None and not passes:
        raise field_error(field, value, "no DC current here: it needs two electrode | "
                          "electrolyte contacts with kinetics, or reservoirs at both ends")


def _ends_pass_current(case: Case) -> bool:
    """The first and the last conductor | electrolyte contacts each pass a current: a reacting
    contact, or graded electrons and holes in the electrolyte."""
    mats = case.region_materials
    reacting = {key for key, _, _ in reacting_contacts(case)}
    passing = []
    for a, b in zip(case.regions, case.regions[1:], strict=False):
        kinds = (mats[a.name].kind, mats[b.name].kind)
        if "solid_electrolyte" not in kinds or not {"metal", "insertion_electrode"} & set(kinds):
            continue
        se = a if kinds[0] == "solid_electrolyte" else b
        passing.append(f"{a.name}|{b.name}" in reacting or se.electronic == "graded")
    return len(passing) >= 2 and passing[0] and passing[-1]


def _check_grain_boundaries(case: Case, kinds: Sequence[str]) -> None:
    names = [r.name for r in case.regions]
    for i, name in enumerate(names):
        if name.endswith("_gb"):
            raise field_error(f"regions[{i}].name", name, "a name not ending in '_gb' (reserved "
                              "for grain-boundary cores in meshes)")
    for key, gb in case.grain_boundaries.items():
        where = f"grain_boundaries.{key}"
        if key not in names:
            raise field_error(where, "{...}", "a table keyed by a region name: " + ", ".join(names))
        if kinds[names.index(key)] != "solid_electrolyte":
            raise field_error(where, "{...}", f"grain boundaries in a solid_electrolyte; region "
                              f"{key!r} is {with_article(kinds[names.index(key)])}")
        species = case.region_materials[key].species
        for sp in gb.energy_shift_eV:
            if sp not in species:
                raise field_error(f"{where}.energy_shift_eV.{sp}", gb.energy_shift_eV[sp],
                                  f"a species of region {key!r}: {', '.join(species)}")
        thickness = case.region(key).thickness_m
        along_x = case.geometry.type in ("stack", "layered_2d")
        if gb.positions_m and not along_x:
            raise field_error(f"{where}.positions_m", gb.positions_m, "no positions here: the "
                              f"{case.geometry.type} geometry places the grain boundaries")
        if along_x and not gb.positions_m:
            raise CaseError(f"{where}.positions_m: missing; a {case.geometry.type} geometry needs "
                            "the grain-boundary positions")
        previous = None
        gap = LENGTH_RANGE.ge  # the shortest piece of layer a boundary may leave
        for j, x in enumerate(gb.positions_m):
            if not gb.width_m / 2 + gap <= x <= thickness - gb.width_m / 2 - gap:
                raise field_error(f"{where}.positions_m[{j}]", x, f"a position inside region "
                                  f"{key!r} (0 to {thickness:g} m), the core included, at "
                                  f"least {gap:g} m from its edges")
            if previous is not None and x - previous < gb.width_m + gap:
                raise field_error(f"{where}.positions_m[{j}]", x, "increasing positions whose "
                                  f"cores do not overlap, at least {gap:g} m apart")
            previous = x


# geometry entries that only some geometry types use
GEOMETRY_KEYS_FOR = {
    "height_m": ("layered_2d", "bicrystal", "polycrystal"),
    "lateral_cells": ("layered_2d",),
    "gb_position_m": ("bicrystal",),
    "gb_angle_deg": ("bicrystal",),
    "grains": ("polycrystal",),
    "seed": ("polycrystal",),
    "seeds_m": ("polycrystal",),
    "min_seed_distance_m": ("polycrystal",),
    "max_cell_m": ("bicrystal", "polycrystal"),
    "mesh_unit_m": ("mesh_file",),
}


def _check_geometry_keys(geo: GeometrySpec) -> None:
    """An entry given with a value other than its default must apply to geometry.type
    (resolved cases list every default, so defaults pass)."""
    for key, types in GEOMETRY_KEYS_FOR.items():
        value = getattr(geo, key)
        if geo.type in types or key not in geo.model_fields_set or (
                value == GeometrySpec.model_fields[key].default):
            continue
        hint = " (stacks: mesh.max_cell_m)" if key == "max_cell_m" else ""
        raise field_error(f"geometry.{key}", value, f"no {key} here: it applies to geometry.type "
                          f"= {' or '.join(map(repr, types))}, not {geo.type!r}{hint}")


def _check_geometry(case: Case) -> None:
    geo = case.geometry
    _check_geometry_keys(geo)
    if geo.type in ("bicrystal", "polycrystal"):
        if len(case.grain_boundaries) != 1:
            raise field_error("grain_boundaries", sorted(case.grain_boundaries),
                              f"exactly one region with grain boundaries for geometry.type = "
                              f"{geo.type!r}")
        (key,) = case.grain_boundaries
        thickness = case.region(key).thickness_m
        if geo.gb_position_m is not None and geo.gb_position_m >= thickness:
            raise field_error("geometry.gb_position_m", geo.gb_position_m,
                              f"a position inside region {key!r} (0 to {thickness:g} m)")
    if geo.type == "mesh_file" and not Path(geo.mesh_path).is_file():
        raise field_error("geometry.mesh_file", geo.mesh_path, "an existing gmsh .msh file")


def _check_region_material(i: int, region: RegionSpec, material: matdb.Material) -> None:
    where = f"regions[{i}]"
    kind = material.kind
    if kind == "insertion_electrode":
        if region.li_fraction is None:
            raise CaseError(f"{where}.li_fraction: missing; an insertion_electrode "
                            f"({region.material}) needs its Li site fraction theta in [0, 1]")
        for key in ("open_circuit_potential_V", "work_function_eV"):
            if key not in material.tables:
                raise CaseError(f"{where} (material {region.material!r}): tables.{key} missing; "
                                "an insertion_electrode needs it")
        if "li_site_density_m3" not in material.parameters:
            raise CaseError(f"{where} (material {region.material!r}): parameters."
                            "li_site_density_m3 missing; an insertion_electrode needs it")
        table = material.tables["open_circuit_potential_V"]
        if region.li_fraction > 0 and not table.theta[0] <= region.li_fraction <= table.theta[-1]:
            raise field_error(f"{where}.li_fraction", region.li_fraction,
                              f"0 (no Li) or a value inside the OCV table of {region.material}: "
                              f"{table.theta[0]} to {table.theta[-1]}")
    elif region.li_fraction is not None:
        raise field_error(f"{where}.li_fraction", region.li_fraction,
                          f"no li_fraction: {region.material} is {with_article(kind)}, not an "
                          "insertion_electrode")
    if region.electronic == "mixed_conductor":
        _check_mixed_conductor(region, material, where)
    elif region.electronic != "none":
        if kind != "solid_electrolyte":
            raise field_error(f"{where}.electronic", region.electronic,
                              f"'none': {region.material} is {with_article(kind)}, not a solid_electrolyte")
        needed = ["electron_affinity_eV", "band_gap_eV", "effective_dos_conduction_m3",
                  "effective_dos_valence_m3"]
        if region.electronic == "minimum_interface":
            _check_minimum_interface(region, where)
            needed += ["stability_limit_li_rich_V", "stability_limit_li_poor_V"]
        elif region.li_potential_V is None:
            raise CaseError(f"{where}.li_potential_V: missing; electronic carriers need the "
                            "electrolyte's Li potential vs Li/Li+ to place its Fermi level")
        if region.electronic == "graded":
            needed += ["electron_diffusivity_m2_s", "hole_diffusivity_m2_s"]
        for key in needed:
            if key not in material.parameters:
                raise CaseError(f"{where} (material {region.material!r}): parameters.{key} "
                                f"missing; electronic = {region.electronic!r} needs it")
    if kind == "metal" and "work_function_eV" not in material.parameters:
        raise CaseError(f"{where} (material {region.material!r}): parameters.work_function_eV "
                        "missing; a metal needs it")


def _check_mixed_conductor(region, material: matdb.Material, where: str) -> None:
    """An insertion electrode with Li+ and electrons on sites at an occupancy strictly inside
    (0, 1), with a permittivity (physics.model.mixed_conductor_region)."""
    if material.kind != "insertion_electrode":
        raise field_error(f"{where}.electronic", "mixed_conductor",
                          f"'none' or a band option: {region.material} is "
                          f"{with_article(material.kind)}, not an insertion_electrode")
    assert region.li_fraction is not None  # checked above for insertion electrodes
    if not 0.0 < region.li_fraction < 1.0:
        raise field_error(f"{where}.li_fraction", region.li_fraction,
                          "0 < theta < 1 for a mixed_conductor (its Li+ and electrons are "
                          "lattice gases: an empty or full lattice has no carriers)")
    if region.li_potential_V is not None:
        raise field_error(f"{where}.li_potential_V", region.li_potential_V,
                          "no value for a mixed_conductor (its Li potential is U(theta))")
    if "relative_permittivity" not in material.parameters:
        raise CaseError(f"{where} (material {region.material!r}): parameters."
                        "relative_permittivity missing; electronic = 'mixed_conductor' needs it")


def _check_mixed_groups(case: Case, kinds: Sequence[str]) -> None:
    """At most one mixed conductor among contiguous conductors: its Li balance counts the
    electrons of its group (studies.steady.mixed_conductor_fraction)."""
    run: list[str] = []
    for region, kind in [*zip(case.regions, kinds, strict=True), (None, "")]:
        if region is not None and kind in ("metal", "insertion_electrode"):
            run.append(region.name) if region.electronic != "mixed_conductor" else run.append(
                "*" + region.name)
            continue
        mixed = [n[1:] for n in run if n.startswith("*")]
        if len(mixed) > 1:
            raise field_error("regions", mixed, "at most one mixed_conductor among touching "
                              "conductors: their Li balance counts the electrons of the group")
        run = []


def _check_minimum_interface(region, where: str) -> None:
    """mu_Li is sloped between the material's stability limits, from the named anode side."""
    if region.li_potential_V is not None:
        raise field_error(f"{where}.li_potential_V", region.li_potential_V,
                          "no value with electronic = 'minimum_interface' (the material's "
                          "stability limits set mu_Li)")
    if region.anode_side is None:
        raise CaseError(f"{where}.anode_side: missing; electronic = 'minimum_interface' slopes "
                        "mu_Li from the Li-rich limit at the anode side: 'left' or 'right'")


def _check_boundary(case: Case, side: str, region_name: str, kind: str) -> None:
    mats = case.region_materials
    conductor = kind in ("metal", "insertion_electrode")
    bc = case.boundaries.get(side)
    if kind == "dielectric":
        raise field_error(f"regions ({side} end)", region_name, "a solid_electrolyte or conductor "
                          "at the outer end of the stack, not a dielectric")
    if conductor:
        if bc is not None and bc.type != "terminal":
            raise field_error(f"boundaries.{side}.type", bc.type,
                              f"'terminal': region {region_name!r} is a conductor")
        return
    if bc is None:
        raise CaseError(f"boundaries.{side}: missing; expected a table with "
                        f"type = 'blocking' or 'reservoir'")
    if bc.type == "terminal":
        raise field_error(f"boundaries.{side}.type", "terminal",
                          f"'blocking' or 'reservoir': region {region_name!r} is an electrolyte")
    species = mats[region_name].species
    for sp in bc.species or []:
        if sp not in species:
            raise field_error(f"boundaries.{side}.species", sp,
                              f"a species of region {region_name!r}: {', '.join(species)}")
    if (case.study.type != "steady_state" and bc.type == "reservoir"
            and _offset_from_bulk(bc, mats[region_name]) != 0.0):
        raise field_error(f"boundaries.{side}.potential", bc.potential_V
                          if bc.potential_V is not None else bc.potential_vs_bulk_V,
                          "a reservoir at its bulk potential in an equilibrium study "
                          "(use study.type = 'steady_state' to drive a current)")


def _check_interfaces(case: Case, kinds: Sequence[str]) -> None:
    names = [r.name for r in case.regions]
    pairs = {f"{a}|{b}": (ka, kb) for a, b, ka, kb in zip(names, names[1:], kinds, kinds[1:],
                                                          strict=False)}
    for key, spec in case.interfaces.items():
        if key not in pairs:
            raise field_error(f"interfaces.{key}", "{...}", "an interface of adjacent regions, "
                              "named left|right: " + ", ".join(pairs))
        a, b = key.split("|")
        conductors = [k in ("metal", "insertion_electrode")
                      and case.region(n).electronic != "mixed_conductor"
                      for k, n in zip(pairs[key], (a, b), strict=True)]
        if spec.dipole_V == 0.0 or sum(conductors) == 1:
            continue
        if sum(conductors) == 2 or "dielectric" in pairs[key]:
            raise field_error(f"interfaces.{key}.dipole_V", spec.dipole_V,
                              "0 here: a dipole step is supported between a conductor and a "
                              "non-conductor, or between two charged regions")
        if case.study.type != "equilibrium" or case.geometry.type not in ("stack", "layered_2d"):
            raise field_error(f"interfaces.{key}.dipole_V", spec.dipole_V,
                              "0 here, or an equilibrium study of a layered stack: a dipole "
                              "between two charged regions (electrolytes, mixed conductors) is "
                              "supported there only")


def _check_kinetics(case: Case, kinds: Sequence[str]) -> None:
    for key, _, _ in reacting_contacts(case):
        spec = case.interfaces.get(key)
        if spec is None or spec.kinetics is None:
            raise CaseError(f'interfaces."{key}".kinetics.exchange_current_density_A_m2: missing; '
                            "a steady_state study needs the charge-transfer kinetics of every "
                            "electrode | electrolyte contact")


def _check_cell_sizes(case: Case) -> None:
    mesh = case.mesh
    if (isinstance(mesh.min_cell_m, float) and isinstance(mesh.max_cell_m, float)
            and mesh.max_cell_m < mesh.min_cell_m):
        raise field_error("mesh.max_cell_m", mesh.max_cell_m, f"at least mesh.min_cell_m = "
                          f"{mesh.min_cell_m!r}: cells grow from min_cell_m up to max_cell_m")


def _advise(case: Case) -> None:
    """Warnings for values that are allowed but unusual."""
    lo, hi = ADVISORY_TEMPERATURE_K
    if not lo <= case.temperature_K <= hi:
        log.warning("temperature_K = %r: outside %g K to %g K, where material data are rarely "
                    "measured; check the value", case.temperature_K, lo, hi)
    study = case.study
    if study.type == "impedance" and study.frequencies_Hz is None:
        count = max(2, round(math.log10(study.f_max_Hz / study.f_min_Hz)
                             * study.points_per_decade) + 1)
        if count > ADVISORY_MAX_FREQUENCIES:
            log.warning("study: %d frequencies (f_min_Hz = %r to f_max_Hz = %r, %d per decade), "
                        "each one linear solve; expected at most %d: narrow the range or lower "
                        "points_per_decade", count, study.f_min_Hz, study.f_max_Hz,
                        study.points_per_decade, ADVISORY_MAX_FREQUENCIES)


def _offset_from_bulk(bc: BoundarySpec, material: matdb.Material) -> float:
    if bc.potential_vs_bulk_V is not None:
        return bc.potential_vs_bulk_V
    if bc.potential_V is None:
        return 0.0
    return bc.potential_V - neutrality_potential_V(material)


