"""Uncertain inputs (issue 16 item 1): a quantity or table may carry an uncertainty (std, range
or factor, with a source or a reason); every placeholder of the database carries one; a run
records the uncertain inputs it used."""

import json

import numpy as np
import pytest

from pnp_ssb.materials import database as matdb
from pnp_ssb.materials.format import uncertain_inputs
from pnp_ssb.materials.quantities import Uncertainty

# shared/data/literature.md, "Inputs with no primary source found": carried by the database
PLACEHOLDERS = [("Li", "work_function_eV", (2.4, 3.0)),
                ("LiPON", "neutrality_potential_vs_li_V", (1.0, 1.5)),
                ("LiCoO2", "tables.work_function_eV", (-0.3, 0.3)),
                ("LimSi", "tables.work_function_eV", (-0.75, 0.75))]


def test_every_placeholder_of_the_database_carries_an_uncertainty():
    missing = []
    for name in matdb.available_materials():
        m = matdb.load_material(name)
        carried = {path for path, _ in uncertain_inputs(m)}
        everything = [(k, q) for k, q in m.parameters.items()]
        everything += [(f"species.{s}.{f}", getattr(sp, f)) for s, sp in m.species.items()
                       for f in ("site_density_m3", "bulk_concentration_m3", "diffusivity_m2_s")]
        everything += [(f"tables.{k}", t) for k, t in m.tables.items()]
        missing += [f"{name}.{path}" for path, q in everything
                    if q.status in ("assumed", "unverified") and path not in carried]
    assert not missing, missing
    for name, path, (low, high) in PLACEHOLDERS:
        spread = dict(uncertain_inputs(matdb.load_material(name)))[path].uncertainty
        assert spread is not None and (spread.low, spread.high) == (low, high), name


def material(uncertainty, value=1e24, unit="cm^-3") -> dict:
    return {"name": "u", "kind": "solid_electrolyte", "description": "test",
            "parameters": {"relative_permittivity": 10.0,
                           "trap_density_m3": {"value": value, "unit": unit, "status": "assumed",
                                               "reason": "test", "uncertainty": uncertainty}},
            "species": {"a": {"charge": 1, "li_stoichiometry": 1, "statistics": "boltzmann",
                              "mobility_exponent": 0, "site_density_m3": 1e28,
                              "bulk_concentration_m3": 1e25, "diffusivity_m2_s": 1e-14}}}


def test_an_uncertainty_is_in_its_quantity_s_unit():
    m = matdb.material_from_dict(material({"range": [0.5e24, 2e24], "reason": "x"}), origin="t")
    q = m.parameters["trap_density_m3"]
    assert (q.value, q.uncertainty.low, q.uncertainty.high) == pytest.approx((1e30, 5e29, 2e30))
    m = matdb.material_from_dict(material({"std": 1e23, "source": "Swift2021"}), origin="t")
    assert m.parameters["trap_density_m3"].uncertainty.std == pytest.approx(1e29)


@pytest.mark.parametrize("spec, message", [
    ({"std": 1.0, "range": [0, 2], "reason": "x"}, "exactly one of std, range, factor"),
    ({"range": [2e24, 3e24], "reason": "x"}, "a range that holds the value"),
    ({"factor": 1.0, "reason": "x"}, "a finite number > 1"),
    ({"std": 1e23}, "a source or a non-empty reason"),
    ({"std": 1e23, "source": "NoSuchKey"}, "a key of references.bib"),
    ({"sigma": 1e23, "reason": "x"}, "no such field; an uncertainty has"),
])
def test_bad_uncertainties_name_the_field(spec, message):
    with pytest.raises(matdb.MaterialError) as info:
        matdb.material_from_dict(material(spec), origin="t")
    assert "parameters.trap_density_m3.uncertainty" in str(info.value)
    assert message in str(info.value)


def test_a_table_s_uncertainty_is_a_shift():
    data = material({"std": 1e23, "reason": "x"})
    data["tables"] = {"work_function_eV": {"theta": [0, 1], "value": [5.0, 5.0], "unit": "eV",
                                           "status": "assumed", "reason": "t",
                                           "uncertainty": {"factor": 2.0, "reason": "x"}}}
    with pytest.raises(matdb.MaterialError, match="a shift of the whole curve"):
        matdb.material_from_dict(data, origin="t")


@pytest.mark.parametrize("spread, value", [
    (Uncertainty("normal", std=0.3), 1.0),
    (Uncertainty("uniform", low=2.4, high=3.0), 2.49),
    (Uncertainty("lognormal", factor=3.0), 2.0),
])
def test_standard_deviations_match_sampling(spread, value):
    """sigma against 2e6 samples of the distribution (its sampling error ~1e-3; lognormal's
    heavy tail ~5e-3)."""
    rng = np.random.default_rng(1)
    if spread.distribution == "normal":
        samples = rng.normal(value, spread.std, 2_000_000)
    elif spread.distribution == "uniform":
        samples = rng.uniform(spread.low, spread.high, 2_000_000)
    else:
        samples = value * np.exp(rng.normal(0.0, np.log(spread.factor), 2_000_000))
    assert spread.standard_deviation(value) == pytest.approx(np.std(samples), rel=2e-2)


def test_a_run_records_its_uncertain_inputs_and_its_resolved_case_keeps_them(tmp_path):
    from pathlib import Path

    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.registry import run_case

    case = Path(__file__).resolve().parents[2] / "cases" / "lco_lipon.toml"
    run_case(load_case(case, ["output.figures=false", 'output.fields="none"']), tmp_path)
    record = json.loads((tmp_path / "uncertain_inputs.json").read_text())["inputs"]
    by_input = {(r["material"], r["input"]): r for r in record}
    phi0 = by_input[("LiPON", "neutrality_potential_vs_li_V")]
    assert (phi0["value"], phi0["low"], phi0["high"]) == (1.24, 1.0, 1.5)
    assert phi0["standard_deviation"] == pytest.approx(0.5 / np.sqrt(12))
    assert by_input[("LiCoO2", "tables.work_function_eV")]["table_shift"] is True
    names = json.loads((tmp_path / "summary.json").read_text())["uncertain_inputs"]
    assert len(names) == len(record) and any("LiPON.neutrality" in n for n in names)
    again = load_case(tmp_path / "case.resolved.toml")
    lipon = next(m for m in again.region_materials.values() if m.name.startswith("lipon"))
    assert lipon.parameters["neutrality_potential_vs_li_V"].uncertainty.high == 1.5
