"""Gouy–Chapman: the symmetric 1:1 Boltzmann layer at a blocking electrode.

Tolerances: cells are graded from 0.1 local Debye length, so the P1 interpolation error bound
h^2/8 |phi''| is ~1e-3 of the drop; we assert 1e-3 relative in the max norm on the default
mesh, and the rate 2 of P1 under uniform refinement.
"""

import numpy as np
import pytest

from pnp_ssb import analytic
from tests.conftest import electrolyte_case

T, EPS, C = 300.0, 20.0, 1e25


def gc_case(v: float, **mesh) -> dict:
    return electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": v},
                            right={"type": "reservoir"}, mesh=mesh)


def max_rel_error(sol, v: float) -> float:
    seg = sol.profile.segments[0]
    exact = analytic.gouy_chapman_potential_V(seg.x_m, v, C, EPS, T)
    return float(np.max(np.abs(seg.psi * sol.profile.thermal_voltage_V - exact)) / v)


@pytest.mark.parametrize("v", [0.05, 0.3])
def test_profile_and_surface_charge(solve, v):
    sol = solve(gc_case(v))
    assert sol.converged
    assert max_rel_error(sol, v) < 1e-3
    sigma = analytic.gouy_chapman_surface_charge_C_m2(v, C, EPS, T)
    assert sol.electrode_charge_C_m2["left"] == pytest.approx(sigma, rel=2e-3)
    # neutrality: electrode charge + space charge (+ the reservoir side, ~0) vanish
    total = sum(sol.electrode_charge_C_m2.values()) + sol.space_charge_C_m2["electrolyte"]
    assert abs(total) < 1e-9 * abs(sigma)
    # the layer width of a weakly charged layer is the Debye length
    if v == 0.05:
        lam = analytic.debye_length_m([analytic.SpeciesSpec(1, C), analytic.SpeciesSpec(-1, C)],
                                      EPS, T)
        assert sol.layers["left"][0].width_m == pytest.approx(lam, rel=0.1)


def test_second_order_convergence(solve):
    errors = [max_rel_error(solve(gc_case(0.3, refine=k)), 0.3) for k in range(4)]
    rates = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(rates > 1.9), (errors, rates)


def test_steady_state_equals_equilibrium(solve):
    """Full PNP with a reservoir reproduces the Poisson–Boltzmann equilibrium exactly."""
    eq = solve(gc_case(0.3))
    pnp = solve({**gc_case(0.3), "study": {"type": "steady_state"}})
    a = eq.profile.segments[0].psi
    b = pnp.profile.segments[0].psi
    assert np.max(np.abs(a - b)) < 1e-8
    assert abs(pnp.current_density_A_m2["right"]) < 1e-12
