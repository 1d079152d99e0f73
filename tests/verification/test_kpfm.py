"""KPFM post-processor: the seed's Eqs. 7–9 on computed runs.

Exact relations (tolerance 1e-9 V, solver and round-off): dCPD = -V_OCV in the collector of the
electrode that moves against the base, dCPD = -d(mu~_e)/e where Phi does not change, the tip
work function cancels after base referencing, the inversion round trip. The point-spread
function is checked on an exact step: the convolved step crosses 15.87% and 84.13% one width
either side of the step (Gaussian), to the resampling resolution width/8.
"""

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from pnp_ssb.analysis.kpfm import (
    KPFMError,
    compute_cpd,
    invert_fermi_level,
    point_spread,
)
from pnp_ssb.apps.cli import main
from pnp_ssb.apps.cpd import read_run, run_cpd
from pnp_ssb.input.tomlio import toml_value
from pnp_ssb.io.measured import read_measured
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case

CASES = Path(__file__).resolve().parents[2] / "cases"


@pytest.fixture(scope="module")
def fuller_sweep(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fuller")
    case = load_case(CASES / "fuller_si_lipon_lco.toml",
                     ["output.figures=false", 'output.fields="none"'])
    run_case(case, out)
    return out


def test_collector_dcpd_is_minus_ocv_for_every_state(fuller_sweep, tmp_path):
    results = run_cpd(fuller_sweep, tmp_path)
    assert len(results) == 7
    for res in results:
        ocv = res.run.ocv_V
        assert res.summary["dcpd_V_by_region"]["cu"] == pytest.approx(-ocv, abs=1e-9)
        assert res.summary["dcpd_V_by_region"]["pt"] == pytest.approx(0.0, abs=1e-12)
    # LimSi lithiates from 2.07 V on and its work function falls (Phi(m)): its dCPD lies above
    # the collector's -V_OCV by Phi(0) - Phi(theta), as in the seed's Fig. 5b
    at_375 = next(r for r in results if abs(r.run.ocv_V - 3.75) < 1e-9)
    theta = at_375.run.theta["si"][at_375.run.region == "si"][0]
    si = at_375.run.case.region_materials["si"].tables["work_function_eV"]
    lift = float(si(0.0) - si(theta))
    assert lift > 0
    assert at_375.summary["dcpd_V_by_region"]["si"] == pytest.approx(-3.75 + lift, abs=1e-9)
    assert (tmp_path / "dcpd_sweep.png").is_file()
    rows = list(csv.DictReader(open(tmp_path / "ocv_3.750V" / "cpd.csv", encoding="utf-8")))
    assert list(rows[0]) == ["x_m", "cpd_V", "cpd_base_V", "dcpd_V", "region"]


def test_interface_steps_are_bulk_to_bulk_with_the_space_charge_drops(fuller_sweep, tmp_path):
    """Each interface's CPD step, read bulk to bulk, is the jump at the interface node plus the
    space-charge drops phi(interface) - phi_n that the run reports on its two sides (summary.json,
    analysis.space_charge: a separate computation), and the steps add up to the change from the
    first region's bulk to the last one's; for dCPD, to -V_OCV (the collector). 1e-9 V: the
    LiPON bulk is 1e4 Debye lengths from its interfaces, so phi = phi_n there to round-off."""
    for res in run_cpd(fuller_sweep, tmp_path):
        run, s = res.run, res.summary
        drops = json.loads((run.path / "summary.json").read_text())["interfaces"]
        for key, step in s["cpd_step_V_by_interface"].items():
            a, b = key.split("|")
            jump = (res.cpd_base_V[np.flatnonzero(run.region == b)[0]]
                    - res.cpd_base_V[np.flatnonzero(run.region == a)[-1]])
            sides = drops.get(key, {}).get("sides", {})
            layers = (sides.get(a, {}).get("space_charge_drop_V", 0.0)
                      - sides.get(b, {}).get("space_charge_drop_V", 0.0))
            assert step == pytest.approx(jump + layers, abs=1e-9), (run.ocv_V, key)
        assert sum(s["cpd_step_V_by_interface"].values()) == pytest.approx(
            s["cpd_base_V_by_region"]["cu"] - s["cpd_base_V_by_region"]["si_base"], abs=1e-12)
        assert sum(s["dcpd_step_V_by_interface"].values()) == pytest.approx(-run.ocv_V, abs=1e-9)
        assert max(p["field_V_m"] for p in s["bulk_by_region"].values()) < 1.0
        assert set(s["surface_by_region"]) == set(run.regions)
    at_3 = next(r for r in run_cpd(fuller_sweep, tmp_path) if abs(r.run.ocv_V - 3.0) < 1e-9)
    # the drops sit inside LiPON, not at a node: the steps see them (the node jumps do not)
    assert abs(at_3.summary["dcpd_step_V_by_interface"]["lco|lipon"]) > 1.0


def test_dcpd_is_minus_the_fermi_level_change_where_phi_is_constant(fuller_sweep):
    """Cu's work function does not change: dCPD(cu) = -(mu~_e change)/e = V change vs base."""
    ref = read_run(fuller_sweep / "ocv_0.000V")
    run = read_run(fuller_sweep / "ocv_3.000V")
    res = compute_cpd(run, reference=ref)
    d_fermi = ((run.fermi_voltage_V["cu"] - run.fermi_voltage_V["si_base"])
               - (ref.fermi_voltage_V["cu"] - ref.fermi_voltage_V["si_base"]))
    assert res.summary["dcpd_V_by_region"]["cu"] == pytest.approx(d_fermi, abs=1e-12)


def test_tip_work_function_cancels_after_base_referencing(fuller_sweep):
    run = read_run(fuller_sweep / "ocv_3.750V")
    a = compute_cpd(run, tip_work_function_eV=4.5)
    b = compute_cpd(run, tip_work_function_eV=5.3)
    assert np.max(np.abs(a.cpd_V - b.cpd_V - (4.5 - 5.3))) < 1e-12
    np.testing.assert_allclose(a.cpd_base_V, b.cpd_base_V, atol=1e-12, rtol=0)


def test_point_spread_preserves_the_mean_and_broadens_a_step_by_its_width():
    x = np.linspace(0.0, 1e-6, 2001)
    step = np.where(x < 0.5e-6, 0.0, 1.0)
    width = 50e-9
    smooth = point_spread(x, step, width)
    assert np.trapezoid(smooth, x) == pytest.approx(np.trapezoid(step, x), rel=1e-3)
    tail = 0.5 * math.erfc(1 / math.sqrt(2))  # 15.87 %: one standard deviation below
    lo = np.interp(tail, smooth, x)
    hi = np.interp(1 - tail, smooth, x)
    assert hi - lo == pytest.approx(2 * width, rel=0.02)


def test_inversion_round_trip_and_the_constant_phi_assumption(fuller_sweep):
    run = read_run(fuller_sweep / "ocv_3.750V")
    res = compute_cpd(run, tip_work_function_eV=5.0)
    theta = {k: v for k, v in run.theta.items()}
    inv = invert_fermi_level(run, res.cpd_V, 5.0, theta=theta)
    for name, entry in inv["regions"].items():
        expected = run.fermi_voltage_V[name] - run.ground_voltage_V
        assert entry["neg_mu_e_V"] == pytest.approx(expected, abs=1e-12), name
        assert entry["consistent"]
    assert all(g["consistent"] for g in inv["groups"])
    # assuming Phi(Si) does not change (the pristine theta = 0) puts Si and Cu at different
    # Fermi levels although they are connected: the inversion flags it
    naive = invert_fermi_level(run, res.cpd_V, 5.0, theta={"lco": theta["lco"]})
    group = next(g for g in naive["groups"] if "si" in g["regions"])
    assert not group["consistent"] and group["spread_V"] > 0.1


def test_measured_profile_alignment(fuller_sweep, tmp_path):
    run = read_run(fuller_sweep / "ocv_3.750V")
    res = compute_cpd(run)
    x = np.linspace(run.x_m.min(), run.x_m.max(), 300)
    order = np.argsort(run.x_m, kind="stable")
    xu, first = np.unique(run.x_m[order], return_index=True)  # one value per interface point
    fake = np.interp(x, xu, res.cpd_base_V[order][first]) + 0.123
    path = tmp_path / "measured.csv"
    path.write_text("x_m,cpd_V\n" + "\n".join(f"{float(a)!r},{float(b)!r}" for a, b in zip(x, fake,
                                                                              strict=True)))
    measured = read_measured(path)
    xm, cm = measured.x_m, measured.cpd_V
    assert xm.size == 300 and np.allclose(cm, fake)
    assert main(["cpd", str(fuller_sweep / "ocv_3.750V"), "--measured", str(path),
                 "-o", str(tmp_path / "out")]) == 0
    data = json.loads((tmp_path / "out" / "cpd_comparison.json").read_text())
    assert data["measured"]["offset_V"] == pytest.approx(-0.123, abs=1e-6)
    assert data["measured"]["rms_misfit_V"] < 1e-3


def test_bad_inputs(fuller_sweep, tmp_path, solve):
    state = fuller_sweep / "ocv_3.750V"
    with pytest.raises(KPFMError, match="not a region"):
        compute_cpd(read_run(state), base="nowhere")
    other = tmp_path / "other"
    run_case(load_case(CASES / "li_llzo_li.toml", ["output.figures=false",
                                                    'output.fields="none"']), other)
    with pytest.raises(KPFMError, match="another geometry"):
        compute_cpd(read_run(state), reference=read_run(other))
    bad = tmp_path / "bad.csv"
    bad.write_text("x_m,cpd_V\n1e-9,abc\n2e-9,0.1\n")
    with pytest.raises(KPFMError, match="not two numbers"):
        read_measured(bad)
    with pytest.raises(KPFMError, match=r"no profiles\.csv"):
        read_run(tmp_path)
    assert main(["cpd", str(state), "--base", "nowhere", "-o", str(tmp_path / "x")]) == 2


def test_a_tabulated_surface_dipole_follows_the_li_content(tmp_path):
    """The seed's Eq. 6: a surface dipole chi(theta) (a surface_dipole_V table added to LimSi)
    lowers the CPD over Si by chi at that state's theta, exactly (the bulk is unchanged), and
    cpd_summary.json says so; the other regions do not move."""
    chi = {"theta": [0.0, 1.0], "value": [0.0, -0.4], "unit": "V"}
    index = 4  # si_base, pt, lco, lipon, si, cu
    override = f"regions.{index}.overrides={toml_value({'tables.surface_dipole_V': chi})}"
    case = load_case(CASES / "fuller_si_lipon_lco.toml",
                     ["output.figures=false", 'output.fields="none"', "study.ocv_V=[3.75]",
                      override])
    assert case.regions[index].name == "si"
    run_case(case, tmp_path / "with")
    plain = load_case(CASES / "fuller_si_lipon_lco.toml",
                      ["output.figures=false", 'output.fields="none"', "study.ocv_V=[3.75]"])
    run_case(plain, tmp_path / "without")
    a = compute_cpd(read_run(tmp_path / "with" / "ocv_3.750V"))
    b = compute_cpd(read_run(tmp_path / "without" / "ocv_3.750V"))
    theta = a.run.theta["si"][a.run.region == "si"][0]
    expected = chi["value"][1] * theta
    si = a.run.region == "si"
    np.testing.assert_allclose(a.cpd_base_V[si] - b.cpd_base_V[si], -expected, atol=1e-12)
    np.testing.assert_allclose(a.cpd_base_V[~si], b.cpd_base_V[~si], atol=1e-12)
    assert "table" in a.summary["surface_by_region"]["si"]
    assert a.summary["surface_by_region"]["lco"].startswith("assumed to follow the bulk")
