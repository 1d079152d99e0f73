"""Closed forms of bulk defect equilibria (the oracles of pnp_ssb.materials.defect_equilibrium).

Energies in eV, concentrations in m^-3, kT in eV. Boltzmann statistics for every carrier:
n = N_c exp(-(Eg - E_F)/kT), p = N_v exp(-E_F/kT), E_F measured from the valence-band maximum.
"""

import math


def intrinsic_density_m3(gap_eV: float, n_c_m3: float, n_v_m3: float, kT_eV: float) -> float:
    """n_i = sqrt(N_c N_v) exp(-Eg / 2kT), m^-3."""
    return math.sqrt(n_c_m3 * n_v_m3) * math.exp(-gap_eV / (2.0 * kT_eV))


def compensated_fermi_level_eV(gap_eV: float, n_c_m3: float, n_v_m3: float,
                               net_donors_m3: float, kT_eV: float) -> float:
    """E_F of a semiconductor with frozen, fully ionised donors and acceptors, N_D - N_A.

    Neutrality n - p = N_D - N_A with n p = n_i^2 gives
    E_F = Eg/2 + (kT/2) ln(N_v/N_c) + kT asinh((N_D - N_A) / (2 n_i)).
    """
    n_i = intrinsic_density_m3(gap_eV, n_c_m3, n_v_m3, kT_eV)
    return (0.5 * gap_eV + 0.5 * kT_eV * math.log(n_v_m3 / n_c_m3)
            + kT_eV * math.asinh(net_donors_m3 / (2.0 * n_i)))


def frenkel_pair_fermi_level_eV(interstitial_energy_eV: float, vacancy_energy_eV: float,
                                interstitial_sites_m3: float, vacancy_sites_m3: float,
                                li_potential_V: float, kT_eV: float) -> float:
    """E_F where Li_i^+ and V_Li^- compensate each other (no electronic carriers, no dopants).

    With E_f(Li_i^+) = E_i + E_F + e U and E_f(V_Li^-) = E_v - E_F - e U (formation energies at
    the VBM and Li metal; U vs Li/Li+), [Li_i] = N_i exp(-E_f,i/kT) = [V_Li] = N_v exp(-E_f,v/kT):
    E_F = (E_v - E_i)/2 - e U + (kT/2) ln(N_i/N_v).
    """
    return (0.5 * (vacancy_energy_eV - interstitial_energy_eV) - li_potential_V
            + 0.5 * kT_eV * math.log(interstitial_sites_m3 / vacancy_sites_m3))


def boltzmann_defect_m3(sites_m3: float, degeneracy: int, formation_energy_eV: float,
                        kT_eV: float) -> float:
    """c = g N exp(-E_f / kT), m^-3."""
    return degeneracy * sites_m3 * math.exp(-formation_energy_eV / kT_eV)
