"""Screening: 4 electrodes x 4 electrolytes, resumable, reproducible, with the physics of the
single contacts (a pair's numbers are those of the same contact solved on its own)."""

from pathlib import Path

import pytest

from pnp_ssb.analytic import charge_transfer_resistance_ohm_m2
from pnp_ssb.apps.screening import load_spec, run_screen
from pnp_ssb.input.case import CaseError

SPEC = Path(__file__).resolve().parents[2] / "cases" / "screens" / "electrodes_x_electrolytes.toml"
LI_CHANNELS = {"LLZO": 2, "Li3PS4": 2}  # Li_i and Li_v; Li+ (LiPON) or Li_i (LATP) alone: one


def test_screen_completes_and_resumes_identically(tmp_path):
    spec = load_spec(SPEC)
    result = run_screen(spec, tmp_path)
    assert len(result.pairs) == 16
    first = (tmp_path / "pairs.csv").read_text()
    # the Li | LLZO contact carries LLZO's neutrality potential (Swift et al.: 1.6216 V)
    li_llzo = next(r for r in result.pairs if r["electrode"] == "Li" and r["electrolyte"] == "LLZO")
    assert li_llzo["drop_V"] == pytest.approx(-1.6216, abs=1e-4)
    # R_ct is the contact's linear Butler-Volmer resistance, the same i0 on each Li channel
    r_ct = charge_transfer_resistance_ohm_m2(spec.exchange_current_density_A_m2, 0.5, 0.5,
                                             spec.temperature_K) * 1e4
    for row in result.pairs:
        assert row["r_ct_ohm_cm2"] == pytest.approx(
            r_ct / LI_CHANNELS.get(row["electrolyte"], 1), rel=1e-12), row["electrolyte"]
    # ranking by interface ASR, and stacks only with V_anode < V_cathode
    asr = [r["asr_ohm_cm2"] for r in result.pairs]
    assert asr == sorted(asr)
    assert all(s["ocv_V"] > 0 for s in result.stacks)
    assert (tmp_path / "heatmap.png").is_file()
    # an interrupted run: some pairs lost; the rerun solves only those and rebuilds the same table
    for f in sorted((tmp_path / "pairs").glob("*.json"))[:5]:
        f.unlink()
    run_screen(spec, tmp_path)
    assert (tmp_path / "pairs.csv").read_text() == first


def test_screen_bad_input(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(SPEC.read_text().replace('"LATP"', '"Unobtainium"'))
    with pytest.raises(CaseError, match=r"electrolytes\[2\] = 'Unobtainium'"):
        load_spec(bad)
    bad.write_text(SPEC.read_text().replace("li_fraction = 0.5", "li_fraction = 0.2", 1)
                   .replace('material = "LimSi"', 'material = "LiCoO2"'))
    with pytest.raises(CaseError, match="li_fraction"):
        load_spec(bad)
