"""Butler–Volmer charge transfer at an electrode | electrolyte contact, at steady state.

Set-up: Li metal | single-carrier electrolyte (Li+ over a fixed background, phi0 = 0, so no
space charge at zero current) | reservoir at the neutral bulk. The electrolyte is then an Ohmic
resistor R_b = L kT/(e^2 D c) in series with the interface, and the current obeys
i = BV(V - i R_b) (analytic.butler_volmer_with_series_resistance_A_m2). The space-charge layer
that the current itself builds adds a resistance of second order in V, so the small-signal
resistance must be R_ct + R_b to 1% (the issue's tolerance); the P1 error of the Ohmic drop is
zero (linear profile). At large bias the current's own space-charge layer matters, and the
checks are Ohm's law in the bulk and the voltage balance; ln i grows as alpha_a e eta/kT (Tafel).
"""

import numpy as np
import pytest

from pnp_ssb import analytic
from pnp_ssb.constants import thermal_voltage_V

T, C, D, L = 300.0, 1e25, 1e-13, 200e-9
CARRIER = {"li": {"charge": 1, "li_stoichiometry": 1, "statistics": "boltzmann",
                  "mobility_exponent": 0, "site_density_m3": 1e28, "bulk_concentration_m3": C,
                  "diffusivity_m2_s": D}}


def bulk_resistance_ohm_m2() -> float:
    return L / analytic.nernst_einstein_conductivity_S_m([analytic.SpeciesSpec(1, C)], T, [D])


def li_contact(voltage_V: float, i0: float, alpha_a: float = 0.5, alpha_c: float = 0.5,
               gap_m: float | None = None) -> dict:
    """Li | [compact dielectric gap] | single-carrier electrolyte | reservoir."""
    if gap_m is not None:
        data = li_contact(voltage_V, i0, alpha_a, alpha_c)
        data["regions"].insert(1, {"name": "gap", "material": "gap", "thickness_m": gap_m})
        data["materials"]["gap"] = {"kind": "dielectric", "description": "compact layer",
                                    "parameters": {"relative_permittivity": 6.0}}
        data["interfaces"] = {"gap|se": data["interfaces"].pop("li|se")}
        return data
    return {
        "name": "bv", "temperature_K": T, "study": {"type": "steady_state"},
        "regions": [{"name": "li", "material": "Li", "thickness_m": 20e-9},
                    {"name": "se", "material": "se", "thickness_m": L}],
        "materials": {"se": {"kind": "solid_electrolyte", "description": "single carrier",
                             "parameters": {"relative_permittivity": 20.0,
                                            "neutrality_potential_vs_li_V": 0.0},
                             "species": CARRIER}},
        "boundaries": {"left": {"type": "terminal", "voltage_V": voltage_V},
                       "right": {"type": "reservoir"}},
        "interfaces": {"li|se": {"kinetics": {"exchange_current_density_A_m2": i0,
                                              "alpha_anodic": alpha_a, "alpha_cathodic": alpha_c}}},
        "output": {"figures": False, "fields": "none"},
    }


def current(sol) -> float:
    return sol.kinetics[0].current_density_A_m2


def test_small_signal_resistance_is_charge_transfer_plus_bulk(solve):
    r_b = bulk_resistance_ohm_m2()
    for i0, (a_a, a_c) in ((1.0, (0.5, 0.5)), (0.3, (0.3, 0.7))):
        r_ct = analytic.charge_transfer_resistance_ohm_m2(i0, a_a, a_c, T)
        dv = 1e-4
        sol = solve(li_contact(dv, i0, a_a, a_c))
        assert sol.converged
        assert dv / current(sol) == pytest.approx(r_ct + r_b, rel=1e-2)
        # the reservoir takes the same current out: charge is conserved
        i_out = sol.current_density_A_m2["right"]
        assert i_out == pytest.approx(current(sol), rel=1e-6)


def test_large_bias_ohms_law_in_the_bulk_and_the_voltage_balance(solve):
    """At 0.2 V the space-charge layer that the current builds adds its own resistance (no
    closed form), so check what is exact: the neutral bulk obeys Ohm's law with the
    Nernst–Einstein conductivity, and V = eta + mu~_Li+(plane)/e at the contact."""
    sigma = analytic.nernst_einstein_conductivity_S_m([analytic.SpeciesSpec(1, C)], T, [D])
    for v in (0.2, -0.2):
        sol = solve(li_contact(v, 1e-2, 0.4, 0.6))
        kin = sol.kinetics[0]
        seg = sol.profile.segment("se")
        mu = seg.w["li"] * sol.profile.thermal_voltage_V
        mid = (seg.x_m > seg.x_m[0] + 0.3 * L) & (seg.x_m < seg.x_m[0] + 0.7 * L)
        field = np.polyfit(seg.x_m[mid], mu[mid], 1)[0]
        assert -field * sigma == pytest.approx(kin.current_density_A_m2, rel=1e-3)
        assert kin.channel_overpotential_V["li"] + kin.li_ion_potential_V["li"] == pytest.approx(
            v, abs=1e-12)
        assert np.sign(kin.current_density_A_m2) == np.sign(v)


def test_tafel_slope(solve):
    """d ln i / d eta = alpha_a e/kT where the cathodic branch is negligible (eta > 8 kT/e)."""
    i0, a_a = 1e-4, 0.4
    sols = [solve(li_contact(v, i0, a_a, 0.6)) for v in (0.25, 0.30)]
    kin = [s.kinetics[0] for s in sols]
    eta = [k.channel_overpotential_V["li"] for k in kin]
    slope = (np.log(kin[1].current_density_A_m2) - np.log(kin[0].current_density_A_m2)) / (
        eta[1] - eta[0])
    assert slope == pytest.approx(a_a / thermal_voltage_V(T), rel=1e-3)
    assert eta[1] > 8 * thermal_voltage_V(T)


def test_compact_layer_adds_no_dc_resistance(solve):
    """A Stern gap between Li and the electrolyte moves the reaction plane but, in linear
    response, the DC resistance is still R_ct + R_b (the gap is a capacitor)."""
    r = bulk_resistance_ohm_m2() + analytic.charge_transfer_resistance_ohm_m2(1.0, 0.5, 0.5, T)
    sol = solve(li_contact(1e-4, 1.0, gap_m=0.3e-9))
    assert 1e-4 / current(sol) == pytest.approx(r, rel=1e-2)
    zero = solve(li_contact(0.0, 1.0, gap_m=0.3e-9))
    assert abs(current(zero)) < 1e-12
