"""2D runs: a laterally uniform 2D stack is the 1D stack.

geometry.type = 'layered_2d' extrudes the graded 1D vertices over the height with rows of
quadrilaterals. Q1 integrals of a function of x factorise into x and y, so the 1D solution,
extended uniformly in y, solves the 2D discrete equations: the two runs agree to the Newton
tolerance (1e-9 kT/e), not just to the discretisation error. The same holds for everything
read from them: charges per area, currents, grain-boundary barriers and the KPFM profile,
which for a 2D run is the y-average.
"""

import csv

import numpy as np
import pytest

from pnp_ssb.apps.cpd import run_cpd
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case
from tests.conftest import electrolyte_case
from tests.verification.test_grain_boundary import bicrystal_case

LAYERED = {"type": "layered_2d", "height_m": 10e-9, "lateral_cells": 3}


def two_d(data: dict) -> dict:
    return {**data, "geometry": LAYERED}


def assert_same_profiles(one, two, tol_kT: float = 1e-8) -> None:
    for a, b in zip(one.profile.segments, two.profile.segments, strict=True):
        np.testing.assert_array_equal(a.x_m, b.x_m)
        assert np.max(np.abs(a.psi - b.psi)) < tol_kT
        for name in a.w:
            assert np.max(np.abs(a.w[name] - b.w[name])) < tol_kT


def test_gouy_chapman_layer(solve):
    data = electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": 0.3},
                            right={"type": "reservoir"})
    one, two = solve(data), solve(two_d(data))
    assert_same_profiles(one, two)
    assert two.electrode_charge_C_m2["left"] == pytest.approx(one.electrode_charge_C_m2["left"],
                                                              rel=1e-9)
    assert two.space_charge_C_m2 == pytest.approx(one.space_charge_C_m2, rel=1e-9)
    (phi_map,) = [m for m in two.maps if m.region == "electrolyte"]
    assert np.max(np.ptp(phi_map.phi_V, axis=0)) < 1e-9  # laterally uniform


@pytest.mark.parametrize("width_m", [0.0, 0.4e-9])
def test_grain_boundary_parallel_to_the_electrodes(solve, width_m):
    """A bicrystal whose boundary is perpendicular to x: sharp (a facet line with its sheet
    charge) or a thin core, in full PNP."""
    data = bicrystal_case(width_m=width_m, study="steady_state")
    one, two = solve(data), solve(two_d(data))
    assert_same_profiles(one, two)
    gb_1d, gb_2d = (s.grain_boundaries["electrolyte"][0] for s in (one, two))
    assert gb_2d["barrier_V"] == pytest.approx(gb_1d["barrier_V"], rel=1e-9)


def test_cell_under_bias():
    """Li | LLZO | Li at 300 mV: Butler–Volmer contacts on facet lines, conductors, currents."""
    case_1d = load_case("cases/li_llzo_li_bias.toml")
    case_2d = load_case("cases/li_llzo_li_bias.toml", ["geometry.type = 'layered_2d'",
                                                        "geometry.height_m = 10e-9",
                                                        "geometry.lateral_cells = 2"])
    from pnp_ssb.studies.steady import solve_case

    one, two = solve_case(case_1d), solve_case(case_2d)
    assert_same_profiles(one, two, tol_kT=1e-7)
    for a, b in zip(one.kinetics, two.kinetics, strict=True):
        assert b.current_density_A_m2 == pytest.approx(a.current_density_A_m2, rel=1e-8)


def read_csv(path) -> dict[str, np.ndarray]:
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {k: np.array([float(r[k]) if k != "region" else 0.0 for r in rows]) for k in rows[0]}


def test_cpd_y_average_equals_the_1d_cpd(tmp_path):
    """`pnp-ssb cpd` on a 2D run: its profile (the y-average) equals the 1D run's CPD, and the
    map of a laterally uniform run has no lateral structure."""
    data = bicrystal_case()
    data["output"] = {"figures": True, "fields": "none"}
    run_case(load_case(data), tmp_path / "one")
    run_case(load_case(two_d(data)), tmp_path / "two")
    assert (tmp_path / "two" / "map.csv").is_file()
    assert (tmp_path / "two" / "potential_map.png").is_file()
    for name in ("one", "two"):
        run_cpd(tmp_path / name, tmp_path / f"cpd_{name}", tip_work_function_eV=4.5,
                psf_width_m=2e-9)
    one, two = (read_csv(tmp_path / f"cpd_{n}" / "cpd.csv") for n in ("one", "two"))
    np.testing.assert_array_equal(one["x_m"], two["x_m"])
    np.testing.assert_allclose(two["cpd_V"], one["cpd_V"], rtol=0, atol=1e-10)
    cpd_map = read_csv(tmp_path / "cpd_two" / "cpd_map.csv")
    assert (tmp_path / "cpd_two" / "cpd_map.png").is_file()
    ny = len(np.unique(cpd_map["y_m"]))
    values = cpd_map["cpd_V"].reshape(ny, -1)
    assert np.max(np.ptp(values, axis=0)) < 1e-9
    # the blurred map's lateral mean is the blurred 1D profile at the 1D mesh's x
    x_map = cpd_map["x_m"].reshape(ny, -1)[0]
    shared = np.isin(x_map, one["x_m"])
    assert shared.sum() > 0.5 * len(np.unique(one["x_m"]))
    diff = np.abs(values.mean(axis=0)[shared] - np.interp(x_map[shared], one["x_m"], one["cpd_V"]))
    assert np.max(diff) < 1e-9, np.max(diff)


@pytest.mark.parametrize("linear_solver", ["gmres_gamg", "fgmres_fieldsplit"])
def test_iterative_solvers_give_the_direct_answer(solve, linear_solver):
    """GMRES with GAMG, and FGMRES with one GAMG per field, on a 2D bicrystal in full PNP:
    the same state as LU (MUMPS) to the Newton tolerance, since Newton's test is on the step."""
    data = two_d(bicrystal_case(study="steady_state"))
    direct = solve(data)
    iterative = solve({**data, "solver": {"linear_solver": linear_solver}})
    assert_same_profiles(direct, iterative)
    assert sum(a.linear_iterations for a in iterative.report.attempts) > 0


def test_transient_cell_in_2d(tmp_path):
    """A closed-cell voltage step (LiCoO2 | LiPON | LimSi with Li diffusion in the electrodes)
    as a layered 2D run: the same time series as in 1D, step by step."""
    from tests.verification.test_transient import closed_cell, read_rows

    data = closed_cell(2e-4, initial_step_s=1e-7, max_step_s=5e-5)
    data["boundaries"]["right"]["voltage_V"] = 0.25
    run_case(load_case(data), tmp_path / "one")
    run_case(load_case({**data, "geometry": {"type": "layered_2d", "height_m": 10e-9,
                                             "lateral_cells": 2}}), tmp_path / "two")
    one, two = (read_rows(tmp_path / n / "timeseries.csv") for n in ("one", "two"))
    np.testing.assert_array_equal(one["time_s"], two["time_s"])
    for key in ("current_lco|lipon_A_m2", "charge_lipon|si_C_m2", "li_inventory_mol_m2"):
        np.testing.assert_allclose(two[key], one[key], rtol=1e-7, atol=1e-12)
