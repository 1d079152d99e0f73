"""Inline materials with a [defect_chemistry] (database format, plain numbers) for the tests."""

from typing import Any


def state(charge: int, energy_eV: float, species: str = "", degeneracy: int = 1) -> dict:
    """One charge state of a defect."""
    out: dict[str, Any] = {"charge": charge, "formation_energy_eV": energy_eV,
                           "degeneracy": degeneracy}
    return {**out, "species": species} if species else out


def defect(sites: int, li: int, *states: dict, frozen_m3: float | None = None) -> dict:
    """A defect with ``sites`` per cell that adds ``li`` Li atoms."""
    out: dict[str, Any] = {"sites_per_cell": sites, "li_stoichiometry": li,
                           "charge_states": list(states)}
    return {**out, "frozen_concentration_m3": frozen_m3} if frozen_m3 else out


def mobile(charge: int, li: int, sites_m3: float = 1e28, d_m2_s: float = 1e-14) -> dict:
    """A mobile species whose bulk concentration a charge state feeds."""
    return {"charge": charge, "li_stoichiometry": li, "statistics": "boltzmann",
            "mobility_exponent": 0, "site_density_m3": sites_m3, "diffusivity_m2_s": d_m2_s}


def defect_material(defects: dict, species: dict, *, gap_eV: float = 5.0, n_c_m3: float = 1e25,
                    n_v_m3: float = 1e25, affinity_eV: float = 1.0, volume_A3: float = 100.0,
                    eps_r: float = 20.0, name: str = "se_defects") -> dict:
    """A solid electrolyte given by its defects (cell volume in A^3)."""
    return {
        "name": name, "kind": "solid_electrolyte", "description": "electrolyte by its defects",
        "parameters": {"relative_permittivity": eps_r, "band_gap_eV": gap_eV,
                       "electron_affinity_eV": affinity_eV,
                       "effective_dos_conduction_m3": n_c_m3, "effective_dos_valence_m3": n_v_m3},
        "species": species,
        "defect_chemistry": {"cell_volume_m3": {"value": volume_A3, "unit": "A^3",
                                                "status": "assumed", "reason": "test cell"},
                             "defects": defects},
    }


# Li_i^+ on 2 sites and V_Li^- on 1 site per 100 A^3: E_F = 4 eV - U + (kT/2) ln 2, both
# formed at ~0.2 eV (~5e24 m^-3, a 1.5 nm Debye length at eps_r 20)
FRENKEL_ENERGIES_EV = (-3.8, 4.2)
FRENKEL = {"Li_i": defect(2, 1, state(1, FRENKEL_ENERGIES_EV[0], "Li_i")),
           "V_Li": defect(1, -1, state(-1, FRENKEL_ENERGIES_EV[1], "V_Li"))}
FRENKEL_SPECIES = {"Li_i": mobile(1, 1), "V_Li": mobile(-1, -1)}
