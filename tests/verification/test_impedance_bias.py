"""Impedance about a DC-biased steady state, against the Butler–Volmer law at bias.

Li | one-carrier electrolyte | Li with BV contacts (the Randles cell of test_impedance.py, made
100x more concentrated so that the diffuse layers are thin: lambda = 0.17 nm). Under a DC bias
V the steady current I splits V into I R_b and the two overpotentials, eta_a = -eta_c = eta(I)
(symmetric alpha = 1/2). With no compact layer each overpotential stands across its diffuse
layer (psi_s = +-eta: the electrolyte's Li+ electrochemical potential is flat through it), and
the small-signal impedance is the Randles circuit with, at each contact, R_ct(eta) = kT / (e i0
[alpha_a e^{alpha_a f eta} + alpha_c e^{-alpha_c f eta}]) (the slope of the BV law,
analytic.charge_transfer_resistance_ohm_m2) in parallel with the diffuse layer's differential
capacitance at psi_s (analytic.differential_capacitance_F_m2): depleted at the anode, enriched
at the cathode. Neglected: the depleted layer's own resistance, int (1/sigma(x) - 1/sigma_b) dx = 1.2e-5
Ohm m^2 at 1 A/m^2 (Gouy–Chapman quadrature), its differential value ~1e-3 of Z at 0.3 V:
the tolerance on the DC limit is 2e-3."""

import copy

import numpy as np
import pytest

from pnp_ssb import analytic
from pnp_ssb.input.fields import CaseError
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.impedance import impedance_spectrum
from tests.verification.test_impedance import EPS, L, T, li_cell

I0, ALPHA, C_DENSE = 0.1, 0.5, 1e27
DENSE = [analytic.SpeciesSpec(1, C_DENSE)]


def dense_cell(bias: dict) -> dict:
    data = copy.deepcopy(li_cell(I0))  # li_cell shares the module's species table
    data["materials"]["se"]["species"]["cation"]["bulk_concentration_m3"] = C_DENSE
    data["study"].update(bias)
    return data


def biased(bias: dict, frequencies=None, refine: int = 0):
    from pnp_ssb.discretisation.fem import MPI

    data = dense_cell(bias)
    data["mesh"] = {"refine": refine}
    sp, stepper = impedance_spectrum(load_case(data), frequencies, MPI.COMM_WORLD)
    stepper.solver.close()
    return sp, stepper.dc_bias


def randles_at_bias_ohm_m2(f_Hz: np.ndarray, current_A_m2: float) -> np.ndarray:
    """R_b || C_g plus, per contact, R_ct(eta) || C_d(psi_s = +-eta)."""
    sigma = analytic.nernst_einstein_conductivity_S_m(DENSE, T, [1e-13])
    eta = analytic.butler_volmer_overpotential_V(abs(current_A_m2), I0, ALPHA, ALPHA, T)
    r_ct = analytic.charge_transfer_resistance_ohm_m2(I0, ALPHA, ALPHA, T, eta)
    w = 2 * np.pi * f_Hz
    z = analytic.bulk_rc_impedance_ohm_m2(f_Hz, sigma, EPS, L)
    for psi in (eta, -eta):
        z = z + 1 / (1 / r_ct + 1j * w * analytic.differential_capacitance_F_m2(psi, DENSE, EPS, T))
    return z


def test_charge_transfer_resistance_is_the_slope_of_butler_volmer():
    eta, h = 0.12, 1e-6
    slope = (analytic.butler_volmer_current_A_m2(eta + h, I0, 0.3, 0.7, T)
             - analytic.butler_volmer_current_A_m2(eta - h, I0, 0.3, 0.7, T)) / (2 * h)
    assert analytic.charge_transfer_resistance_ohm_m2(I0, 0.3, 0.7, T, eta) == pytest.approx(
        1 / slope, rel=1e-8)
    i = float(analytic.butler_volmer_current_A_m2(eta, I0, 0.3, 0.7, T))
    assert analytic.butler_volmer_overpotential_V(i, I0, 0.3, 0.7, T) == pytest.approx(eta, abs=1e-12)


def test_vanishing_bias_gives_the_equilibrium_spectrum():
    """bias -> 0: the relaxed steady state under 0.1 mV (f eta ~ 0.002) is the t = 0 state, and
    its spectrum today's equilibrium one, to O(eta^2) ~ 1e-6."""
    equilibrium, _ = biased({})
    small, bias = biased({"bias_V": 1e-4})
    assert bias.bias_V == 1e-4 and 0 < bias.current_A_m2 < 1e-4 / 0.5
    assert np.max(np.abs(small.impedance_ohm_m2 / equilibrium.impedance_ohm_m2 - 1)) < 1e-5


def test_randles_arcs_at_300_mV_follow_the_butler_volmer_slope():
    """At 0.3 V (eta ~ 5.8 kT/e per contact) R_ct falls ~8x: the DC limit is R_b + 2 R_ct(eta)
    to 2e-3, and the whole spectrum converges to the Randles circuit at eta at second order
    under mesh refinement (the mesh is graded for the flat t = 0 state, not for the layers the
    bias builds: 13 %, 4.7 %, 1.2 % at refine = 0, 1, 2), within 1 % at refine = 3."""
    errors = []
    for refine in (2, 3):
        sp, bias = biased({"bias_V": 0.3}, refine=refine)
        exact = randles_at_bias_ohm_m2(sp.frequency_Hz, bias.current_A_m2)
        errors.append(float(np.max(np.abs(sp.impedance_ohm_m2 / exact - 1))))
    r_ct0 = analytic.charge_transfer_resistance_ohm_m2(I0, ALPHA, ALPHA, T)
    assert exact[0].real < 0.5 * 2 * r_ct0  # the bias matters
    assert sp.impedance_ohm_m2[0].real == pytest.approx(exact[0].real, rel=2e-3)
    assert errors[1] < 1e-2 and errors[0] / errors[1] > 2.5


def test_dc_limit_is_the_slope_of_the_steady_current_voltage_curve():
    """Z(f -> 0) = dV/dI of the nonlinear steady states: the linearisation is the tangent of
    the solves it linearises (central difference over +-1 mV, error O(h^2) ~ 1e-6)."""
    f = [1e-6]
    z, _ = biased({"bias_V": 0.2}, f)
    _, lo = biased({"bias_V": 0.199}, f)
    _, hi = biased({"bias_V": 0.201}, f)
    slope = 0.002 / (hi.current_A_m2 - lo.current_A_m2)
    assert z.impedance_ohm_m2[0].real == pytest.approx(slope, rel=1e-4)


def test_current_bias_finds_the_voltage_that_passes_it():
    f = [1e-2]
    by_voltage, v = biased({"bias_V": 0.3}, f)
    by_current, i = biased({"bias_current_A_m2": v.current_A_m2}, f)
    assert i.bias_V == pytest.approx(0.3, abs=1e-7)
    assert i.current_A_m2 == pytest.approx(v.current_A_m2, rel=1e-8)
    assert by_current.impedance_ohm_m2[0] == pytest.approx(by_voltage.impedance_ohm_m2[0], rel=1e-6)


@pytest.mark.parametrize("study, message", [
    ({"bias_V": 0.1, "bias_current_A_m2": 1.0}, "expected one DC bias"),
])
def test_bad_bias(study, message):
    with pytest.raises(CaseError, match=message):
        load_case(dense_cell(study))


def test_no_bias_where_an_electrode_fills():
    with pytest.raises(CaseError, match=r"study.bias_V = 0.1: .*insertion electrode 'lco'"):
        load_case("cases/li_lipon_lco_impedance.toml", ["study.bias_V=0.1"])


def test_the_impedance_study_estimates_and_adapts_to_the_biased_state(tmp_path):
    """The study's refined twin is biased too: its mesh adapts to the layers the bias builds
    (mesh.error_control = 'adapt', the default), and the spectrum's relative error estimate is
    within a factor of 3 of the true error against the Randles circuit at bias."""
    from pnp_ssb.studies.impedance_study import run_impedance

    solution, sp = run_impedance(load_case(dense_cell({"bias_V": 0.3})), tmp_path / "run")
    record = solution.impedance
    assert record.dc_bias is not None and record.dc_bias.bias_V == 0.3
    exact = randles_at_bias_ohm_m2(sp.frequency_Hz, record.dc_bias.current_A_m2)
    error = float(np.max(np.abs(sp.impedance_ohm_m2 / exact - 1)))
    assert error < 1e-2
    assert error / 3 < record.relative_error_estimate < 3 * error
    assert '"dc_bias"' in (tmp_path / "run" / "summary.json").read_text()
