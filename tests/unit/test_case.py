"""Bad input: one clear error per class of mistake, naming the field, the value and the expectation."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pnp_ssb.case import CaseError, load_case
from tests.conftest import electrolyte_case

ROOT = Path(__file__).resolve().parents[2]


def base() -> dict:
    return electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": 0.1},
                            right={"type": "reservoir"})


def error_of(data: dict, overrides=()) -> str:
    with pytest.raises(CaseError) as info:
        load_case(data, overrides)
    return str(info.value)


def test_valid_case_loads():
    case = load_case(base())
    assert case.regions[0].thickness_m == 200e-9


def test_missing_field():
    data = base()
    del data["regions"][0]["thickness_m"]
    msg = error_of(data)
    assert "regions[0].thickness_m" in msg and "missing" in msg


def test_wrong_type():
    data = base()
    data["temperature_K"] = "hot"
    msg = error_of(data)
    assert "temperature_K" in msg and "'hot'" in msg and "number" in msg


def test_negative_thickness():
    msg = error_of(base(), ["regions.0.thickness_m=-1e-9"])
    assert "regions[0].thickness_m" in msg and "-1e-09" in msg and "greater than 0" in msg


def test_unknown_material():
    msg = error_of(base(), ['regions.0.material="Unobtainium"'])
    assert "regions[0].material" in msg and "Unobtainium" in msg and "LLZO" in msg


def test_unknown_species_in_reservoir():
    msg = error_of(base(), ['boundaries.right.species=["Li_x"]'])
    assert "boundaries.right.species" in msg and "Li_x" in msg and "cation" in msg


def test_unknown_species_in_override():
    data = base()
    data["regions"][0]["overrides"] = {"species.Li_x.diffusivity_m2_s": 1e-12}
    msg = error_of(data)
    assert "regions[0]" in msg and "Li_x" in msg


def test_impossible_unit():
    data = base()
    data["materials"]["se"]["parameters"]["relative_permittivity"] = {"value": 20, "unit": "eV",
                                                                       "status": "assumed",
                                                                       "reason": "test"}
    msg = error_of(data)
    assert "relative_permittivity" in msg and "eV" in msg


def test_unknown_field_and_bad_choice():
    data = base()
    data["solver"] = {"linear_solver": "magic"}
    msg = error_of(data)
    assert "solver.linear_solver" in msg and "magic" in msg and "mumps" in msg
    data = base()
    data["mesh"] = {"growth": 1.2}
    assert "mesh.growth" in error_of(data)


def test_blocking_needs_potential_and_reservoir_at_bulk_in_equilibrium():
    data = base()
    data["boundaries"]["left"] = {"type": "blocking"}
    assert "boundaries.left" in error_of(data)
    msg = error_of(base(), ["boundaries.right.potential_vs_bulk_V=0.2"])
    assert "steady_state" in msg


def test_closed_steady_state_is_refused():
    data = electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": 0.1},
                            right={"type": "blocking", "potential_vs_bulk_V": 0.0},
                            study="steady_state")
    assert "reservoir" in error_of(data)


def test_set_override_paths():
    case = load_case(base(), ["boundaries.left.potential_vs_bulk_V=0.25", "mesh.refine=1"])
    assert case.boundaries["left"].potential_vs_bulk_V == 0.25
    assert case.mesh.refine == 1
    assert "index" in error_of(base(), ["regions.3.thickness_m=1e-9"])


def test_cli_check_and_schema(tmp_path):
    exe = [sys.executable, "-m", "pnp_ssb.cli"]
    ok = subprocess.run([*exe, "check", str(ROOT / "cases/gouy_chapman.toml")],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([*exe, "check", str(ROOT / "cases/gouy_chapman.toml"),
                          "--set", "regions.0.thickness_m=-1"], capture_output=True, text=True)
    assert bad.returncode == 2 and "regions[0].thickness_m" in bad.stderr
    schema = subprocess.run([*exe, "schema"], capture_output=True, text=True, check=True)
    assert "thickness_m" in json.loads(schema.stdout)["$defs"]["RegionSpec"]["properties"]
