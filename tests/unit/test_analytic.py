"""The oracles checked against each other and against their limits (tolerances near round-off
unless a limit is asymptotic)."""

import math

import numpy as np
import pytest

from pnp_ssb import analytic as a

T, EPS, C = 300.0, 20.0, 1e25
PAIR = [a.SpeciesSpec(1, C), a.SpeciesSpec(-1, C)]


@pytest.mark.parametrize("v", [0.01, 0.3, -0.5])
def test_quadrature_reproduces_gouy_chapman(v):
    x = np.linspace(0, 30e-9, 80)
    exact = a.gouy_chapman_potential_V(x, v, C, EPS, T)
    assert np.max(np.abs(a.profile_by_quadrature(v, PAIR, EPS, T, x) - exact)) < 1e-10 * abs(v)
    assert a.surface_charge_C_m2(v, PAIR, EPS, T) == pytest.approx(
        a.gouy_chapman_surface_charge_C_m2(v, C, EPS, T), rel=1e-12)


def test_small_potential_limit_is_debye_huckel():
    lam = a.debye_length_m(PAIR, EPS, T)
    x = np.linspace(0, 10 * lam, 50)
    gc = a.gouy_chapman_potential_V(x, 1e-5, C, EPS, T)
    dh = a.debye_huckel_two_walls_V(x, 1e-5, 0.0, 100 * lam, lam)
    assert np.max(np.abs(gc - dh)) < 1e-6 * 1e-5  # cubic correction (psi0^2/...) ~ 1e-8


def test_stern_limits_and_robin_condition():
    for cap in (0.05, 1.0):
        ref = a.stern_gouy_chapman(0.3, cap, C, EPS, T)
        assert 0.3 - ref.phi_diffuse_V == pytest.approx(ref.surface_charge_C_m2 / cap, rel=1e-12)
    stiff = a.stern_gouy_chapman(0.3, 1e6, C, EPS, T)
    assert stiff.phi_diffuse_V == pytest.approx(0.3, rel=1e-5)


def test_lattice_gas_limits():
    dilute = [a.SpeciesSpec(1, C, 1e36, "lattice_gas"), a.SpeciesSpec(-1, C, 1e36, "lattice_gas")]
    assert a.surface_charge_C_m2(0.2, dilute, EPS, T) == pytest.approx(
        a.surface_charge_C_m2(0.2, PAIR, EPS, T), rel=1e-6)
    crowded = [a.SpeciesSpec(1, C, 4e25, "lattice_gas"), a.SpeciesSpec(-1, C, 4e25, "lattice_gas")]
    s1, s2 = (a.surface_charge_C_m2(v, crowded, EPS, T) for v in (1.0, 4.0))
    assert s2 / s1 == pytest.approx(2.0, rel=0.05)  # saturated layer: sigma ~ sqrt(phi)


def test_mott_schottky_profile_satisfies_poisson():
    one = [a.SpeciesSpec(1, C)]
    x = np.linspace(0, 40e-9, 8001)  # 24 Debye lengths: the tail holds < 1e-8 of the charge
    phi = a.profile_by_quadrature(0.5, one, EPS, T, x)
    h = x[1] - x[0]
    lap = (phi[2:] - 2 * phi[1:-1] + phi[:-2]) / h**2
    rho = a.charge_density_C_m3(phi[1:-1], one, T)
    scale = np.max(np.abs(rho))
    assert np.max(np.abs(-a._EPS0 * EPS * lap - rho)) < 1e-4 * scale
    charge = np.trapezoid(a.charge_density_C_m3(phi, one, T), x)
    assert charge == pytest.approx(-a.surface_charge_C_m2(0.5, one, EPS, T), rel=1e-4)
    width = math.sqrt(2 * a._EPS0 * EPS * 0.5 / (a._E * C))  # depletion approximation
    assert np.interp(width, x, phi) < 0.1 * 0.5


def test_heterojunction_balance():
    ref = a.heterojunction_gouy_chapman(0.0, 1e25, 20.0, 0.2, 4e24, 40.0, T)
    assert 0.0 < ref.phi_interface_V < 0.2
    s_a = a.gouy_chapman_surface_charge_C_m2(ref.phi_interface_V, 1e25, 20.0, T)
    s_b = a.gouy_chapman_surface_charge_C_m2(ref.phi_interface_V - 0.2, 4e24, 40.0, T)
    assert s_a + s_b == pytest.approx(0.0, abs=1e-12 * abs(s_a))
    assert float(ref.potential_V(0.0)) == pytest.approx(ref.phi_interface_V)


def test_ohmic_current_is_nernst_einstein():
    i = a.ohmic_current_density_A_m2(0.01, 1e-6, PAIR, T, [1e-13, 2e-13])
    sigma = a._E**2 / (1.380649e-23 * T) * (1e-13 + 2e-13) * C
    assert i == pytest.approx(sigma * 0.01 / 1e-6, rel=1e-14)
