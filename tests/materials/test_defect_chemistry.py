"""The bulk defect equilibrium (py-sc-fermi behind pnp_ssb.materials.defect_equilibrium).

Oracles: py-sc-fermi's own worked example (its NaCl tutorial), and the closed forms of
pnp_ssb.analytic.defects. Tolerances: py-sc-fermi solves neutrality by Brent's method to
~1e-12 eV; its Fermi-Dirac carriers differ from the closed forms' Boltzmann ones by
exp(-(distance to the band edge)/kT) relative, < 1e-5 in the cases below, so E_F to 1e-6 eV.
"""

import math

import pytest

from pnp_ssb import analytic
from pnp_ssb.constants import thermal_voltage_V
from pnp_ssb.materials import database as matdb
from tests.materials.defect_materials import (
    FRENKEL,
    FRENKEL_ENERGIES_EV,
    FRENKEL_SPECIES,
    defect,
    defect_material,
    mobile,
    state,
)

VOLUME_M3 = 100e-30


def material(defects=FRENKEL, species=FRENKEL_SPECIES, **kw):
    return matdb.material_from_dict(defect_material(defects, species, **kw), origin="test")


def test_py_sc_fermi_nacl_tutorial():
    """py-sc-fermi's tutorial (docs/source/tutorial.ipynb): NaCl with V_Na (0: 1 eV, -1: 2 eV)
    and V_Cl (0: 1 eV, +1: -1 eV), one site each in 46.10 A^3, Eg 5 eV, 500 K, reports
    E_F = 1.5000000000000888 eV and 1.9793602850305018e17 cm^-3 of each vacancy."""
    defects = {"v_Na": defect(1, 0, state(0, 1.0), state(-1, 2.0, "vNa")),
               "v_Cl": defect(1, 0, state(0, 1.0), state(1, -1.0, "vCl"))}
    species = {"vNa": mobile(-1, 0), "vCl": mobile(1, 0)}
    eq = matdb.defect_bulk_equilibrium(material(defects, species, volume_A3=46.10), 500.0)
    assert eq.fermi_level_eV == pytest.approx(1.5, abs=1e-9)
    for name in ("v_Na", "v_Cl"):
        assert eq.defect_total_m3(name) * 1e-6 == pytest.approx(1.9793602850305018e17, rel=1e-8)


@pytest.mark.parametrize("net_donors_m3", [-1e20, -1e18, 0.0, 1e18, 1e20])
def test_frozen_donor_and_acceptor_with_intrinsic_carriers(net_donors_m3):
    """Frozen D^+ and A^- (N_D - N_A given) compensated by electrons and holes: the
    asinh closed form (Eg 2 eV, so E_F stays >= 0.3 eV from the band edges)."""
    n_a = 1e19
    n_d = n_a + net_donors_m3 if net_donors_m3 > -n_a else 1e17
    n_a = n_d - net_donors_m3
    defects = {"D": defect(1, 0, state(1, 0.0), frozen_m3=n_d),
               "A": defect(1, 0, state(-1, 0.0), frozen_m3=n_a),
               "Li_i": defect(1, 1, state(1, 3.0, "Li_i"))}  # ~1e-22 m^-3: a spectator
    gap, n_c, n_v, T = 2.0, 2e25, 1e25, 300.0
    eq = matdb.defect_bulk_equilibrium(material(defects, {"Li_i": mobile(1, 1)}, gap_eV=gap, n_c_m3=n_c,
                                   n_v_m3=n_v), T)
    kt = thermal_voltage_V(T)
    exact = analytic.compensated_fermi_level_eV(gap, n_c, n_v, n_d - n_a, kt)
    assert eq.fermi_level_eV == pytest.approx(exact, abs=1e-6)
    n_i = analytic.intrinsic_density_m3(gap, n_c, n_v, kt)
    assert eq.electrons_m3 * eq.holes_m3 == pytest.approx(n_i**2, rel=1e-4)
    assert eq.concentrations_m3[("D", 1)] == pytest.approx(n_d, rel=1e-12)


@pytest.mark.parametrize("li_potential_V", [0.0, 1.0, 2.0, 3.0])
def test_frenkel_pair_follows_mu_li_and_fixes_phi0(li_potential_V):
    """Li_i^+ and V_Li^- alone: E_F - (-eU) is fixed, so the neutrality potential is the same
    at every U, and each concentration is N exp(-E_f/kT) at the closed-form E_F."""
    T = 300.0
    kt = thermal_voltage_V(T)
    base = material()
    eq = matdb.defect_bulk_equilibrium(base, T, li_potential_V)
    e_i, e_v = FRENKEL_ENERGIES_EV
    exact = analytic.frenkel_pair_fermi_level_eV(e_i, e_v, 2 / VOLUME_M3, 1 / VOLUME_M3,
                                                 li_potential_V, kt)
    assert eq.fermi_level_eV == pytest.approx(exact, abs=1e-6)
    c_i = analytic.boltzmann_defect_m3(2 / VOLUME_M3, 1, e_i + exact + li_potential_V, kt)
    assert eq.concentrations_m3[("Li_i", 1)] == pytest.approx(c_i, rel=1e-4)
    at_zero = matdb.defect_bulk_equilibrium(base, T, 0.0).neutrality_potential_V
    assert eq.neutrality_potential_V == pytest.approx(at_zero, abs=1e-6)
    # phi0 = E_F - Eg - EA + Phi_Li + eU (Phi_Li from the database's Li)
    phi_li = matdb.load_material("Li").parameter("work_function_eV")
    assert eq.neutrality_potential_V == pytest.approx(exact - 5.0 - 1.0 + phi_li
                                                      + li_potential_V, abs=1e-6)


def test_a_frozen_donor_pins_the_fermi_level_where_electrons_compensate_it():
    """A frozen donor (1e26 m^-3) and mobile V_Li^- (4.2 eV, 1e28 sites), Eg 3 eV. Li-poor
    (U = 3 V) the vacancies compensate the donor: [V_Li] = N_D, E_F = 4.2 eV - U - kT ln(N/N_D)
    follows U and phi0 stays put. Li-rich (U = 0) electrons compensate it: E_F is pinned at
    Eg - kT ln(N_c/N_D) (Brouwer's electronic regime) and phi0 moves with U."""
    n_d, n_c, gap, T, dU = 1e26, 1e28, 3.0, 300.0, 1e-3
    defects = {"V_Li": FRENKEL["V_Li"], "D": defect(1, 0, state(1, 0.0), frozen_m3=n_d)}
    base = material(defects, {"V_Li": FRENKEL_SPECIES["V_Li"]}, gap_eV=gap, n_c_m3=n_c)
    kt = thermal_voltage_V(T)

    def slope(u):
        return (matdb.defect_bulk_equilibrium(base, T, u + dU).neutrality_potential_V
                - matdb.defect_bulk_equilibrium(base, T, u - dU).neutrality_potential_V) / (2 * dU)

    ionic, pinned = matdb.defect_bulk_equilibrium(base, T, 3.0), matdb.defect_bulk_equilibrium(base, T, 0.0)
    assert ionic.concentrations_m3[("V_Li", -1)] == pytest.approx(n_d, rel=1e-6)
    assert ionic.fermi_level_eV == pytest.approx(4.2 - 3.0 - kt * math.log(1e28 / n_d),
                                                 abs=1e-6)
    assert slope(3.0) == pytest.approx(0.0, abs=1e-6)
    # n = N_c / (1 + exp((Eg - E_F)/kT)) = N_D (py-sc-fermi's Fermi-Dirac), 0.12 eV below the CBM
    assert pinned.fermi_level_eV == pytest.approx(gap - kt * math.log(n_c / n_d - 1), abs=1e-6)
    assert slope(0.0) == pytest.approx(1.0, abs=1e-6)


def test_derived_values_carry_their_provenance():
    m = material()
    c = m.species["Li_i"].bulk_concentration_m3
    assert c.status == "derived" and "py-sc-fermi" in c.reason
    phi0 = m.parameters["neutrality_potential_vs_li_V"]
    assert phi0.status == "derived"
    at_350 = matdb.resolve_defect_chemistry(m, 350.0, 0.5)
    assert "350 K" in at_350.species["V_Li"].bulk_concentration_m3.reason
    assert at_350.species["V_Li"].bulk_concentration_m3.value != c.value


def _error(data) -> str:
    with pytest.raises(matdb.MaterialError) as info:
        matdb.material_from_dict(data, origin="test")
    return str(info.value)


def test_bad_defect_inputs_name_the_field():
    good = defect_material(FRENKEL, FRENKEL_SPECIES)
    no_volume = {**good, "defect_chemistry": {"defects": FRENKEL}}
    assert "defect_chemistry.cell_volume_m3: missing" in _error(no_volume)
    given = {**good, "species": {**FRENKEL_SPECIES,
                                 "Li_i": {**mobile(1, 1), "bulk_concentration_m3": 1e24}}}
    assert "species.Li_i.bulk_concentration_m3" in _error(given)
    wrong_charge = {**good, "species": {**FRENKEL_SPECIES, "Li_i": mobile(2, 1)}}
    assert "a species with charge 1 and li_stoichiometry 1" in _error(wrong_charge)
    unknown = {**good, "defect_chemistry": {**good["defect_chemistry"], "defects": {
        **FRENKEL, "V_Li": defect(1, -1, state(-1, 4.2, "V_li"))}}}
    assert "'V_li': expected one of the material's species" in _error(unknown)
    phi0 = {**good, "parameters": {**good["parameters"], "neutrality_potential_vs_li_V": 1.0}}
    assert "derived from [defect_chemistry]" in _error(phi0)
    no_gap = {**good, "parameters": {k: v for k, v in good["parameters"].items()
                                     if k != "band_gap_eV"}}
    assert "parameters.band_gap_eV missing" in _error(no_gap)
    one_sign = {**good, "defect_chemistry": {**good["defect_chemistry"], "defects": {
        "Li_i": FRENKEL["Li_i"], "D": defect(1, 0, state(1, 0.0), frozen_m3=1e27)}},
        "species": {"Li_i": FRENKEL_SPECIES["Li_i"]}}
    assert "no neutral Fermi level" in _error(one_sign)


def test_overrides_of_derived_values_are_refused():
    m = material()
    with pytest.raises(matdb.MaterialError, match="derives it from its"):
        matdb.apply_overrides(m, {"species.Li_i.bulk_concentration_m3": 1e24}, origin="t")
    with pytest.raises(matdb.MaterialError, match="derives it from its"):
        matdb.apply_overrides(m, {"neutrality_potential_vs_li_V": 1.0}, origin="t")
