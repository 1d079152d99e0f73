"""`pnp-ssb sweep`: parameter points over sub-communicators, resumable, reproducible table."""

import shutil

import pytest

from pnp_ssb.apps.batch import parse_param, run_sweep, sweep_points
from pnp_ssb.apps.cli import main
from pnp_ssb.input.case import CaseError

CASE = "cases/gouy_chapman.toml"
PARAMS = ["boundaries.left.potential_vs_bulk_V=0.05,0.2", "temperature_K=300,350"]


def test_resumed_sweep_gives_the_same_table(tmp_path):
    points = sweep_points([CASE], PARAMS)
    assert len(points) == 4
    run_sweep(points, tmp_path / "full")
    table = (tmp_path / "full" / "sweep.csv").read_text()
    # an interruption: one point finished, one half-written (no summary.json), two not started
    partial = tmp_path / "partial"
    run_sweep(points[:1], partial)
    shutil.copytree(tmp_path / "full" / points[1].folder, partial / points[1].folder)
    (partial / points[1].folder / "summary.json").unlink()
    rows = run_sweep(points, partial)
    assert (partial / "sweep.csv").read_text() == table
    assert all(r["converged"] for r in rows)
    assert [r["temperature_K"] for r in rows] == [300.0, 350.0, 300.0, 350.0]


def test_cli_sweep(tmp_path):
    assert main(["sweep", CASE, "--param", PARAMS[0], "-o", str(tmp_path)]) == 0
    assert (tmp_path / "sweep.csv").read_text().count("\n") == 3


@pytest.mark.parametrize("param, message", [
    ("temperature_K", "expected KEY=VALUE1,VALUE2"),
    ("temperature_K=", "expected KEY=VALUE1,VALUE2"),
])
def test_malformed_param(param, message):
    with pytest.raises(CaseError, match=message):
        parse_param(param)


def test_bad_point_is_named_before_any_run():
    with pytest.raises(CaseError, match=r"sweep point gouy_chapman.toml temperature_K=-5"):
        sweep_points([CASE], ["temperature_K=300,-5"])
    with pytest.raises(CaseError, match="given twice"):
        sweep_points([CASE], ["temperature_K=300", "temperature_K=350"])


def test_ranks_per_point_must_divide_the_ranks(tmp_path):
    with pytest.raises(CaseError, match="ranks-per-point"):
        run_sweep(sweep_points([CASE], []), tmp_path, ranks_per_point=0)
