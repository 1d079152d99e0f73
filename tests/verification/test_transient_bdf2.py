"""Error-controlled BDF2 transients (study.time_scheme = 'bdf2', time_error_tolerance_V).

Tolerances: the charging curve is held to the same 1 % as under backward Euler (the model's
O(lambda_D/L) = 0.6 % dominates); the time error of the diffuse-layer drop against a run at a
100x tighter tolerance is within the requested tolerance times 3 (the issue's bound); every
accepted step's estimate is at most its target tol dt / t; Li in a closed cell is conserved to
1e-8 relative as under backward Euler (sum a_i = 0). (The restart test, both schemes, is
test_transient.py's.) On the Jamnik–Maier current
step: the observed order under fixed-step refinement, and the voltage's time error against a
tighter run between tol/10 and 3 tol.
"""

import itertools

import numpy as np
import pytest

from pnp_ssb import analytic
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case
from tests.verification.test_transient import EPS, C, D, L, T, charging_case, closed_cell, read_rows

TOLERANCE_V = 1e-5


def bdf2_charging(tau: float, tolerance_V: float = TOLERANCE_V) -> dict:
    data = charging_case(tau)
    data["study"].update(time_scheme="bdf2", time_error_tolerance_V=tolerance_V,
                         output_times_s=[tau, 2 * tau])
    return data


def test_bdf2_charging_meets_its_tolerance(tmp_path):
    lam = analytic.gouy_chapman_debye_length_m(C, EPS, T)
    tau = lam * L / D
    run_case(load_case(bdf2_charging(tau)), tmp_path / "run")
    run_case(load_case(bdf2_charging(tau, TOLERANCE_V / 100)), tmp_path / "reference")
    rows = read_rows(tmp_path / "run" / "timeseries.csv")
    ref = read_rows(tmp_path / "reference" / "timeseries.csv")
    q_eq = analytic.gouy_chapman_surface_charge_C_m2(0.005, C, EPS, T)
    for f in (1.0, 2.0, 3.0):
        k = int(np.argmin(np.abs(rows["time_s"] - f * tau)))
        assert rows["time_s"][k] == pytest.approx(f * tau, rel=1e-12)
        assert rows["charge_left_C_m2"][k] / q_eq == pytest.approx(1 - np.exp(-f), abs=1e-2)
        j = int(np.argmin(np.abs(ref["time_s"] - f * tau)))
        error = abs(rows["drop_left_electrolyte_V"][k] - ref["drop_left_electrolyte_V"][j])
        assert error < 3 * TOLERANCE_V
    judged = np.isfinite(rows["time_error_estimate_V"][1:])
    estimate, dt, t = (rows[k][1:][judged] for k in ("time_error_estimate_V", "dt_s", "time_s"))
    assert judged.sum() > 10 and np.all(estimate <= TOLERANCE_V * dt / t * (1 + 1e-12))
    assert len(rows["time_s"]) < len(ref["time_s"])


@pytest.mark.parametrize(("scheme", "order"), [("backward_euler", 1.0), ("bdf2", 2.0)])
def test_rc_charging_observed_order(tmp_path, scheme, order):
    """Constant steps tau/4, tau/8, tau/16 on the RC charging: the observed order of the
    charge at tau, 2 tau, 3 tau, log2(e_h / e_{h/2}) with e_h = max_t |q_h - q_{h/2}|, is the
    scheme's to 0.15."""
    lam = analytic.gouy_chapman_debye_length_m(C, EPS, T)
    tau = lam * L / D
    charges = []
    for n in (4, 8, 16):
        data = charging_case(tau)
        data["study"].update(time_scheme=scheme, initial_step_s=tau / n, max_step_s=tau / n)
        run_case(load_case(data), tmp_path / f"n{n}")
        rows = read_rows(tmp_path / f"n{n}" / "timeseries.csv")
        k = [int(np.argmin(np.abs(rows["time_s"] - f * tau))) for f in (1, 2, 3)]
        assert np.allclose(rows["time_s"][k], [tau, 2 * tau, 3 * tau], rtol=1e-9)
        charges.append(rows["charge_left_C_m2"][k])
    e = [np.max(np.abs(a - b)) for a, b in itertools.pairwise(charges)]
    assert abs(np.log2(e[0] / e[1]) - order) < 0.15, e


def test_bdf2_closed_cell_conserves_li(tmp_path):
    data = closed_cell(2.0, time_scheme="bdf2", time_error_tolerance_V=1e-4)
    data["boundaries"]["right"]["voltage_V"] = 0.25
    assert run_case(load_case(data), tmp_path).converged
    li = read_rows(tmp_path / "timeseries.csv")["li_inventory_mol_m2"]
    assert np.max(np.abs(li - li[0])) < 1e-8 * li[0]


def jamnik_maier_voltages(tmp_path, name: str, study: str) -> dict:
    """The galvanostatic step on Pt | MIEC | Pt (test_transient.py's Jamnik–Maier check) with
    ``study`` added to its study table; its timeseries."""
    from tests.verification.test_impedance import MIXED_CONDUCTOR
    from tests.verification.test_transient import mixed_conductor_polarisation

    overrides = mixed_conductor_polarisation(0.1)
    overrides[0] = overrides[0].replace("end_time_s = 0.3, max_step_s = 0.005", study)
    run_case(load_case(MIXED_CONDUCTOR, overrides), tmp_path / name)
    return read_rows(tmp_path / name / "timeseries.csv")


def at_times(rows: dict, times: np.ndarray) -> np.ndarray:
    """The voltage at ``times`` (each must be a step's end)."""
    k = [int(np.argmin(np.abs(rows["time_s"] - t))) for t in times]
    assert np.allclose(rows["time_s"][k], times, rtol=1e-9)
    return rows["voltage_V"][k]


@pytest.mark.parametrize(("scheme", "order"), [("backward_euler", 1.0), ("bdf2", 2.0)])
def test_jamnik_maier_step_observed_order(tmp_path, scheme, order):
    """Constant steps h, h/2, h/4 (h = tau/9) on the Jamnik–Maier current step: the observed
    order log2(e_h / e_{h/2}), e_h = max_t |V_h - V_{h/2}| over t = 16..80 ms (tau/2 .. 2 tau),
    is the scheme's to 0.15 (the max over the curve: at single late times the error's sign
    change makes the ratio meaningless)."""
    times = np.array([0.016, 0.032, 0.048, 0.064, 0.08])
    volts = [at_times(jamnik_maier_voltages(
        tmp_path, f"h{n}", f"end_time_s = 0.08, initial_step_s = {h}, max_step_s = {h}, "
        f"time_scheme = '{scheme}'"), times) for n, h in enumerate((4e-3, 2e-3, 1e-3))]
    e = [np.max(np.abs(a - b)) for a, b in itertools.pairwise(volts)]
    assert abs(np.log2(e[0] / e[1]) - order) < 0.15, e


def test_jamnik_maier_step_meets_its_tolerance(tmp_path):
    """BDF2 at 1e-6 V (V ~ 1.6e-4 V) on the Jamnik–Maier current step: the voltage's time
    error at tau/2 .. 8 tau against a run at 1e-8 V is at most 3 tol and not wastefully below
    it, above tol/10 (measured 0.32 tol; 0.50 and 0.53 at 1e-7 and 1e-8 V against 1e-9 V); the
    whole curve is within 5e-3 of Jamnik–Maier (measured 3.7e-3, the O(lambda/L) double layers
    JM neglect: 4e-3 in Z; backward Euler with 1.5x growth: 1.9e-2)."""
    from tests.verification.test_impedance import mixed_conductor

    times = np.array([0.018, 0.036, 0.072, 0.15, 0.3])
    study = f"end_time_s = 0.3, output_times_s = {times.tolist()}, time_scheme = 'bdf2'"
    rows = jamnik_maier_voltages(tmp_path, "run", f"{study}, time_error_tolerance_V = 1e-6")
    ref = jamnik_maier_voltages(tmp_path, "ref", f"{study}, time_error_tolerance_V = 1e-8")
    error = np.max(np.abs(at_times(rows, times) - at_times(ref, times)))
    assert 1e-7 < error < 3e-6
    _, (c_i, d_i, c_e, d_e, _eps, length, temp) = mixed_conductor()
    late = rows["time_s"] > 1e-6
    z = -rows["voltage_V"][late] / 0.1
    jm = analytic.jamnik_maier_step_response_ohm_m2(rows["time_s"][late], c_i, d_i, c_e, d_e,
                                                    length, temp)
    assert np.max(np.abs(z / jm - 1)) < 5e-3


def test_bdf2_reaches_the_steady_state_of_a_depleted_cell(tmp_path):
    """The bundled Li | LLZO | Li at 300 mV: its space-charge layers deplete the defects by
    many decades, where Newton leaves w_k at its stagnation noise. The estimate weighs w_k by
    min(1, c_k/c_bulk) (:mod:`pnp_ssb.studies.error_weights`), so the run converges (unweighted,
    the step fell below 1e-17 s at t = 2 ns) in few steps (110 measured), and it ends in
    backward Euler's steady state: the current to 1e-6 relative."""
    currents = {}
    for scheme, extra in (("bdf2", ", time_error_tolerance_V = 1e-4"), ("backward_euler", "")):
        case = load_case("cases/li_llzo_li_bias.toml", [
            f"study = {{type = 'transient', end_time_s = 1.0, time_scheme = '{scheme}'{extra}}}",
            "mesh.error_control = 'off'", "output.figures = false", "output.fields = 'none'"])
        sol = run_case(case, tmp_path / scheme)
        assert sol.converged
        rows = read_rows(tmp_path / scheme / "timeseries.csv")
        currents[scheme] = rows["current_llzo|li_right_A_m2"][-1]
        if scheme == "bdf2":
            assert len(rows["time_s"]) < 200
    assert currents["bdf2"] == pytest.approx(currents["backward_euler"], rel=1e-6)


def test_an_unreachable_tolerance_fails_with_its_reason(tmp_path):
    """A tolerance below what the solver resolves (1e-16 V) ends in a clear failure that names
    the time-error control, with the last good state written, not in a silent crawl."""
    from pnp_ssb.solvers.newton import SolverError

    lam = analytic.gouy_chapman_debye_length_m(C, EPS, T)
    data = bdf2_charging(lam * L / D, 1e-16)
    with pytest.raises(SolverError, match="time-error control"):
        run_case(load_case(data), tmp_path)
    assert (tmp_path / "last_good" / "summary.json").is_file()
