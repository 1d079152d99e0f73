"""Mott–Schottky, Debye–Hückel between two walls, Stern + Gouy–Chapman, lattice gas, Ohmic current."""

import numpy as np
import pytest

from pnp_ssb import analytic
from tests.conftest import electrolyte_case

T, EPS = 300.0, 20.0


def one_carrier(c: float = 1e25, statistics: str = "boltzmann", n: float = 1e28) -> dict:
    return {"carrier": {"charge": 1, "li_stoichiometry": 1, "statistics": statistics,
                        "mobility_exponent": 0, "site_density_m3": n,
                        "bulk_concentration_m3": c, "diffusivity_m2_s": 1e-13}}


@pytest.mark.parametrize("v", [0.3, 0.5])
def test_mott_schottky_depletion(solve, v):
    """One mobile cation over a fixed negative background, depleted at the wall."""
    sol = solve(electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": v},
                                 right={"type": "reservoir"}, species=one_carrier(),
                                 thickness_m=400e-9))
    seg = sol.profile.segments[0]
    spec = [analytic.SpeciesSpec(1, 1e25)]
    exact = analytic.profile_by_quadrature(v, spec, EPS, T, seg.x_m)
    phi = seg.psi * sol.profile.thermal_voltage_V
    assert np.max(np.abs(phi - exact)) / v < 1e-3
    sigma = analytic.surface_charge_C_m2(v, spec, EPS, T)
    assert sol.electrode_charge_C_m2["left"] == pytest.approx(sigma, rel=2e-3)
    assert sol.space_charge_C_m2["electrolyte"] == pytest.approx(-sigma, rel=2e-3)


def test_debye_huckel_two_walls(solve):
    """Two blocking walls 5 Debye lengths apart at small potentials (linear regime: the cubic
    Poisson–Boltzmann correction is psi^2/6 ~ 3e-6 relative, far below the tolerance). The
    cell is closed, so its ions keep their amounts: the canonical Debye–Hückel profile (the
    grand-canonical one, about a bulk held at 0, is off by (phi_l + phi_r)/2 in the middle)."""
    spec = [analytic.SpeciesSpec(1, 1e25), analytic.SpeciesSpec(-1, 1e25)]
    lam = analytic.debye_length_m(spec, EPS, T)
    length = 5 * lam
    sol = solve(electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": 1e-4},
                                 right={"type": "blocking", "potential_vs_bulk_V": -5e-5},
                                 thickness_m=length, mesh={"max_cell_m": lam / 20}))
    seg = sol.profile.segments[0]
    exact = analytic.debye_huckel_closed_cell_V(seg.x_m, 1e-4, -5e-5, length, lam)
    phi = seg.psi * sol.profile.thermal_voltage_V
    assert np.max(np.abs(phi - exact)) / 1e-4 < 1e-3


@pytest.mark.parametrize("capacitance", [0.05, 0.5])
def test_stern_gouy_chapman(solve, capacitance):
    sol = solve(electrolyte_case(
        left={"type": "blocking", "potential_vs_bulk_V": 0.3,
              "stern": {"capacitance_F_m2": capacitance}},
        right={"type": "reservoir"}))
    ref = analytic.stern_gouy_chapman(0.3, capacitance, 1e25, EPS, T)
    seg = sol.profile.segments[0]
    phi = seg.psi * sol.profile.thermal_voltage_V
    assert phi[0] == pytest.approx(ref.phi_diffuse_V, rel=1e-3)
    assert sol.electrode_charge_C_m2["left"] == pytest.approx(ref.surface_charge_C_m2, rel=2e-3)
    exact = analytic.gouy_chapman_potential_V(seg.x_m, ref.phi_diffuse_V, 1e25, EPS, T)
    assert np.max(np.abs(phi - exact)) / ref.phi_diffuse_V < 1e-3


def test_lattice_gas_surface_charge(solve):
    """Per-site saturation caps the counter-charge: the layer charge grows like sqrt(phi)."""
    species = {name: {**sp, "statistics": "lattice_gas", "site_density_m3": 4e25}
               for name, sp in electrolyte_case(left={}, right={})["materials"]["se"]["species"].items()}
    v = 0.4
    sol = solve(electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": v},
                                 right={"type": "reservoir"}, species=species))
    spec = [analytic.SpeciesSpec(1, 1e25, 4e25, "lattice_gas"),
            analytic.SpeciesSpec(-1, 1e25, 4e25, "lattice_gas")]
    sigma = analytic.surface_charge_C_m2(v, spec, EPS, T)
    assert sol.electrode_charge_C_m2["left"] == pytest.approx(sigma, rel=2e-3)
    gc = analytic.gouy_chapman_surface_charge_C_m2(v, 1e25, EPS, T)
    assert sigma < 0.5 * gc  # saturation is far from the dilute limit at this potential
    c_max = max(seg.c_m3["anion"].max() for seg in sol.profile.segments)
    assert c_max < 4e25


def test_ohmic_current_between_reservoirs(solve):
    """A neutral slab between two reservoirs: i = sigma dV / L (Nernst–Einstein)."""
    dv = 0.01
    sol = solve(electrolyte_case(left={"type": "reservoir", "potential_vs_bulk_V": dv},
                                 right={"type": "reservoir"}, study="steady_state"))
    spec = [analytic.SpeciesSpec(1, 1e25), analytic.SpeciesSpec(-1, 1e25)]
    i = analytic.ohmic_current_density_A_m2(dv, 200e-9, spec, T, [1e-13, 1e-13])
    assert sol.current_density_A_m2["right"] == pytest.approx(i, rel=1e-8)
    assert sol.current_density_A_m2["left"] == pytest.approx(-i, rel=1e-8)
