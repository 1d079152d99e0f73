"""The minimum-interface assumption (electronic = "minimum_interface"): mu_Li = -e U(x) slopes
through the electrolyte from its Li-rich stability limit at the anode side to its Li-poor limit
at the other, and the electrons and holes follow it at the local Fermi level.

Oracles: the band picture, n(x) = N_c exp((E_F(x) - E_c(x))/kT) with E_F(x) = -e U(x) and
E_c(x) = Phi_Li - e phi(x) - EA (eV, the model's reference), at every node; equal limits give
the extrinsic run at that U to round-off. In equilibrium the ions carry no w, so the nodal
values are exact: 1e-9 relative.
"""

import math

import numpy as np
import pytest

from pnp_ssb.constants import thermal_voltage_V
from pnp_ssb.physics.electrodes import reference_work_function_eV
from tests.verification.test_electronic import GAP, N_C, N_V, OFFSET, T, band_material

RICH, POOR, LENGTH = 0.0, 0.08, 200e-9


def sloped_case(rich: float = RICH, poor: float = POOR, anode_side: str = "left",
                study: str = "equilibrium") -> dict:
    material = band_material()
    material["parameters"] |= {"stability_limit_li_rich_V": rich,
                               "stability_limit_li_poor_V": poor}
    return {"name": "minimum_interface", "temperature_K": T, "study": {"type": study},
            "regions": [{"name": "se", "material": "se", "thickness_m": LENGTH,
                         "electronic": "minimum_interface", "anode_side": anode_side}],
            "materials": {"se": material},
            "boundaries": {"left": {"type": "blocking", "potential_vs_bulk_V": 0.05},
                           "right": {"type": "reservoir"}},
            "output": {"figures": False, "fields": "none"}}


@pytest.mark.parametrize("anode_side", ["left", "right"])
def test_carriers_sit_at_the_local_fermi_level(solve, anode_side):
    sol = solve(sloped_case(anode_side=anode_side))
    assert sol.converged
    seg = sol.profile.segment("se")
    vt = thermal_voltage_V(T)
    phi = seg.psi * vt
    xi = seg.x_m / LENGTH if anode_side == "left" else 1 - seg.x_m / LENGTH
    u = RICH + (POOR - RICH) * xi
    e_c = reference_work_function_eV() - phi - (reference_work_function_eV() - OFFSET)
    exact_n = N_C * np.exp((-u - e_c) / vt)
    exact_p = N_V * np.exp((e_c - GAP + u) / vt)
    assert np.allclose(seg.c_m3["electron"], exact_n, rtol=1e-9, atol=0)
    assert np.allclose(seg.c_m3["hole"], exact_p, rtol=1e-9, atol=0)
    # the slope is real: the electrons fall by exp(-0.08 V / kT) = 0.045 across the bulk
    ratio = seg.c_m3["electron"][-1] / seg.c_m3["electron"][len(xi) // 2]
    assert ratio == pytest.approx(math.exp(-(u[-1] - u[len(xi) // 2]) / vt
                                           + (phi[-1] - phi[len(xi) // 2]) / vt), rel=1e-9)


def test_equal_limits_give_the_extrinsic_run(solve):
    sloped = solve(sloped_case(rich=0.03, poor=0.03))
    data = sloped_case()
    data["regions"][0] = {"name": "se", "material": "se", "thickness_m": LENGTH,
                          "electronic": "extrinsic", "li_potential_V": 0.03}
    flat = solve(data)
    a, b = sloped.profile.segment("se"), flat.profile.segment("se")
    assert np.allclose(a.psi, b.psi, rtol=0, atol=1e-12)
    for name in ("electron", "hole", "cation", "anion"):
        assert np.allclose(a.c_m3[name], b.c_m3[name], rtol=1e-10, atol=0), name
    assert sloped.electrode_charge_C_m2["left"] == pytest.approx(
        flat.electrode_charge_C_m2["left"], rel=1e-10)


@pytest.mark.parametrize("change, message", [
    ({"li_potential_V": 0.1}, "no value with electronic = 'minimum_interface'"),
    ({"anode_side": None}, "anode_side: missing"),
])
def test_bad_minimum_interface_input(change, message):
    from pnp_ssb.input.fields import CaseError
    from pnp_ssb.preflight import load_case

    data = sloped_case()
    data["regions"][0] = {k: v for k, v in {**data["regions"][0], **change}.items()
                          if v is not None}
    with pytest.raises(CaseError, match=message):
        load_case(data)


def test_minimum_interface_is_refused_outside_equilibrium_states():
    from pnp_ssb.input.fields import CaseError
    from pnp_ssb.preflight import load_case

    with pytest.raises(CaseError, match="the sloped mu_Li is an assumption"):
        load_case(sloped_case(study="steady_state"))
    no_limits = sloped_case()
    del no_limits["materials"]["se"]["parameters"]["stability_limit_li_poor_V"]
    with pytest.raises(CaseError, match="stability_limit_li_poor_V missing"):
        load_case(no_limits)
