"""Space charge inside an insertion electrode (issue 15 item 1): the electrode as a mixed
ion–electron conductor (Li+ and electrons as lattice gases on their sites), against exact
solutions.

Oracles (tests/verification/mixed_cells.py, from pnp_ssb.analytic):
- the electrode | electrolyte contact: both sides semi-infinite, phi_i from Gauss with each
  side's first-integral charge (general_heterojunction), with and without a contact dipole;
- the collector | electrode contact: the electrode's own layer from the collector's vacuum
  potential (a Mott–Schottky-type layer, here of two lattice gases), by quadrature;
- the bulk: phi_b = U(theta) - (Phi - Phi_Li)/e, the ideal conductor's potential.
The layers (lambda = 0.53 and 1.2 nm) are 50-100 Debye lengths apart, so superposing the two
contacts' exact profiles is exact to e^-50. P1 on the graded mesh converges at second order in
the nodal values; the adaptive default meets its 1e-4 V tolerance.

The ideal conductor is the limit N_e -> infinity of the same model: the electrode's drop goes
as its screening length, N_e^-1/2, and drop_electrode * C_electrode tends to the ideal
electrode's charge (the linearised electrode layer, C = eps0 eps_r / lambda).
"""

import math

import numpy as np
import pytest

from pnp_ssb import analytic
from pnp_ssb.analysis.inventory import species_excess_per_m2
from pnp_ssb.constants import VACUUM_PERMITTIVITY_F_M
from pnp_ssb.input.fields import CaseError
from pnp_ssb.preflight import load_case
from tests.conftest import electrolyte_case
from tests.verification import mixed_cells as mc

X_J = mc.L_COLLECTOR + mc.L_E  # the electrode | electrolyte contact


def potentials(sol, region: str) -> tuple[np.ndarray, np.ndarray]:
    seg = sol.profile.segment(region)
    return seg.x_m, seg.psi * sol.profile.thermal_voltage_V


def solved_theta(sol) -> float:
    """The electrode's bulk theta after the Li balance (the Li+ its layers gave away)."""
    return sol.model.require_cell().li_fraction["electrode"]


def errors(sol, dipole_V: float = 0.0) -> tuple[float, float]:
    """Largest nodal errors: at the electrode | electrolyte contact (each side against its own
    branch of the exact profile) and at the collector contact, at the solved theta."""
    theta = solved_theta(sol)
    exact = mc.junction(theta, dipole_V)
    x_e, phi_e = potentials(sol, "electrode")
    x_s, phi_s = potentials(sol, "se")
    near_collector = x_e < mc.L_COLLECTOR + mc.L_E / 2
    left = exact.potential_V(np.minimum(x_e[~near_collector] - X_J, -1e-30))
    junction = max(np.max(np.abs(phi_e[~near_collector] - left)),
                   np.max(np.abs(phi_s - exact.potential_V(x_s - X_J))))
    collector = np.max(np.abs(phi_e[near_collector] - mc.collector_layer_V(
        x_e[near_collector] - mc.L_COLLECTOR, theta)))
    return float(junction), float(collector)


@pytest.mark.parametrize("dipole_V", [0.0, -0.4])
def test_both_sides_of_each_contact_are_exact(solve, dipole_V):
    """Space charge on both sides of the electrode | electrolyte contact and inside the
    electrode at its collector; a dipole step of -0.4 V (larger than the -0.19 V bulk-to-bulk
    step, same sign) turns the monotonic step into a peak on the electrode side and a dip on
    the electrolyte side, exactly as the first integrals give."""
    data = mc.mixed_cell()
    data["interfaces"] = {"electrode|se": {"dipole_V": dipole_V}}
    sol = solve(data)
    assert sol.converged
    exact = mc.junction(solved_theta(sol), dipole_V)
    step = mc.PHI0_SE - mc.electrode_bulk_V()
    junction, collector = errors(sol, dipole_V)
    assert junction < 1e-3 * abs(step) and collector < 1e-3 * 0.2
    x_e, phi_e = potentials(sol, "electrode")
    assert phi_e[np.argmin(np.abs(x_e - (mc.L_COLLECTOR + mc.L_E / 2)))] == pytest.approx(
        mc.electrode_bulk_V(), abs=1e-9)  # the bulk sits at the ideal conductor's potential
    sides = {s.region: s.drop_V for s in sol.layers["electrode|se"]}
    assert sides["electrode"] == pytest.approx(exact.phi_interface_V - mc.electrode_bulk_V(),
                                               abs=2e-4)
    assert sides["electrode"] + dipole_V - sides["se"] == pytest.approx(step, abs=1e-9)
    if dipole_V:  # overshoot on both sides: Li+ leaves the electrode's layer for the electrolyte
        assert sides["electrode"] > 0.1 and sides["se"] < -0.05
    else:
        assert sides["electrode"] < 0 < sides["se"]


def test_second_order_under_refinement(solve):
    """Nodal error against the exact profiles, on the fixed graded mesh bisected 0, 1, 2 times."""
    worst = [max(errors(solve(mc.mixed_cell(mesh={"error_control": "off", "refine": k}))))
             for k in range(3)]
    rates = np.log2(np.array(worst[:-1]) / np.array(worst[1:]))
    assert np.all(rates > 1.8), (worst, rates)


def electrode_capacitance_F_m2(site_factor: float, theta: float = mc.THETA) -> float:
    """eps0 eps_r / lambda of the electrode's two lattice gases (their linear screening)."""
    return analytic.differential_capacitance_F_m2(
        0.0, mc.electrode_species(site_factor, theta), mc.EPS_E, mc.T)


def test_ideal_conductor_is_the_high_density_limit(solve):
    """N_e -> infinity: the electrode's drop vanishes as N_e^-1/2 and the electrolyte's
    profile tends to the ideal-conductor electrode's (electronic = 'none', today's model)."""
    ideal = solve(mc.mixed_cell(electronic="none"))
    x_ideal, phi_ideal = potentials(ideal, "se")
    (ideal_side,) = ideal.layers["electrode|se"]
    ideal_charge = analytic.surface_charge_C_m2(ideal_side.drop_V, mc.ELECTROLYTE_SPECIES,
                                                mc.EPS_SE, mc.T)
    factors = (1e4, 1e6, 1e8)
    drops, misfits, charge_errors = [], [], []
    for g in factors:
        sol = solve(mc.mixed_cell(site_factor=g))
        sides = {s.region: s.drop_V for s in sol.layers["electrode|se"]}
        drops.append(-sides["electrode"])
        x, phi = potentials(sol, "se")
        misfits.append(np.max(np.abs(np.interp(x_ideal, x, phi) - phi_ideal)))
        # the electrode's linear layer carries the ideal electrolyte layer's charge, up to
        # O(lambda_e): 0.18, 0.024, 0.0025 of it
        charge_errors.append(abs(-sides["electrode"] * electrode_capacitance_F_m2(
            g, solved_theta(sol))
                                 / ideal_charge - 1))
    slopes = np.diff(np.log(drops)) / np.diff(np.log(factors))
    assert slopes[-1] == pytest.approx(-0.5, abs=0.02) and slopes[0] < -0.4, slopes
    assert charge_errors[-1] < 5e-3 and 7 < charge_errors[-2] / charge_errors[-1] < 13
    # what is left of the electrode's drop shifts the electrolyte's whole profile
    assert misfits[-1] < 1.01 * drops[-1] and misfits[0] > misfits[1] > misfits[2]


def test_li_balance_gives_the_electrolyte_the_li_the_electrode_lost(solve):
    """The electrode's group keeps its electrons: the Li+ it lost, N_Li L (theta_0 - theta) -
    D_Li (its bulk's change and its layers'), is the electrolyte's space charge over e (the
    cell is neutral); with a sloped OCV the shift of theta moves the bulk potential."""
    data = mc.mixed_cell()
    data["materials"]["electrode"]["tables"]["open_circuit_potential_V"] = {
        **mc.table(0.0, "V"), "value": [mc.U_E + 0.5, mc.U_E - 0.5]}
    sol = solve(data)
    theta = sol.model.require_cell().li_fraction["electrode"]
    electrode = species_excess_per_m2(sol.problem, "electrode")
    se = species_excess_per_m2(sol.problem, "se")
    lost = mc.N_LI * mc.L_E * (mc.THETA - theta) - electrode["Li_electrode"]
    assert lost == pytest.approx(se["cation"] - se["anion"], rel=1e-9)
    assert theta < mc.THETA - 1e-3  # Li+ left: 0.3 % of the sites
    assert sol.li_balance is not None and sol.li_balance.theta_updates[-1] < 1e-13


def test_li_balance_beyond_a_full_lattice_is_a_clear_failure():
    """As-deposited LiCoO2 (theta = 0.9999) takes the Li+ a 1.08 V dipole pulls into its layer
    (theta 0.99996, the secant-accelerated balance), but not what 1.5 V would: the balance
    would need theta > 1, so the run fails with the last good state."""
    from pathlib import Path

    from pnp_ssb.solvers.newton import SolverError
    from pnp_ssb.studies.steady import solve_case

    path = Path(__file__).resolve().parents[2] / "cases" / "lco_lipon_mixed.toml"

    def case(dipole_V: float):
        return load_case(path, (f'interfaces."lco|lipon".dipole_V={dipole_V}',
                                "mesh.error_control=off"))

    taken = solve_case(case(1.08))
    assert 0.9999 < taken.model.require_cell().li_fraction["lco"] < 1.0
    with pytest.raises(SolverError, match="Li balance did not converge") as failure:
        solve_case(case(1.5))
    assert failure.value.solution.converged


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d["regions"].__setitem__(0, {**d["regions"][1], "name": "x"}), "regions[0]"),
    (lambda d: d["regions"][1].update(li_fraction=0.0), "regions[1].li_fraction"),
    (lambda d: d["regions"][1].update(li_potential_V=3.0), "regions[1].li_potential_V"),
    (lambda d: d["regions"][2].update(electronic="mixed_conductor"), "regions[2].electronic"),
    (lambda d: d["study"].update(type="ocv_sweep", ocv_V=[3.8]), "regions[1].electronic"),
    (lambda d: d["materials"]["electrode"]["parameters"].pop("relative_permittivity"),
     "relative_permittivity"),
])
def test_bad_mixed_conductor_input_names_the_field(change, field):
    data = mc.mixed_cell()
    change(data)
    with pytest.raises(CaseError, match=field.replace("[", r"\[").replace("]", r"\]")):
        load_case(data)


def test_dipole_between_charged_regions_needs_an_equilibrium_stack():
    data = electrolyte_case(left={"type": "blocking", "potential_V": 0.0},
                            right={"type": "blocking", "potential_V": 0.0}, study="steady_state")
    data["regions"].append({**data["regions"][0], "name": "second"})
    data["interfaces"] = {"electrolyte|second": {"dipole_V": 0.1}}
    with pytest.raises(CaseError, match=r"interfaces.electrolyte\|second.dipole_V"):
        load_case(data)


def test_screening_length_matches_the_lattice_gas_capacitance():
    """The capacitance the limit test uses is eps0 eps_r / lambda with lambda^-2 =
    e^2 sum_k N_k theta(1 - theta) / (eps0 eps_r kT): a check of the oracle itself."""
    kT_e = analytic.thermal_voltage_V(mc.T)
    inverse_sq = sum(sp.site_density_m3 * sp.occupancy * (1 - sp.occupancy)
                     for sp in mc.electrode_species()) * 1.602176634e-19 / (
        VACUUM_PERMITTIVITY_F_M * mc.EPS_E * kT_e)
    assert electrode_capacitance_F_m2(1.0) == pytest.approx(
        VACUUM_PERMITTIVITY_F_M * mc.EPS_E * math.sqrt(inverse_sq), rel=1e-9)
