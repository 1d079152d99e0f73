"""Post-processing of a solved case: the typed results, the 1D profile and the charge balance,
on the bundled Gouy–Chapman layer (exact solution: pnp_ssb.analytic.gouy_chapman)."""

from pathlib import Path

import numpy as np
import pytest

from pnp_ssb.analysis.postprocess import gather_profile_1d
from pnp_ssb.analysis.summary import summary
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.steady import solve_case

CASES = Path(__file__).resolve().parents[2] / "cases"


@pytest.fixture(scope="module")
def solution():
    return solve_case(load_case(CASES / "gouy_chapman.toml"))


def test_typed_results_of_an_equilibrium_solve(solution):
    assert solution.converged and solution.failure == ""
    assert solution.kinetics == [] and solution.contacts == []  # no electrodes
    assert solution.maps == ()  # 1D
    assert solution.current_control is None and solution.li_balance is None
    assert solution.transient is None and solution.impedance is None
    assert solution.error_control is not None and solution.error_control["estimate_V"] > 0


def test_profile_holds_the_boundary_potential(solution):
    """The left end's Dirichlet value, and the bulk's at the reservoir: psi is exact there."""
    profile = gather_profile_1d(solution.problem)
    (seg,) = profile.segments
    vt = profile.thermal_voltage_V
    psi0 = solution.model.regions[0].bulk_potential
    assert seg.psi[np.argmin(seg.x_m)] * vt == pytest.approx((psi0 * vt) + 0.1, abs=1e-12)
    assert np.all(np.diff(seg.x_m) > 0)


def test_charge_balance_and_summary(solution):
    """Electrode charge + space charge = 0 (Gauss's law over the cell), and summary.json
    reports the same numbers the Solution holds."""
    data = summary(solution)
    sigma_e = sum(solution.electrode_charge_C_m2.values())
    sigma_sc = sum(solution.space_charge_C_m2.values())
    assert abs(sigma_e + sigma_sc) <= 1e-6 * abs(sigma_e)
    assert data["converged"] is True and data["num_dofs"] == solution.num_dofs
    assert data["warnings"] == solution.warnings
