"""A collector | mixed-conducting electrode | electrolyte cell for the mixed-conductor tests,
with its exact solution on both sides of each contact (no DOLFINx)."""

from typing import Any

from pnp_ssb import analytic
from pnp_ssb.physics.electrodes import reference_work_function_eV
from tests.conftest import electrolyte_material

T = 300.0
THETA = 0.5
N_LI = 1e26  # Li sites of the electrode (m^-3): with its electrons, lambda = 0.53 nm at eps 10
EPS_E, EPS_SE = 10.0, 20.0
C_SE = 1e25  # the electrolyte's Boltzmann cation and anion: lambda = 1.2 nm
PHI0_SE = 1.0  # the electrolyte's neutrality potential vs Li (V)
U_E = 3.8  # the electrode's OCV at THETA (V vs Li/Li+)
PHI_E_EV, PHI_COLLECTOR_EV = 5.1, 5.3  # work functions: electrode, collector
L_COLLECTOR, L_E, L_SE = 20e-9, 60e-9, 60e-9


def table(value: float, unit: str) -> dict:
    return {"theta": [0.0, 1.0], "value": [value, value], "unit": unit, "status": "assumed",
            "reason": "test"}


def electrode(site_factor: float = 1.0) -> dict[str, Any]:
    """An insertion electrode with N_e = site_factor * N_Li redox sites."""
    return {"kind": "insertion_electrode", "description": "mixed-conductor test electrode",
            "parameters": {"li_site_density_m3": N_LI, "relative_permittivity": EPS_E,
                           "electron_site_density_m3": site_factor * N_LI},
            "tables": {"open_circuit_potential_V": table(U_E, "V"),
                       "work_function_eV": table(PHI_E_EV, "eV")}}


def mixed_cell(*, site_factor: float = 1.0, electronic: str = "mixed_conductor",
               mesh: dict | None = None) -> dict[str, Any]:
    """collector | electrode (mixed or ideal) | electrolyte, the electrolyte's far end its
    neutral bulk (a reservoir), at equilibrium."""
    return {
        "name": "mixed_cell", "temperature_K": T, "study": {"type": "equilibrium"},
        "regions": [{"name": "collector", "material": "collector", "thickness_m": L_COLLECTOR},
                    {"name": "electrode", "material": "electrode", "thickness_m": L_E,
                     "li_fraction": THETA, "electronic": electronic},
                    {"name": "se", "material": "se", "thickness_m": L_SE}],
        "materials": {"collector": {"kind": "metal", "description": "test collector",
                                    "parameters": {"work_function_eV": PHI_COLLECTOR_EV}},
                      "electrode": electrode(site_factor),
                      "se": electrolyte_material(
                          {"cation": {"charge": 1, "li_stoichiometry": 1,
                                      "statistics": "boltzmann", "mobility_exponent": 0,
                                      "site_density_m3": 1e29, "bulk_concentration_m3": C_SE,
                                      "diffusivity_m2_s": 1e-13},
                           "anion": {"charge": -1, "li_stoichiometry": 0,
                                     "statistics": "boltzmann", "mobility_exponent": 0,
                                     "site_density_m3": 1e29, "bulk_concentration_m3": C_SE,
                                     "diffusivity_m2_s": 1e-13}}, EPS_SE, PHI0_SE)},
        "boundaries": {"left": {"type": "terminal"}, "right": {"type": "reservoir"}},
        "mesh": mesh or {},
        "output": {"figures": False, "fields": "none"},
    }


def electrode_bulk_V() -> float:
    """phi_b = U(theta) - (Phi - Phi_Li)/e: the electrode's vacuum potential."""
    return U_E - (PHI_E_EV - reference_work_function_eV())


def collector_V() -> float:
    """The collector's vacuum potential at the electrode's Fermi level."""
    return U_E - (PHI_COLLECTOR_EV - reference_work_function_eV())


def electrode_species(site_factor: float = 1.0, theta: float = THETA
                      ) -> list[analytic.SpeciesSpec]:
    """Li+ and electrons, lattice gases at theta on their sites."""
    n_e = site_factor * N_LI
    return [analytic.SpeciesSpec(1, theta * N_LI, N_LI, "lattice_gas"),
            analytic.SpeciesSpec(-1, theta * n_e, n_e, "lattice_gas")]


ELECTROLYTE_SPECIES = [analytic.SpeciesSpec(1, C_SE), analytic.SpeciesSpec(-1, C_SE)]


def junction(theta: float = THETA, dipole_V: float = 0.0) -> analytic.GeneralHeterojunction:
    """The electrode | electrolyte contact, both sides semi-infinite (electrode at x < 0)."""
    return analytic.general_heterojunction(electrode_bulk_V(), electrode_species(1.0, theta),
                                           EPS_E, PHI0_SE, ELECTROLYTE_SPECIES, EPS_SE, T,
                                           dipole_V)


def collector_layer_V(distance_m, theta: float = THETA):
    """The electrode's layer at the collector: the first integral from the collector's
    potential (vacuum level continuous at the metal contact)."""
    phi_b = electrode_bulk_V()
    return phi_b + analytic.profile_by_quadrature(
        collector_V() - phi_b, electrode_species(1.0, theta), EPS_E, T, distance_m)
