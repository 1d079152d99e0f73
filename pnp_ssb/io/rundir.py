"""The run folder: clearing an earlier run's outputs before a run, and the failure record.

A run into an existing folder first removes every output that pnp_ssb writes into a run folder
(:func:`clear_outputs`; nothing else is touched), except what a run that resumes on purpose
keeps: a transient's checkpoint/ and timeseries.csv, an OCV sweep's completed states. So a
folder never holds files of two runs, and ``summary.json``, written last, marks a complete one.

When a solve fails, :func:`record_failure` writes the last good state to ``DIR/last_good/`` and
``DIR/summary.json`` with ``"converged": false`` and the failure report.
"""

import hashlib
import json
import logging
import re
import shutil
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from pnp_ssb.analysis.solution import postprocess_solution
from pnp_ssb.analysis.summary import summary
from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.input.case import Case, case_to_dict
from pnp_ssb.io.output import write_json
from pnp_ssb.io.results import write_outputs
from pnp_ssb.solvers.newton import SolverError

log = logging.getLogger(__name__)

FINGERPRINT_FILE = "fingerprint.json"  # resumable studies: the case the folder's states are of
OUTPUT_FILES = (
    "summary.json", "profiles.csv", "map.csv", "case.resolved.toml", "citations.bib",
    "fields.xdmf", "fields.h5", "potential.png", "concentrations.png", "bands.png",
    "potential_map.png", "current_map.png", "timeseries.csv", "timeseries.png",
    "impedance.csv", "nyquist.png", "bode.png", "sweep.csv", "failure.json", "overview.png",
    "report.html", "uncertain_inputs.json", FINGERPRINT_FILE)
OUTPUT_FOLDERS = ("fields.bp", "last_good", "checkpoint")
# t_<time>s/ (transient output times) and ocv_<V>V/ (OCV sweep states)
STATE_FOLDER = re.compile(r"t_[0-9][-+.0-9e]*s|ocv_-?[0-9]+\.[0-9]{3}V")
# what an atomic write leaves when killed: .<name>.<random> (text), .<stem>.tmp<suffix> (figures)
TEMPORARY = re.compile(r"\.(?P<name>[^/]+?)\.(tmp\.png|[A-Za-z0-9_]{6,})")

FAILURE_KEYS = ("case", "study", "converged", "failure", "load_reached", "newton_iterations",
                "continuation_steps", "continuation_attempts", "residual_history",
                "wall_time_s", "num_dofs", "num_cells", "num_ranks",
                "discretisation_error_estimate_V", "error_tolerance_V", "mesh_adaptations",
                "error_control", "versions")


def is_output(path: Path) -> bool:
    """Whether ``path`` (an entry of a run folder) is something a run writes there."""
    name = path.name
    if path.is_dir() and not path.is_symlink():
        return name in OUTPUT_FOLDERS or STATE_FOLDER.fullmatch(name) is not None
    if name in OUTPUT_FILES:
        return True
    temporary = TEMPORARY.fullmatch(name)
    return temporary is not None and any(
        temporary["name"] in (known, Path(known).stem) for known in OUTPUT_FILES)


def run_outputs(outdir: Path) -> list[Path]:
    """The entries of ``outdir`` that a run writes (sorted; [] when the folder does not exist)."""
    if not outdir.is_dir():
        return []
    return sorted(p for p in outdir.iterdir() if is_output(p))


def clear_outputs(outdir: str | Path, comm: MPI.Comm, keep: Collection[str] = ()) -> None:
    """Remove the outputs of an earlier run from ``outdir``, except the entries named in
    ``keep`` (collective: rank 0 removes; no rank returns before it has finished)."""
    outdir = Path(outdir)
    error = None
    if comm.rank == 0:
        stale = [p for p in run_outputs(outdir) if p.name not in keep]
        try:
            for path in stale:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
        except OSError as exc:
            error = f"cannot clear the earlier outputs in {outdir}: {exc}"
        if stale and error is None:
            log.info("%s: removed %d output(s) of an earlier run (%s)", outdir, len(stale),
                     ", ".join(p.name for p in stale[:6]) + (", ..." if len(stale) > 6 else ""))
    error = comm.bcast(error, root=0)  # the broadcast is the barrier after the cleanup
    if error is not None:
        raise OSError(error)


def record_failure(case: Case, exc: SolverError, outdir: str | Path, comm: MPI.Comm,
                   start: float) -> None:
    """Write the last good state of a failed run to ``outdir/last_good/`` (its summary.json
    with ``converged = false`` and the failure) and ``outdir/summary.json``: the failure report
    (message, continuation path, cost) and where the last good state is (collective).

    The state is ``exc.solution``, or, where the failure left only its problem
    (``exc.problem``, whose unknowns hold the last good state), that problem post-processed.
    """
    outdir = Path(outdir)
    solution = getattr(exc, "solution", None)
    problem = getattr(exc, "problem", None)
    if solution is None and problem is not None:
        solution = postprocess_solution(case, problem.model, problem.domain, problem, exc.report,
                                        start, False, str(exc))
    if solution is not None:
        solution.converged, solution.failure = False, str(exc)
        write_outputs(solution, outdir / "last_good")
    if comm.rank == 0:
        data: dict[str, object] = (
            {k: v for k, v in summary(solution).items() if k in FAILURE_KEYS}
            if solution is not None else {"case": case.name, "study": case.study.type})
        data.update(converged=False, failure=str(exc),
                    last_good="last_good" if solution is not None else None)
        write_json(outdir / "summary.json", data)
    comm.barrier()


@contextmanager
def run_folder(case: Case, outdir: str | Path, comm: MPI.Comm,
               keep: Collection[str] = ()) -> Iterator[Path]:
    """The frame of a run into ``outdir``: clear the earlier outputs (but ``keep``) before any
    work; on a SolverError record the failure (:func:`record_failure`) and re-raise."""
    outdir = Path(outdir)
    start = time.perf_counter()
    clear_outputs(outdir, comm, keep)
    try:
        yield outdir
    except SolverError as exc:
        record_failure(case, exc, outdir, comm, start)
        raise


def case_fingerprint(case: Case, study_keys: Collection[str] = ()) -> str:
    """Hash of the case without its output settings and the given study entries: two runs
    with the same fingerprint compute the same states."""
    data = case_to_dict(case)
    for key in study_keys:
        data["study"].pop(key, None)
    data.pop("output", None)
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
