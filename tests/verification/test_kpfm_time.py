"""Time-resolved KPFM (analysis.kpfm_time, apps/cpd_time.py).

Oracles: the interpolation in time is exact for a CPD that changes linearly in time, so a scan
of such synthetic states gives each line (each pixel) the CPD at its own time to round-off, on
a profile and on a map (linear in the slow axis too, along either fast axis); on
a galvanostatic thin-film charge the collector's CPD (base Pt) follows the cell voltage
exactly, CPD_Cu(t) - CPD_Cu(t0) = V(t) - V(t0) (its work function is fixed), to 1e-9 V at the
saved states and, line by line, at the scan's times (the voltage interpolated alike), and so
does every Cu pixel of a 2D cross-section's map scan."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from pnp_ssb.analysis.kpfm import KPFMError
from pnp_ssb.analysis.kpfm_time import Scan, interpolate_in_time, scan_image, scan_map
from pnp_ssb.apps.cli import main
from pnp_ssb.apps.cpd_time import run_cpd_time
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case

CASE = Path(__file__).resolve().parents[2] / "cases" / "thin_film_galvanostatic.toml"
TIMES = [1.0, 10.0, 20.0, 30.0]


def test_a_linear_drift_is_seen_by_every_pixel_at_its_own_time():
    x = np.linspace(0.0, 1.0, 11)
    times = np.array([0.0, 5.0, 12.0])
    profiles = np.array([np.sin(x) - 0.01 * t for t in times])
    starts, image = scan_image(times, profiles, Scan(1.0, 0.5, 20))
    pixel_t = starts[:, None] + 0.5 * np.arange(x.size)[None, :] / x.size
    np.testing.assert_allclose(image, np.sin(x)[None, :] - 0.01 * pixel_t, atol=1e-14)
    # outside the saved states the first or last one is held
    held = interpolate_in_time(times, profiles, np.array([-1.0, 20.0]))
    np.testing.assert_allclose(held, profiles[[0, -1]], atol=0)


@pytest.mark.parametrize("fast_axis", ["x", "y"])
def test_a_map_scan_sees_every_pixel_at_its_own_time_and_place(fast_axis):
    # linear in y and in t, so the interpolations in the slow axis and in time are exact
    x, y = np.linspace(0.0, 2.0, 9), np.linspace(-1.0, 1.0, 5)
    times = np.array([0.0, 3.0, 10.0])

    def cpd(xx, yy, t):
        return np.sin(xx) + 0.3 * yy - 0.02 * t

    maps = np.array([cpd(x[None, :], y[:, None], t) for t in times])
    scan = Scan(0.5, 0.25, 12, fast_axis=fast_axis)
    mapped = scan_map(times, maps, x, y, scan)
    slow = (y if fast_axis == "x" else x)
    centres = slow[0] + (np.arange(12) + 0.5) * (slow[-1] - slow[0]) / 12
    np.testing.assert_allclose(mapped.slow_m, centres, atol=1e-15)
    fast = x if fast_axis == "x" else y
    pixel_t = mapped.start_s[:, None] + 0.25 * np.arange(fast.size)[None, :] / fast.size
    np.testing.assert_allclose(mapped.pixel_time_s, pixel_t, atol=1e-15)
    xx, yy = ((fast[None, :], centres[:, None]) if fast_axis == "x"
              else (centres[:, None], fast[None, :]))
    if fast_axis == "x":
        np.testing.assert_allclose(mapped.image, cpd(xx, yy, pixel_t), atol=1e-14)
    else:  # x is interpolated linearly between columns, so compare with that
        column = np.array([np.interp(c, x, np.sin(x)) for c in centres])[:, None]
        np.testing.assert_allclose(mapped.image, column + 0.3 * yy - 0.02 * pixel_t, atol=1e-14)
    np.testing.assert_allclose(mapped.image - mapped.at_start, -0.02 * (pixel_t - 0.5),
                               atol=1e-14)


def test_a_scan_with_no_lines_or_axis_is_refused():
    with pytest.raises(KPFMError, match="at least one line"):
        Scan(0.0, 1.0, 0)
    with pytest.raises(KPFMError, match="fast-axis"):
        Scan(0.0, 1.0, 4, fast_axis="z")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def charge(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("charge")
    run_case(load_case(CASE, ["study.end_time_s=40", "study.current_density_A_m2=0.1",
                              f"study.output_times_s={TIMES}", "study.max_step_s=5",
                              "output.figures=false"]), out)
    return out


@pytest.fixture(scope="module")
def charge_2d(tmp_path_factory) -> Path:
    """The charge on a laterally uniform 2D cross-section (its mesh error is not the subject:
    the collector's CPD follows the cell voltage on any mesh)."""
    out = tmp_path_factory.mktemp("charge_2d")
    run_case(load_case(CASE, ["study.end_time_s=20", "study.current_density_A_m2=0.1",
                              "study.output_times_s=[1.0, 10.0]", "study.max_step_s=5",
                              "output.figures=false", "geometry.type='layered_2d'",
                              "geometry.height_m=10e-9", "geometry.lateral_cells=2",
                              "mesh.error_control='off'"]), out)
    return out


def _voltage(run: Path) -> tuple[np.ndarray, np.ndarray]:
    with open(run / "timeseries.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return (np.array([float(r["time_s"]) for r in rows]),
            np.array([float(r["voltage_V"]) for r in rows]))


def test_collector_cpd_follows_the_cell_voltage(charge, tmp_path):
    record = run_cpd_time(charge, tmp_path, Scan(1.0, 2.0, 15, pixel_timing=False), [4.25e-7])
    t, v = _voltage(charge)
    saved = np.array(record["state_times_s"])
    v_saved = np.array([v[np.argmin(np.abs(t - s))] for s in saved])
    with open(tmp_path / "cpd_time.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    cu = np.array([float(r["cpd_cu_V"]) for r in rows])
    np.testing.assert_allclose(cu - cu[0], v_saved - v_saved[0], atol=1e-9)
    point = np.array([float(r["cpd_4.25e-07m_V"]) for r in rows])  # inside Cu
    np.testing.assert_allclose(point, cu, atol=1e-12)
    with open(tmp_path / "cpd_scan.csv", encoding="utf-8") as f:
        lines = list(csv.DictReader(f))
    starts = np.array([float(r["start_s"]) for r in lines])
    line_cu = np.array([float(r["line_mean_cu_V"]) for r in lines])
    expected = np.interp(starts, saved, v_saved)
    np.testing.assert_allclose(line_cu - line_cu[0], expected - expected[0], atol=1e-9)
    assert record["scan"]["drift_V_by_region"]["cu"] == pytest.approx(expected[-1] - expected[0],
                                                                       abs=1e-9)
    assert record["scan"]["drift_V_by_region"]["cu"] < -1e-3  # the charge moves it


def test_saved_states_hold_the_conductors_at_their_time(charge):
    summary = json.loads((charge / "t_20s" / "summary.json").read_text())
    with open(charge / "t_20s" / "profiles.csv", encoding="utf-8") as f:
        cu = [float(r["phi_V"]) for r in csv.DictReader(f) if r["region"] == "cu"]
    assert cu[0] == pytest.approx(summary["regions"]["cu"]["potential_V"], abs=1e-12)


def test_cli(charge, tmp_path):
    assert main(["cpd", str(charge), "--scan-lines", "8", "--line-time-s", "2",
                 "-o", str(tmp_path / "cpd")]) == 0
    for name in ("cpd_time.csv", "cpd_scan.csv", "cpd_time.json", "cpd_time.png", "cpd.csv"):
        assert (tmp_path / "cpd" / name).is_file(), name
    steady = tmp_path / "steady"
    run_case(load_case(CASE.with_name("li_llzo_li.toml"), ["output.figures=false"]), steady)
    assert main(["cpd", str(steady), "--scan-lines", "8", "-o", str(tmp_path / "bad")]) == 2


def test_a_scan_of_a_2d_map_sees_the_collector_follow_the_cell_voltage(charge_2d, tmp_path):
    """Lines along y (fast axis), stepped across the stack: every Cu pixel changes since the
    first line by V(t_pixel) - V(t0). Also a regression test: saved 2D states held their
    conductors at the t = 0 potentials, so this change was 0."""
    record = run_cpd_time(charge_2d, tmp_path, Scan(1.0, 0.5, 40, fast_axis="y"), [])
    t, v = _voltage(charge_2d)
    saved = np.array(record["state_times_s"])
    v_saved = np.array([v[np.argmin(np.abs(t - s))] for s in saved])
    with open(tmp_path / "cpd_scan_map.csv", encoding="utf-8") as f:
        cu = [r for r in csv.DictReader(f) if r["region"] == "cu"]
    assert len(cu) > 20
    pixel_t = np.array([float(r["time_s"]) for r in cu])
    expected = np.interp(pixel_t, saved, v_saved) - np.interp(1.0, saved, v_saved)
    np.testing.assert_allclose([float(r["change_V"]) for r in cu], expected, atol=1e-9)
    assert min(expected) < -1e-3  # the charge moves it within the image
    assert record["scan_map"]["fast_axis"] == "y" and "scan" not in record  # no x lines
    assert record["scan_map"]["change_since_first_line_V_by_region"]["pt"] == pytest.approx(
        0.0, abs=1e-15)
    assert (tmp_path / "cpd_scan_map.png").is_file()


def test_a_y_fast_axis_needs_a_2d_run(charge, tmp_path):
    with pytest.raises(KPFMError, match="1D run"):
        run_cpd_time(charge, tmp_path, Scan(1.0, 1.0, 4, fast_axis="y"), [])
    assert not any(tmp_path.iterdir())
