"""Error estimates of transient and impedance studies (pnp_ssb.studies.transient_error).

A blocking wall at V vs a reservoir, switched on at t = 0, relaxes to the Gouy–Chapman layer:
after 100 L^2/D (salt diffusion over the cell, the slowest mode) the state is steady to far
below the mesh error, so its exact error is the distance to the exact layer (one analytic
solution, :func:`pnp_ssb.analytic.symmetric_layer_potential_V`). Both meshes take the same
steps, so the estimate is the spatial error alone; P1 at h -> 0 makes it exact up to O(h), and
we assert a factor of 1.5 (the issue asks for 3; measured: 1.001 at 0.1 V and 0.3 V). The
impedance's relative estimate is checked against the exact linearised blocking-cell response
(Macdonald) with the same factor.
"""

import json

import numpy as np
import pytest

from pnp_ssb import analytic
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.adapt import DiscretisationError
from pnp_ssb.studies.registry import run_case
from tests.verification.test_error_control import gc_case, true_error_V
from tests.verification.test_impedance import EPS, C, D, L, T, blocking_case


def gc_transient(v: float, end_diffusion_times: float = 100.0, **mesh) -> dict:
    data = gc_case(v, "boltzmann", **mesh)
    tau = L**2 / D  # salt diffusion across the cell
    data["study"] = {"type": "transient", "end_time_s": end_diffusion_times * tau,
                     "initial_step_s": 1e-3, "max_step_s": 5 * tau, "output_times_s": [tau]}
    return data


@pytest.mark.parametrize("v", [0.1, 0.3])
def test_transient_estimate_is_the_error_of_the_relaxed_layer(tmp_path, v):
    sol = run_case(load_case(gc_transient(v, error_control="estimate")), tmp_path)
    control = sol.error_control
    error = true_error_V(sol, v, "boltzmann")
    assert control["method"].startswith("refined twin")
    assert [s["time_s"] for s in control["states"]] == pytest.approx([0.0, L**2 / D, 100 * L**2 / D])
    assert control["states"][0]["estimate_V"] == 0.0  # the flat state at t = 0 is exact
    assert 1 / 1.5 < control["estimate_V"] / error < 1.5
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["discretisation_error_estimate_V"] == pytest.approx(control["estimate_V"])
    state = json.loads((tmp_path / f"t_{L**2 / D:.6g}s" / "summary.json").read_text())
    assert state["discretisation_error_estimate_V"] == pytest.approx(
        control["states"][1]["estimate_V"])


def test_transient_adapts_its_mesh_to_the_tolerance(tmp_path):
    """The default mesh gives 3.3e-5 V at 0.1 V; with a tolerance of 1e-5 V the run starts
    again on a refined mesh and meets it (true error too)."""
    tol = 1e-5
    sol = run_case(load_case(gc_transient(0.1, error_tolerance_V=tol)), tmp_path)
    control = sol.error_control
    assert control["adaptations"] >= 1
    assert control["meshes"][0]["estimate_V"] > tol
    assert control["meshes"][-1]["cells"] > control["meshes"][0]["cells"]
    assert control["estimate_V"] <= tol
    assert true_error_V(sol, 0.1, "boltzmann") <= tol


def test_transient_that_cannot_meet_its_tolerance_fails_cleanly(tmp_path):
    data = gc_transient(0.1, 2.0, error_tolerance_V=1e-5, max_adaptations=0)
    with pytest.raises(DiscretisationError, match=r"mesh\.error_tolerance_V"):
        run_case(load_case(data), tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["converged"] is False
    assert summary["discretisation_error_estimate_V"] > 1e-5
    assert (tmp_path / "last_good" / "summary.json").is_file()


def test_start_from_an_unestimated_run_says_so(tmp_path):
    first = gc_transient(0.1, 1.0, error_control="off")
    run_case(load_case(first), tmp_path / "a")
    second = gc_transient(0.1, 2.0)
    second["study"]["start_from"] = str(tmp_path / "a")
    sol = run_case(load_case(second), tmp_path / "b")
    control = sol.error_control
    assert control["estimate_V"] is None and "no refined twin" in control["reason"]
    assert any("not estimated" in w for w in sol.warnings)


def test_start_from_an_estimated_run_continues_its_twin(tmp_path):
    """The second half from the first half's checkpoint (its twin included) ends at the same
    estimate as one run over the whole time."""
    whole = run_case(load_case(gc_transient(0.1, 4.0, error_control="estimate")),
                     tmp_path / "whole")
    half = gc_transient(0.1, 2.0, error_control="estimate")
    run_case(load_case(half), tmp_path / "a")
    second = gc_transient(0.1, 2.0, error_control="estimate")
    second["study"].update(start_from=str(tmp_path / "a"), output_times_s=[])
    sol = run_case(load_case(second), tmp_path / "b")
    ours, theirs = (s.error_control["estimate_V"] for s in (sol, whole))
    assert ours == pytest.approx(theirs, rel=1e-3)  # the same state up to the time steps


def test_impedance_estimate_brackets_the_exact_error(tmp_path):
    data = blocking_case()
    data["mesh"] = {"error_control": "estimate"}
    sol = run_case(load_case(data), tmp_path)
    z = np.loadtxt(tmp_path / "impedance.csv", delimiter=",", skiprows=1)
    f, values = z[:, 0], (z[:, 1] + 1j * z[:, 2]) * 1e-4  # Ohm cm^2 -> Ohm m^2
    exact = analytic.blocking_binary_impedance_ohm_m2(f, C, D, EPS, L, T)
    error = np.max(np.abs(values - exact) / np.abs(exact))
    estimate = sol.impedance.relative_error_estimate
    assert 1 / 1.5 < estimate / error < 1.5  # measured: 9.46e-4 vs 9.47e-4
    assert sol.error_control["estimate_V"] is not None


def test_unstructured_transient_relaxes_to_the_estimate_of_its_equilibrium(tmp_path, solve):
    """A charged grain boundary in a gmsh bicrystal (3112 triangles), switched on at t = 0:
    after 30 diffusion times the twin on the uniformly refined triangles gives the estimate of
    the equilibrium solve on the same meshes (measured: equal to 1e-14)."""
    from tests.verification.test_grain_boundary import CATION, two_d_bicrystal

    mesh = {"min_cell_m": 1e-9, "growth_ratio": 1.5}
    steady = solve(two_d_bicrystal(60.0, **mesh)).error_control["estimate_V"]
    data = two_d_bicrystal(60.0, **mesh)
    tau = (100e-9) ** 2 / CATION["cation"]["diffusivity_m2_s"]  # over 100 nm to a reservoir
    data["study"] = {"type": "transient", "end_time_s": 30 * tau, "initial_step_s": tau,
                     "max_step_s": 5 * tau}
    sol = run_case(load_case(data), tmp_path)
    control = sol.error_control
    assert control["states"][0]["estimate_V"] == 0.0
    assert control["states"][-1]["estimate_V"] == pytest.approx(steady, rel=1e-6)
