"""The DRT against exact distributions (analytic.relaxation): an RC element is a peak of area R
at tau = RC, a ZARC element has a closed-form gamma, a series capacitance takes a blocking
tail. Tolerances: on exact data the error is the tau grid's (a delta between grid nodes, 20
per decade) and the regularisation's bias (measured 1e-4 for the areas, 2e-3 in the ZARC's
gamma); with 0.1 % noise the areas carry ~0.3 % (measured), allowed 1 %."""

import json

import numpy as np
import pytest

from pnp_ssb.analysis.drt import LAMBDAS, DRTError, compute_drt, drt_peaks
from pnp_ssb.analytic import rc_impedance_ohm_m2, zarc_distribution_ohm_m2, zarc_impedance_ohm_m2
from pnp_ssb.apps.cli import main

F = np.logspace(-2, 6, 81)
GRID_RATIO = 10 ** (1 / 20)


def two_arcs(f=F):
    return 0.5 + rc_impedance_ohm_m2(f, 10.0, 1e-3) + rc_impedance_ohm_m2(f, 20.0, 1.0)


def test_two_rc_elements_give_two_peaks_of_their_resistances():
    drt = compute_drt(F, two_arcs())
    peaks = drt_peaks(drt)
    assert [p.tau_s for p in peaks] == pytest.approx([1e-3, 1.0], rel=GRID_RATIO - 1)
    assert [p.resistance_ohm_m2 for p in peaks] == pytest.approx([10.0, 20.0], rel=1e-3)
    assert drt.r_inf_ohm_m2 == pytest.approx(0.5, rel=1e-3)
    assert drt.polarisation_ohm_m2 == pytest.approx(30.0, rel=1e-3)
    assert drt.elastance_m2_F < 1e-6 and drt.relative_residual < 1e-3


@pytest.mark.parametrize("phi", [0.8, 0.6])
def test_zarc_distribution_is_recovered(phi):
    z = 1.0 + zarc_impedance_ohm_m2(F, 10.0, 1e-2, phi)
    drt = compute_drt(F, z)
    exact = zarc_distribution_ohm_m2(drt.tau_s, 10.0, 1e-2, phi)
    assert np.linalg.norm(drt.gamma_ohm_m2 - exact) / np.linalg.norm(exact) < 1e-2
    assert drt.r_inf_ohm_m2 == pytest.approx(1.0, abs=2e-3 * 10.0)


def test_series_capacitance_takes_a_blocking_tail():
    c_F_m2 = 1e-2
    z = two_arcs() + 1 / (1j * 2 * np.pi * F * c_F_m2)
    drt = compute_drt(F, z)
    assert 1 / drt.elastance_m2_F == pytest.approx(c_F_m2, rel=1e-3)
    assert [p.resistance_ohm_m2 for p in drt_peaks(drt)] == pytest.approx([10.0, 20.0], rel=1e-2)


def test_noise_raises_the_regularisation_and_the_areas_stay():
    rng = np.random.default_rng(1)
    z = two_arcs()
    lams = []
    for level in (1e-3, 1e-2):
        noisy = z * (1 + level * (rng.standard_normal(F.size) + 1j * rng.standard_normal(F.size)))
        for drt in (compute_drt(F, noisy), compute_drt(F, noisy, accuracy=1.5 * level)):
            areas = [p.resistance_ohm_m2 for p in drt_peaks(drt)]
            assert areas == pytest.approx([10.0, 20.0], rel=10 * level), drt.regularisation_from
        lams.append(compute_drt(F, noisy).regularisation)
    assert LAMBDAS[0] < lams[0] < lams[1]
    exact = compute_drt(F, z)
    assert "floor" in exact.regularisation_from


def test_too_few_points_are_refused():
    with pytest.raises(DRTError, match="at least 5"):
        compute_drt(F[:4], two_arcs(F[:4]))


def test_cli_writes_the_drt_and_reads_a_runs_accuracy(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    rows = ["f_Hz,re_ohm_cm2,im_ohm_cm2"] + [f"{f:.17g},{v.real:.17g},{v.imag:.17g}"
                                            for f, v in zip(F, two_arcs(), strict=True)]
    (run / "impedance.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (run / "summary.json").write_text(json.dumps({"impedance": {
        "relative_error_estimate": 1e-3}}), encoding="utf-8")
    assert main(["drt", str(run / "impedance.csv"), "-o", str(tmp_path / "drt")]) == 0
    record = json.loads((tmp_path / "drt" / "drt.json").read_text())
    assert record["regularisation_from"] == "discrepancy principle at relative accuracy 0.001"
    assert [p["resistance_ohm_cm2"] for p in record["peaks"]] == pytest.approx([10.0, 20.0],
                                                                                rel=1e-2)
    for name in ("drt.csv", "drt.png", "drt_nyquist.png"):
        assert (tmp_path / "drt" / name).is_file()
    (run / "short.csv").write_text("\n".join(rows[:4]) + "\n", encoding="utf-8")
    assert main(["drt", str(run / "short.csv"), "-o", str(tmp_path / "bad")]) == 2
