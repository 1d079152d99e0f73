"""Bad input: one clear error per class of mistake, naming the field, the value and the expectation."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pnp_ssb.input.case import CaseError
from pnp_ssb.preflight import load_case
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


def test_closed_steady_state_is_accepted():
    """Two blocking walls: each species' amount is conserved (canonical), so the state is
    determined (tests/verification/test_closed_cell.py solves it)."""
    data = electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": 0.1},
                            right={"type": "blocking", "potential_vs_bulk_V": 0.0},
                            study="steady_state")
    assert load_case(data).study.type == "steady_state"


def test_set_override_paths():
    case = load_case(base(), ["boundaries.left.potential_vs_bulk_V=0.25", "mesh.refine=1"])
    assert case.boundaries["left"].potential_vs_bulk_V == 0.25
    assert case.mesh.refine == 1
    assert "index" in error_of(base(), ["regions.3.thickness_m=1e-9"])


def test_cli_check_and_schema(tmp_path):
    exe = [sys.executable, "-m", "pnp_ssb.apps.cli"]
    ok = subprocess.run([*exe, "check", str(ROOT / "cases/gouy_chapman.toml")],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([*exe, "check", str(ROOT / "cases/gouy_chapman.toml"),
                          "--set", "regions.0.thickness_m=-1"], capture_output=True, text=True)
    assert bad.returncode == 2 and "regions[0].thickness_m" in bad.stderr
    schema = subprocess.run([*exe, "schema"], capture_output=True, text=True, check=True)
    assert "thickness_m" in json.loads(schema.stdout)["$defs"]["RegionSpec"]["properties"]


# --- cells: conductors, compositions, states of charge ---------------------------------------

FULLER = ROOT / "cases" / "fuller_si_lipon_lco.toml"


def fuller(overrides=()) -> str:
    with pytest.raises(CaseError) as info:
        load_case(FULLER, overrides)
    return str(info.value)


def test_ocv_outside_the_curves_range():
    msg = fuller(["study.ocv_V=[3.0, 4.5]"])
    assert "study.ocv_V[1] = 4.5" in msg and "at most" in msg


def test_insertion_electrode_needs_li_fraction():
    data = {"name": "x", "regions": [{"name": "lco", "material": "LiCoO2", "thickness_m": 5e-8},
                                     {"name": "llzo", "material": "LLZO", "thickness_m": 5e-8}],
            "boundaries": {"right": {"type": "reservoir"}}}
    msg = error_of(data)
    assert "regions[0].li_fraction: missing" in msg


def test_li_fraction_outside_the_ocv_table():
    msg = fuller(["regions.2.li_fraction=0.3"])
    assert "regions[2].li_fraction = 0.3" in msg and "0.51 to 1.0" in msg


def test_li_fraction_only_for_insertion_electrodes():
    msg = fuller(["regions.3.li_fraction=0.5"])
    assert "regions[3].li_fraction = 0.5" in msg and "solid_electrolyte" in msg


def test_inconsistent_compositions_of_connected_electrodes():
    data = {"name": "x",
            "regions": [{"name": "se1", "material": "LLZO", "thickness_m": 5e-8},
                        {"name": "li", "material": "Li", "thickness_m": 5e-8},
                        {"name": "lco", "material": "LiCoO2", "thickness_m": 5e-8,
                         "li_fraction": 0.7},
                        {"name": "se2", "material": "LLZO", "thickness_m": 5e-8}],
            "boundaries": {"left": {"type": "reservoir"}, "right": {"type": "reservoir"}}}
    msg = error_of(data)
    assert "inconsistent compositions" in msg and "li at 0 V" in msg and "lco at 3.96 V" in msg


def test_blocking_metal_needs_a_terminal_voltage():
    data = {"name": "x", "regions": [{"name": "pt", "material": "Pt", "thickness_m": 5e-8},
                                     {"name": "llzo", "material": "LLZO", "thickness_m": 5e-8}],
            "boundaries": {"right": {"type": "reservoir"}}}
    msg = error_of(data)
    assert "boundaries.left.voltage_V" in msg
    assert load_case({**data, "boundaries": {"left": {"type": "terminal", "voltage_V": 0.5},
                                             "right": {"type": "reservoir"}}})


def test_terminal_only_on_conductors_and_dipoles_only_at_contacts():
    data = base()
    data["boundaries"]["left"] = {"type": "terminal", "voltage_V": 0.1}
    assert "boundaries.left.type = 'terminal'" in error_of(data)
    msg = fuller(['interfaces."lco|lipon".dipole_V=0.2', 'interfaces."pt|lco".dipole_V=0.1'])
    assert "interfaces.pt|lco.dipole_V = 0.1" in msg


def test_ocv_sweep_needs_voltages_and_two_electrodes():
    assert "ocv_V is required" in fuller(["study.type=\"equilibrium\""])
    data = base()
    data["study"] = {"type": "ocv_sweep", "ocv_V": [1.0]}
    assert "needs two electrodes" in error_of(data)


def test_current_control_needs_a_free_terminal_and_kinetics():
    bias = ROOT / "cases" / "li_llzo_li_bias.toml"
    with pytest.raises(CaseError) as info:
        load_case(bias, ["study.current_density_A_m2=10.0"])
    assert "boundaries.right.voltage_V = 0.3" in str(info.value)
    from pnp_ssb.input.tomlio import read_toml

    data = read_toml(bias)
    del data["interfaces"]["llzo|li_right"]
    msg = error_of(data)
    assert 'interfaces."llzo|li_right".kinetics.exchange_current_density_A_m2: missing' in msg


def test_electronic_carriers_need_band_data_and_a_fermi_level():
    data = base()
    data["regions"][0]["electronic"] = "extrinsic"
    assert "regions[0].li_potential_V: missing" in error_of(data)
    data["regions"][0]["li_potential_V"] = 0.5
    assert "parameters.electron_affinity_eV missing" in error_of(data)
    from tests.verification.test_electronic import band_material

    data["materials"]["se"] = band_material()
    assert load_case(data)
    data["regions"][0]["electronic"] = "graded"
    assert "regions[0].electronic = 'graded'" in error_of(data)  # equilibrium study


def test_current_control_needs_electrodes_that_pass_current():
    """A transient under current control is accepted when both end electrodes pass current
    into the electrolyte (here electrons into a graded mixed conductor) and refused, naming the
    field, when one end blocks everything."""
    step = ["study = {type = 'transient', control = 'current', current_density_A_m2 = 0.1, "
            "end_time_s = 1.0}", "boundaries.right = {type = 'terminal'}"]
    load_case("cases/mixed_conductor_impedance.toml", step)
    with pytest.raises(CaseError, match=r"study\.current_density_A_m2 = 0\.1.*pass Li\+ or "
                                        r"electrons"):
        load_case("cases/mixed_conductor_impedance.toml", [*step, "regions.1.electronic = 'none'"])
