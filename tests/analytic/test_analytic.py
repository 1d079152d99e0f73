"""The analytic oracles checked against each other, against their own ODE, and in their limits.

Every oracle is exact up to round-off (or a quadrature converged to ~1e-13), so tolerances are
near round-off where two exact forms meet, and derived from the size of the neglected term where
a limit is asymptotic; each test says which.
"""

import math
import warnings

import numpy as np
import pytest

from pnp_ssb import analytic as a

T, EPS, C = 300.0, 20.0, 1e25
VT = a.thermal_voltage_V(T)
EPS_ABS = a._EPS0 * EPS
PAIR = [a.SpeciesSpec(1, C), a.SpeciesSpec(-1, C)]
ONE = [a.SpeciesSpec(1, C)]  # Mott–Schottky: one mobile cation over a fixed negative background
CROWDED = [a.SpeciesSpec(1, C, 4e25, "lattice_gas"), a.SpeciesSpec(-1, C, 4e25, "lattice_gas")]
MIXTURE = [a.SpeciesSpec(2, C, 2e25, "lattice_gas"), a.SpeciesSpec(-1, C),
           a.SpeciesSpec(-1, 0.5 * C, 3e25, "lattice_gas")]  # net bulk charge 0.5 C: background


def _laplacian4(f: np.ndarray, h: float) -> np.ndarray:
    """Fourth-order central second difference at the interior points f[2:-2]."""
    return (-f[4:] + 16 * f[3:-1] - 30 * f[2:-2] + 16 * f[1:-3] - f[:-4]) / (12 * h * h)


def _poisson_residual(profile, v: float, species, n: int) -> float:
    """max_x |(-eps phi'' - rho(phi)) / rho(phi)| over 400 points from 1e-4 to 30 lambda.

    phi'' by the 4th-order five-point stencil centred at each x with its own step
    h = min(lambda, l)/n, l = eps|E|/|rho| the local length over which the field changes (sub-
    Debye near an accumulated wall), and x >= 2h. The residual is then the stencil's truncation,
    ~(1/n)^4/90 relative, and falls 16x when n doubles (a profile error would not).
    """
    lam = a.linear_screening_length_m(species, EPS, T)
    x = lam * np.geomspace(1e-4, 30, 400)
    phi = profile(x)
    rho = a.charge_density_C_m3(phi, species, T)
    ell = EPS_ABS * np.abs(a.electric_field_V_m(phi, v, species, EPS, T)) / np.abs(rho)
    h = np.minimum(lam, ell) / n
    keep = x >= 2 * h
    x, h, rho = x[keep], h[keep], rho[keep]
    f = profile(x[:, None] + h[:, None] * np.arange(-2, 3))
    lap = (-f[:, 4] + 16 * f[:, 3] - 30 * f[:, 2] + 16 * f[:, 1] - f[:, 0]) / (12 * h * h)
    return float(np.max(np.abs((-EPS_ABS * lap - rho) / rho)))


def _layer_charge(phi0: float, species, length: float) -> float:
    """int_0^length rho(phi(x)) dx by 20-point Gauss–Legendre on 300 geometrically graded panels
    (first 1e-7 length, for the sub-Debye accumulation layers)."""
    g, w = np.polynomial.legendre.leggauss(20)
    edges = np.concatenate([[0.0], length * np.geomspace(1e-7, 1.0, 300)])
    half = 0.5 * np.diff(edges)
    pts = 0.5 * (edges[1:] + edges[:-1])[:, None] + half[:, None] * g
    phi = a.profile_by_quadrature(phi0, species, EPS, T, pts)
    return float(np.sum(half * (a.charge_density_C_m3(phi, species, T) @ w)))


# ----------------------------------------------------------------------------------------------
# Gouy–Chapman: closed form vs the general first integral and its quadrature profile
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("v", [1e-6, 1e-3, 0.3, -0.5, 1.5])
def test_gouy_chapman_closed_form_equals_quadrature(v):
    """Two independent exact routes; measured agreement ~2e-14 pointwise relative, so 1e-10 (the
    oracle's accuracy target) out to 30 Debye lengths, where phi/phi0 ~ e^-30."""
    lam = a.debye_length_m(PAIR, EPS, T)
    x = np.linspace(0.0, 30 * lam, 301)
    exact = a.gouy_chapman_potential_V(x, v, C, EPS, T)
    quad = a.profile_by_quadrature(v, PAIR, EPS, T, x)
    assert np.max(np.abs(quad / exact - 1)) < 1e-10
    assert quad[0] == v and exact[0] == pytest.approx(v, rel=1e-15)
    # the general first-integral charge and capacitance are the GC closed forms (round-off only)
    assert a.surface_charge_C_m2(v, PAIR, EPS, T) == pytest.approx(
        a.gouy_chapman_surface_charge_C_m2(v, C, EPS, T), rel=1e-12)
    assert a.differential_capacitance_F_m2(v, PAIR, EPS, T) == pytest.approx(
        a.gouy_chapman_capacitance_F_m2(v, C, EPS, T), rel=1e-12)


def test_gouy_chapman_solves_poisson_boltzmann():
    """GC closed form against its own ODE, -eps phi'' = rho(phi), pointwise (see
    _poisson_residual: stencil truncation ~1e-7 at n = 40, 16x less at n = 80), and Gauss's law at
    the wall, -eps phi'(0) = sigma, by a 4th-order one-sided difference with h = l/100, l the local
    length eps|E|/|rho| at the wall (truncation ~(h/l)^4 ~ 1e-8 relative, round-off ~1e-13)."""
    for z in (1, 2):
        species = [a.SpeciesSpec(z, C), a.SpeciesSpec(-z, C)]

        def profile(x, z=z):
            return a.gouy_chapman_potential_V(x, 0.2, C, EPS, T, z)

        r40, r80 = (_poisson_residual(profile, 0.2, species, n) for n in (40, 80))
        assert r40 < 1e-6 and r40 / r80 > 12
        sigma = a.gouy_chapman_surface_charge_C_m2(0.2, C, EPS, T, z)
        h = sigma / abs(float(a.charge_density_C_m3(0.2, species, T))) / 100
        phi = profile(h * np.arange(5))
        d0 = (-25 * phi[0] + 48 * phi[1] - 36 * phi[2] + 16 * phi[3] - 3 * phi[4]) / (12 * h)
        assert -EPS_ABS * d0 == pytest.approx(sigma, rel=1e-6)


def test_gouy_chapman_no_overflow_at_large_potential():
    """|z e phi0/kT| = 60 (and beyond, 120 with z = 2): finite, exact at the wall, monotone."""
    v = 60 * VT
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        lam = a.gouy_chapman_debye_length_m(C, EPS, T)
        x = np.linspace(0.0, 30 * lam, 200)
        for z in (1, 2):
            phi = a.gouy_chapman_potential_V(x, v, C, EPS, T, z)
            assert np.all(np.isfinite(phi)) and np.all(np.diff(phi) < 0)
            assert phi[0] == pytest.approx(v, rel=1e-14)
        for species in (PAIR, ONE, CROWDED, MIXTURE):
            assert np.isfinite(a.surface_charge_C_m2(-v, species, EPS, T))
            prof = a.profile_by_quadrature(-v, species, EPS, T, x)
            assert np.all(np.isfinite(prof)) and np.all(np.diff(prof) > 0)


# ----------------------------------------------------------------------------------------------
# Debye–Hückel
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("v", [1e-3, 1e-4])
def test_small_potential_gouy_chapman_is_debye_huckel(v):
    """GC = DH (1 - psi0^2/48 (1 - e^{-2x/lambda}) + O(psi0^4)), from the tanh/artanh series; the
    remainder bound psi0^4 (coefficient < 1) is 2e-10 at 1 mV. The second wall at 200 lambda
    changes DH by e^-360 (nothing) over the first 20 lambda."""
    lam = a.debye_length_m(PAIR, EPS, T)
    x = np.linspace(0.0, 20 * lam, 201)
    gc = a.gouy_chapman_potential_V(x, v, C, EPS, T)
    dh = a.debye_huckel_two_walls_V(x, v, 0.0, 200 * lam, lam)
    psi0 = v / VT
    predicted = -psi0**2 / 48 * (1 - np.exp(-2 * x / lam))
    assert np.max(np.abs(gc / dh - 1 - predicted)) < psi0**4


def test_debye_huckel_two_walls_and_charges():
    """DH between walls: boundary values, the linear ODE (4th-order stencil, truncation
    ~(h/lambda)^4/90 ~ 3e-9 relative at h = lambda/40), charge balance sigma_l + sigma_r +
    int rho dx = 0 (Gauss–Legendre, round-off), the L >> lambda limit sigma = eps phi/lambda, and
    no overflow for L = 2000 lambda."""
    lam = a.debye_length_m(PAIR, EPS, T)
    length = 3 * lam
    phi_l, phi_r = 1e-3, -4e-4
    assert a.debye_huckel_two_walls_V(0.0, phi_l, phi_r, length, lam) == pytest.approx(phi_l)
    assert a.debye_huckel_two_walls_V(length, phi_l, phi_r, length, lam) == pytest.approx(phi_r)
    h = lam / 40
    x = np.linspace(0.0, length, 121)
    phi = a.debye_huckel_two_walls_V(x, phi_l, phi_r, length, lam)
    assert np.max(np.abs(_laplacian4(phi, h) - phi[2:-2] / lam**2)) < 1e-8 * phi_l / lam**2
    q = a.debye_huckel_wall_charges_C_m2(phi_l, phi_r, length, lam, EPS)
    g, w = np.polynomial.legendre.leggauss(40)
    xs = 0.5 * length * (g + 1)
    space_charge = 0.5 * length * np.sum(w * -EPS_ABS * a.debye_huckel_two_walls_V(
        xs, phi_l, phi_r, length, lam) / lam**2)
    assert q.left_C_m2 + q.right_C_m2 + space_charge == pytest.approx(
        0.0, abs=1e-13 * abs(q.left_C_m2))
    far = a.debye_huckel_wall_charges_C_m2(phi_l, phi_r, 2000 * lam, lam, EPS)
    assert far.left_C_m2 == pytest.approx(EPS_ABS * phi_l / lam, rel=1e-14)
    assert far.right_C_m2 == pytest.approx(EPS_ABS * phi_r / lam, rel=1e-14)
    mid = a.debye_huckel_two_walls_V(1000 * lam, phi_l, phi_r, 2000 * lam, lam)
    assert np.isfinite(mid) and abs(mid) < 1e-300


# ----------------------------------------------------------------------------------------------
# Stern + Gouy–Chapman
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("phi_e", [0.3, -0.2, 1.0])
def test_stern_robin_condition_and_limits(phi_e):
    """The solved phi(0+) satisfies phi_E - phi(0+) = sigma/C_S to round-off (the root is
    bracketed and polished by Newton), and phi(0+) -> phi_E as C_S -> inf with the gap
    sigma/C_S <= sigma_GC(phi_E)/C_S."""
    for cap in (0.05, 0.5, 5.0):
        ref = a.stern_gouy_chapman(phi_e, cap, C, EPS, T)
        assert ref.stern_drop_V == pytest.approx(ref.surface_charge_C_m2 / cap, rel=1e-12)
        assert abs(ref.phi_diffuse_V) < abs(phi_e) and ref.phi_diffuse_V * phi_e > 0
        assert ref.surface_charge_C_m2 == pytest.approx(
            a.gouy_chapman_surface_charge_C_m2(ref.phi_diffuse_V, C, EPS, T), rel=1e-15)
        assert float(ref.potential_V(0.0)) == pytest.approx(ref.phi_diffuse_V, rel=1e-14)
    for cap in (1e2, 1e4, 1e6):
        ref = a.stern_gouy_chapman(phi_e, cap, C, EPS, T)
        bound = abs(a.gouy_chapman_surface_charge_C_m2(phi_e, C, EPS, T)) / cap
        assert 0 < abs(phi_e - ref.phi_diffuse_V) <= bound


def test_stern_small_potential_is_series_capacitors():
    """Linear limit: sigma = phi_E / (1/C_S + lambda/eps); the GC nonlinearity (sinh) enters at
    relative order psi_d^2/24 < 6e-9 at phi_E = 10 uV (psi_E = 3.9e-4)."""
    lam = a.debye_length_m(PAIR, EPS, T)
    for cap in (0.01, 0.1, 1.0):
        ref = a.stern_gouy_chapman(1e-5, cap, C, EPS, T)
        assert ref.surface_charge_C_m2 == pytest.approx(1e-5 / (1 / cap + lam / EPS_ABS),
                                                        rel=1e-8)


# ----------------------------------------------------------------------------------------------
# Lattice gas
# ----------------------------------------------------------------------------------------------

def test_lattice_gas_tends_to_boltzmann():
    """The site-exclusion correction to sigma is ~ -theta_wall/4 with theta_wall = c_wall/N ~
    e^|psi0| c/N (2e-3 at N = 1e31, 0.2 V): linear in 1/N up to O(theta_wall) relative, so it
    drops 10x (+-1%) per decade of N, and is ~5.5e-6 (< 1e-5) at N = 1e33."""
    def rel_diff(n: float) -> float:
        lg = [a.SpeciesSpec(1, C, n, "lattice_gas"), a.SpeciesSpec(-1, C, n, "lattice_gas")]
        return a.surface_charge_C_m2(0.2, lg, EPS, T) / a.surface_charge_C_m2(0.2, PAIR, EPS, T) - 1

    d31, d32, d33 = rel_diff(1e31), rel_diff(1e32), rel_diff(1e33)
    assert d31 < 0 and d31 / d32 == pytest.approx(10.0, rel=1e-2)
    assert abs(d33) < 1e-5
    # at vanishing potential the capacitance is eps/lambda with the (1 - theta) screening factor
    lam = a.linear_screening_length_m(CROWDED, EPS, T)
    assert lam == pytest.approx(a.debye_length_m(PAIR, EPS, T) / math.sqrt(0.75), rel=1e-15)
    assert a.differential_capacitance_F_m2(1e-7, CROWDED, EPS, T) == pytest.approx(
        EPS_ABS / lam, rel=1e-9)


def test_lattice_gas_saturates():
    """Saturated counter-ion layer: W/(kT N) = psi + ln(theta(1 - theta)) + O(e^-psi/theta) for the
    symmetric crowded pair, so sigma grows as sqrt(psi - const) (remainder ~1e-16 at psi >= 38);
    sigma stays below Gouy–Chapman at every potential."""
    n, theta = 4e25, 0.25
    for v in (1.0, 1.5, -1.0):
        sigma = a.surface_charge_C_m2(v, CROWDED, EPS, T)
        psi = abs(v) / VT
        reduced = sigma**2 / (2 * EPS_ABS * a._KB * T * n)
        assert reduced == pytest.approx(psi + math.log(theta * (1 - theta)), rel=1e-12)
        assert math.copysign(1.0, sigma) == math.copysign(1.0, v)
    for v in (0.01, 0.1, 0.3, 1.0):
        assert a.surface_charge_C_m2(v, CROWDED, EPS, T) < a.gouy_chapman_surface_charge_C_m2(
            v, C, EPS, T)
    s1, s4 = (a.surface_charge_C_m2(v, CROWDED, EPS, T) for v in (0.5, 2.0))
    assert 1.9 < s4 / s1 < 2.2  # ~sqrt(4): far below GC's e^{psi/2}-growth


def test_lattice_gas_concentrations_bounded():
    """c <= N everywhere and c(0) = c_b: the lattice-gas law, checked at |psi| up to 60."""
    sp = CROWDED[1]
    phi = np.linspace(-60 * VT, 60 * VT, 241)
    c = a.concentration_m3(phi, sp, T)
    assert np.all(c <= sp.site_density_m3) and np.all(np.diff(c) >= 0)  # anion: rises with phi
    assert c[0] > 0 and c[-1] == pytest.approx(sp.site_density_m3, rel=1e-15)
    assert float(a.concentration_m3(0.0, sp, T)) == pytest.approx(C, rel=1e-15)
    assert float(a.charge_density_C_m3(0.0, MIXTURE, T)) == 0.0


# ----------------------------------------------------------------------------------------------
# Mott–Schottky and general layers by quadrature
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("v", "species"), [(0.3, ONE), (0.5, ONE), (-0.3, ONE),
                                            (1.0, CROWDED), (0.3, MIXTURE), (-0.3, MIXTURE)])
def test_quadrature_profile_satisfies_poisson(v, species):
    """The quadrature profile against Poisson, -eps phi'' = rho(phi), pointwise from 1e-4 to 30
    lambda (see _poisson_residual: stencil truncation, < 1e-7 at n = 80, 16x less than at n = 40;
    the oracle itself is ~1e-13), and Gauss: int_0^40lambda rho dx = -sigma to 1e-10 (Gauss-
    Legendre in x, measured ~1e-16; the tail past 40 lambda holds e^-40 of the charge)."""
    lam = a.linear_screening_length_m(species, EPS, T)

    def profile(x):
        return a.profile_by_quadrature(v, species, EPS, T, x)

    r40, r80 = (_poisson_residual(profile, v, species, n) for n in (40, 80))
    assert r80 < 1e-7 and r40 / r80 > 12
    sigma = a.surface_charge_C_m2(v, species, EPS, T)
    assert math.copysign(1.0, sigma) == math.copysign(1.0, v)
    assert _layer_charge(v, species, 40 * lam) == pytest.approx(-sigma, rel=1e-10)


def test_quadrature_field_and_tail():
    """-phi' = E(phi) from the first integral (4th-order central difference, ~1e-9), and the far
    tail is phi ~ A exp(-x/lambda): the local decay length -phi/phi' tends to lambda (round-off
    in phi' limits this to ~1e-8)."""
    lam = a.debye_length_m(ONE, EPS, T)
    h = lam / 40
    x = np.arange(0.0, 40 * lam, h)
    phi = a.profile_by_quadrature(0.5, ONE, EPS, T, x)
    d1 = (phi[:-4] - 8 * phi[1:-3] + 8 * phi[3:-1] - phi[4:]) / (12 * h)
    field = a.electric_field_V_m(phi[2:-2], 0.5, ONE, EPS, T)
    assert np.max(np.abs(-d1 - field)) < 1e-8 * field[0]
    far = x[2:-2] > 30 * lam
    assert np.max(np.abs(-phi[2:-2][far] / d1[far] / lam - 1)) < 1e-7
    # x beyond the panel range (the linear tail) and exactly 0 are handled; shape is kept
    out = a.profile_by_quadrature(0.5, ONE, EPS, T, np.array([[0.0, 60 * lam], [80 * lam, 0.0]]))
    assert out.shape == (2, 2) and out[0, 0] == 0.5 and 0 < out[1, 0] < out[0, 1] < 1e-20


@pytest.mark.parametrize("v", [0.3, 0.5, 1.0, 1.5])
def test_mott_schottky_depletion_limit(v):
    """Depletion approximation, width w = sqrt(2 eps phi0/(e c)): (i) sigma = e c w
    sqrt(1 - (1 - e^-psi0)/psi0) exactly, so sigma/(e c w) = 1 - 1/(2 psi0) + O(psi0^-2); (ii)
    the profile phi0 (1 - x/w)^2 misses the Debye tail and the kT/e shift of the first integral,
    so it is off by less than kT/e (measured 0.7-0.85 kT/e) over the whole layer."""
    w = math.sqrt(2 * EPS_ABS * v / (a._E * C))
    psi0 = v / VT
    ratio = a.surface_charge_C_m2(v, ONE, EPS, T) / (a._E * C * w)
    assert abs(ratio - (1 - 1 / (2 * psi0))) < 1 / psi0**2
    lam = a.debye_length_m(ONE, EPS, T)
    x = np.linspace(0.0, w + 20 * lam, 2001)
    phi = a.profile_by_quadrature(v, ONE, EPS, T, x)
    depletion = v * np.clip(1 - x / w, 0.0, None) ** 2
    assert np.max(np.abs(phi - depletion)) < VT
    assert w > 4 * lam  # a real depletion layer, many Debye lengths wide


# ----------------------------------------------------------------------------------------------
# Heterojunction, transport, input checks
# ----------------------------------------------------------------------------------------------

def test_heterojunction_balance():
    """Gauss at the interface: sigma_A + sigma_B = 0 to round-off, continuity of phi."""
    ref = a.heterojunction_gouy_chapman(0.0, 1e25, 20.0, 0.2, 4e24, 40.0, T)
    assert 0.0 < ref.phi_interface_V < 0.2
    s_a = a.gouy_chapman_surface_charge_C_m2(ref.phi_interface_V, 1e25, 20.0, T)
    s_b = a.gouy_chapman_surface_charge_C_m2(ref.phi_interface_V - 0.2, 4e24, 40.0, T)
    assert s_a + s_b == pytest.approx(0.0, abs=1e-12 * abs(s_a))
    assert ref.interface_charge_C_m2 == pytest.approx(-s_b, rel=1e-15)
    assert float(ref.potential_V(0.0)) == pytest.approx(ref.phi_interface_V, rel=1e-14)
    assert float(ref.potential_V(-1e-6)) == pytest.approx(0.0, abs=1e-12)
    assert float(ref.potential_V(1e-6)) == pytest.approx(0.2, rel=1e-12)


def test_ohmic_current_is_nernst_einstein():
    """i = (e^2/kT) sum z^2 D c * dphi/L, linear in dphi (exact arithmetic, round-off only)."""
    i = a.ohmic_current_density_A_m2(0.01, 1e-6, PAIR, T, [1e-13, 2e-13])
    sigma = a._E**2 / (a._KB * T) * (1e-13 + 2e-13) * C
    assert a.nernst_einstein_conductivity_S_m(PAIR, T, [1e-13, 2e-13]) == pytest.approx(
        sigma, rel=1e-14)
    assert i == pytest.approx(sigma * 0.01 / 1e-6, rel=1e-14)
    assert a.ohmic_current_density_A_m2(-0.02, 1e-6, PAIR, T, [1e-13, 2e-13]) == pytest.approx(
        -2 * i, rel=1e-14)
    sat = a.nernst_einstein_conductivity_S_m(CROWDED, T, [1e-13, 1e-13], mobility_exponents=[1, 0])
    assert sat == pytest.approx(a._E**2 / (a._KB * T) * 1e-13 * C * (0.75 + 1.0), rel=1e-14)


def test_constants_are_codata_2018_and_debye_length():
    assert (a._E, a._KB, a._EPS0) == (1.602176634e-19, 1.380649e-23, 8.8541878128e-12)
    lam = math.sqrt(a._EPS0 * EPS * a._KB * T / (a._E**2 * 2 * C))
    assert a.debye_length_m(PAIR, EPS, T) == pytest.approx(lam, rel=1e-15)
    assert a.gouy_chapman_debye_length_m(C, EPS, T) == pytest.approx(lam, rel=1e-15)
    assert a.debye_length_m([a.SpeciesSpec(2, C), a.SpeciesSpec(0, C)], EPS, T) == pytest.approx(
        lam / math.sqrt(2), rel=1e-15)


def test_invalid_inputs():
    with pytest.raises(ValueError):
        a.SpeciesSpec(1, C, statistics="fermi")
    with pytest.raises(ValueError):
        a.SpeciesSpec(1, C, C, "lattice_gas")
    with pytest.raises(ValueError):
        a.SpeciesSpec(1, 0.0)
    with pytest.raises(ValueError):
        a.profile_by_quadrature(0.1, PAIR, EPS, T, [-1e-9])
    with pytest.raises(ValueError):
        a.stern_gouy_chapman(0.1, 0.0, C, EPS, T)
    with pytest.raises(ValueError):
        a.debye_length_m([a.SpeciesSpec(0, C)], EPS, T)


def test_mixed_conductor_limits():
    """The exact two-carrier response: R_e at DC (electrons only), R_i R_e/(R_i + R_e) on the
    plateau, the geometric capacitance L/(i w eps) at high frequency; Jamnik–Maier is its
    electroneutral limit (thick sample: lambda/L = 1.2e-4)."""
    c_i, d_i, c_e, d_e, eps_r, temp = 2.5e25, 4e-12, 1e25, 1e-11, 20.0, 300.0
    kT = a._KB * temp
    for length in (1e-6, 1e-5):
        r_i = length * kT / (a._E**2 * c_i * d_i)
        r_e = length * kT / (a._E**2 * c_e * d_e)
        z = a.mixed_conductor_impedance_ohm_m2([1e-6, 2.2e-3 / length, 1e14],
                                                      c_i, d_i, c_e, d_e, eps_r, length, temp)
        assert abs(z[0] / r_e - 1) < 1e-4
        assert abs(z[1] / (r_i * r_e / (r_i + r_e)) - 1) < 0.05
        assert z[2] == pytest.approx(length / (1j * 2 * np.pi * 1e14 * a._EPS0 * eps_r),
                                     rel=1e-3)
    f = np.logspace(-3, 1, 9)
    exact = a.mixed_conductor_impedance_ohm_m2(f, c_i, d_i, c_e, d_e, eps_r, 1e-5, temp)
    jm = a.jamnik_maier_impedance_ohm_m2(f, c_i, d_i, c_e, d_e, 1e-5, temp)
    assert np.max(np.abs(exact / jm - 1)) < 2e-3


def test_closed_cell_debye_huckel_conserves_and_meets_the_walls():
    lam, length, phi_l, phi_r = 1e-9, 5e-9, 1e-4, -5e-5
    x = np.linspace(0.0, length, 20001)
    phi = a.debye_huckel_closed_cell_V(x, phi_l, phi_r, length, lam)
    assert phi[0] == pytest.approx(phi_l) and phi[-1] == pytest.approx(phi_r)
    # canonical: the linear excess of each species, ~ -(phi - phibar), integrates to zero
    mean = 0.5 * (phi_l + phi_r)
    assert abs(np.trapezoid(phi - mean, x)) < 1e-8 * abs(phi_l) * length
    # and it satisfies phi'' = (phi - phibar)/lambda^2
    h = x[1] - x[0]
    curvature = (phi[2:] - 2 * phi[1:-1] + phi[:-2]) / h**2
    np.testing.assert_allclose(curvature, (phi[1:-1] - mean) / lam**2, rtol=1e-5, atol=1e-3 * phi_l / lam**2)
