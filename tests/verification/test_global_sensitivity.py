"""The global route (`pnp-ssb uncertainty --global`): Sobol indices by SALib over a sweep of
sampled runs.

Oracle: LLZO at a blocking wall held at the Li potential. Its drop is exactly -phi0 whatever the
permittivity, so over an uncertain phi0 (uniform 1.50-1.75 V) and an uncertain eps_r (uniform
30-70) the drop's Sobol indices are exactly S(phi0) = ST(phi0) = 1 and S(eps_r) = ST(eps_r) = 0.
With 32 base samples (128 runs) the estimator's error on a linear response is a few percent
(0.02 measured for seeds 1-3 on y = -x): the index of phi0 is checked to 0.1, that of eps_r to
1e-9 (an input that moves nothing gets exactly 0). The first-order tangent of the same input
(pnp-ssb uncertainty) gives the same split: all of the drop's variance comes from phi0.
"""

import json
from pathlib import Path

import pytest

from pnp_ssb.apps.cli import main
from pnp_ssb.input.tomlio import dumps_toml

CASES = Path(__file__).resolve().parents[2] / "cases"


def case_file(tmp_path: Path) -> Path:
    uncertain = {"neutrality_potential_vs_li_V": {
        "value": 1.6216363422810787, "unit": "V", "status": "assumed", "reason": "test",
        "uncertainty": {"range": [1.5, 1.75], "reason": "test"}},
        "relative_permittivity": {"value": 50.0, "unit": "1", "status": "assumed",
                                  "reason": "test", "uncertainty": {"range": [30.0, 70.0],
                                                                    "reason": "test"}}}
    data = {"name": "wall", "temperature_K": 300.0, "study": {"type": "equilibrium"},
            "regions": [{"name": "llzo", "material": "LLZO", "thickness_m": 30e-9,
                         "overrides": uncertain}],
            "boundaries": {"left": {"type": "blocking", "potential_V": 0.0},
                           "right": {"type": "reservoir"}},
            "mesh": {"error_control": "off"},  # 128 runs: no refined twin each
            "output": {"figures": False, "fields": "none"}}
    path = tmp_path / "wall.toml"
    path.write_text(dumps_toml(data), encoding="utf-8")
    return path


def test_sobol_indices_of_a_drop_that_only_phi0_moves(tmp_path):
    path = case_file(tmp_path)
    assert main(["uncertainty", str(path), "--global", "--samples", "32",
                 "-o", str(tmp_path / "global")]) == 0
    record = json.loads((tmp_path / "global" / "sobol.json").read_text())
    assert record["samples"] == 32 * 4
    drop = record["indices"]["boundaries.left.space_charge_drop_V"]
    phi0, eps = drop["llzo.neutrality_potential_vs_li_V"], drop["llzo.relative_permittivity"]
    assert phi0["S1"] == pytest.approx(1.0, abs=0.1) and phi0["ST"] == pytest.approx(1.0, abs=0.1)
    assert eps["S1"] == pytest.approx(0.0, abs=1e-9) and eps["ST"] == pytest.approx(0.0, abs=1e-9)
    assert "boundaries.right.space_charge_drop_V" not in record["indices"]  # a reservoir: 0
    assert (tmp_path / "global" / "sobol.png").is_file()
    # resumable: a rerun finds every sample done and gives the same indices
    assert main(["uncertainty", str(path), "--global", "--samples", "32",
                 "-o", str(tmp_path / "global")]) == 0
    assert json.loads((tmp_path / "global" / "sobol.json").read_text())["indices"] == \
        record["indices"]


def test_the_global_route_refuses_a_sample_count_sobol_cannot_use(tmp_path, caplog):
    path = case_file(tmp_path)
    assert main(["uncertainty", str(path), "--global", "--samples", "12",
                 "-o", str(tmp_path / "bad")]) == 2
    assert "expected a power of 2" in caplog.text
