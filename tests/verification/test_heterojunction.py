"""Two electrolytes in contact: back-to-back Gouy–Chapman layers with continuous displacement.

With bulk potentials phi_A, phi_B (their neutrality potentials) the interface potential
phi_i solves sigma_A(phi_i - phi_A) + sigma_B(phi_i - phi_B) = 0 with the Gouy–Chapman charges
of each side (pnp_ssb.analytic.heterojunction_gouy_chapman).
"""

import numpy as np
import pytest

from pnp_ssb import analytic
from tests.conftest import BINARY, electrolyte_material

T = 300.0


def hetero_case(study: str = "equilibrium") -> dict:
    dilute = {n: {**s, "bulk_concentration_m3": 4e24} for n, s in BINARY.items()}
    return {
        "name": "hetero", "temperature_K": T, "study": {"type": study},
        "regions": [{"name": "a", "material": "se_a", "thickness_m": 150e-9},
                    {"name": "b", "material": "se_b", "thickness_m": 150e-9}],
        "materials": {"se_a": electrolyte_material(BINARY, 20.0, 0.0),
                      "se_b": electrolyte_material(dilute, 40.0, 0.2)},
        "boundaries": {"left": {"type": "reservoir"}, "right": {"type": "reservoir"}},
        "output": {"figures": False, "fields": "none"},
    }


@pytest.mark.parametrize("study", ["equilibrium", "steady_state"])
def test_heterojunction_layers(solve, study):
    sol = solve(hetero_case(study))
    ref = analytic.heterojunction_gouy_chapman(0.0, 1e25, 20.0, 0.2, 4e24, 40.0, T)
    x_i = 150e-9
    for name in ("a", "b"):
        seg = sol.profile.segment(name)
        phi = seg.psi * sol.profile.thermal_voltage_V
        exact = ref.potential_V(seg.x_m - x_i)
        assert np.max(np.abs(phi - exact)) / 0.2 < 1e-3, name
    hj = sol.layers["a|b"]
    assert hj[0].drop_V == pytest.approx(ref.phi_interface_V - 0.0, rel=1e-3)
    assert hj[1].drop_V == pytest.approx(ref.phi_interface_V - 0.2, rel=1e-3)
    total = sum(sol.space_charge_C_m2.values()) + sum(sol.electrode_charge_C_m2.values())
    assert abs(total) < 1e-9 * abs(ref.interface_charge_C_m2)
    assert sol.space_charge_C_m2["b"] == pytest.approx(ref.interface_charge_C_m2, rel=2e-3)
