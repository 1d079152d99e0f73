"""The materials database: every file loads with full provenance, and the loader's checks."""

import copy
import math
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from pnp_ssb.constants import BOLTZMANN_J_K, ELEMENTARY_CHARGE_C
from pnp_ssb.materials import database as matdb
from pnp_ssb.materials.database import (
    Material,
    MaterialError,
    Quantity,
    Table,
    apply_overrides,
    available_materials,
    bibtex_entries,
    describe_materials,
    load_material,
    material_from_dict,
)

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(matdb.MATERIALS_DIR.glob("*.toml"))
REQUIRED = {"LLZO", "LiPON", "LATP", "Li3PS4", "LiCoO2", "LimSi", "Li", "Cu", "Pt", "Si_base"}
ELECTROLYTES = ["LLZO", "LiPON", "LATP", "Li3PS4"]


def quantities(material: Material):
    """(path, Quantity or Table) for every number of a material."""
    for key, q in material.parameters.items():
        yield f"parameters.{key}", q
    for name, sp in material.species.items():
        for field in matdb.SPECIES_QUANTITIES:
            yield f"species.{name}.{field}", getattr(sp, field)
    for key, t in material.tables.items():
        yield f"tables.{key}", t


def inline_electrolyte() -> dict:
    return {
        "name": "se", "kind": "solid_electrolyte", "description": "test",
        "parameters": {"relative_permittivity": 20.0},
        "species": {"cation": {"charge": 1, "li_stoichiometry": 1, "statistics": "lattice_gas",
                               "mobility_exponent": 0, "site_density_m3": 1e28,
                               "bulk_concentration_m3": 1e25, "diffusivity_m2_s": 1e-13}},
    }


def error_of(func, *args, **kwargs) -> str:
    with pytest.raises(MaterialError) as info:
        func(*args, **kwargs)
    return str(info.value)


# --- the database ----------------------------------------------------------------------------


def test_required_materials_present():
    assert REQUIRED <= set(available_materials())
    assert available_materials() == sorted(available_materials(), key=str.lower)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_file_loads_and_file_stem_matches_name(path):
    with open(path, "rb") as fh:
        name = tomllib.load(fh)["name"]
    assert path.stem == name.lower()
    material = load_material(name)
    assert material.name == name
    assert load_material(name.upper()) == material  # case-insensitive lookup


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_provenance_complete(name):
    material = load_material(name)
    bib = matdb._bib_entries()
    for path, q in quantities(material):
        assert q.status in ("sourced", "derived", "assumed", "unverified"), path
        for key in q.sources:
            assert key in bib, f"{name}.{path}: source {key!r} not in references.bib"
        if q.status == "sourced":
            assert q.sources, path
        else:
            assert q.reason.strip(), f"{name}.{path}: status {q.status} without a reason"
    for key in material.citation_keys():
        assert key in bib


def test_every_citation_has_a_full_entry():
    for name in available_materials():
        text = bibtex_entries(load_material(name).citation_keys())
        for entry in re.split(r"\n\n(?=@)", text.strip()) if text else []:
            assert re.search(r"\btitle\s*=", entry), entry
            assert re.search(r"\b(author|year)\s*=", entry), entry


@pytest.mark.parametrize("name", ELECTROLYTES)
def test_electrolyte_bulk(name):
    material = load_material(name)
    assert material.kind == "solid_electrolyte"
    assert material.parameter("relative_permittivity") > 0
    assert "neutrality_potential_vs_li_V" in material.parameters
    assert "conductivity_S_m" in material.parameters
    charge = 0.0
    for sp in material.species.values():
        assert sp.site_density_m3.value > sp.bulk_concentration_m3.value > 0
        charge += sp.charge * sp.bulk_concentration_m3.value
    # The model derives the background rho_fix = -e sum z c, so the bulk is neutral by
    # construction; it must be finite and no larger than the mobile charge.
    rho_fix = -ELEMENTARY_CHARGE_C * charge
    mobile = ELEMENTARY_CHARGE_C * sum(sp.bulk_concentration_m3.value
                                       for sp in material.species.values())
    assert math.isfinite(rho_fix) and abs(rho_fix) <= mobile
    assert rho_fix + ELEMENTARY_CHARGE_C * charge == 0.0


@pytest.mark.parametrize("name", ["LLZO", "LATP", "Li3PS4"])
def test_derived_diffusivities_reproduce_conductivity(name):
    """D from Nernst-Einstein: sigma = e^2 sum z^2 D c / kT at T = 300 K."""
    material = load_material(name)
    kT = BOLTZMANN_J_K * 300.0
    sigma = sum(sp.charge**2 * sp.diffusivity_m2_s.value * sp.bulk_concentration_m3.value
                for sp in material.species.values()) * ELEMENTARY_CHARGE_C**2 / kT
    assert sigma == pytest.approx(material.parameter("conductivity_S_m"), rel=1e-9)


def test_lipon_raijmakers_transport_is_consistent():
    material = load_material("LiPON")
    kT = BOLTZMANN_J_K * material.parameter("reference_temperature_K")
    sigma = sum(sp.diffusivity_m2_s.value * sp.bulk_concentration_m3.value
                for sp in material.species.values()) * ELEMENTARY_CHARGE_C**2 / kT
    assert sigma == pytest.approx(material.parameter("conductivity_S_m"), rel=0.01)


def test_llzo_reproduces_swift_inputs():
    llzo = load_material("LLZO")
    assert llzo.parameter("neutrality_potential_vs_li_V") == pytest.approx(1.6216, abs=1e-4)
    assert llzo.parameter("relative_permittivity") == 50.0
    n_sites = llzo.parameter("defect_site_density_m3")
    assert n_sites == pytest.approx(3.27455e28)
    alpha = llzo.parameter("defect_saturation_fraction")
    kT_eV = BOLTZMANN_J_K * llzo.parameter("model_temperature_K") / ELEMENTARY_CHARGE_C
    b = alpha * math.exp(llzo.parameter("defect_formation_energy_eV") / kT_eV)
    for sp in llzo.species.values():
        assert sp.statistics == "lattice_gas"
        assert sp.site_density_m3.value == pytest.approx(alpha * n_sites)
        assert sp.bulk_concentration_m3.value == pytest.approx(alpha * n_sites / (1 + b))
    assert sum(sp.charge for sp in llzo.species.values()) == 0


def test_electrode_tables():
    lco = load_material("LiCoO2")
    ocv = lco.tables["open_circuit_potential_V"]
    assert ocv.unit == "V" and ocv.sources == ("Raijmakers2020",)
    assert ocv(0.51) == pytest.approx(4.19)
    assert np.all(np.diff(ocv.value) < 0)
    limsi = load_material("LimSi")
    assert np.all(np.diff(limsi.tables["open_circuit_potential_V"].value) < 0)
    assert np.all(np.diff(limsi.tables["work_function_eV"].value) < 0)
    assert lco.parameter("li_site_density_m3") == pytest.approx(51555.0 * 6.02214076e23)


def test_metals_have_work_functions():
    for name in ("Li", "Cu", "Pt", "Si_base"):
        material = load_material(name)
        assert material.kind == "metal"
        assert 2.0 < material.parameter("work_function_eV") < 6.0
    si = load_material("Si_base")
    assert si.parameter("work_function_eV") == pytest.approx(
        si.parameter("electron_affinity_eV") + si.parameter("band_gap_eV") / 2, abs=1e-4)


def test_docs_list_every_material_and_parameter():
    text = (ROOT / "docs" / "materials.md").read_text(encoding="utf-8")
    for name in available_materials():
        material = load_material(name)
        assert f"`{material.name}`" in text, name
        for path, _ in quantities(material):
            assert path.split(".", 1)[1] in text, f"{name}: {path} missing from docs"


# --- loader behaviour ------------------------------------------------------------------------


def test_units_converted_on_load():
    llzo = load_material("LLZO")
    q = llzo.parameters["conductivity_S_m"]
    assert q == Quantity(pytest.approx(0.046), "S/m", ("Eckhardt2023",), "sourced", "", q.note)
    assert llzo.parameters["grain_boundary_conductivity_S_m"].value == pytest.approx(5.97e-4)
    assert llzo.species["Li_i"].site_density_m3.value == pytest.approx(3.27455e27)
    assert llzo.species["Li_i"].site_density_m3.unit == "m^-3"


def test_unknown_material_lists_available():
    msg = error_of(load_material, "Unobtainium")
    assert "Unobtainium" in msg
    for name in REQUIRED:
        assert name in msg


def test_parameter_lookup_error_lists_keys():
    msg = error_of(load_material("LLZO").parameter, "x")
    assert "material 'LLZO' has no parameter 'x'" in msg and "relative_permittivity" in msg


def test_override_number():
    llzo = load_material("LLZO")
    new = apply_overrides(llzo, {"relative_permittivity": 150,
                                 "species.Li_i.diffusivity_m2_s": 1e-13}, origin="case t")
    q = new.parameters["relative_permittivity"]
    assert (q.value, q.unit, q.status, q.reason) == (150.0, "1", "case", "case t")
    assert new.species["Li_i"].diffusivity_m2_s.value == 1e-13
    assert new.species["Li_v"] == llzo.species["Li_v"]
    assert llzo.parameter("relative_permittivity") == 50.0  # the original is unchanged
    assert "Eckhardt2023" in new.citation_keys()


def test_override_full_quantity_and_species_fields():
    new = load_material("LLZO", {
        "species.Li_i.bulk_concentration_m3": {"value": 1e21, "unit": "cm^-3",
                                               "source": "Swift2021"},
        "species.Li_i.mobility_exponent": 1,
        "parameters.band_gap_eV": {"value": 5.5, "unit": "eV", "status": "assumed",
                                   "reason": "test"},
    })
    q = new.species["Li_i"].bulk_concentration_m3
    assert (q.value, q.unit, q.sources, q.status) == (1e27, "m^-3", ("Swift2021",), "sourced")
    assert new.species["Li_i"].mobility_exponent == 1
    assert new.parameters["band_gap_eV"].status == "assumed"


def test_override_unknown_path_names_path_and_valid_keys():
    llzo = load_material("LLZO")
    msg = error_of(apply_overrides, llzo, {"permittivity": 3}, origin="t")
    assert "'permittivity'" in msg and "relative_permittivity" in msg
    msg = error_of(apply_overrides, llzo, {"species.Li_x.diffusivity_m2_s": 1e-12}, origin="t")
    assert "Li_x" in msg and "Li_i" in msg and "Li_v" in msg
    msg = error_of(apply_overrides, llzo, {"species.Li_i.mass": 1}, origin="t")
    assert "mass" in msg and "diffusivity_m2_s" in msg
    msg = error_of(apply_overrides, llzo, {"a.b.c.d": 1}, origin="t")
    assert "a.b.c.d" in msg and "species.Li_i.charge" in msg


def test_override_bad_values_name_field_and_value():
    llzo = load_material("LLZO")
    msg = error_of(apply_overrides, llzo, {"species.Li_i.diffusivity_m2_s": -1e-13}, origin="t")
    assert "LLZO.species.Li_i.diffusivity_m2_s" in msg and "-1e-13" in msg and "> 0" in msg
    msg = error_of(apply_overrides, llzo, {"species.Li_i.bulk_concentration_m3": 1e28},
                   origin="t")
    assert "bulk_concentration_m3" in msg and "site density" in msg
    msg = error_of(apply_overrides, llzo, {"species.Li_v.charge": 0}, origin="t")
    assert "Li_v.charge" in msg and "nonzero" in msg
    msg = error_of(apply_overrides, llzo, {"species.Li_v.statistics": "fermi"}, origin="t")
    assert "'fermi'" in msg and "lattice_gas" in msg
    msg = error_of(apply_overrides, llzo, {"species.Li_v.mobility_exponent": 2}, origin="t")
    assert "mobility_exponent" in msg and "0 or 1" in msg
    msg = error_of(apply_overrides, llzo, {"relative_permittivity": -5}, origin="t")
    assert "relative_permittivity" in msg and "-5" in msg
    msg = error_of(apply_overrides, llzo, {"relative_permittivity": {"value": 1, "unit": "1"}},
                   origin="t")
    assert "provenance" in msg


def test_inline_material_plain_numbers():
    material = material_from_dict(inline_electrolyte(), origin="case demo")
    q = material.species["cation"].site_density_m3
    assert (q.value, q.unit, q.status, q.reason) == (1e28, "m^-3", "case", "case demo")
    assert material.citation_keys() == ()


@pytest.mark.parametrize(("edit", "fragments"), [
    (lambda d: d["parameters"].update(relative_permittivity={"value": 20, "unit": "eV",
                                                             "status": "assumed",
                                                             "reason": "x"}),
     ["se.parameters.relative_permittivity.unit", "'eV'", "1, %"]),
    (lambda d: d["species"]["cation"].update(site_density_m3={"value": 1, "unit": "eV",
                                                              "source": "Swift2021"}),
     ["se.species.cation.site_density_m3.unit", "'eV'", "cm^-3"]),
    (lambda d: d["species"]["cation"].update(charge=1.5),
     ["se.species.cation.charge", "1.5", "integer"]),
    (lambda d: d["species"]["cation"].pop("diffusivity_m2_s"),
     ["se.species.cation.diffusivity_m2_s", "missing"]),
    (lambda d: d["species"]["cation"].update(colour="red"),
     ["se.species.cation.colour", "no such field"]),
    (lambda d: d.update(kind="liquid"), ["se.kind", "'liquid'", "solid_electrolyte"]),
    (lambda d: d["parameters"].pop("relative_permittivity"),
     ["relative_permittivity", "missing"]),
    (lambda d: d["parameters"].update(x_V={"value": 1, "unit": "V", "source": "Nobody1999"}),
     ["se.parameters.x_V.source", "Nobody1999", "references.bib"]),
    (lambda d: d["parameters"].update(x_V={"value": 1, "unit": "V", "status": "assumed"}),
     ["se.parameters.x_V.reason", "non-empty reason"]),
    (lambda d: d["parameters"].update(x_V={"value": 1, "unit": "V", "status": "guessed",
                                           "reason": "r"}),
     ["se.parameters.x_V.status", "'guessed'"]),
    (lambda d: d["parameters"].update(x_V={"value": 1, "unit": "V", "status": "unverified",
                                           "reason": "r", "source": "Swift2021"}),
     ["se.parameters.x_V.source", "unverified"]),
    (lambda d: d["parameters"].update(x_V={"value": "1", "unit": "V", "source": "Swift2021"}),
     ["se.parameters.x_V.value", "'1'", "finite number"]),
    (lambda d: d["parameters"].update(x_V={"value": 1, "source": "Swift2021"}),
     ["se.parameters.x_V.unit", "missing"]),
])
def test_invalid_inline_material(edit, fragments):
    data = copy.deepcopy(inline_electrolyte())
    edit(data)
    msg = error_of(material_from_dict, data, origin="case demo")
    for fragment in fragments:
        assert fragment in msg, (fragment, msg)


def test_database_files_need_full_quantities():
    data = inline_electrolyte()
    msg = error_of(matdb._parse, data, "file", plain_ok=False)
    assert "relative_permittivity" in msg and "20.0" in msg and "{ value, unit, source }" in msg


# --- tables ----------------------------------------------------------------------------------


def test_table_interpolation_and_range():
    table = Table((0.0, 0.5, 1.0), (1.0, 2.0, 4.0), "V", ("Swift2021",), "sourced")
    assert table(0.25) == pytest.approx(1.5)
    assert isinstance(table(0.25), float)
    np.testing.assert_allclose(table(np.array([0.0, 0.75, 1.0])), [1.0, 3.0, 4.0])
    lco = load_material("LiCoO2").tables["open_circuit_potential_V"]
    assert lco(0.65) == pytest.approx((4.058 + 3.960) / 2)
    with pytest.raises(ValueError, match=r"outside the tabulated range \[0.51, 1.0\]"):
        lco(0.3)
    with pytest.raises(ValueError, match="outside"):
        lco(np.array([0.6, 1.2]))


@pytest.mark.parametrize(("theta", "value", "fragment"), [
    ([0.0, 0.5, 0.4], [1, 2, 3], "strictly increasing"),
    ([0.0, 1.5], [1, 2], "in [0, 1]"),
    ([0.0, 0.5, 1.0], [1, 2], "as many values"),
    ([0.5], [1], "at least two"),
])
def test_invalid_tables(theta, value, fragment):
    data = {"name": "E", "kind": "insertion_electrode", "description": "",
            "tables": {"open_circuit_potential_V": {"theta": theta, "value": value, "unit": "V",
                                                    "status": "assumed", "reason": "t"}}}
    msg = error_of(material_from_dict, data, origin="t")
    assert "E.tables.open_circuit_potential_V" in msg and fragment in msg


def test_table_units_converted():
    data = {"name": "E", "kind": "insertion_electrode", "description": "",
            "tables": {"open_circuit_potential_V": {"theta": [0, 1], "value": [4000, 3000],
                                                    "unit": "mV", "status": "assumed",
                                                    "reason": "t"}}}
    table = material_from_dict(data, origin="t").tables["open_circuit_potential_V"]
    assert table.value == (4.0, 3.0) and table.unit == "V"


# --- bibliography and listing ----------------------------------------------------------------


def test_bibtex_entries():
    text = bibtex_entries(["Swift2021", "Raijmakers2020", "Swift2021"])
    assert text.index("@article{Swift2021,") < text.index("@article{Raijmakers2020,")
    assert text.count("@article{Swift2021,") == 1
    assert "10.1016/j.electacta.2019.135147" in text
    assert bibtex_entries([]) == ""
    msg = error_of(bibtex_entries, ["Swift2021", "Nobody1999"])
    assert "Nobody1999" in msg


def test_describe_materials():
    text = describe_materials()
    for name in REQUIRED:
        assert name in text
    assert "solid_electrolyte" in text and "insertion_electrode" in text
