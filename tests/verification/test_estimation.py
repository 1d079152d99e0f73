"""Parameter estimation from a CPD profile (pnp_ssb.studies.estimation): synthetic recovery.

"Measured" data: the Li | LLZO | Li model with LLZO's phi0 shifted by +0.1 V and a CPD offset of
0.2 V, at 60 points across the stack, with Gaussian noise of 5 mV. The fit must recover both
inside its 95 % intervals, and over 20 noise draws (fixed seeds) the phi0 interval must cover
the true value in at least 16 (expected 19; a binomial(20, 0.95) falls to 15 or fewer with
probability 1.6 %). With the data only in the LLZO bulk, phi0 and the offset enter as their sum:
the pair must be flagged as not identifiable.
"""

from pathlib import Path

import numpy as np
import pytest

from pnp_ssb.preflight import load_case
from pnp_ssb.studies.estimation import _with_phi0, fit_cpd_profile
from pnp_ssb.studies.sensitivity import equilibrium_sensitivities
from pnp_ssb.studies.steady import solve_case

CASE = Path(__file__).resolve().parents[2] / "cases" / "li_llzo_li.toml"
TRUE_PHI0, TRUE_OFFSET, NOISE = 1.6216363422810787 + 0.1, 0.2, 5e-3


@pytest.fixture(scope="module")
def synthetic():
    case = load_case(CASE, ("mesh.error_control=off", "output.figures=false"))
    truth = equilibrium_sensitivities(solve_case(_with_phi0(case, {"llzo": TRUE_PHI0})))
    x = np.linspace(5e-9, 135e-9, 60)
    return case, x, np.interp(x, truth.x_m, truth.phi_V) + TRUE_OFFSET


def test_phi0_and_offset_are_recovered_with_intervals_that_cover(synthetic):
    case, x, clean = synthetic
    covered = 0
    for seed in range(20):
        noisy = clean + np.random.default_rng(seed).normal(0.0, NOISE, x.size)
        est = fit_cpd_profile(case, ["llzo"], x, noisy)
        (lo, hi), (olo, ohi) = est.ci95
        covered += lo <= TRUE_PHI0 <= hi
        if seed == 0:
            assert lo <= TRUE_PHI0 <= hi and olo <= TRUE_OFFSET <= ohi
            assert est.rms_V == pytest.approx(NOISE, rel=0.3)
            assert not est.unidentifiable
            assert est.std_errors[0] < 5e-3
    assert covered >= 16


def test_bulk_only_data_cannot_separate_phi0_from_the_offset(synthetic):
    case, x, clean = synthetic
    bulk = (x > 50e-9) & (x < 90e-9)  # LLZO's bulk: phi = phi0 there
    noisy = clean[bulk] + np.random.default_rng(7).normal(0.0, NOISE, int(bulk.sum()))
    est = fit_cpd_profile(case, ["llzo"], x[bulk], noisy)
    assert est.unidentifiable
    assert abs(est.correlation[0, 1]) > 0.999


def test_the_estimate_command_reads_a_profile_and_writes_its_fit(synthetic, tmp_path, caplog):
    import json

    from pnp_ssb.apps.cli import main

    _, x, clean = synthetic
    noisy = clean + np.random.default_rng(11).normal(0.0, NOISE, x.size)
    measured = tmp_path / "measured.csv"
    measured.write_text("x_m,cpd_V\n" + "".join(f"{a},{b}\n" for a, b in zip(x, noisy, strict=True)))
    argv = ["estimate", str(CASE), "--measured", str(measured), "--fit", "llzo", "--noise-V",
            str(NOISE), "--set", "mesh.error_control=off"]
    assert main([*argv, "-o", str(tmp_path / "out")]) == 0
    record = json.loads((tmp_path / "out" / "estimate.json").read_text())
    lo, hi = record["parameters"]["llzo.neutrality_potential_vs_li_V"]["ci95"]
    assert lo <= TRUE_PHI0 <= hi
    for name in ("residuals.csv", "estimate.png"):
        assert (tmp_path / "out" / name).is_file()
    assert main([*argv[:4], "--fit", "li_left", "-o", str(tmp_path / "bad")]) == 2
    assert "expected an electrolyte region" in caplog.text
