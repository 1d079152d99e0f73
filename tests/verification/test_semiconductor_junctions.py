"""Space charge on both sides of a junction, in semiconducting regions (issue 15 item 1, the
building block): doped Si-like regions given by their defect chemistry, with electrons and holes
at a common Fermi level (equilibrium, electronic = "extrinsic" at one Li potential).

Oracles (pnp_ssb.analytic.walls.general_heterojunction, poisson_boltzmann):
- an Anderson n | p heterojunction: each bulk at its derived phi0 (the built-in potential is
  their difference), depletion on both sides, phi(x) exact from the first integral on each side;
- a Mott–Schottky layer: an n-type region at a blocking contact biased in depletion, its charge
  the first integral's, and 1/C^2 with the Mott–Schottky slope 2/(e eps0 eps_r N_D).
Tolerances: the default mesh's error is ~1e-3 of a layer's drop (test_heterojunction.py), the
fixed fine mesh's 2e-4 of a charge (so 2e-3 on C, a difference of charges). Mott–Schottky holds
where the layer is depleted of electrons and not yet inverted by holes (p_b = 1e10 m^-3): at
0.25-0.45 V the exact slope of 1/C^2 is within 3e-4 of it (4 % off at 0.3-0.6 V, where the
holes begin to gather), so the fitted slope is checked to 1e-2.
"""

import numpy as np
import pytest

from pnp_ssb import analytic
from pnp_ssb.constants import ELEMENTARY_CHARGE_C, VACUUM_PERMITTIVITY_F_M
from tests.materials.defect_materials import defect, defect_material, mobile, state

T, EPS, GAP, N_C, N_V, DOPING = 300.0, 11.7, 1.12, 2.8e25, 1.04e25, 1e22
LENGTH = 1.2e-6


def semiconductor(dopant_charge: int) -> dict:
    """A Si-like region with 1e22 m^-3 of a frozen dopant and a mobile spectator (~1e16 m^-3)
    whose charge is the dopant's opposite, so that a depletion layer depletes it as well."""
    spectator = "V_Li" if dopant_charge > 0 else "Li_i"
    z = -dopant_charge
    energy = 1.655 if z < 0 else 0.56  # E_f at the VBM: ~1e16 m^-3 at E_F = 0.915 / 0.180 eV
    defects = {"dopant": defect(1, 0, state(dopant_charge, 0.0), frozen_m3=DOPING),
               spectator: defect(1, z, state(z, energy, spectator))}
    return defect_material(defects, {spectator: mobile(z, z, sites_m3=2.5e28)}, gap_eV=GAP,
                           n_c_m3=N_C, n_v_m3=N_V, affinity_eV=4.05, volume_A3=40.0, eps_r=EPS)


def region(name: str, material: str) -> dict:
    return {"name": name, "material": material, "thickness_m": LENGTH,
            "electronic": "extrinsic", "li_potential_V": 0.0}


def species_of(segment, end: int) -> list[analytic.SpeciesSpec]:
    """The bulk (the segment's node ``end``) as oracle species: spectator, electrons, holes."""
    spectator = "V_Li" if "V_Li" in segment.c_m3 else "Li_i"
    return [analytic.SpeciesSpec(z, float(segment.c_m3[n][end])) for n, z in
            ((spectator, 1 if spectator == "Li_i" else -1), ("electron", -1), ("hole", 1))]


def test_anderson_n_p_heterojunction(solve):
    data = {"name": "anderson", "temperature_K": T, "study": {"type": "equilibrium"},
            "regions": [region("n_side", "n_type"), region("p_side", "p_type")],
            "materials": {"n_type": semiconductor(1), "p_type": semiconductor(-1)},
            "boundaries": {"left": {"type": "reservoir"}, "right": {"type": "reservoir"}},
            "output": {"figures": False, "fields": "none"}}
    sol = solve(data)
    assert sol.converged
    vt = sol.profile.thermal_voltage_V
    a, b = sol.profile.segment("n_side"), sol.profile.segment("p_side")
    phi_a, phi_b = a.psi[0] * vt, b.psi[-1] * vt
    species_a, species_b = species_of(a, 0), species_of(b, -1)
    assert species_a[1].bulk_concentration_m3 == pytest.approx(DOPING, rel=1e-3)
    assert species_b[2].bulk_concentration_m3 == pytest.approx(DOPING, rel=1e-3)
    exact = analytic.general_heterojunction(phi_a, species_a, EPS, phi_b, species_b, EPS, T)
    built_in = phi_b - phi_a
    assert built_in < -0.5  # the p side's vacuum level lies below: a real junction
    for seg in (a, b):
        phi = seg.psi * vt
        assert np.max(np.abs(phi - exact.potential_V(seg.x_m - LENGTH))) < 1e-3 * abs(built_in)
    # depletion on both sides: electrons on the n side, holes on the p side
    assert a.c_m3["electron"][-1] < 1e-2 * DOPING and b.c_m3["hole"][0] < 1e-2 * DOPING
    # the reported drops, phi_i - phi_bulk on each side, split the built-in potential as exact
    drops = {s.region: s.drop_V for s in sol.layers["n_side|p_side"]}
    assert drops["n_side"] - drops["p_side"] == pytest.approx(built_in, rel=1e-9)
    assert drops["n_side"] == pytest.approx(exact.phi_interface_V - phi_a, rel=2e-3)


def test_mott_schottky_layer_at_a_blocking_contact(solve):
    def run(bias_V: float):
        data = {"name": "mott_schottky", "temperature_K": T, "study": {"type": "equilibrium"},
                "regions": [region("sc", "n_type")], "materials": {"n_type": semiconductor(1)},
                "boundaries": {"left": {"type": "blocking", "potential_vs_bulk_V": bias_V},
                               "right": {"type": "reservoir"}},
                # one mesh for every bias: C is a difference of charges
                "mesh": {"error_control": "off", "min_cell_m": 1e-9, "growth_ratio": 1.05},
                "output": {"figures": False, "fields": "none"}}
        return solve(data)

    biases = (-0.25, -0.35, -0.45)
    inverse_square = []
    for bias in biases:
        sol = run(bias)
        seg = sol.profile.segment("sc")
        species = species_of(seg, -1)
        sigma = analytic.surface_charge_C_m2(bias, species, EPS, T)
        assert sol.electrode_charge_C_m2["left"] == pytest.approx(sigma, rel=2e-3)
        h = 5e-3
        c = (run(bias + h).electrode_charge_C_m2["left"]
             - run(bias - h).electrode_charge_C_m2["left"]) / (2 * h)
        exact_c = analytic.differential_capacitance_F_m2(bias, species, EPS, T)
        assert c == pytest.approx(exact_c, rel=2e-3)
        inverse_square.append(1 / c**2)
    slope = np.polyfit(biases, inverse_square, 1)[0]
    mott_schottky = 2 / (ELEMENTARY_CHARGE_C * VACUUM_PERMITTIVITY_F_M * EPS * DOPING)
    assert abs(slope) == pytest.approx(mott_schottky, rel=1e-2)
