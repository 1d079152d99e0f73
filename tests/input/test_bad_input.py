"""Bad input ends in one clear message, before any mesh or MPI work.

Each reproducer once ended in a traceback (KeyError, an AssertionError in the gmsh reader, a
MemoryError in the mesh ramp, a gmsh OpenCASCADE error, a FileNotFoundError after the solve, a
resolved case that was not TOML). Now each exits with code 2 and one message naming the field,
the value and what was expected. None of them reaches meshing, so every test is quick.
"""

import logging
import math
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from pnp_ssb.apps.cli import EXIT_BAD_INPUT, main, output_problem
from pnp_ssb.discretisation import grading
from pnp_ssb.input.case import case_to_dict
from pnp_ssb.input.tomlio import dumps_toml
from pnp_ssb.preflight import load_case
from tests.conftest import BINARY, electrolyte_case
from tests.input.test_case import base, error_of

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "cases"

PT_LLZO_PT = """name = "pt_llzo_pt"
[study]
type = "steady_state"
[[regions]]
name = "pt_left"
material = "Pt"
thickness_m = 20e-9
[[regions]]
name = "llzo"
material = "LLZO"
thickness_m = 100e-9
[[regions]]
name = "pt_right"
material = "Pt"
thickness_m = 20e-9
[boundaries]
"""

BAD_SCREEN = """temperature_K = 1e300
electrolytes = ["LLZO"]
electrode_thickness_m = -1
colour = "red"
[[electrodes]]
material = "LiCoO2"
li_fraction = 2
"""


def cli(caplog, *argv: str) -> tuple[int, list[logging.LogRecord]]:
    """Run the command line in this process; its exit code and the error records it logged."""
    caplog.clear()
    code = main(list(argv))
    return code, [r for r in caplog.records if r.levelno >= logging.ERROR]


def case(name: str) -> str:
    return str(CASES / name)


RUN_REPRODUCERS = [
    # (case file, --set, the field the message must name)
    ("lco_lipon.toml", "regions.1.thickness_m=1e-300", "regions[1].thickness_m = 1e-300"),
    ("lco_lipon.toml", "regions.1.thickness_m=1e92", "regions[1].thickness_m = 1e+92"),
    ("heterojunction.toml", "regions.0.thickness_m=3e4", "regions[0].thickness_m = 30000.0"),
    ("li_llzo_li.toml", "regions.2.thickness_m=5e-324", "regions[2].thickness_m = 5e-324"),
    ("llzo_bicrystal_2d.toml", "geometry.height_m=5e-324", "geometry.height_m = 5e-324"),
    # in range, but the graded mesh would not fit in memory (the automatic one grows like
    # log(L / lambda_D): a 0.5 m layer needs cells of 1e-10 m in its bulk for that)
    ("heterojunction.toml", ("regions.0.thickness_m=0.5", "mesh.max_cell_m=1e-10"),
     "regions[0].thickness_m = 0.5"),
    ("llzo_bicrystal_2d.toml", "geometry.height_m=1e-3", "geometry.height_m = 0.001"),
    ("gouy_chapman.toml", "temperature_K=1e300", "temperature_K = 1e+300"),
    ("gouy_chapman.toml", "mesh.max_cell_m=1e-20", "mesh.max_cell_m = 1e-20"),
    ("gouy_chapman.toml", "geometry.lateral_cells=4", "geometry.lateral_cells = 4"),
    ("llzo_bicrystal_2d.toml", "geometry.grains=3", "geometry.grains = 3"),
    ("li_lipon_lco_impedance.toml", "study.f_min_Hz=1e-300", "study.f_min_Hz = 1e-300"),
]


@pytest.mark.parametrize("name, override, named", RUN_REPRODUCERS)
def test_run_refuses_before_meshing(caplog, tmp_path, name, override, named):
    sets = [arg for o in ((override,) if isinstance(override, str) else override)
            for arg in ("--set", o)]
    code, errors = cli(caplog, "run", case(name), *sets, "-o", str(tmp_path / "out"))
    assert code == EXIT_BAD_INPUT
    assert len(errors) == 1 and named in errors[0].getMessage()
    assert "expected" in errors[0].getMessage()
    assert not (tmp_path / "out").exists()  # refused before the output is even created


def test_too_large_a_mesh_says_how_many_cells(caplog, tmp_path):
    _, errors = cli(caplog, "check", case("heterojunction.toml"), "--set",
                    "regions.0.thickness_m=0.5", "--set", "mesh.max_cell_m=1e-10")
    message = errors[0].getMessage()
    assert f"at most {grading.MAX_CELLS:,} cells" in message and "region 'llzo'" in message
    assert "mesh.max_cell_m" in message  # and what to change


def test_steady_state_between_two_metals_with_no_boundaries(caplog, tmp_path):
    path = tmp_path / "pt_llzo_pt.toml"
    path.write_text(PT_LLZO_PT, encoding="utf-8")
    code, errors = cli(caplog, "check", str(path))
    assert code == EXIT_BAD_INPUT and len(errors) == 1
    message = errors[0].getMessage()
    # a closed cell is canonical now (its amounts are held), so what is missing is what sets
    # the Li-free metals' Fermi levels
    assert "boundaries.left.voltage_V" in message and "pt_left" in message


@pytest.mark.parametrize("where", ["under_a_file", "proc"])
def test_unwritable_output_is_refused_before_the_solve(caplog, tmp_path, where):
    if where == "proc" and not Path("/proc/self").exists():
        pytest.skip("no /proc here")
    blocker = tmp_path / "a_file"
    blocker.write_text("", encoding="utf-8")
    out = str(blocker / "out") if where == "under_a_file" else "/proc/x"
    code, errors = cli(caplog, "run", case("gouy_chapman.toml"), "-o", out)
    assert code == EXIT_BAD_INPUT and len(errors) == 1
    assert f"--output = {out!r}: expected a writable directory" in errors[0].getMessage()


def test_output_check():
    assert output_problem(str(Path(__file__).parent), "directory") is None
    assert "not a directory" in output_problem(str(Path(__file__).parent), "file")
    assert "is a file" in output_problem(__file__, "directory")


def test_screen_spec_errors_read_like_case_errors(caplog, tmp_path):
    spec = tmp_path / "screen.toml"
    spec.write_text(BAD_SCREEN, encoding="utf-8")
    code, errors = cli(caplog, "screen", str(spec), "-o", str(tmp_path / "out"))
    assert code == EXIT_BAD_INPUT and len(errors) == 1
    lines = errors[0].getMessage().splitlines()
    assert lines[0] == f"invalid screen spec {spec}:"
    assert [line.split(" = ")[0].strip() for line in lines[1:]] == [
        "temperature_K", "electrodes[0].li_fraction", "electrode_thickness_m", "colour"]
    assert "pydantic" not in errors[0].getMessage() and "http" not in errors[0].getMessage()
    spec.write_text('electrolytes = ["LLZO"]\n[[electrodes]]\nmaterial = "LiCoO2"\n',
                    encoding="utf-8")
    _, errors = cli(caplog, "screen", str(spec), "-o", str(tmp_path / "out"))
    assert "electrodes[0].li_fraction: missing" in errors[0].getMessage()


@pytest.mark.parametrize("argv, named", [
    (["run", "cases/lco_lipon.toml", "--set", "regions.1.thickness_m=1e-300"],
     "regions[1].thickness_m"),
    (["run", "cases/gouy_chapman.toml"], "--output"),
])
def test_the_console_shows_one_line_and_no_traceback(tmp_path, argv, named):
    out = tmp_path / "file"
    out.write_text("", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pnp_ssb.apps.cli", *argv, "-o", str(out / "x")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == EXIT_BAD_INPUT
    assert "Traceback" not in done.stderr and named in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# --- range checks, and warnings where a range is only advisory ---------------------------

# base() and error_of() are the case tests' own (tests/input/test_case.py)


@pytest.mark.parametrize("override, named", [
    ("boundaries.left.stern = {thickness_m = 1e-15, relative_permittivity = 5.0}",
     "boundaries.left.stern.thickness_m = 1e-15: expected a length between 1e-11 m and 1 m"),
    ("mesh.min_cell_m = 1e-16", "mesh.min_cell_m = 1e-16: expected a cell size between"),
    ("geometry = {type = 'layered_2d', height_m = 2.0}", "geometry.height_m = 2.0"),
    ("temperature_K = 0.5", "temperature_K = 0.5: expected a temperature between 1 K"),
    ("study = {type = 'impedance', f_max_Hz = 1e15}",
     "study.f_max_Hz = 1000000000000000.0: expected a frequency"),
    ("study = {type = 'impedance', frequencies_Hz = [1.0, 1e-9]}", "1e-09: expected positive"),
    ("mesh = {min_cell_m = 1e-9, max_cell_m = 1e-10}",
     "mesh.max_cell_m = 1e-10: expected at least mesh.min_cell_m = 1e-09"),
    ("geometry.max_cell_m = 1e-9", "geometry.max_cell_m = 1e-09: expected no max_cell_m here"),
    ("geometry.mesh_unit_m = 1e-6", "geometry.mesh_unit_m = 1e-06"),
    ("grain_boundaries = {electrolyte = {positions_m = [1e-300]}}",
     "grain_boundaries.electrolyte.positions_m[0] = 1e-300: expected a position inside"),
    ("grain_boundaries = {electrolyte = {positions_m = [1e-7], width_m = 1e-15}}",
     "width_m = 1e-15: expected 0 (a sharp boundary) or a length between 1e-11 m and 1 m"),
])
def test_out_of_range_values_name_the_field(override, named):
    assert named in error_of(base(), [override])


def test_negative_values_still_say_greater_than_zero():
    assert "regions[0].thickness_m = -1e-09: Input should be greater than 0" in error_of(
        base(), ["regions.0.thickness_m=-1e-9"])


def test_a_union_field_gives_one_line():
    message = error_of(base(), ["mesh.max_cell_m=1e-20"])
    assert message.count("mesh.max_cell_m") == 1 and "(or 'auto')" in message


@pytest.mark.parametrize("override, warned", [
    ("temperature_K = 2000.0", "temperature_K = 2000.0: outside 150 K to 1500 K"),
    ("mesh.max_cell_m = 1e-12", "mesh.max_cell_m = 1e-12 is below the automatic cells"),
    ("study = {type = 'impedance', f_min_Hz = 1e-6, points_per_decade = 20}",
     "study: 261 frequencies"),
])
def test_advisory_ranges_warn(caplog, override, warned):
    data = base()
    data["boundaries"]["left"] = {"type": "blocking", "potential_vs_bulk_V": 0.1}
    with caplog.at_level(logging.WARNING, logger="pnp_ssb"):
        load_case(data, [override])
    assert any(warned in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_resolved_cases_with_every_default_still_load():
    """case.resolved.toml lists every geometry default; those do not count as set."""
    for name in ("llzo_bicrystal_2d.toml", "gouy_chapman.toml", "fuller_si_lipon_lco.toml"):
        original = load_case(case(name))
        again = load_case(tomllib.loads(dumps_toml(case_to_dict(original))))
        assert case_to_dict(again) == case_to_dict(original)


# --- case.resolved.toml with non-ASCII names -------------------------------------------------

def test_unicode_species_round_trip_through_toml():
    data = electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": 0.1},
                            right={"type": "reservoir"},
                            species={"Liᵢ": BINARY["cation"], "Vé": BINARY["anion"]})
    data["description"] = 'quote " backslash \\ tab \t DEL \x7f astral 😀'
    original = load_case(data)
    text = dumps_toml(case_to_dict(original))
    again = load_case(tomllib.loads(text))
    assert case_to_dict(again) == case_to_dict(original)
    assert list(again.region_materials["electrolyte"].species) == ["Liᵢ", "Vé"]


def test_bare_keys_stay_bare_and_others_are_quoted():
    text = dumps_toml({"t": {"a_b-1": 1, "é": 2, "A|B": 3, "": 4}})
    assert "a_b-1 = 1" in text and '"é" = 2' in text and '"A|B" = 3' in text and '"" = 4' in text
    assert tomllib.loads(text) == {"t": {"a_b-1": 1, "é": 2, "A|B": 3, "": 4}}


# --- the cell count matches the mesh it predicts ---------------------------------------------

@pytest.mark.parametrize("length, h_left, h_right, h_max, ratio", [
    (100e-9, 1e-11, 1e-11, 5e-9, 1.1),
    (100e-9, 1e-11, 2e-10, 5e-9, 1.25),
    (30e-9, 5e-9, 5e-9, 1.5e-9, 1.1),  # ends above the cap
    (1e-9, 2.5e-10, 2.5e-10, 2.5e-10, 1.1),  # a core: uniform
    (20e-9, 1e-8, 1e-8, 1e-8, 1.1),  # a conductor: two cells
    (1e-6, 1e-12, 1e-12, 1e-7, 1.01),
    (3e-7, 1e-10, 1e-10, 1e-9, 2.0),
])
def test_cell_count_matches_graded_segment(length, h_left, h_right, h_max, ratio):
    sizes = grading.graded_segment(length, h_left, h_right, h_max, ratio)
    assert sizes.sum() == pytest.approx(length)
    assert abs(grading.graded_segment_cells(length, h_left, h_right, h_max, ratio)
               - sizes.size) <= 2


def test_cell_count_of_a_huge_layer_is_instant():
    cells = grading.graded_segment_cells(1.0, 1e-11, 1e-11, 1.5e-9, 1.1)
    assert cells == pytest.approx(1.0 / 1.5e-9, rel=1e-3) and math.isfinite(cells)
