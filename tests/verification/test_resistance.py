"""Interface resistances: space charge from the conductivity profile, charge transfer, DC slopes.

The depleted Gouy–Chapman layer with one mobile carrier (the cation; the anion is immobile) has
sigma(x) = sigma_b exp(-e phi(x)/kT) on the exact GC potential, so
R_scl = int (1/sigma - 1/sigma_b) dx = (2 lambda/sigma_b)(exp(e dphi/2kT) - 1); the default mesh
resolves the integrand to well within the issue's 2%.
"""

import copy
import math

import pytest

from pnp_ssb import analytic
from pnp_ssb.constants import thermal_voltage_V
from pnp_ssb.studies.resistance import (
    OHM_M2_TO_OHM_CM2,
    bulk_conductivity_S_m,
    dc_resistances,
    space_charge_resistance_ohm_m2,
)
from tests.conftest import BINARY, electrolyte_case

T, C, EPS = 300.0, 1e25, 20.0


@pytest.mark.parametrize("dphi", [0.05, 0.15, 0.3])
def test_depleted_gouy_chapman_layer(solve, dphi):
    species = copy.deepcopy(BINARY)
    species["anion"]["diffusivity_m2_s"] = 1e-30  # immobile: only the cation conducts
    sol = solve(electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": dphi},
                                 right={"type": "reservoir"}, species=species))
    region = sol.model.region("electrolyte")
    sigma_b = bulk_conductivity_S_m(region, sol.model)
    lam = analytic.gouy_chapman_debye_length_m(C, EPS, T)
    exact = 2 * lam / sigma_b * (math.exp(dphi / (2 * thermal_voltage_V(T))) - 1)
    r_scl = space_charge_resistance_ohm_m2(sol.profile, sol.model, "electrolyte", True)
    assert r_scl == pytest.approx(exact, rel=2e-2)


def test_dc_resistances_of_a_li_cell():
    """Li | single-carrier electrolyte | Li at open circuit: each interface's DC slope is R_ct
    (no space charge: phi0 = 0), the bulk is L/sigma, and the total is their sum."""
    from pnp_ssb.preflight import load_case
    from tests.verification.test_butler_volmer import CARRIER, L, bulk_resistance_ohm_m2

    data = {"name": "li_cell", "temperature_K": T, "study": {"type": "steady_state"},
            "regions": [{"name": "li_a", "material": "Li", "thickness_m": 20e-9},
                        {"name": "se", "material": "se", "thickness_m": L},
                        {"name": "li_b", "material": "Li", "thickness_m": 20e-9}],
            "materials": {"se": {"kind": "solid_electrolyte", "description": "single carrier",
                                 "parameters": {"relative_permittivity": EPS,
                                                "neutrality_potential_vs_li_V": 0.0},
                                 "species": CARRIER}},
            "boundaries": {"left": {"type": "terminal"}, "right": {"type": "terminal"}},
            "interfaces": {"li_a|se": {"kinetics": {"exchange_current_density_A_m2": 1.0}},
                           "se|li_b": {"kinetics": {"exchange_current_density_A_m2": 2.0}}},
            "output": {"figures": False, "fields": "none"}}
    res = dc_resistances(load_case(data))
    r_ct = {k: analytic.charge_transfer_resistance_ohm_m2(i0, 0.5, 0.5, T) * OHM_M2_TO_OHM_CM2
            for k, i0 in (("li_a|se", 1.0), ("se|li_b", 2.0))}
    for key, expected in r_ct.items():
        assert res.per_interface[key]["charge_transfer_ohm_cm2"] == pytest.approx(expected,
                                                                                  rel=1e-9)
        assert res.per_interface[key]["dc_slope_ohm_cm2"] == pytest.approx(expected, rel=1e-2)
        assert abs(res.per_interface[key]["space_charge_ohm_cm2"]) < 1e-6 * expected
    r_b = bulk_resistance_ohm_m2() * OHM_M2_TO_OHM_CM2
    assert res.electrolyte_bulk_ohm_cm2 == pytest.approx(r_b, rel=1e-2)
    assert res.total_ohm_cm2 == pytest.approx(r_b + sum(r_ct.values()), rel=1e-2)
