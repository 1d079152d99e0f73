"""Writing a run's results: summary.json last (its presence marks a complete run), the
profile table matching the solution, and a rerun in the same folder leaving no stale files."""

import json
from pathlib import Path

import numpy as np

from pnp_ssb.analysis.summary import summary
from pnp_ssb.io.results import write_outputs
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case
from pnp_ssb.studies.steady import solve_case

CASES = Path(__file__).resolve().parents[2] / "cases"


def test_outputs_match_the_solution(tmp_path):
    case = load_case(CASES / "gouy_chapman.toml", ["output.figures=false"])
    solution = solve_case(case)
    write_outputs(solution, tmp_path)
    written = json.loads((tmp_path / "summary.json").read_text())
    expected = json.loads(json.dumps(summary(solution)))  # the same through JSON
    for key in ("num_dofs", "converged", "boundaries", "regions"):
        assert written[key] == expected[key]
    rows = np.genfromtxt(tmp_path / "profiles.csv", delimiter=",", names=True)
    (seg,) = solution.profile.segments
    assert np.allclose(np.sort(rows["x_m"]), np.sort(seg.x_m), rtol=1e-12)


def test_a_rerun_clears_the_earlier_outputs(tmp_path):
    case = load_case(CASES / "gouy_chapman.toml", ["output.figures=false"])
    stale = tmp_path / "t_1e-3s" / "summary.json"
    stale.parent.mkdir()
    stale.write_text("{}")
    run_case(case, tmp_path)
    assert (tmp_path / "summary.json").is_file() and not stale.exists()
