"""Impedance about a transient's saved state (study.start_from), on Li | LLZO | Li.

Oracles: a state saved at equilibrium gives the equilibrium spectrum (to 1e-8: the same
system linearised about the same state, up to Newton's last update); a state saved at steady
state under 300 mV gives Z(f -> 0) = dV/dI of the transient's own steady states, by central
differences at +-0.2 mV (truncation (dV/V_T)^2/6 ~ 1e-5, plus the 1e-3 Hz point's distance
from DC), to 1e-3."""

import csv
from pathlib import Path

import numpy as np
import pytest

from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case

CASE = Path(__file__).resolve().parents[2] / "cases" / "li_llzo_li_bias.toml"
COMMON = ['mesh.error_control="off"', "output.figures=false", 'output.fields="none"']
NO_VOLTAGE = 'boundaries.right={type="terminal"}'


def _spectrum(folder: Path) -> np.ndarray:
    with open(folder / "impedance.csv", encoding="utf-8") as f:
        return np.array([float(r["re_ohm_cm2"]) + 1j * float(r["im_ohm_cm2"])
                         for r in csv.DictReader(f)])


def _transient(folder: Path, voltage_V: float | None) -> float:
    """Run to steady state (1 s: 100 relaxation times); the last Li+ current (A/m^2)."""
    held = [f"boundaries.right.voltage_V={voltage_V!r}"] if voltage_V is not None else [
        NO_VOLTAGE]
    run_case(load_case(CASE, [*COMMON, *held, 'study={type="transient", end_time_s=1.0, '
                              'initial_step_s=1e-9, max_step_s=0.1}']), folder)
    with open(folder / "timeseries.csv", encoding="utf-8") as f:
        return float(list(csv.DictReader(f))[-1]["current_llzo|li_right_A_m2"])


def _impedance_about(folder: Path, out: Path) -> np.ndarray:
    run_case(load_case(CASE, [*COMMON, NO_VOLTAGE,
                              f'study={{type="impedance", start_from="{folder}"}}']), out)
    return _spectrum(out)


def test_a_state_saved_at_equilibrium_gives_the_equilibrium_spectrum(tmp_path):
    _transient(tmp_path / "rest", None)
    saved = _impedance_about(tmp_path / "rest", tmp_path / "z_saved")
    run_case(load_case(CASE, [*COMMON, NO_VOLTAGE, 'study={type="impedance"}']),
             tmp_path / "z_eq")
    equilibrium = _spectrum(tmp_path / "z_eq")
    assert np.max(np.abs(saved - equilibrium) / np.abs(equilibrium)) < 1e-8


def test_the_dc_limit_about_a_biased_saved_state_is_dv_di(tmp_path):
    currents = {v: _transient(tmp_path / f"v{v}", v) for v in (0.2998, 0.3002)}
    _transient(tmp_path / "v0.3", 0.3)
    z = _impedance_about(tmp_path / "v0.3", tmp_path / "z")
    dv_di = 0.0004 / (currents[0.3002] - currents[0.2998]) * 1e4  # Ohm cm^2
    assert z[0].real == pytest.approx(dv_di, rel=1e-3)
    assert abs(z[0].imag) < 1e-3 * z[0].real
