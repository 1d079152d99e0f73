"""The split of case checking: reading (schema and field checks, input/) and the dry run of the
model and the mesh plan (preflight/). What reading accepts and preflight refuses is named by
field, before any mesh work; and reading alone never resolves a model or plans a mesh."""

from pathlib import Path

import pytest

from pnp_ssb.discretisation import grading
from pnp_ssb.input.fields import CaseError
from pnp_ssb.input.load import read_case
from pnp_ssb.preflight import check_case, load_case

CASES = Path(__file__).resolve().parents[2] / "cases"

# (case, overrides, what the error names): all are valid to the schema and the field checks
DRY_RUN_FAILURES = [
    ("heterojunction.toml", ["regions.0.thickness_m=0.5", "mesh.max_cell_m=1e-10"],
     f"at most {grading.MAX_CELLS:,} cells"),
    ("fuller_si_lipon_lco.toml", ["study.ocv_V=[3.0, 4.5]"], "study.ocv_V[1] = 4.5"),
    ("llzo_grain_boundary_2d.toml", ["geometry.grains=400", "geometry.min_seed_distance_m=3e-9"],
     "geometry (polycrystal)"),
]


@pytest.mark.parametrize("name, overrides, named", DRY_RUN_FAILURES)
def test_reading_accepts_what_the_dry_run_refuses(name, overrides, named):
    case = read_case(CASES / name, overrides)  # the schema and the field checks pass
    with pytest.raises(CaseError, match=None) as refused:
        check_case(case)
    assert named in str(refused.value)
    with pytest.raises(CaseError) as loaded:
        load_case(CASES / name, overrides)
    assert str(loaded.value) == str(refused.value)  # load_case = read_case + check_case


def test_every_bundled_case_passes_both_stages():
    for path in sorted(CASES.glob("*.toml")):
        check_case(read_case(path))


def test_reading_a_case_resolves_no_model_and_plans_no_mesh(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("called while reading a case")

    for target in ("pnp_ssb.physics.electrodes.cell_state", "pnp_ssb.physics.model.build_stack_model",
                   "pnp_ssb.discretisation.grading.estimate_cells",
                   "pnp_ssb.discretisation.microstructure.plan_cross_section"):
        monkeypatch.setattr(target, refuse)
    for name in ("fuller_si_lipon_lco.toml", "llzo_grain_boundary_2d.toml"):
        read_case(CASES / name)
    with pytest.raises(AssertionError, match="called while reading"):
        check_case(read_case(CASES / "fuller_si_lipon_lco.toml"))
