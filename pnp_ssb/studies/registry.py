"""The study types by name (``study.type``): each runs a case into a folder and returns its
state, the last one of a sweep. :func:`run_case` is the one entry point that chooses by type."""

from collections.abc import Callable
from pathlib import Path

from pnp_ssb.analysis.solution import Solution
from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.discretisation.release import release_run_objects
from pnp_ssb.input.case import Case
from pnp_ssb.studies.impedance_study import run_impedance
from pnp_ssb.studies.steady import run_steady
from pnp_ssb.studies.sweep import run_sweep
from pnp_ssb.studies.transient import run_transient

StudyRunner = Callable[[Case, Path, MPI.Comm], Solution]

STUDIES: dict[str, StudyRunner] = {
    "equilibrium": run_steady,
    "steady_state": run_steady,
    "ocv_sweep": lambda case, outdir, comm: run_sweep(case, outdir, comm)[-1],
    "transient": run_transient,
    "impedance": lambda case, outdir, comm: run_impedance(case, outdir, comm)[0],
}


def run_case(case: Case, outdir: str | Path, comm: MPI.Comm = MPI.COMM_WORLD) -> Solution:
    """Run the case's study into ``outdir`` (collective). Each study first removes an earlier
    run's outputs from it (:mod:`pnp_ssb.io.rundir`; transients and OCV sweeps keep what
    resuming the same run needs). On a solver failure, the last good state is written to
    ``outdir/last_good`` and ``outdir/summary.json`` says ``converged = false`` with the
    failure report, then the error is raised."""
    try:
        return STUDIES[case.study.type](case, Path(outdir), comm)
    finally:  # a process that runs many cases must not keep each one's meshes and comms
        release_run_objects()
