"""Exact solutions used as verification oracles (numpy only; written once, imported everywhere).

Conventions: SI units. ``x_m`` is measured from the charged wall (or reaction plane) into the
electrolyte, and potentials are relative to the electrolyte bulk (phi_bulk = 0) unless stated.
psi = e phi / kT is the potential in thermal units.

Model (formulation.md section 3). Species k has charge number z_k, bulk concentration c_b,k and
either Boltzmann statistics, mu~_k = g_k + kT ln(c_k/N_k) + z_k e phi, or lattice-gas statistics
on its own sites N_k, mu~_k = g_k + kT ln(c_k/(N_k - c_k)) + z_k e phi. At equilibrium with the
bulk (phi = 0, c = c_b) a species has

    c(phi) = c_b exp(-z psi)                                    (Boltzmann)
    c(phi) = N / (1 + ((N - c_b)/c_b) exp(z psi))               (lattice gas)

over an immobile background rho_fix = -e sum_k z_k c_b,k that makes the bulk neutral.
Poisson: -eps0 eps_r phi'' = rho(phi) = e sum_k z_k c_k(phi) + rho_fix.

The functions here are exact (closed form) or quadratures converged to ~1e-13; the numerics
avoid overflow and cancellation for |z psi| up to ~60 (expm1/log1p, series for small psi).

Modules (all re-exported here): ``poisson_boltzmann`` (species, screening, first integral,
profiles by quadrature), ``gouy_chapman`` (with Stern), ``sheet_charge`` (grain boundaries),
``walls`` (Debye–Hückel between walls, heterojunctions), ``impedance``, ``transport``,
``blocking_cell`` (the closed blocking cell by quadrature and conservation), ``relaxation``
(RC and ZARC elements and their distributions of relaxation times), ``interlayer`` (the
barrier-free interlayer thickness), ``defects`` (closed forms of bulk defect equilibria),
``slab_uptake`` (a solute diffusing into a slab from one face: lithiating collectors).
"""

from pnp_ssb.analytic.defects import (  # noqa: F401
    boltzmann_defect_m3,
    compensated_fermi_level_eV,
    frenkel_pair_fermi_level_eV,
    intrinsic_density_m3,
)
from pnp_ssb.analytic.gouy_chapman import (  # noqa: F401
    SternGouyChapman,
    gouy_chapman_capacitance_F_m2,
    gouy_chapman_debye_length_m,
    gouy_chapman_potential_V,
    gouy_chapman_surface_charge_C_m2,
    stern_gouy_chapman,
)
from pnp_ssb.analytic.impedance import (  # noqa: F401
    blocking_binary_impedance_ohm_m2,
    bulk_rc_impedance_ohm_m2,
    chemical_capacitance_F_m2,
    finite_space_warburg_impedance_ohm_m2,
    jamnik_maier_impedance_ohm_m2,
    jamnik_maier_step_response_ohm_m2,
    mixed_conductor_impedance_ohm_m2,
)
from pnp_ssb.analytic.interlayer import barrier_free_thickness_m  # noqa: F401
from pnp_ssb.analytic.poisson_boltzmann import (  # noqa: F401
    _E,
    _EPS0,
    _KB,
    FloatArray,
    SpeciesSpec,
    charge_density_C_m3,
    concentration_m3,
    debye_length_m,
    differential_capacitance_F_m2,
    electric_field_V_m,
    field_energy_J_m3,
    linear_screening_length_m,
    profile_by_quadrature,
    surface_charge_C_m2,
    thermal_voltage_V,
)
from pnp_ssb.analytic.relaxation import (  # noqa: F401
    rc_impedance_ohm_m2,
    zarc_distribution_ohm_m2,
    zarc_impedance_ohm_m2,
)
from pnp_ssb.analytic.sheet_charge import (  # noqa: F401
    grain_boundary_barrier_V,
    mott_schottky_barrier_V,
    mott_schottky_width_m,
)
from pnp_ssb.analytic.slab_uptake import (  # noqa: F401
    half_activity_depth_m,
    slab_activity,
    slab_uptake_fraction,
)
from pnp_ssb.analytic.transport import (  # noqa: F401
    butler_volmer_current_A_m2,
    butler_volmer_overpotential_V,
    butler_volmer_with_series_resistance_A_m2,
    charge_transfer_resistance_ohm_m2,
    nernst_einstein_conductivity_S_m,
    ohmic_current_density_A_m2,
)
from pnp_ssb.analytic.walls import (  # noqa: F401
    GeneralHeterojunction,
    Heterojunction,
    WallCharges,
    debye_huckel_closed_cell_V,
    debye_huckel_two_walls_V,
    debye_huckel_wall_charges_C_m2,
    general_heterojunction,
    heterojunction_gouy_chapman,
    symmetric_layer_potential_V,
)
