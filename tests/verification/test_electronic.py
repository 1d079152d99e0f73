"""Electrons and holes in the electrolyte: extrinsic control and the graded limit.

Band placement (model.electronic_carriers): with Phi_Li from the database, phi0 = 0,
EA = Phi_Li - 0.19 eV and mu_Li = 0 (U_SE = 0), the conduction band sits 0.19 eV above the
Fermi level, so n_b = N_c exp(-0.19 eV/kT); the gap of 3 eV freezes the holes out.
Tolerances: the default mesh gives 2e-3 on surface charges (as in test_gouy_chapman.py); the
electronic leakage of the graded limit is Ohmic up to corrections of order V/(kT/e), 0.4% at
the 0.1 mV used, so we assert 1e-2.
"""

import math

import numpy as np
import pytest

from pnp_ssb import analytic
from pnp_ssb.constants import ELEMENTARY_CHARGE_C, thermal_voltage_V
from pnp_ssb.physics.electrodes import reference_work_function_eV
from tests.conftest import BINARY

T, EPS = 300.0, 20.0
N_C, N_V, GAP, OFFSET = 1e28, 1e28, 3.0, 0.19
D_E = 1e-9


def band_material() -> dict:
    return {"kind": "solid_electrolyte", "description": "binary electrolyte with band edges",
            "parameters": {"relative_permittivity": EPS,
                           "electron_affinity_eV": reference_work_function_eV() - OFFSET,
                           "band_gap_eV": GAP, "effective_dos_conduction_m3": N_C,
                           "effective_dos_valence_m3": N_V, "electron_diffusivity_m2_s": D_E,
                           "hole_diffusivity_m2_s": D_E},
            "species": BINARY}


def electron_density_m3() -> float:
    return N_C * math.exp(-OFFSET / thermal_voltage_V(T))


def test_extrinsic_electrons_screen_with_the_ions(solve):
    """Blocking wall at 0.2 V: the surface charge is that of the four Boltzmann carriers
    (both ions, electrons, holes) over the neutralising background (first integral)."""
    n_b = electron_density_m3()
    data = {"name": "extrinsic", "temperature_K": T,
            "regions": [{"name": "se", "material": "se", "thickness_m": 200e-9,
                         "electronic": "extrinsic", "li_potential_V": 0.0}],
            "materials": {"se": band_material()},
            "boundaries": {"left": {"type": "blocking", "potential_vs_bulk_V": 0.2},
                           "right": {"type": "reservoir"}},
            "output": {"figures": False, "fields": "none"}}
    sol = solve(data)
    seg = sol.profile.segment("se")
    assert seg.c_m3["electron"][-1] == pytest.approx(n_b, rel=1e-9)
    p_b = N_V * math.exp(-(GAP - OFFSET) / thermal_voltage_V(T))
    species = [analytic.SpeciesSpec(1, 1e25), analytic.SpeciesSpec(-1, 1e25),
               analytic.SpeciesSpec(-1, n_b), analytic.SpeciesSpec(1, p_b)]
    sigma = analytic.surface_charge_C_m2(0.2, species, EPS, T)
    assert sol.electrode_charge_C_m2["left"] == pytest.approx(sigma, rel=2e-3)
    without = analytic.surface_charge_C_m2(0.2, species[:2], EPS, T)
    assert abs(sigma / without - 1) > 0.1  # the electrons matter here


def test_graded_electrons_leak_ohmically(solve):
    """Li | electrolyte | reservoir under 0.1 mV: the electrons take the Li Fermi level at the
    contact and the bulk one at the reservoir, and carry sigma_e V / L through the layer."""
    n_b, length, volts = electron_density_m3(), 200e-9, 1e-4
    data = {"name": "graded", "temperature_K": T, "study": {"type": "steady_state"},
            "regions": [{"name": "li", "material": "Li", "thickness_m": 20e-9},
                        {"name": "se", "material": "se", "thickness_m": length,
                         "electronic": "graded", "li_potential_V": 0.0}],
            "materials": {"se": band_material()},
            "boundaries": {"left": {"type": "terminal", "voltage_V": volts},
                           "right": {"type": "reservoir"}},
            "interfaces": {"li|se": {"kinetics": {"exchange_current_density_A_m2": 1e-3}}},
            "output": {"figures": False, "fields": "none"}}
    sol = solve(data)
    sigma_e = ELEMENTARY_CHARGE_C * D_E * n_b / thermal_voltage_V(T)
    assert abs(sol.current_density_A_m2["li|se"]) == pytest.approx(sigma_e * volts / length,
                                                                    rel=1e-2)


def test_extrinsic_electrons_hold_li_equilibrium_under_current(solve):
    """Li | electrolyte | reservoir at 20 mV, extrinsic electrons: mu_Li = mu~_e + mu~_Li+ stays
    fixed, so n c_cation = n_b c_b at every node although mu~_Li+ varies along the current
    (the Boltzmann product; the profiles must take the electrons' w = -mu~_Li+/kT)."""
    data = {"name": "extrinsic_current", "temperature_K": T, "study": {"type": "steady_state"},
            "regions": [{"name": "li", "material": "Li", "thickness_m": 20e-9},
                        {"name": "se", "material": "se", "thickness_m": 200e-9,
                         "electronic": "extrinsic", "li_potential_V": 0.0}],
            "materials": {"se": band_material()},
            "boundaries": {"left": {"type": "terminal", "voltage_V": 0.02},
                           "right": {"type": "reservoir"}},
            "interfaces": {"li|se": {"kinetics": {"exchange_current_density_A_m2": 10.0}}},
            "output": {"figures": False, "fields": "none"}}
    sol = solve(data)
    seg = sol.profile.segment("se")
    assert max(abs(i) for i in sol.current_density_A_m2.values()) > 1.0
    assert np.ptp(seg.w["cation"]) > 0.1  # mu~_Li+ changes by > 0.1 kT across the layer
    product = seg.c_m3["electron"] * seg.c_m3["cation"]
    assert np.allclose(product, electron_density_m3() * 1e25, rtol=1e-9, atol=0)
