"""Cells at equilibrium: conductors fixed by Li equilibrium, contacts, compact layers, sweeps.

Tolerances: quantities set by the alignment rules (Fermi levels, conductor potentials, OCVs)
are exact up to round-off (1e-12 V); space-charge quantities carry the default mesh error
(~1e-3 relative, as in test_gouy_chapman.py); the Li balance is converged to 1e-13 in theta.
"""

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from pnp_ssb import analytic
from pnp_ssb.constants import ELEMENTARY_CHARGE_C, VACUUM_PERMITTIVITY_F_M
from pnp_ssb.input.tomlio import read_toml
from pnp_ssb.physics import electrodes
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.steady import contact_charge_by_conductor, solve_case
from pnp_ssb.studies.sweep import run_sweep, state_dirname
from tests.conftest import BINARY, electrolyte_material

CASES = Path(__file__).resolve().parents[2] / "cases"
E_PER_NM2 = ELEMENTARY_CHARGE_C / 1e-18
QUIET = ["output.figures=false", 'output.fields="none"']
CASE_LI_THICKNESS_M = 20e-9  # the left Li layer of cases/li_llzo_li.toml


def test_li_llzo_li_reproduces_swift_2021():
    """Li metal as a region: each contact carries -phi0 and the published surface charge."""
    sol = solve_case(load_case(CASES / "li_llzo_li.toml", QUIET))
    for key in ("li_left|llzo", "llzo|li_right"):
        (side,) = sol.layers[key]
        assert side.drop_V == pytest.approx(-1.6216, abs=1e-3)
        sigma = sol.electrode_charge_C_m2[key] / E_PER_NM2
        assert sigma == pytest.approx(-5.327, rel=5e-3)
    assert sol.model.cell.terminal_voltages_V() == {"li_left": 0.0, "li_right": 0.0}
    # docs/notes/swift2021_model.md: the exact first-integral solution of their model gives
    # phi(x1 = 1.627 nm) = 1.5841 V, phi(0.8826 nm) = 1.24 V and C = |sigma/phi_b| = 52.63 uF/cm^2
    # (the default mesh: ~1e-3 V and 1e-3 relative)
    x0 = CASE_LI_THICKNESS_M

    def phi(x):
        return float(sol.phi_V([x0 + x], "llzo")[0] - sol.phi_V([x0], "llzo")[0])

    assert phi(1.627e-9) == pytest.approx(1.5841, abs=1e-3)
    assert phi(0.8826e-9) == pytest.approx(1.24, abs=1e-3)
    capacitance_uF_cm2 = abs(sol.electrode_charge_C_m2["li_left|llzo"] / 1.6216) * 100
    assert capacitance_uF_cm2 == pytest.approx(52.63, rel=2e-3)


def metal_gap_electrolyte(gap_m: float | None, drop_V: float, dipole_V: float = 0.0) -> dict:
    """Pt | optional dielectric gap (eps 6) | 1:1 electrolyte | reservoir, the Pt terminal set
    so that phi(Pt) - phi(bulk) = drop_V (the electrolyte's bulk is at 0 on the Li scale)."""
    phi_li = electrodes.reference_work_function_eV()
    phi_pt = load_case(CASES / "fuller_si_lipon_lco.toml").region_materials["pt"].parameter(
        "work_function_eV")
    regions = [{"name": "pt", "material": "Pt", "thickness_m": 20e-9}]
    if gap_m is not None:
        regions.append({"name": "gap", "material": "gap", "thickness_m": gap_m})
    regions.append({"name": "se", "material": "se", "thickness_m": 200e-9})
    return {
        "name": "stern", "temperature_K": 300.0,
        "regions": regions,
        "materials": {"se": electrolyte_material(BINARY, 20.0),
                      "gap": {"kind": "dielectric", "description": "compact layer",
                              "parameters": {"relative_permittivity": 6.0}}},
        "boundaries": {"left": {"type": "terminal", "voltage_V": drop_V + phi_pt - phi_li},
                       "right": {"type": "reservoir"}},
        "interfaces": ({f"pt|{regions[1]['name']}": {"dipole_V": dipole_V}} if dipole_V else {}),
        "output": {"figures": False, "fields": "none"},
    }


@pytest.mark.parametrize("gap_m", [0.2e-9, 0.5e-9, 1.0e-9])
def test_compact_layer_against_gouy_chapman_stern(solve, gap_m):
    """A dielectric gap is the Stern layer: the diffuse drop and the charge follow GCS, and the
    metal's potential relative to the bulk does not depend on the gap (zero current)."""
    sol = solve(metal_gap_electrolyte(gap_m, 0.3))
    contact = sol.electrode_charge_C_m2["pt|gap"]
    exact = analytic.stern_gouy_chapman(0.3, VACUUM_PERMITTIVITY_F_M * 6.0 / gap_m, 1e25, 20.0, 300.0)
    (diffuse,) = sol.layers["gap|se"]
    assert diffuse.drop_V == pytest.approx(exact.phi_diffuse_V, rel=2e-3)
    assert contact == pytest.approx(exact.surface_charge_C_m2, rel=2e-3)
    phi_metal = sol.profile.segment("pt").psi[0] * sol.profile.thermal_voltage_V
    bulk = sol.model.region("se").bulk_potential * sol.profile.thermal_voltage_V
    assert phi_metal - bulk == pytest.approx(0.3, abs=1e-12)


def test_dipole_step_shifts_the_diffuse_layer(solve):
    """A contact dipole d adds to the conductor's potential on the electrolyte side."""
    plain = solve(metal_gap_electrolyte(None, 0.1))
    stepped = solve(metal_gap_electrolyte(None, 0.1, dipole_V=0.05))
    assert plain.layers["pt|se"][0].drop_V == pytest.approx(0.1, abs=1e-12)
    assert stepped.layers["pt|se"][0].drop_V == pytest.approx(0.15, abs=1e-12)
    sigma = analytic.gouy_chapman_surface_charge_C_m2(0.15, 1e25, 20.0, 300.0)
    assert stepped.electrode_charge_C_m2["pt|se"] == pytest.approx(sigma, rel=2e-3)


def lco_llzo(theta: float, thickness_m: float = 50e-9) -> dict:
    return {"name": "lco_llzo", "temperature_K": 300.0,
            "regions": [{"name": "lco", "material": "LiCoO2", "thickness_m": thickness_m,
                         "li_fraction": theta},
                        {"name": "llzo", "material": "LLZO", "thickness_m": 50e-9}],
            "boundaries": {"right": {"type": "reservoir"}},
            "output": {"figures": False, "fields": "none"}}


def test_electrode_alignment_and_li_balance(solve):
    """At equilibrium the electrode's Fermi level is U(theta) on the mu~_Li+ = 0 scale
    (mu_Li = mu~_Li+ + mu~_e), its potential is V - (Phi - Phi_Li)/e, and the Li that the
    space charge took is missing from the electrode: theta = theta0 + sigma/(e N L)."""
    sol = solve(lco_llzo(0.6))
    cell = sol.model.cell
    lco = sol.case.region_materials["lco"]
    theta = cell.li_fraction["lco"]
    assert cell.fermi_voltage_V["lco"] == pytest.approx(
        float(lco.tables["open_circuit_potential_V"](theta)), abs=1e-12)
    phi = sol.profile.segment("lco").psi * sol.profile.thermal_voltage_V
    expected = (cell.fermi_voltage_V["lco"] - lco.tables["work_function_eV"](theta)
                + cell.reference_work_function_eV)
    assert np.allclose(phi, expected, atol=1e-12, rtol=0)
    sites = electrodes.li_sites_per_m2(sol.case, "lco")
    sigma = contact_charge_by_conductor(sol)["lco"]
    assert theta == pytest.approx(0.6 + sigma / ELEMENTARY_CHARGE_C / sites, abs=1e-12)
    # the Li given to the electrolyte is its space charge: electrode + electrolyte neutral
    assert sigma + sol.space_charge_C_m2["llzo"] == pytest.approx(0.0, abs=1e-9 * abs(sigma))


def test_fuller_sweep_conserves_li_in_every_state(tmp_path):
    """Every state of the Fuller sweep holds the same Li (electrodes + LiPON, 1e-10 relative:
    the lumped amount of the solve, whose amount constraint holds to round-off), the electrodes
    the case's as assembled, and sweep.csv and each state's summary.json report it."""
    case = load_case(CASES / "fuller_si_lipon_lco.toml", QUIET)
    run_sweep(case, tmp_path)
    with open(tmp_path / "sweep.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assembled = electrodes.li_inventory_mol_m2(
        case, {r.name: r.li_fraction for r in case.regions if r.li_fraction is not None})
    total = [float(r["li_inventory_mol_m2"]) for r in rows]
    assert len(rows) == len(case.study.ocv_V) and {r["regime"] for r in rows} == {
        "equilibrium", "anode Li-free"}
    assert max(total) - min(total) < 1e-10 * total[0]
    for r in rows:
        assert float(r["li_electrodes_mol_m2"]) == pytest.approx(assembled, rel=1e-12)
        assert float(r["li_electrolytes_mol_m2"]) > 0
    state = json.loads((tmp_path / state_dirname(3.75) / "summary.json").read_text())
    assert state["cell"]["li_balance"]["inventory_mol_m2"] == pytest.approx(total[0], rel=1e-10)


def test_fuller_sweep_states_and_collector_potentials():
    """OCV sweep of the Fuller cell: each state's compositions give the target OCV from the
    OCV tables, the Li inventory is conserved, and the potential difference between the
    current collectors changes exactly by the OCV difference (their work functions are fixed)."""
    case = load_case(CASES / "fuller_si_lipon_lco.toml", QUIET)
    mats = case.region_materials
    inventory = electrodes.li_inventory_mol_m2(case, {"lco": 1.0, "si": 0.0})
    collector_gap = {}
    for ocv in (3.0, 3.75, 4.0):
        state = electrodes.state_for_ocv(case, ocv)
        u_c = mats["lco"].tables["open_circuit_potential_V"](state.li_fraction["lco"])
        u_a = mats["si"].tables["open_circuit_potential_V"](state.li_fraction["si"])
        assert u_c - u_a == pytest.approx(ocv, abs=1e-10)
        assert electrodes.li_inventory_mol_m2(case, state.li_fraction) == pytest.approx(
            inventory, rel=1e-12)
        sol = solve_case(case, state=state)
        vt = sol.profile.thermal_voltage_V
        collector_gap[ocv] = (sol.profile.segment("pt").psi[0]
                              - sol.profile.segment("cu").psi[0]) * vt
        assert sol.model.cell.terminal_voltages_V()["si_base"] == pytest.approx(ocv, abs=1e-12)
    assert collector_gap[4.0] - collector_gap[3.0] == pytest.approx(1.0, abs=1e-12)
    assert collector_gap[3.75] - collector_gap[3.0] == pytest.approx(0.75, abs=1e-12)


def test_li_free_anode_is_held_at_the_cell_voltage():
    case = load_case(CASES / "fuller_si_lipon_lco.toml", QUIET)
    state = electrodes.state_for_ocv(case, 1.0)
    assert state.regime == "anode Li-free"
    assert state.li_fraction == {"si": 0.0, "lco": 1.0}
    sol = solve_case(case, state=state)
    assert sol.model.cell.terminal_voltages_V()["si_base"] == pytest.approx(1.0, abs=1e-12)


def test_current_control_inverts_voltage_control():
    """Li | LLZO | Li: the current at 300 mV, imposed as a current, gives back 300 mV."""
    biased = solve_case(load_case(CASES / "li_llzo_li_bias.toml", QUIET))
    i = biased.kinetics[0].current_density_A_m2
    # Li+ is plated on the left electrode (held lower): the current into the electrolyte there < 0
    assert i < 0
    assert biased.kinetics[1].current_density_A_m2 == pytest.approx(-i, rel=1e-9)
    data = read_toml(CASES / "li_llzo_li_bias.toml")
    del data["boundaries"]["right"]["voltage_V"]
    data["study"]["current_density_A_m2"] = i
    controlled = solve_case(load_case(data, QUIET))
    assert controlled.current_control.voltage_V == pytest.approx(0.3, abs=1e-8)
    split = controlled.kinetics
    assert split[0].current_density_A_m2 == pytest.approx(i, rel=1e-8)


def test_zero_current_steady_state_satisfies_the_li_identity():
    """At zero bias the full steady-state system (Butler–Volmer at both contacts, both defects
    transported) settles where mu_Li = mu~_Li+ + mu~_e at every contact: eta = 0 and no
    current, to solver tolerance, and the profile is the equilibrium one."""
    steady = solve_case(load_case(CASES / "li_llzo_li_bias.toml",
                                  [*QUIET, "boundaries.right.voltage_V=0.0"]))
    for kin in steady.kinetics:
        for eta in kin.channel_overpotential_V.values():
            assert abs(eta) < 1e-9
        assert abs(kin.current_density_A_m2) < 1e-6
    equilibrium = solve_case(load_case(CASES / "li_llzo_li.toml", QUIET))
    a = steady.profile.segment("llzo").psi
    b = equilibrium.profile.segment("llzo").psi
    assert np.max(np.abs(a - b)) < 1e-8
