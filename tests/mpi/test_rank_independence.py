"""Results on all ranks of COMM_WORLD equal the serial result on each rank, to solver tolerance."""

import numpy as np
import pytest

from pnp_ssb.discretisation.fem import MPI
from tests.conftest import electrolyte_case
from tests.verification.test_cells import lco_llzo, metal_gap_electrolyte
from tests.verification.test_heterojunction import hetero_case

pytestmark = pytest.mark.mpi


def compare(solve, data: dict) -> None:
    parallel = solve(data, comm=MPI.COMM_WORLD)
    serial = solve(data, comm=MPI.COMM_SELF)
    assert parallel.converged and serial.converged
    for a, b in zip(parallel.profile.segments, serial.profile.segments, strict=True):
        np.testing.assert_array_equal(a.x_m, b.x_m)
        assert np.max(np.abs(a.psi - b.psi)) < 1e-9
        for name in a.c_m3:
            np.testing.assert_allclose(a.c_m3[name], b.c_m3[name], rtol=1e-8, atol=0)
    assert set(parallel.electrode_charge_C_m2) == set(serial.electrode_charge_C_m2)
    for key, sigma in serial.electrode_charge_C_m2.items():
        assert parallel.electrode_charge_C_m2[key] == pytest.approx(sigma, rel=1e-9, abs=1e-15)
    assert parallel.num_ranks == MPI.COMM_WORLD.size


def test_gouy_chapman_with_stern(solve):
    compare(solve, electrolyte_case(
        left={"type": "blocking", "potential_vs_bulk_V": 0.3, "stern": {"capacitance_F_m2": 0.2}},
        right={"type": "reservoir"}))


def test_heterojunction_steady_state(solve):
    compare(solve, hetero_case("steady_state"))


def test_ohmic_current(solve):
    data = electrolyte_case(left={"type": "reservoir", "potential_vs_bulk_V": 0.01},
                            right={"type": "reservoir"}, study="steady_state")
    parallel = solve(data, comm=MPI.COMM_WORLD)
    serial = solve(data, comm=MPI.COMM_SELF)
    assert parallel.current_density_A_m2["right"] == pytest.approx(
        serial.current_density_A_m2["right"], rel=1e-10)


def test_electrode_with_li_balance(solve):
    """LiCoO2 | LLZO: conductor potentials, contact charge and the Li balance re-solves."""
    compare(solve, lco_llzo(0.6))


def test_metal_compact_layer_and_dipole(solve):
    compare(solve, metal_gap_electrolyte(0.5e-9, 0.3, dipole_V=0.05))


def test_butler_volmer_contact_under_bias(solve):
    from tests.verification.test_butler_volmer import li_contact

    data = li_contact(0.1, 1e-2, 0.4, 0.6)
    compare(solve, data)
    parallel = solve(data, comm=MPI.COMM_WORLD)
    serial = solve(data, comm=MPI.COMM_SELF)
    assert parallel.kinetics[0].current_density_A_m2 == pytest.approx(
        serial.kinetics[0].current_density_A_m2, rel=1e-9)


def _assert_same_transient(case, tmp_path) -> None:
    """Run a transient case on every rank and on rank-local COMM_SELF: the same number of steps
    and the same last row of timeseries.csv to solver tolerance."""
    import csv

    from pnp_ssb.studies.registry import run_case

    shared = MPI.COMM_WORLD.bcast(str(tmp_path) if MPI.COMM_WORLD.rank == 0 else None, root=0)
    run_case(case, f"{shared}/parallel", MPI.COMM_WORLD)
    run_case(case, tmp_path / "serial", MPI.COMM_SELF)
    with open(f"{shared}/parallel/timeseries.csv", encoding="utf-8") as fh:
        par = list(csv.DictReader(fh))
    with open(tmp_path / "serial" / "timeseries.csv", encoding="utf-8") as fh:
        ser = list(csv.DictReader(fh))
    assert len(par) == len(ser)
    for key, value in ser[-1].items():
        # the error control's steps follow u^{n+1} - P, a difference of nearly equal states:
        # its round-off moves dt by ~1e-5; the states at the same time agree to solver tolerance
        rel = 1e-3 if key in ("dt_s", "time_error_estimate_V") else 1e-7
        assert float(par[-1][key]) == pytest.approx(float(value), rel=rel, abs=1e-12), key


BDF2 = {"time_scheme": "bdf2", "time_error_tolerance_V": 1e-4}


@pytest.mark.parametrize("scheme", [{}, BDF2], ids=["backward_euler", "bdf2"])
def test_transient_cell(tmp_path, scheme):
    """A closed-cell voltage step: the same time series on all ranks as in serial (with the
    BDF2 error control: the same accepted and rejected steps)."""
    from pnp_ssb.preflight import load_case
    from tests.verification.test_transient import closed_cell

    data = closed_cell(1e-3, **scheme)
    data["boundaries"]["right"]["voltage_V"] = 0.25
    _assert_same_transient(load_case(data), tmp_path)


@pytest.mark.parametrize("scheme", [[], ["study.time_scheme = 'bdf2'",
                                            "study.time_error_tolerance_V = 1e-6"]],
                         ids=["backward_euler", "bdf2"])
def test_mixed_conductor_polarisation(tmp_path, scheme):
    """A galvanostatic step through Pt | MIEC | Pt (electronic contacts only): 2 ranks give the
    serial time series."""
    from pnp_ssb.preflight import load_case
    from tests.verification.test_impedance import MIXED_CONDUCTOR
    from tests.verification.test_transient import mixed_conductor_polarisation

    overrides = [*mixed_conductor_polarisation(1.0), "study.end_time_s = 0.05", *scheme]
    _assert_same_transient(load_case(MIXED_CONDUCTOR, overrides), tmp_path)


def test_graded_electrons(solve):
    from tests.verification.test_electronic import band_material

    data = {"name": "graded", "temperature_K": 300.0, "study": {"type": "steady_state"},
            "regions": [{"name": "li", "material": "Li", "thickness_m": 20e-9},
                        {"name": "se", "material": "se", "thickness_m": 200e-9,
                         "electronic": "graded", "li_potential_V": 0.0}],
            "materials": {"se": band_material()},
            "boundaries": {"left": {"type": "terminal", "voltage_V": 0.05},
                           "right": {"type": "reservoir"}},
            "interfaces": {"li|se": {"kinetics": {"exchange_current_density_A_m2": 1e-3}}},
            "output": {"figures": False, "fields": "none"}}
    compare(solve, data)


def test_cpd_writes_once_and_matches(tmp_path):
    """`pnp-ssb cpd` under MPI: rank 0 writes, and the profile equals the serial computation."""
    from pathlib import Path

    from pnp_ssb.analysis.kpfm import compute_cpd
    from pnp_ssb.apps.cpd import read_run, run_cpd
    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.registry import run_case

    case_dir = Path(__file__).resolve().parents[2] / "cases"
    shared = Path(MPI.COMM_WORLD.bcast(str(tmp_path) if MPI.COMM_WORLD.rank == 0 else None))
    run_case(load_case(case_dir / "li_llzo_li.toml", ["output.figures=false"]), shared / "run")
    results = run_cpd(shared / "run", shared / "cpd")
    MPI.COMM_WORLD.barrier()
    serial = compute_cpd(read_run(shared / "run"))
    np.testing.assert_allclose(results[0].cpd_base_V, serial.cpd_base_V, atol=1e-12)
    assert (shared / "cpd" / "cpd.csv").is_file()


def test_dc_resistances():
    from pathlib import Path

    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.resistance import dc_resistances

    case = load_case(Path(__file__).resolve().parents[2] / "cases" / "li_llzo_li_bias.toml")
    parallel = dc_resistances(case, MPI.COMM_WORLD).as_dict()
    serial = dc_resistances(case, MPI.COMM_SELF).as_dict()
    assert parallel["total_ohm_cm2"] == pytest.approx(serial["total_ohm_cm2"], rel=1e-8)
    for key, values in serial["interfaces"].items():
        for name, value in values.items():
            assert parallel["interfaces"][key][name] == pytest.approx(value, rel=1e-8, abs=1e-12)


def test_screen_is_rank_independent(tmp_path):
    from pathlib import Path

    from pnp_ssb.apps.screening import load_spec, run_screen

    spec = load_spec(Path(__file__).resolve().parents[2] / "cases" / "screens"
                     / "electrodes_x_electrolytes.toml")
    shared = Path(MPI.COMM_WORLD.bcast(str(tmp_path) if MPI.COMM_WORLD.rank == 0 else None))
    run_screen(spec, shared / "parallel", MPI.COMM_WORLD)
    run_screen(spec, tmp_path / "serial", MPI.COMM_SELF)
    MPI.COMM_WORLD.barrier()
    assert (shared / "parallel" / "pairs.csv").read_text() == (
        tmp_path / "serial" / "pairs.csv").read_text()


CASE_FILES = sorted((__import__("pathlib").Path(__file__).resolve().parents[2] / "cases")
                    .glob("*.toml"))


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_every_bundled_case_is_rank_independent(path, tmp_path):
    """Each bundled case on all ranks gives every number of its serial run: the stored
    reference of tests/regression (test_cases.py runs the case serially against it), to the
    same REFERENCE_RTOL of each quantity's size, so the serial run is not repeated here."""
    from pathlib import Path

    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.registry import run_case
    from tests.regression.test_cases import assert_matches_reference

    case = load_case(path, ["output.figures=false", 'output.fields="none"'])
    shared = Path(MPI.COMM_WORLD.bcast(str(tmp_path) if MPI.COMM_WORLD.rank == 0 else None))
    assert run_case(case, shared / "parallel", MPI.COMM_WORLD).converged
    MPI.COMM_WORLD.barrier()  # rank 0's files are written
    assert_matches_reference(path.stem, shared / "parallel", ignore=("num_ranks",))


def test_two_d_bicrystal_with_charged_boundary(solve):
    """A 2D run (sharp grain boundary on a facet line, reservoirs, full PNP): the lateral
    average, the charges and the sampled map equal the serial ones."""
    from tests.verification.test_grain_boundary import bicrystal_case
    from tests.verification.test_two_d import two_d

    data = two_d(bicrystal_case(study="steady_state"))
    compare(solve, data)
    parallel = solve(data, comm=MPI.COMM_WORLD)
    serial = solve(data, comm=MPI.COMM_SELF)
    for a, b in zip(parallel.maps, serial.maps, strict=True):
        assert np.max(np.abs(a.phi_V - b.phi_V)) < 1e-9
    (gb_p,), (gb_s,) = (s.grain_boundaries["electrolyte"] for s in (parallel, serial))
    assert gb_p["barrier_V"] == pytest.approx(gb_s["barrier_V"], rel=1e-9)


def test_two_d_cell_with_thin_core(solve):
    """Li | LLZO with a slow, segregating grain-boundary core | Li under bias, in 2D."""
    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.steady import solve_case

    overrides = ["geometry.type = 'layered_2d'", "geometry.height_m = 10e-9",
                 "geometry.lateral_cells = 2", "grain_boundaries.llzo.positions_m = [50e-9]",
                 "grain_boundaries.llzo.width_m = 1e-9",
                 "grain_boundaries.llzo.diffusivity_factor = 0.1",
                 "grain_boundaries.llzo.energy_shift_eV = {Li_v = -0.05}"]
    case = load_case("cases/li_llzo_li_bias.toml", overrides)
    parallel, serial = solve_case(case, MPI.COMM_WORLD), solve_case(case, MPI.COMM_SELF)
    for a, b in zip(parallel.profile.segments, serial.profile.segments, strict=True):
        assert np.max(np.abs(a.psi - b.psi)) < 1e-8
    for a, b in zip(parallel.kinetics, serial.kinetics, strict=True):
        assert a.current_density_A_m2 == pytest.approx(b.current_density_A_m2, rel=1e-8)


def test_sweep_over_one_rank_groups(tmp_path):
    """`pnp-ssb sweep` on 2 ranks (one point per rank) writes the serial table."""
    from pnp_ssb.apps.batch import run_sweep, sweep_points

    points = sweep_points(["cases/gouy_chapman.toml"],
                          ["boundaries.left.potential_vs_bulk_V=0.05,0.1,0.2"])
    shared = MPI.COMM_WORLD.bcast(str(tmp_path) if MPI.COMM_WORLD.rank == 0 else None, root=0)
    run_sweep(points, f"{shared}/parallel", comm=MPI.COMM_WORLD)
    if MPI.COMM_WORLD.rank == 0:
        run_sweep(points, f"{shared}/serial", comm=MPI.COMM_SELF)
        with open(f"{shared}/parallel/sweep.csv") as a, open(f"{shared}/serial/sweep.csv") as b:
            assert a.read() == b.read()
    MPI.COMM_WORLD.barrier()


@pytest.mark.parametrize("scheme", [{"max_step_s": 5e-5}, BDF2], ids=["backward_euler", "bdf2"])
def test_transient_cell_in_2d(tmp_path, scheme):
    """The closed-cell voltage step as a layered 2D run: 2 ranks give the serial series."""
    from pnp_ssb.preflight import load_case
    from tests.verification.test_transient import closed_cell

    data = closed_cell(2e-4, initial_step_s=1e-7, **scheme)
    data["boundaries"]["right"]["voltage_V"] = 0.25
    data["geometry"] = {"type": "layered_2d", "height_m": 10e-9, "lateral_cells": 2}
    _assert_same_transient(load_case(data), tmp_path)


@pytest.mark.parametrize("which", ["blocking", "cell", "mixed_conductor", "electrode",
                                   "biased_cell", "current_biased_cell"])
def test_impedance(which):
    """Impedance spectra on 2 ranks equal the serial ones to solver tolerance (the mixed
    conductor: graded electrons whose contact values follow the terminal voltage; the
    electrode: Li diffusion, its potential following Phi(theta) at the contact; the biased
    cells: the relaxation to the DC steady state, and the voltage root of a current bias)."""
    from tests.verification.test_electrode_impedance import electrode_cell
    from tests.verification.test_impedance import (
        blocking_case,
        li_cell,
        mixed_conductor_spectrum,
        spectrum,
    )

    if which == "electrode":
        data = electrode_cell([1e-5, 1e-2, 1.0, 1e3], refine=1, work_function_slope_eV=1.0)
        parallel, serial = (spectrum(data, comm) for comm in (MPI.COMM_WORLD, MPI.COMM_SELF))
    elif which == "mixed_conductor":
        parallel, serial = (mixed_conductor_spectrum(0, comm)[0]
                            for comm in (MPI.COMM_WORLD, MPI.COMM_SELF))
    elif which in ("biased_cell", "current_biased_cell"):
        from tests.verification.test_impedance_bias import dense_cell

        data = dense_cell({"bias_V": 0.2} if which == "biased_cell" else
                          {"bias_current_A_m2": 0.5})
        parallel, serial = (spectrum(data, comm) for comm in (MPI.COMM_WORLD, MPI.COMM_SELF))
    else:
        data = blocking_case() if which == "blocking" else li_cell(0.1)
        parallel, serial = (spectrum(data, comm) for comm in (MPI.COMM_WORLD, MPI.COMM_SELF))
    np.testing.assert_allclose(parallel.impedance_ohm_m2, serial.impedance_ohm_m2, rtol=1e-7)


def test_closed_blocking_cell(solve):
    """Canonical equilibrium: the amount constraints' dense rows span both ranks."""
    from tests.verification.test_closed_cell import closed_cell

    compare(solve, closed_cell(1.0, "boltzmann"))
    compare(solve, closed_cell(0.3, "lattice_gas", study="steady_state"))


@pytest.mark.parametrize("start", ["auto", "coarse"])
def test_adaptive_mesh(solve, start):
    """The adaptive mesh on 2 ranks is the serial one (the same refinements, cell for cell)
    and gives the serial answer and estimate: lattice gas at 1 V refines the automatic mesh
    once; Boltzmann at 1 V from 1e-13 m cells three times (tests/verification/
    test_error_control.py)."""
    from tests.verification.test_error_control import gc_case

    data = (gc_case(1.0, "lattice_gas") if start == "auto"
            else gc_case(1.0, "boltzmann", min_cell_m=1e-13))
    compare(solve, data)
    parallel = solve(data, comm=MPI.COMM_WORLD).error_control
    serial = solve(data, comm=MPI.COMM_SELF).error_control
    assert parallel["adaptations"] == serial["adaptations"] >= 1
    assert [m["cells"] for m in parallel["meshes"]] == [m["cells"] for m in serial["meshes"]]
    assert parallel["estimate_V"] == pytest.approx(serial["estimate_V"], rel=1e-6, abs=1e-12)


def test_transient_error_control(tmp_path):
    """The refined twin of a transient on 2 ranks: the serial adaptations, meshes and
    estimates (tests/verification/test_transient_error.py)."""
    from pathlib import Path

    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.registry import run_case
    from tests.verification.test_transient_error import gc_transient

    case = load_case(gc_transient(0.1, 2.0, error_tolerance_V=1e-5))
    shared = Path(MPI.COMM_WORLD.bcast(str(tmp_path) if MPI.COMM_WORLD.rank == 0 else None))
    parallel = run_case(case, shared / "parallel", MPI.COMM_WORLD).error_control
    serial = run_case(case, tmp_path / "serial", MPI.COMM_SELF).error_control
    assert parallel["adaptations"] == serial["adaptations"] >= 1
    assert [m["cells"] for m in parallel["meshes"]] == [m["cells"] for m in serial["meshes"]]
    for a, b in zip(parallel["states"], serial["states"], strict=True):
        assert a["estimate_V"] == pytest.approx(b["estimate_V"], rel=1e-6, abs=1e-12)


def test_drt_attribution(tmp_path):
    """The DRT of a spectrum and the peaks' processes: all ranks = one rank (the spectra agree
    to 1e-7, the DRT's areas then to 1e-5 of the polarisation)."""
    from pathlib import Path

    from pnp_ssb.analysis.drt import compute_drt
    from pnp_ssb.apps.drt_attribution import attribution
    from pnp_ssb.io.spectra import read_spectrum
    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.registry import run_case

    path = Path(__file__).resolve().parents[2] / "cases" / "li_lipon_lco_impedance.toml"
    quiet = ["output.figures=false", 'output.fields="none"']
    shared = Path(MPI.COMM_WORLD.bcast(str(tmp_path) if MPI.COMM_WORLD.rank == 0 else None))
    run_case(load_case(path, quiet), shared / "run", MPI.COMM_WORLD)
    spectrum = read_spectrum(shared / "run" / "impedance.csv")
    base = compute_drt(spectrum.frequency_Hz, spectrum.z_ohm_m2, accuracy=1e-3)
    parallel = attribution(path, quiet, base, shared / "parallel", MPI.COMM_WORLD)
    serial = attribution(path, quiet, base, tmp_path / f"serial{MPI.COMM_WORLD.rank}",
                         MPI.COMM_SELF)
    assert [p["process"] for p in parallel] == [p["process"] for p in serial]
    for a, b in zip(parallel, serial, strict=True):
        for name, fraction in b["removed_fraction"].items():
            assert a["removed_fraction"][name] == pytest.approx(fraction, abs=1e-5)


def test_interlayer_design(tmp_path):
    """`pnp-ssb interlayer`'s check by the full stack: all ranks = one rank."""
    from pathlib import Path

    from pnp_ssb.apps.interlayer import InterlayerRequest, stack_case, thickness
    from pnp_ssb.materials import load_material
    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.steady import solve_case

    d, _ = thickness(load_material("LiF"), 1.24, 300.0)
    assert d is not None
    case = load_case(stack_case(InterlayerRequest(Path(tmp_path)), "LiF", d))
    parallel = solve_case(case, MPI.COMM_WORLD)
    serial = solve_case(case, MPI.COMM_SELF)
    for a, b in zip(parallel.layers["interlayer|electrolyte"],
                    serial.layers["interlayer|electrolyte"], strict=True):
        assert a.drop_V == pytest.approx(b.drop_V, abs=1e-9)


def test_impedance_about_a_saved_state(tmp_path):
    """A transient saved on all ranks and the spectrum about it = the same on one rank."""
    import csv
    from pathlib import Path

    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.registry import run_case

    path = Path(__file__).resolve().parents[2] / "cases" / "li_llzo_li_bias.toml"
    common = ['mesh.error_control="off"', "output.figures=false", 'output.fields="none"']
    shared = Path(MPI.COMM_WORLD.bcast(str(tmp_path) if MPI.COMM_WORLD.rank == 0 else None))
    spectra = {}
    for name, comm, root in (("parallel", MPI.COMM_WORLD, shared / "parallel"),
                             ("serial", MPI.COMM_SELF, tmp_path / f"serial{MPI.COMM_WORLD.rank}")):
        run_case(load_case(path, [*common, 'study={type="transient", end_time_s=0.1, '
                                  'initial_step_s=1e-9, max_step_s=0.01}']), root / "tr", comm)
        run_case(load_case(path, [*common, 'boundaries.right={type="terminal"}',
                                  f'study={{type="impedance", start_from="{root / "tr"}"}}']),
                 root / "z", comm)
        with open(root / "z" / "impedance.csv", encoding="utf-8") as f:
            spectra[name] = np.array([float(r["re_ohm_cm2"]) + 1j * float(r["im_ohm_cm2"])
                                      for r in csv.DictReader(f)])
    np.testing.assert_allclose(spectra["parallel"], spectra["serial"], rtol=1e-7)


def test_screen_correlation(tmp_path):
    """The drop-resistance table of a screen on all ranks = the same on one rank."""
    from pathlib import Path

    from pnp_ssb.apps.correlate_rows import CorrelateRequest
    from pnp_ssb.apps.correlate_screen import run_screen_correlation

    data = {"name": "two", "electrolytes": ["LiPON"], "exchange_current_density_A_m2": 100.0,
            "electrodes": [{"material": "Li"}, {"material": "LimSi", "li_fraction": 0.5}]}
    shared = Path(MPI.COMM_WORLD.bcast(str(tmp_path) if MPI.COMM_WORLD.rank == 0 else None))
    parallel = run_screen_correlation(CorrelateRequest("two", shared / "parallel"), data,
                                      MPI.COMM_WORLD)
    serial = run_screen_correlation(
        CorrelateRequest("two", tmp_path / f"serial{MPI.COMM_WORLD.rank}"), data, MPI.COMM_SELF)
    assert parallel["rows"] == serial["rows"] == 2
    rows = {}
    for name, root in (("parallel", shared / "parallel"), ("serial", tmp_path / "serial0")):
        if MPI.COMM_WORLD.rank == 0:  # rank 0 of each run's communicator wrote its table
            rows[name] = (root / "correlation.csv").read_text().splitlines()
    if MPI.COMM_WORLD.rank == 0:
        for a, b in zip(rows["parallel"][1:], rows["serial"][1:], strict=True):
            for x, y in zip(a.split(","), b.split(","), strict=True):
                try:
                    assert float(x) == pytest.approx(float(y), rel=1e-7, abs=1e-12)
                except ValueError:  # the names
                    assert x == y


def test_time_resolved_kpfm(tmp_path):
    """A charge saved on all ranks and scanned: the CPD series and the drift across the image
    equal those of the same charge on one rank."""
    from pathlib import Path

    from pnp_ssb.analysis.kpfm_time import Scan
    from pnp_ssb.apps.cpd_time import run_cpd_time
    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.registry import run_case

    path = Path(__file__).resolve().parents[2] / "cases" / "thin_film_galvanostatic.toml"
    overrides = ["study.end_time_s=6", "study.current_density_A_m2=0.1",
                 "study.output_times_s=[1.0, 3.0]", "study.max_step_s=2",
                 "output.figures=false", 'output.fields="none"', 'mesh.error_control="off"']
    shared = Path(MPI.COMM_WORLD.bcast(str(tmp_path) if MPI.COMM_WORLD.rank == 0 else None))
    records = {}
    for name, comm, root in (("parallel", MPI.COMM_WORLD, shared / "parallel"),
                             ("serial", MPI.COMM_SELF, tmp_path / f"serial{MPI.COMM_WORLD.rank}")):
        run_case(load_case(path, overrides), root / "run", comm)
        MPI.COMM_WORLD.barrier()
        records[name] = run_cpd_time(root / "run", root / "cpd", Scan(1.0, 0.4, 12), [4.25e-7])
    drift = records["serial"]["scan"]["drift_V_by_region"]
    assert drift["cu"] < -1e-3
    for region, value in drift.items():
        assert records["parallel"]["scan"]["drift_V_by_region"][region] == pytest.approx(
            value, abs=1e-9)
    assert records["parallel"]["state_times_s"] == records["serial"]["state_times_s"]
