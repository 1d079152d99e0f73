"""Every bundled case runs from a flat initial state with default settings, writes its outputs,
and gives the numbers of its stored reference (tests/regression/reference/<case>.json) to
REFERENCE_RTOL of the size of each quantity in the run: behaviour is unchanged by a
refactoring. After a change of results on purpose, regenerate them with
``PNP_SSB_WRITE_REFERENCES=1 pytest tests/regression/test_cases.py`` and say why in the commit."""

import csv
import json
import math
import os
from pathlib import Path

import pytest

from pnp_ssb.io.output import read_profiles_csv
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case
from pnp_ssb.studies.sweep import state_dirname
from tests.regression.numbers import control_tolerance, kind, outputs, scales

CASES = sorted((Path(__file__).resolve().parents[2] / "cases").glob("*.toml"))
REFERENCES = Path(__file__).resolve().parent / "reference"
# Another CPU (CI's, a user's) reproduces a run only to what the solvers decide: LU round-off
# times the condition number (impedance: 2e-8 of |Z| seen), Newton's last update (< 1e-9 kT)
# and the current control's tolerance; 1e-7 of a quantity's size in the run is far below every
# discretisation error estimate (1e-5 to 1e-3) and far above those.
REFERENCE_RTOL = 1e-7


def write_reference(name: str, folder: Path) -> None:
    """Store the serial run's numbers as the case's reference (PNP_SSB_WRITE_REFERENCES=1)."""
    REFERENCES.mkdir(exist_ok=True)
    (REFERENCES / f"{name}.json").write_text(
        json.dumps(outputs(folder), indent=0, sort_keys=True) + "\n", encoding="utf-8")


def assert_matches_reference(name: str, folder: Path, rel_tol: float = REFERENCE_RTOL,
                             ignore: tuple[str, ...] = ()) -> None:
    """Every number of the run in ``folder`` equals its stored reference to ``rel_tol`` (a
    value near zero: to REFERENCE_RTOL of the largest of its kind, the reference CPU's
    round-off; a number a stopping rule decides: to twice its tolerance, one for each run).
    Keys ending in ``ignore`` are left out of both (an MPI run's num_ranks)."""
    values = outputs(folder)
    reference = json.loads((REFERENCES / f"{name}.json").read_text(encoding="utf-8"))
    if ignore:
        values = {k: v for k, v in values.items() if not k.endswith(ignore)}
        reference = {k: v for k, v in reference.items() if not k.endswith(ignore)}
    assert_same_numbers(values, reference, rel_tol)


def assert_same_numbers(values: dict[str, float], reference: dict[str, float],
                        rel_tol: float = REFERENCE_RTOL) -> None:
    """``values`` (a run's numbers) equal ``reference`` by the rule of assert_matches_reference."""
    assert sorted(values) == sorted(reference), "the run writes other numbers than its reference"
    size = scales(reference)
    bad = [(k, reference[k], v) for k, v in values.items()
           if not math.isclose(v, reference[k], rel_tol=rel_tol,
                               abs_tol=max(REFERENCE_RTOL * size[kind(k)],
                                           2 * control_tolerance(reference, k, rel_tol)))]
    assert not bad, f"{len(bad)} of {len(values)} numbers moved: " + "\n".join(map(str, bad[:20]))


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
    if case.study.type == "transient" and case.study.control == "current":
        _assert_current_held(tmp_path, case.study.current_density_A_m2)
    if os.environ.get("PNP_SSB_WRITE_REFERENCES") == "1":
        write_reference(path.stem, tmp_path)
    assert_matches_reference(path.stem, tmp_path)


def _assert_current_held(folder: Path, target_A_m2: float) -> None:
    """Galvanostatic control meets the case's current in every step to its tolerance."""
    values = outputs(folder)
    rows = [k for k in values if k.endswith(".terminal_current_A_m2") and values[
        k.replace(".terminal_current_A_m2", ".dt_s")] > 0]
    assert rows
    off = [(k, values[k]) for k in rows
           if abs(values[k] - target_A_m2) > control_tolerance(values, k, REFERENCE_RTOL)]
    assert not off, off
