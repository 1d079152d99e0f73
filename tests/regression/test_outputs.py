"""Outputs you can rely on: a folder holds the files of one run, summary.json marks the end of
it, a failure leaves last_good/ and a summary.json with converged = false (exit 3), and the
runs that resume on purpose (transients, OCV sweeps) still resume."""

import json
import shutil
from pathlib import Path

import pytest

from pnp_ssb.apps.cli import EXIT_BAD_INPUT, EXIT_NOT_CONVERGED, main
from pnp_ssb.apps.cpd import read_run, run_cpd
from pnp_ssb.input.tomlio import dumps_toml
from pnp_ssb.io.rundir import is_output
from pnp_ssb.preflight import load_case
from tests.verification.test_impedance import blocking_case
from tests.verification.test_transient import charging_case, closed_cell, read_rows

CASES = Path(__file__).resolve().parents[2] / "cases"
QUIET = ["--set", "output.figures=false", "--set", "output.fields='none'"]
ONE_D_OUTPUTS = {"summary.json", "profiles.csv", "case.resolved.toml", "citations.bib",
                 "uncertain_inputs.json"}


def summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def case_file(tmp_path: Path, data: dict, name: str = "case") -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(dumps_toml(data), encoding="utf-8")
    return str(path)


def test_a_1d_run_into_the_folder_of_a_2d_run_leaves_only_its_own_files(tmp_path):
    """The 2D cell run's map.csv, bands.png, maps and fields go; the files of other tools stay;
    `pnp-ssb cpd` reads the 1D run (and decides 1D from its resolved case, not from files)."""
    out = tmp_path / "run"
    assert main(["run", str(CASES / "li_llzo_li.toml"), "-o", str(out),
                 "--set", "geometry.type='layered_2d'", "--set", "geometry.height_m=10e-9",
                 "--set", "geometry.lateral_cells=2"]) == 0
    two_d = {p.name for p in out.iterdir()}
    assert {"map.csv", "bands.png", "potential_map.png", "fields.bp"} <= two_d
    stale_map = tmp_path / "map.csv"
    shutil.copy(out / "map.csv", stale_map)
    # what an interrupted transient and OCV sweep, and a killed atomic write, would leave
    for folder in ("t_0.001s", "ocv_3.000V", "last_good", "checkpoint"):
        (out / folder).mkdir()
        (out / folder / "summary.json").write_text("{}")
    for name in ("timeseries.csv", "sweep.csv", ".summary.json.k2x_9qzr", ".potential.tmp.png"):
        (out / name).write_text("stale")
    (out / "notes.txt").write_text("mine")
    (out / "t_notes").mkdir()
    assert main(["run", str(CASES / "gouy_chapman.toml"), "-o", str(out), *QUIET]) == 0
    assert {p.name for p in out.iterdir()} == ONE_D_OUTPUTS | {"notes.txt", "t_notes"}
    assert summary(out)["case"] == "gouy_chapman" and summary(out)["converged"]
    assert main(["cpd", str(out), "-o", str(tmp_path / "cpd")]) == 0
    shutil.copy(stale_map, out / "map.csv")  # even a stray map.csv does not make it 2D
    assert read_run(out).phi_map_V is None
    assert run_cpd(out, tmp_path / "cpd2")[0].maps is None


def test_only_pnp_ssb_outputs_count():
    for name in ("summary.json", "bands.png", ".profiles.csv.ab12cd34", ".bands.tmp.png"):
        assert is_output(Path(name)), name
    for name in ("notes.txt", "summary.json.bak", "cpd.csv", ".bashrc", "resistance.json"):
        assert not is_output(Path(name)), name


def electrolyte_impedance() -> dict:
    data = blocking_case()
    data["boundaries"]["left"]["potential_vs_bulk_V"] = 0.2  # relaxing to it needs Newton
    return data


FAILURES = {  # study: the case, and overrides that make it fail
    "steady": (lambda tmp: str(CASES / "gouy_chapman.toml"), ["solver.max_iterations=1"]),
    "transient step": (lambda tmp: case_file(tmp, charging_case(1e-4)),
                       ["solver.max_iterations=1"]),
    "transient t = 0": (lambda tmp: case_file(tmp, closed_cell(1e-3)),
                        ["solver.max_iterations=1"]),
    "impedance relaxation": (lambda tmp: case_file(tmp, electrolyte_impedance()),
                             ["solver.max_iterations=1"]),
    "impedance t = 0": (lambda tmp: str(CASES / "li_lipon_lco_impedance.toml"),
                        ["solver.max_iterations=1"]),
    "ocv sweep": (lambda tmp: str(CASES / "fuller_si_lipon_lco.toml"),
                  ["study.ocv_V=[3.0, 3.75]", "solver.max_iterations=1"]),
}


@pytest.mark.parametrize("study", FAILURES)
def test_a_failure_leaves_last_good_and_a_summary_that_says_so(study, tmp_path):
    case, overrides = FAILURES[study]
    path = case(tmp_path)
    out = tmp_path / "run"
    sets = [a for o in overrides for a in ("--set", o)]
    assert main(["run", path, "-o", str(out), *QUIET, *sets]) == EXIT_NOT_CONVERGED
    assert (out / "last_good" / "profiles.csv").is_file()
    data, last_good = summary(out), summary(out / "last_good")
    assert data["converged"] is False and last_good["converged"] is False
    assert data["failure"] and data["failure"] == last_good["failure"]
    assert data["last_good"] == "last_good"
    assert data["residual_history"]
    if study == "ocv sweep":
        assert "state 3.000 V" in data["failure"]
        assert not (out / "ocv_3.000V" / "summary.json").exists()
    assert main(["cpd", str(out), "-o", str(tmp_path / "cpd")]) == EXIT_BAD_INPUT


def test_a_failed_rerun_leaves_none_of_the_good_run(tmp_path):
    out = tmp_path / "run"
    gouy_chapman = str(CASES / "gouy_chapman.toml")
    assert main(["run", gouy_chapman, "-o", str(out), *QUIET]) == 0
    assert main(["run", gouy_chapman, "-o", str(out), *QUIET,
                 "--set", "solver.max_iterations=1"]) == EXIT_NOT_CONVERGED
    assert {p.name for p in out.iterdir()} == {"summary.json", "last_good"}
    assert main(["run", gouy_chapman, "-o", str(out), *QUIET]) == 0
    assert {p.name for p in out.iterdir()} == ONE_D_OUTPUTS
    assert summary(out)["converged"] and summary(out)["failure"] is None


def charging(end_s: float, outputs: list[float], volts: float = 0.005) -> dict:
    data = charging_case(1e-4)
    data["boundaries"]["left"]["potential_vs_bulk_V"] = volts
    data["study"].update(end_time_s=end_s, max_step_s=1.25e-5, output_times_s=outputs)
    return data


def test_a_transient_of_the_same_case_resumes_another_starts_over(tmp_path):
    from pnp_ssb.studies.registry import run_case

    out = tmp_path / "run"
    run_case(load_case(charging(1e-4, [5e-5])), out)
    first = read_rows(out / "timeseries.csv")
    kept = (out / "t_5e-05s" / "summary.json").stat().st_mtime_ns
    (out / "t_0.00015s").mkdir()  # not reached yet at the checkpoint: written again
    run_case(load_case(charging(2e-4, [5e-5, 1.5e-4])), out)
    rows = read_rows(out / "timeseries.csv")
    assert rows["time_s"][len(first["time_s"]) - 1] == first["time_s"][-1]  # resumed at t = 1e-4
    assert (out / "t_5e-05s" / "summary.json").stat().st_mtime_ns == kept
    assert (out / "t_0.00015s" / "summary.json").is_file()
    assert summary(out)["converged"]
    run_case(load_case(charging(1e-4, [], volts=0.01)), out)  # another case: from t = 0
    assert not any(out.glob("t_*s"))
    assert read_rows(out / "timeseries.csv")["time_s"][-1] == pytest.approx(1e-4)


def test_an_ocv_sweep_resumes_the_states_of_its_case_only(tmp_path):
    out = tmp_path / "run"
    fuller = str(CASES / "fuller_si_lipon_lco.toml")
    assert main(["run", fuller, "-o", str(out), *QUIET, "--set", "study.ocv_V=[3.0, 3.75]"]) == 0
    kept = (out / "ocv_3.750V" / "summary.json").stat().st_mtime_ns
    assert main(["run", fuller, "-o", str(out), *QUIET, "--set", "study.ocv_V=[3.75, 4.0]"]) == 0
    assert (out / "ocv_3.750V" / "summary.json").stat().st_mtime_ns == kept  # not solved again
    assert not (out / "ocv_3.000V").exists()
    assert [s["ocv_V"] for s in summary(out)["states"]] == [3.75, 4.0]
    assert main(["run", fuller, "-o", str(out), *QUIET, "--set", "study.ocv_V=[3.75, 4.0]",
                 "--set", "temperature_K=300"]) == 0
    assert (out / "ocv_3.750V" / "summary.json").stat().st_mtime_ns != kept  # another case
