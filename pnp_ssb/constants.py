"""Physical constants (CODATA 2018; e, k_B and N_A are exact by the 2019 SI) and derived scales."""

import math

ELEMENTARY_CHARGE_C = 1.602176634e-19
BOLTZMANN_J_K = 1.380649e-23
AVOGADRO_MOL = 6.02214076e23
VACUUM_PERMITTIVITY_F_M = 8.8541878128e-12


def thermal_voltage_V(temperature_K: float) -> float:
    """Thermal voltage kT/e in V."""
    return BOLTZMANN_J_K * temperature_K / ELEMENTARY_CHARGE_C


def debye_length_m(relative_permittivity: float, ionic_strength_m3: float,
                   temperature_K: float) -> float:
    """Debye length lambda = sqrt(eps0 eps_r kT / (e^2 sum_k z_k^2 c_k)) in m.

    Args:
        relative_permittivity: eps_r (1).
        ionic_strength_m3: sum_k z_k^2 c_k in m^-3.
        temperature_K: T in K.
    """
    return math.sqrt(VACUUM_PERMITTIVITY_F_M * relative_permittivity
                     * BOLTZMANN_J_K * temperature_K
                     / (ELEMENTARY_CHARGE_C**2 * ionic_strength_m3))
