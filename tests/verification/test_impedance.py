"""Small-signal impedance against exact linearised PNP results.

Tolerances: the impedance is the linear response of the discrete model, so it inherits the
mesh error of the double layers (~1e-3 on the default mesh); the bulk response is exact.
"""

import math

import numpy as np
import pytest

from pnp_ssb import analytic
from pnp_ssb.input.case import CaseError
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.impedance import impedance_spectrum
from tests.conftest import electrolyte_case, electrolyte_material

T, EPS, C, D, L = 300.0, 20.0, 1e25, 1e-13, 200e-9
CATION = {"cation": {"charge": 1, "li_stoichiometry": 1, "statistics": "boltzmann",
                     "mobility_exponent": 0, "site_density_m3": 1e28,
                     "bulk_concentration_m3": C, "diffusivity_m2_s": D}}


def spectrum(data: dict, comm=None):
    from pnp_ssb.discretisation.fem import MPI

    sp, stepper = impedance_spectrum(load_case(data), None, comm or MPI.COMM_WORLD)
    stepper.solver.close()
    return sp


def impedance_case(left: dict, right: dict, species=None, **study) -> dict:
    data = electrolyte_case(left=left, right=right, temperature_K=T, eps_r=EPS, species=species)
    data["study"] = {"type": "impedance", **study}
    return data


def blocking_case() -> dict:
    blocking = {"type": "blocking", "potential_vs_bulk_V": 0.0}
    return impedance_case(blocking, blocking, f_min_Hz=1.0, f_max_Hz=1e9, points_per_decade=2)


def test_blocking_binary_electrolyte_matches_macdonald():
    """Symmetric 1:1 electrolyte, equal D, blocking electrodes: within 1e-3 over 9 decades,
    from the double-layer capacitance (1 Hz) through the Debye relaxation to C_g."""
    sp = spectrum(blocking_case())
    exact = analytic.blocking_binary_impedance_ohm_m2(sp.frequency_Hz, C, D, EPS, L, T)
    assert np.max(np.abs(sp.impedance_ohm_m2 / exact - 1)) < 1e-3
    assert math.log10(sp.frequency_Hz[-1] / sp.frequency_Hz[0]) >= 6


def test_single_carrier_between_reservoirs_is_rb_parallel_cg():
    sp = spectrum(impedance_case({"type": "reservoir"}, {"type": "reservoir"}, CATION,
                                 f_min_Hz=1.0, f_max_Hz=1e10, points_per_decade=2))
    sigma = analytic.nernst_einstein_conductivity_S_m([analytic.SpeciesSpec(1, C)], T, [D])
    exact = analytic.bulk_rc_impedance_ohm_m2(sp.frequency_Hz, sigma, EPS, L)
    assert np.max(np.abs(sp.impedance_ohm_m2 / exact - 1)) < 1e-6


def li_cell(i0: float) -> dict:
    contact = {"kinetics": {"exchange_current_density_A_m2": i0}}
    return {"name": "randles", "temperature_K": T,
            "study": {"type": "impedance", "f_min_Hz": 1e-2, "f_max_Hz": 1e6,
                      "points_per_decade": 3},
            "regions": [{"name": "li_a", "material": "Li", "thickness_m": 10e-9},
                        {"name": "se", "material": "se", "thickness_m": L},
                        {"name": "li_b", "material": "Li", "thickness_m": 10e-9}],
            "materials": {"se": electrolyte_material(CATION, EPS, 0.0)},
            "boundaries": {"left": {"type": "terminal"}, "right": {"type": "terminal"}},
            "interfaces": {"li_a|se": contact, "se|li_b": contact},
            "output": {"figures": False, "fields": "none"}}


def test_butler_volmer_contacts_give_randles_arcs():
    """Li | one-carrier electrolyte | Li with linear BV kinetics (i0 = 0.1 A/m^2): the DC limit
    is R_b + 2 R_ct exactly; over the charge-transfer arc (0.01-10 Hz, well below the bulk
    arc at 5.6 kHz) Z follows R_b || C_g + 2 (R_ct || C_dl) with R_ct = kT/(e i0
    (alpha_a + alpha_c)) and C_dl = eps/lambda within 1 % (the Randles circuit neglects the
    coupling of the diffuse layers to the bulk, a 2 lambda/L = 1.6 % effect between the arcs)."""
    i0 = 0.1
    sp = spectrum(li_cell(i0))
    sigma = analytic.nernst_einstein_conductivity_S_m([analytic.SpeciesSpec(1, C)], T, [D])
    r_ct = analytic.charge_transfer_resistance_ohm_m2(i0, 0.5, 0.5, T)
    c_dl = analytic._EPS0 * EPS / analytic.debye_length_m([analytic.SpeciesSpec(1, C)], EPS, T)
    w = 2 * np.pi * sp.frequency_Hz
    randles = analytic.bulk_rc_impedance_ohm_m2(sp.frequency_Hz, sigma, EPS, L) + 2 / (
        1 / r_ct + 1j * w * c_dl)
    assert sp.impedance_ohm_m2[0].real == pytest.approx(L / sigma + 2 * r_ct, rel=1e-3)
    arc = sp.frequency_Hz <= 10.0
    assert np.max(np.abs(sp.impedance_ohm_m2[arc] / randles[arc] - 1)) < 1e-2


def test_li_lipon_lco_thin_film():
    """Raijmakers et al.'s cell (cases/li_lipon_lco.toml) at open circuit: the bulk arc closes
    at their fitted LiPON resistance (326 Ohm cm^2: both mobile defects conduct at AC, unlike
    DC where the anion is blocked, 1400), and the charge-transfer arcs bring the total to the
    reported magnitude (~456 Ohm cm^2 in series)."""
    case = load_case("cases/li_lipon_lco.toml", [
        "study.type = 'impedance'", "study.f_min_Hz = 1e-2", "study.f_max_Hz = 1e6",
        "study.points_per_decade = 2", "boundaries.right = {type = 'terminal'}"])
    sp, stepper = impedance_spectrum(case)
    stepper.solver.close()
    re = dict(zip(sp.frequency_Hz.round(6), sp.re_ohm_cm2, strict=True))
    assert re[1000.0] == pytest.approx(326.0, rel=0.05)
    assert 400.0 < re[0.01] < 520.0


@pytest.mark.parametrize("study, message", [
    ({"frequencies_Hz": []}, "expected at least one frequency"),
    ({"frequencies_Hz": [10.0, -1.0]}, "positive, finite frequencies"),
    ({"f_min_Hz": 1e3, "f_max_Hz": 1.0}, "f_min_Hz < f_max_Hz"),
    ({"f_min_Hz": 0.0}, "f_min_Hz"),
])
def test_bad_frequencies(study, message):
    data = blocking_case()
    data["study"] = {"type": "impedance", **study}
    with pytest.raises(CaseError, match=message):
        load_case(data)


def test_circuit_fit_recovers_a_known_circuit():
    """Three arcs decades apart plus a series resistance, with 0.1 % noise: every parameter
    within 1 % and inside three standard errors."""
    from pnp_ssb.analysis.circuits import Arc, CircuitFit, fit_arcs

    truth = CircuitFit(2e-4, 0, (Arc(3e-2, 1e-7, 0, 0), Arc(1e-2, 1e-3, 0, 0),
                                  Arc(5e-3, 2.0, 0, 0)), 0)
    f = np.logspace(-3, 8, 67)
    rng = np.random.default_rng(0)
    z = truth.impedance_ohm_m2(f) * (1 + 1e-3 * rng.standard_normal(f.size))
    fit = fit_arcs(f, z, 3)
    for got, want in zip(fit.arcs, truth.arcs, strict=True):
        assert got.resistance_ohm_m2 == pytest.approx(want.resistance_ohm_m2, rel=1e-2)
        assert got.capacitance_F_m2 == pytest.approx(want.capacitance_F_m2, rel=1e-2)
        assert abs(got.resistance_ohm_m2 - want.resistance_ohm_m2) < 3 * (
            got.resistance_error_ohm_m2 + 1e-3 * want.resistance_ohm_m2)


def test_fit_of_the_randles_cell_gives_rct_and_cdl(tmp_path):
    """`pnp-ssb fit` on the computed Li | electrolyte | Li spectrum: the bulk arc gives
    L/sigma and eps/L, the charge-transfer arc 2 R_ct and C_dl/2 (two contacts in series)."""
    import json

    from pnp_ssb.apps.cli import main
    from pnp_ssb.studies.registry import run_case

    data = li_cell(0.1)
    run_case(load_case(data), tmp_path / "run")
    assert main(["fit", str(tmp_path / "run" / "impedance.csv"), "--arcs", "2",
                 "--labels", "bulk,charge_transfer", "-o", str(tmp_path / "fit.json")]) == 0
    arcs = json.loads((tmp_path / "fit.json").read_text())["arcs"]
    sigma = analytic.nernst_einstein_conductivity_S_m([analytic.SpeciesSpec(1, C)], T, [D])
    r_ct = analytic.charge_transfer_resistance_ohm_m2(0.1, 0.5, 0.5, T)
    c_dl = analytic._EPS0 * EPS / analytic.debye_length_m([analytic.SpeciesSpec(1, C)], EPS, T)
    assert arcs["bulk"]["resistance_ohm_cm2"] == pytest.approx(L / sigma * 1e4, rel=0.03)
    assert arcs["bulk"]["capacitance_F_cm2"] == pytest.approx(analytic._EPS0 * EPS / L * 1e-4,
                                                              rel=0.03)
    ct = arcs["charge_transfer"]
    assert ct["resistance_ohm_cm2"] == pytest.approx(2 * r_ct * 1e4, rel=0.01)
    assert ct["capacitance_F_cm2"] == pytest.approx(c_dl / 2 * 1e-4, rel=0.03)


def test_fit_bad_input(tmp_path):
    from pnp_ssb.apps.cli import main

    (tmp_path / "bad.csv").write_text("f,z\n1,2\n")
    assert main(["fit", str(tmp_path / "bad.csv"), "-o", str(tmp_path / "x.json")]) == 2
    assert main(["fit", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "x.json")]) == 2
    assert not (tmp_path / "x.json").exists()


MIXED_CONDUCTOR = "cases/mixed_conductor_impedance.toml"


def mixed_conductor(refine: int = 0):
    """The bundled Pt | MIEC | Pt case on a refined mesh, and its parameters for the oracles:
    (ion c, ion D, electron c, electron D, eps_r, L, T); n_b comes from the band edges."""
    from pnp_ssb.constants import thermal_voltage_V
    from pnp_ssb.physics.model import electronic_carriers

    case = load_case(MIXED_CONDUCTOR, [f"mesh.refine = {refine}"])
    mat = case.region_materials["miec"]
    region = case.region("miec")
    (ion,) = mat.species.values()
    electron, _ = electronic_carriers(mat, region.li_potential_V,
                                      thermal_voltage_V(case.temperature_K), 1.0)
    return case, (ion.bulk_concentration_m3.value, ion.diffusivity_m2_s.value,
                  electron.bulk_concentration, electron.diffusivity_m2_s,
                  mat.parameter("relative_permittivity"), region.thickness_m,
                  case.temperature_K)


def mixed_conductor_spectrum(refine: int = 0, comm=None):
    from pnp_ssb.discretisation.fem import MPI

    case, params = mixed_conductor(refine)
    sp, stepper = impedance_spectrum(case, None, comm or MPI.COMM_WORLD)
    stepper.solver.close()
    return sp, params


def test_mixed_conductor_matches_linearised_pnp_at_second_order():
    """Pt | MIEC | Pt (ion-blocking, electron-reversible): within 5e-4 of the exact linearised
    two-carrier PNP response from 1 mHz to 1 GHz (bulk arc, chemical diffusion, DC), and the
    error in the chemical-diffusion window falls ~4x per mesh halving (P1, second order)."""
    errors = []
    for refine in (0, 1):
        sp, (c_i, d_i, c_e, d_e, eps, length, temp) = mixed_conductor_spectrum(refine)
        exact = analytic.mixed_conductor_impedance_ohm_m2(sp.frequency_Hz, c_i, d_i, c_e, d_e,
                                                          eps, length, temp)
        error = np.abs(sp.impedance_ohm_m2 / exact - 1)
        if refine == 0:
            assert np.max(error) < 5e-4
            assert math.log10(sp.frequency_Hz[-1] / sp.frequency_Hz[0]) >= 12
        window = (sp.frequency_Hz >= 0.1) & (sp.frequency_Hz <= 1e3)
        errors.append(np.max(error[window]))
    assert errors[0] / errors[1] > 3.5


def test_mixed_conductor_matches_jamnik_maier():
    """The chemical-capacitance response: over 1 mHz-1 kHz (the whole diffusion feature, from
    R_e at DC to the R_inf plateau) the computed Z follows Jamnik–Maier's electroneutral
    transmission line within 1 %; the exact model differs from it by O(lambda/L) = 1.5e-3 (ionic
    double layers) and by w R_inf C_g near the top of the window."""
    sp, (c_i, d_i, c_e, d_e, _eps, length, temp) = mixed_conductor_spectrum()
    jm = analytic.jamnik_maier_impedance_ohm_m2(sp.frequency_Hz, c_i, d_i, c_e, d_e, length,
                                                temp)
    window = sp.frequency_Hz <= 1e3
    assert np.max(np.abs(sp.impedance_ohm_m2[window] / jm[window] - 1)) < 1e-2
    r_e = length * analytic._KB * temp / (analytic._E**2 * c_e * d_e)
    assert sp.impedance_ohm_m2[0].real == pytest.approx(r_e, rel=1e-3)
