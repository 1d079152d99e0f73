"""Every bundled case runs from a flat initial state with default settings and writes its outputs."""

import csv
import json
from pathlib import Path

import pytest

from pnp_ssb.case import load_case
from pnp_ssb.output import read_profiles_csv
from pnp_ssb.run import run_case
from pnp_ssb.sweep import state_dirname

CASES = sorted((Path(__file__).resolve().parents[2] / "cases").glob("*.toml"))


def _charges(summary: dict) -> list[float]:
    """Every electrode charge and space charge of a run (C/m^2)."""
    out = [b["electrode_charge_C_m2"] for b in summary["boundaries"].values()
           if "electrode_charge_C_m2" in b]
    out += [c["electrode_charge_C_m2"] for c in summary.get("cell", {}).get("contacts", {}).values()]
    out += [r["space_charge_C_m2"] for r in summary["regions"].values() if "space_charge_C_m2" in r]
    return out


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_runs_and_writes_outputs(path, tmp_path):
    case = load_case(path)
    solution = run_case(case, tmp_path)
    assert solution.converged
    outdir = tmp_path
    if case.study.type == "ocv_sweep":
        with open(tmp_path / "sweep.csv", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert [float(r["ocv_V"]) for r in rows] == case.study.ocv_V
        outdir = tmp_path / state_dirname(case.study.ocv_V[-1])
    summary = json.loads((outdir / "summary.json").read_text())
    assert summary["converged"] and summary["num_dofs"] > 0 and summary["newton_iterations"] > 0
    assert set(summary["boundaries"]) == {"left", "right"}
    charges = _charges(summary)
    scale = max(*(abs(q) for q in charges), 1e-12)
    # relative to the largest charge; a flat equilibrium (no charge) leaves round-off only
    assert abs(summary["charge_balance_C_m2"]) < 1e-8 * scale + 1e-14
    cols = read_profiles_csv(outdir / "profiles.csv")
    assert {"x_m", "phi_V"} <= set(cols)
    species = {s for m in case.region_materials.values() for s in m.species}
    assert {f"c_{s}_m3" for s in species} <= set(cols)
    for name in ("case.resolved.toml", "citations.bib", "potential.png", "concentrations.png"):
        assert (outdir / name).is_file(), name
    assert (outdir / "fields.bp").exists()
    # the resolved case reproduces the run's case
    assert load_case(outdir / "case.resolved.toml") is not None
