"""`pnp-ssb correlate`: interface drops against resistances over OCV-sweep states.

Oracles: the correlation of an exact law R = R0 exp(a |drop|) is r = rho = 1 (to round-off);
each state's R_ct is kT/(e i0 (alpha_a + alpha_c)) (to 1e-9, the same formula evaluated twice);
the charge-transfer DRT peak the attribution names at each contact carries R_ct + R_scl to 5 %
(the overlap of the two contacts' arcs; measured 0.2 % and 3 %)."""

import csv
import json
import math
from pathlib import Path

import pytest

from pnp_ssb.analysis.correlation import drop_resistance_correlation
from pnp_ssb.analytic import charge_transfer_resistance_ohm_m2
from pnp_ssb.apps.cli import main

CASE = Path(__file__).resolve().parents[2] / "cases" / "fuller_si_lipon_lco.toml"
I0 = {"lco|lipon": 4.7, "lipon|si": 5.8}
KINETICS = [a for key, i0 in I0.items() for a in (
    "--set", f'interfaces."{key}".kinetics.exchange_current_density_A_m2={i0}')]


def test_an_exponential_law_has_unit_correlation_and_degenerate_inputs_say_why():
    drops = [0.1, -0.4, 0.9, 1.6]
    exact = drop_resistance_correlation(drops, [3.0 * math.exp(2.0 * abs(d)) for d in drops])
    assert exact.pearson_r == pytest.approx(1.0, abs=1e-12)
    assert exact.spearman_rho == pytest.approx(1.0, abs=1e-12)
    assert exact.resistance_range_relative == pytest.approx(math.exp(3.0) - 1, rel=1e-12)
    flat = drop_resistance_correlation(drops, [5.0] * 4)
    assert flat.pearson_r is None and "does not vary" in flat.note
    assert "at least 3" in drop_resistance_correlation(drops[:2], [1.0, 2.0]).note


def test_fuller_states_table_and_attributed_peaks(tmp_path):
    assert main(["correlate", str(CASE), *KINETICS, "--set", "study.ocv_V=[2.0, 3.75]", "--drt",
                 "-o", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "correlation.json").read_text())
    with open(tmp_path / "correlation.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["contact"] for r in rows] == ["lco|lipon", "lipon|si"]  # 2.0 V: Li-free, left out
    assert {float(r["ocv_V"]) for r in rows} == {3.75}
    for r in rows:
        r_ct = charge_transfer_resistance_ohm_m2(I0[r["contact"]], 0.5, 0.5, 298.15) * 1e4
        assert float(r["charge_transfer_ohm_cm2"]) == pytest.approx(r_ct, rel=1e-9)
        assert float(r["drt_peak_ohm_cm2"]) == pytest.approx(float(r["interface_ohm_cm2"]),
                                                             rel=5e-2)
    assert "at least 3" in result["correlations"]["all contacts: drop vs interface resistance"][
        "note"]
    assert (tmp_path / "correlation.png").is_file()


def test_missing_kinetics_are_named_before_any_solve(tmp_path, caplog):
    assert main(["correlate", str(CASE), "-o", str(tmp_path)]) == 2
    assert "lco|lipon" in caplog.text and "lipon|si" in caplog.text
    assert not any(tmp_path.iterdir())
