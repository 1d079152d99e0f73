"""Bulk and interface from the same formation energies: an electrolyte given by its defect
chemistry, against a blocking electrode at the Li potential (as in test_swift_llzo.py).

In equilibrium mu~_Li+ and E_F are uniform, so at a point where the potential is phi the
bands sit e(phi - phi_b) lower and E_F - E_v = E_F,bulk + e(phi - phi_b). Each mobile defect of
the PNP solution must then equal py-sc-fermi's concentration of its charge state at that local
Fermi level, at every node and in the bulk; the bulk sits at the derived phi0, so the drop to
the electrode is -phi0. Tolerance: the nodal values are exact in the model's variables (an
equilibrium state has w uniform to Newton's 1e-9 kT), so 1e-7 relative; the drop to 1e-6 V.
"""

import numpy as np
import pytest

from pnp_ssb.materials import database as matdb
from pnp_ssb.materials.defect_equilibrium import defect_concentrations_m3
from tests.materials.defect_materials import (
    FRENKEL,
    FRENKEL_SPECIES,
    defect,
    defect_material,
    state,
)

T = 300.0
# a frozen donor (1e24 m^-3) beside the Frenkel pair gives the bulk a background charge
DEFECTS = {**FRENKEL, "D": defect(1, 0, state(1, 0.0), frozen_m3=1e24)}
# E_F ~ 4.0 eV in the 5 eV gap: this affinity puts phi0 near 0.15 V, a drop that keeps the
# accumulated Li_i (x ~300) dilute on its sites, where Boltzmann statistics hold
AFFINITY_EV = matdb.load_material("Li").parameter("work_function_eV") - 1.15


def defect_case() -> dict:
    return {
        "name": "defect_space_charge", "temperature_K": T, "study": {"type": "equilibrium"},
        "regions": [{"name": "se", "material": "se_defects", "thickness_m": 40e-9}],
        "materials": {"se_defects": defect_material(DEFECTS, FRENKEL_SPECIES,
                                                      affinity_eV=AFFINITY_EV)},
        "boundaries": {"left": {"type": "blocking", "potential_V": 0.0},
                       "right": {"type": "reservoir"}},
        "output": {"figures": False, "fields": "none"},
    }


def test_space_charge_defects_follow_the_local_fermi_level(solve):
    from pnp_ssb.preflight import load_case

    case = load_case(defect_case())
    material = case.region_materials["se"]
    eq = matdb.defect_bulk_equilibrium(material, T)
    sol = solve(defect_case())
    assert sol.converged
    seg = sol.profile.segment("se")
    phi = seg.psi * sol.profile.thermal_voltage_V
    assert phi[-1] == pytest.approx(eq.neutrality_potential_V, abs=1e-6)
    assert sol.layers["left"][0].drop_V == pytest.approx(-eq.neutrality_potential_V, abs=1e-6)
    local = defect_concentrations_m3(material, eq.fermi_level_eV + (phi - phi[-1]), T)
    for name, key in (("Li_i", ("Li_i", 1)), ("V_Li", ("V_Li", -1))):
        assert np.allclose(seg.c_m3[name], local[key], rtol=1e-7, atol=0), name
    # the layer is a real one: the electrode depletes the donor-compensating vacancies
    assert seg.c_m3["V_Li"][0] < 1e-2 * seg.c_m3["V_Li"][-1]
