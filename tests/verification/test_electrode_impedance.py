"""Small-signal Li diffusion in insertion electrodes against the finite-space Warburg.

The cell Li | thin fast electrolyte | insertion electrode | Pt isolates the electrode: one
carrier over a fixed background (no concentration polarisation), fast kinetics, a linear OCV
and a constant chemical diffusivity, and work functions chosen so that every contact is at its
potential of zero charge (flat potential: linear double layers, C_dl = eps/lambda). Its exact
linearised response is the Randles-type circuit

    Z = R_b || C_g + R_ct || C_dl (Li contact) + [C_dl || (R_ct + Z_d)] (electrode contact),

Z_d the finite-space Warburg of analytic.py. The only error left is the P1 discretisation of
the electrode's diffusion (vertex-lumped mass): ~(|k| h)^2/12 with k = sqrt(i w/D), second
order under mesh refinement. What the Randles circuit neglects (the diffuse layers' coupling
to the bulk, O(lambda/L) of the double-layer admittance) is below 1e-6 here.
"""

import numpy as np
import pytest

from pnp_ssb import analytic
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.impedance import impedance_spectrum, log_frequencies
from tests.conftest import electrolyte_material

T, EPS = 300.0, 20.0
C_SE, D_SE, L_SE = 1e26, 1e-10, 20e-9  # the electrolyte: sigma = 0.062 S/m, lambda = 0.54 nm
N_MOL_M3, D_IE, L_IE = 5e4, 1e-15, 100e-9  # the electrode: tau = L^2/D = 10 s
U_0, U_SLOPE, THETA_0 = 3.6, -0.1, 0.5  # U(theta) = U_0 + U_SLOPE theta (V)
I0 = 1e3  # A/m^2 at both contacts: R_ct = 0.26 Ohm cm^2
LI_WORK_FUNCTION_EV = 2.49  # Li metal (the reference of the work functions)


def quantity(value: float, unit: str) -> dict:
    return {"value": value, "unit": unit, "status": "assumed", "reason": "test"}


def linear_table(at_0: float, at_1: float, unit: str) -> dict:
    return {"theta": [0.0, 1.0], "value": [at_0, at_1], "unit": unit, "status": "assumed",
            "reason": "test"}


def electrode_cell(frequencies_Hz, refine: int = 0, work_function_slope_eV: float = 0.0) -> dict:
    """Li | electrolyte | insertion electrode | Pt at open circuit. The electrode's work
    function Phi(theta_0) = Phi_Li + e U(theta_0) puts it at the electrolyte's bulk potential
    (neutrality at 0 V vs Li): no space charge at either contact."""
    phi_0 = LI_WORK_FUNCTION_EV + U_0 + U_SLOPE * THETA_0
    cation = {"cation": {"charge": 1, "li_stoichiometry": 1, "statistics": "boltzmann",
                         "mobility_exponent": 0, "site_density_m3": 1e28,
                         "bulk_concentration_m3": C_SE, "diffusivity_m2_s": D_SE}}
    electrode = {
        "kind": "insertion_electrode", "description": "linear-OCV test electrode",
        "parameters": {"li_site_density_m3": quantity(N_MOL_M3, "mol/m^3"),
                       "chemical_diffusivity_m2_s": D_IE},
        "tables": {"open_circuit_potential_V": linear_table(U_0, U_0 + U_SLOPE, "V"),
                   "work_function_eV": linear_table(
                       phi_0 - work_function_slope_eV * THETA_0,
                       phi_0 + work_function_slope_eV * (1 - THETA_0), "eV")}}
    contact = {"kinetics": {"exchange_current_density_A_m2": I0}}
    return {"name": "electrode_cell", "temperature_K": T,
            "study": {"type": "impedance", "frequencies_Hz": [float(f) for f in frequencies_Hz]},
            "regions": [{"name": "li", "material": "Li", "thickness_m": 10e-9},
                        {"name": "se", "material": "se", "thickness_m": L_SE},
                        {"name": "ie", "material": "ie", "thickness_m": L_IE,
                         "li_fraction": THETA_0},
                        {"name": "pt", "material": "Pt", "thickness_m": 10e-9}],
            "materials": {"se": electrolyte_material(cation, EPS, 0.0), "ie": electrode},
            "boundaries": {"left": {"type": "terminal"}, "right": {"type": "terminal"}},
            "interfaces": {"li|se": contact, "se|ie": contact},
            "mesh": {"refine": refine},
            "output": {"figures": False, "fields": "none"}}


def spectrum(data: dict):
    case = load_case(data)
    sp, stepper = impedance_spectrum(case)
    stepper.solver.close()
    return sp, case.region_materials["ie"].parameter("li_site_density_m3")


def double_layer_F_m2() -> float:
    species = [analytic.SpeciesSpec(1, C_SE)]
    return analytic._EPS0 * EPS / analytic.debye_length_m(species, EPS, T)


def exact_cell_impedance(frequency_Hz: np.ndarray, sites_m3: float) -> np.ndarray:
    """The Randles-type circuit of the module docstring (Ohm m^2)."""
    w = 2 * np.pi * frequency_Hz
    sigma = analytic.nernst_einstein_conductivity_S_m([analytic.SpeciesSpec(1, C_SE)], T, [D_SE])
    r_ct = analytic.charge_transfer_resistance_ohm_m2(I0, 0.5, 0.5, T)
    c_dl = double_layer_F_m2()
    z_d = analytic.finite_space_warburg_impedance_ohm_m2(frequency_Hz, U_SLOPE, sites_m3, L_IE,
                                                         D_IE)
    return (analytic.bulk_rc_impedance_ohm_m2(frequency_Hz, sigma, EPS, L_SE)
            + 1 / (1 / r_ct + 1j * w * c_dl) + 1 / (1 / (r_ct + z_d) + 1j * w * c_dl))


def test_finite_space_warburg_limits():
    """The oracle's own limits: R_d/3 + 1/(i w C_int) for w tau << 1, with C_int = tau/R_d,
    and the semi-infinite Warburg R_d/sqrt(i w tau) for w tau >> 1."""
    sites, tau = 3e28, L_IE**2 / D_IE
    r_d = -U_SLOPE * L_IE / (analytic._E * sites * D_IE)
    c_int = analytic.chemical_capacitance_F_m2(U_SLOPE, sites, L_IE)
    assert c_int == pytest.approx(tau / r_d, rel=1e-12)
    low, high = 1e-6 / tau, 1e4 / tau
    z = analytic.finite_space_warburg_impedance_ohm_m2([low, high], U_SLOPE, sites, L_IE, D_IE)
    assert z[0] == pytest.approx(r_d / 3 + 1 / (2j * np.pi * low * c_int), rel=1e-9)
    assert z[1] == pytest.approx(r_d / np.sqrt(2j * np.pi * high * tau), rel=1e-9)


def test_electrode_diffusion_matches_finite_space_warburg_at_second_order():
    """From the chemical capacitance (w tau = 6e-3) to the Warburg regime (w tau = 63): within
    3e-3 on 64 electrode cells (refine 4; (|k| h)^2/12 = 1.3e-3 at 1 Hz), and the error falls
    ~4x per mesh halving (measured 4.00)."""
    f = log_frequencies(1e-4, 1.0, 2)
    errors = []
    for refine in (3, 4):
        sp, sites = spectrum(electrode_cell(f, refine))
        errors.append(np.abs(sp.impedance_ohm_m2 / exact_cell_impedance(f, sites) - 1))
    assert np.max(errors[1]) < 3e-3
    assert np.min(errors[0] / errors[1]) > 3.5


def test_low_frequency_capacitance_follows_the_work_function():
    """As w -> 0 the cell stores C_int + C_dl (1 - Phi'/(e U')) per volt: the electrode's
    potential phi = V - (Phi(theta) - Phi_Li)/e moves with its composition, and so does the
    charge of its double layer. With Phi' = 1 eV (11 C_dl instead of C_dl: 7e-4 of C) the
    computed capacitance matches within 1e-6 (the linearisation takes Phi(theta_s) into
    account; the time loop updates it one step behind)."""
    f = 1e-5
    sp, sites = spectrum(electrode_cell([f], refine=2, work_function_slope_eV=1.0))
    computed = -1 / (2 * np.pi * f * sp.impedance_ohm_m2[0].imag)
    c_int = analytic.chemical_capacitance_F_m2(U_SLOPE, sites, L_IE)
    exact = c_int + double_layer_F_m2() * (1 - 1.0 / U_SLOPE)
    assert computed == pytest.approx(exact, rel=1e-6)
    assert abs(computed / (c_int + double_layer_F_m2()) - 1) > 5e-4  # Phi held fixed


def test_li_lipon_lco_turns_capacitive_at_low_frequency():
    """cases/li_lipon_lco_impedance.toml: Im Z < 0 at every frequency; at 1 uHz the cell is the
    LiCoO2 chemical capacitance C_int = e N L/(-dU/dtheta) in series with its DC resistance
    (LiPON with the anion blocked, L/sigma_Li+ = 1400 Ohm cm^2, the two charge transfers and
    R_d/3). theta = 0.8 is a node of the OCV table: dU/dtheta is the mean of the adjacent
    slopes (-0.5 and -0.17 V), C_int = 0.742 F/cm^2. Within 1e-2: the rest is the double
    layers (5e-4 of C) and the anion's concentration polarisation, not yet DC at 1 uHz
    (w tau ~ 0.1: 6e-4 of Re Z). Re Z(1 mHz) lies above the LiPON bulk plateau."""
    f = np.concatenate([[1e-6], log_frequencies(1e-3, 1e7, 4)])
    case = load_case("cases/li_lipon_lco_impedance.toml",
                     [f"study.frequencies_Hz = {[float(x) for x in f]}"])
    sp, stepper = impedance_spectrum(case)
    stepper.solver.close()
    assert np.all(sp.impedance_ohm_m2.imag < 0)
    lco, region = case.region_materials["lco"], case.region("lco")
    theta, d = region.li_fraction, 1e-6
    ocv = lco.tables["open_circuit_potential_V"]
    slope = (ocv(theta + d) - ocv(theta - d)) / (2 * d)
    sites = lco.parameter("li_site_density_m3")
    c_int = analytic.chemical_capacitance_F_m2(slope, sites, region.thickness_m)
    assert c_int * 1e-4 == pytest.approx(0.742, rel=1e-3)
    computed = -1 / (2 * np.pi * f[0] * sp.impedance_ohm_m2[0].imag)
    assert computed == pytest.approx(c_int, rel=1e-2)
    li_plus = case.region_materials["lipon"].species["Li_plus"]
    sigma = analytic.nernst_einstein_conductivity_S_m(
        [analytic.SpeciesSpec(1, li_plus.bulk_concentration_m3.value)], case.temperature_K,
        [li_plus.diffusivity_m2_s.value])
    r_ct = sum(analytic.charge_transfer_resistance_ohm_m2(i0, 0.5, 0.5, case.temperature_K)
               for i0 in (5.75, 3.76))
    diffusivity = float(lco.tables["chemical_diffusivity_m2_s"](theta))
    r_d = -slope * region.thickness_m / (analytic._E * sites * diffusivity)
    dc = case.region("lipon").thickness_m / sigma + r_ct + r_d / 3
    assert sp.impedance_ohm_m2[0].real == pytest.approx(dc, rel=1e-2)
    re = dict(zip(sp.frequency_Hz.round(9), sp.re_ohm_cm2, strict=True))
    assert re[1e-3] > re[1e3] == pytest.approx(326.0, rel=0.01)
