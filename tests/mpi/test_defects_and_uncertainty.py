"""MPI: the defect chemistry, the minimum-interface carriers, the mixed-conducting electrode,
the Brouwer table, the forward-tangent sensitivities and the CPD fit give the serial answer on
2 ranks."""

import numpy as np
import pytest

from pnp_ssb.discretisation.fem import MPI
from tests.mpi.test_rank_independence import compare

pytestmark = pytest.mark.mpi


def test_minimum_interface_and_defect_chemistry(solve):
    """Carriers at a sloped mu_Li (anode on the right), and an electrolyte by its defects."""
    from tests.verification.test_defect_chemistry_pnp import defect_case
    from tests.verification.test_minimum_interface import sloped_case

    compare(solve, sloped_case(anode_side="right"))
    compare(solve, defect_case())


def test_mixed_conductor_with_a_dipole_and_its_li_balance(solve):
    """Space charge inside the electrode, a dipole between charged regions (a potential
    offset), and the Li balance's integrals of the layers, on 2 ranks."""
    from tests.verification import mixed_cells

    data = mixed_cells.mixed_cell()
    data["interfaces"] = {"electrode|se": {"dipole_V": -0.4}}
    data["materials"]["electrode"]["tables"]["open_circuit_potential_V"] = {
        **mixed_cells.table(0.0, "V"), "value": [4.3, 3.3]}
    compare(solve, data)
    parallel, serial = (solve(data, comm=c).model.require_cell().li_fraction["electrode"]
                        for c in (MPI.COMM_WORLD, MPI.COMM_SELF))
    assert parallel == pytest.approx(serial, abs=1e-12)


def test_brouwer_diagram_on_every_rank(tmp_path):
    """`pnp-ssb defects` under mpirun: every rank gets the same table, rank 0 writes it."""
    from pathlib import Path

    from pnp_ssb.apps.defects import BrouwerRequest, run_brouwer

    case = Path(__file__).resolve().parents[2] / "cases" / "garnet_defect_chemistry.toml"
    shared = Path(MPI.COMM_WORLD.bcast(str(tmp_path) if MPI.COMM_WORLD.rank == 0 else None))
    rows = run_brouwer(BrouwerRequest(str(case), shared, (0.0, 5.0), 11))
    gathered = MPI.COMM_WORLD.allgather([r["fermi_level_above_vbm_eV"] for r in rows])
    assert all(g == gathered[0] for g in gathered)
    MPI.COMM_WORLD.barrier()
    assert (shared / "brouwer.csv").is_file()


def test_forward_tangent_sensitivities(solve):
    """dphi/dphi0 of Li | LLZO | Li on 2 ranks equals the serial one."""
    from pathlib import Path

    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.sensitivity import equilibrium_sensitivities
    from pnp_ssb.studies.steady import solve_case

    case = load_case(Path(__file__).resolve().parents[2] / "cases" / "li_llzo_li.toml",
                     ("mesh.error_control=off", "output.figures=false"))
    parallel = equilibrium_sensitivities(solve_case(case, MPI.COMM_WORLD))
    serial = equilibrium_sensitivities(solve_case(case, MPI.COMM_SELF))
    (a,), (b,) = parallel.inputs, serial.inputs
    assert np.max(np.abs(a.dphi_dp - b.dphi_dp)) < 1e-9
    assert a.d_steps == pytest.approx(b.d_steps, abs=1e-9)


def test_cpd_estimate_on_two_ranks():
    """The least-squares fit of phi0 and the offset gives the serial estimates on 2 ranks
    (every model evaluation is a collective solve)."""
    from pathlib import Path

    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.estimation import fit_cpd_profile

    case = load_case(Path(__file__).resolve().parents[2] / "cases" / "li_llzo_li.toml",
                     ("mesh.error_control=off", "output.figures=false"))
    x = np.linspace(5e-9, 135e-9, 40)
    data = np.where((x > 20e-9) & (x < 120e-9), 1.9, 0.2) + 1e-3 * np.sin(x / 7e-9)
    parallel = fit_cpd_profile(case, ["llzo"], x, data, comm=MPI.COMM_WORLD)
    serial = fit_cpd_profile(case, ["llzo"], x, data, comm=MPI.COMM_SELF)
    assert np.allclose(parallel.values, serial.values, rtol=1e-8, atol=1e-10)
    assert np.allclose(parallel.std_errors, serial.std_errors, rtol=1e-6)
    assert parallel.values[0] == pytest.approx(1.7, abs=0.05)


def test_sobol_indices_on_two_ranks(tmp_path):
    """The global route's samples split over 2 sub-communicators give the serial indices."""
    from pathlib import Path

    from pnp_ssb.apps.uncertainty_global import run_global
    from tests.verification.test_global_sensitivity import case_file

    shared = Path(MPI.COMM_WORLD.bcast(str(tmp_path) if MPI.COMM_WORLD.rank == 0 else None))
    path = Path(MPI.COMM_WORLD.bcast(str(case_file(shared)) if MPI.COMM_WORLD.rank == 0
                                     else None))
    parallel = run_global(str(path), shared / "parallel", samples=8)
    serial = run_global(str(path), tmp_path / f"serial_{MPI.COMM_WORLD.rank}", samples=8,
                        comm=MPI.COMM_SELF)
    assert parallel["indices"].keys() == serial["indices"].keys()
    assert all(
        parallel["indices"][k][n][s] == pytest.approx(serial["indices"][k][n][s], abs=1e-9)
        for k in serial["indices"] for n in serial["indices"][k] for s in ("S1", "ST"))
