"""Every bundled case runs from a flat initial state with default settings and writes its outputs."""

import json
from pathlib import Path

import pytest

from pnp_ssb.case import load_case
from pnp_ssb.output import read_profiles_csv
from pnp_ssb.run import run_case

CASES = sorted((Path(__file__).resolve().parents[2] / "cases").glob("*.toml"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_runs_and_writes_outputs(path, tmp_path):
    case = load_case(path)
    solution = run_case(case, tmp_path)
    assert solution.converged
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["converged"] and summary["num_dofs"] > 0 and summary["newton_iterations"] > 0
    assert set(summary["boundaries"]) == {"left", "right"}
    assert len(summary["interfaces"]) == len(case.regions) - 1
    scale = max(*(abs(b["electrode_charge_C_m2"]) for b in summary["boundaries"].values()),
                *(abs(r["space_charge_C_m2"]) for r in summary["regions"].values()), 1e-12)
    assert abs(summary["charge_balance_C_m2"]) < 1e-8 * scale
    cols = read_profiles_csv(tmp_path / "profiles.csv")
    assert {"x_m", "phi_V"} <= set(cols)
    species = {s for m in case.region_materials.values() for s in m.species}
    assert {f"c_{s}_m3" for s in species} <= set(cols)
    for name in ("case.resolved.toml", "citations.bib", "potential.png", "concentrations.png"):
        assert (tmp_path / name).is_file(), name
    assert (tmp_path / "fields.bp").exists()
    # the resolved case reproduces the run's case
    assert load_case(tmp_path / "case.resolved.toml") is not None
