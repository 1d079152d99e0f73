"""The closed symmetric blocking cell: canonical equilibrium (each species' amount conserved)
against the exact solution by quadrature (pnp_ssb.analytic.blocking_cell), in one steady solve.

Two blocking walls at -V/2 and +V/2 across L = 100 lambda_D, a 1:1 electrolyte of mean
concentration c0 = 1e25 m^-3. At 1 V the walls take almost every ion: the midplane keeps
~1e-5 c0 (Boltzmann), which a grand-canonical bulk (c = c0 there) would get wrong by 1e5.
"""

import math

import numpy as np
import pytest

from pnp_ssb.analytic.blocking_cell import blocking_cell
from pnp_ssb.constants import BOLTZMANN_J_K, ELEMENTARY_CHARGE_C, VACUUM_PERMITTIVITY_F_M
from tests.conftest import BINARY, electrolyte_case

C0, EPS, T = 1e25, 20.0, 300.0
DEBYE_M = math.sqrt(EPS * VACUUM_PERMITTIVITY_F_M * BOLTZMANN_J_K * T
                    / (2 * ELEMENTARY_CHARGE_C**2 * C0))
L_M = 100 * DEBYE_M
SITES = {"boltzmann": 1e28, "lattice_gas": 4e25}  # lattice gas: crowding at 1 V (N = 4 c0)


def closed_cell(v: float, statistics: str, refine: int = 0, study: str = "equilibrium",
                error_control: str = "adapt") -> dict:
    species = {k: dict(s, statistics=statistics, site_density_m3=SITES[statistics])
               for k, s in BINARY.items()}
    data = electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": -v / 2},
                            right={"type": "blocking", "potential_vs_bulk_V": v / 2},
                            thickness_m=L_M, species=species, temperature_K=T, eps_r=EPS,
                            study=study, mesh={"refine": refine, "error_control": error_control})
    return data


def potential_error_V(sol, exact) -> float:
    seg = sol.profile.segment("electrolyte")
    x = seg.x_m - seg.x_m[0]
    bulk = sol.model.regions[0].bulk_potential * sol.profile.thermal_voltage_V
    phi = seg.psi * sol.profile.thermal_voltage_V - bulk
    return float(np.max(np.abs(phi - exact.potential_V(x, T))))


def amount_m2(seg, name: str) -> float:
    """The lumped (vertex-rule) amount, the quantity the constraint holds."""
    x, c = seg.x_m, seg.c_m3[name]
    h = np.diff(x)
    weights = np.zeros_like(x)
    weights[:-1] += h / 2
    weights[1:] += h / 2
    return float(weights @ c)


def test_oracle_meets_walls_and_conservation():
    for statistics in SITES:
        exact = blocking_cell(1.0, L_M, C0, EPS, T, SITES[statistics], statistics)
        x = L_M * 0.5 * (1 - np.cos(np.linspace(0, np.pi, 80001)))  # dense at the walls
        phi = exact.potential_V(x, T)
        assert phi[0] == pytest.approx(-0.5, abs=1e-12) and phi[-1] == pytest.approx(0.5, abs=1e-12)
        psi = phi * ELEMENTARY_CHARGE_C / (BOLTZMANN_J_K * T)
        c_plus, c_minus = exact.concentrations_m3(psi)
        # each species' amount is the mean's (the trapezoid rule on this grid: 3e-7, falling as h^2)
        for c in (c_plus, c_minus):
            assert np.trapezoid(c, x) / (C0 * L_M) == pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize("statistics", ["boltzmann", "lattice_gas"])
@pytest.mark.parametrize("v", [0.1, 1.0])
def test_default_run_meets_its_error_tolerance(solve, v, statistics):
    """The default (adaptive) mesh: right to the 1e-4 V tolerance, with an honest estimate."""
    exact = blocking_cell(v, L_M, C0, EPS, T, SITES[statistics], statistics)
    sol = solve(closed_cell(v, statistics))
    error = potential_error_V(sol, exact)
    estimate = sol.error_control["estimate_V"]
    assert error <= 1e-4 and 1 / 3 <= estimate / error <= 3, (error, estimate)


@pytest.mark.parametrize("statistics", ["boltzmann", "lattice_gas"])
@pytest.mark.parametrize("v", [0.1, 1.0])
def test_closed_cell_converges_at_second_order(solve, v, statistics):
    exact = blocking_cell(v, L_M, C0, EPS, T, SITES[statistics], statistics)
    errors = []
    for refine in (0, 1, 2):  # fixed meshes (no adaptation): the rate of the discretisation
        sol = solve(closed_cell(v, statistics, refine, error_control="off"))
        assert sol.converged
        errors.append(potential_error_V(sol, exact))
        seg = sol.profile.segment("electrolyte")
        for name in ("cation", "anion"):  # the constraint: amounts to round-off
            assert amount_m2(seg, name) == pytest.approx(C0 * L_M, rel=1e-10)
    rates = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert errors[0] < 3e-4  # V, on the automatic mesh before any adaptation
    assert np.all(rates > 1.9), (errors, rates)


def test_depleted_midplane_at_one_volt(solve):
    exact = blocking_cell(1.0, L_M, C0, EPS, T, SITES["boltzmann"], "boltzmann")
    assert exact.midplane_concentration_m3 / C0 == pytest.approx(1.0e-5, rel=0.05)
    seg = solve(closed_cell(1.0, "boltzmann", 1)).profile.segment("electrolyte")
    mid = np.argmin(np.abs(seg.x_m - seg.x_m[0] - L_M / 2))
    for name in ("cation", "anion"):
        # at the midplane c = c_mid exp(-+psi): 1e-3 from the potential error (7e-6 V)
        assert seg.c_m3[name][mid] == pytest.approx(exact.midplane_concentration_m3, rel=1e-3)


def test_steady_state_study_gives_the_same_closed_cell(solve):
    """A steady_state study of the same closed cell (no current can flow) is the equilibrium."""
    eq = solve(closed_cell(0.3, "boltzmann"))
    steady = solve(closed_cell(0.3, "boltzmann", study="steady_state"))
    a, b = eq.profile.segment("electrolyte"), steady.profile.segment("electrolyte")
    assert np.max(np.abs(a.psi - b.psi)) < 1e-9
