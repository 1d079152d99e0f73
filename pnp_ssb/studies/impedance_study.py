"""The impedance study: the steady state with its error estimate (a refined twin), the
spectrum of the run and of the twin, and the study's outputs (impedance.csv, nyquist.png,
bode.png, summary.json["impedance"]). The spectrum: :mod:`pnp_ssb.studies.impedance`; the
small-signal system itself: :mod:`pnp_ssb.studies.small_signal`.
"""

import logging
import time
from pathlib import Path

import numpy as np

from pnp_ssb.analysis.solution import ImpedanceRecord, postprocess_solution
from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.input.case import Case
from pnp_ssb.input.study import ImpedanceStudy, study_of
from pnp_ssb.io.output import write_csv_rows
from pnp_ssb.io.plots import plot_impedance
from pnp_ssb.io.results import write_outputs
from pnp_ssb.io.rundir import run_folder
from pnp_ssb.studies.checkpoint import checkpoint_layout
from pnp_ssb.studies.impedance import (
    ImpedanceSpectrum,
    spectrum_of,
    steady_stepper,
    stepper_settings,
    study_frequencies_Hz,
)
from pnp_ssb.studies.transient_error import ErrorControl, not_estimated_reason, start_pair

log = logging.getLogger(__name__)


def run_impedance(case: Case, outdir, comm: MPI.Comm = MPI.COMM_WORLD):
    """An impedance study: the steady state's usual outputs, plus impedance.csv
    (f_Hz, re_ohm_cm2, im_ohm_cm2), nyquist.png, bode.png and summary.json["impedance"]
    (summary.json last). The steady state's error is estimated (and its mesh adapted) by a
    refined twin (:mod:`pnp_ssb.studies.transient_error`), whose spectrum gives the relative error
    estimate of Z. Earlier outputs in ``outdir`` are removed first; a failure of the steady
    state leaves it in outdir/last_good and outdir/summary.json (converged = false)."""
    start = time.perf_counter()
    saved = study_of(case.study, ImpedanceStudy).start_from
    with run_folder(case, outdir, comm):
        # a saved transient state has no refined twin to linearise alongside: not estimated
        control = (ErrorControl.of(case, comm) if saved is None else ErrorControl.of(
            _without_twin(case), comm, checkpoint_layout(case, Path(outdir), comm)))
        stepper, twin = start_pair(control, steady_stepper, stepper_settings(case))
        f = study_frequencies_Hz(case)
        try:
            spectrum = spectrum_of(stepper, f)
            relative = None
            if twin is not None:
                fine = spectrum_of(twin.stepper, f).impedance_ohm_m2
                relative = float(4.0 / 3.0 * np.max(np.abs(spectrum.impedance_ohm_m2 - fine)
                                                     / np.abs(fine)))
                control.record(stepper, twin, "steady state")
        finally:
            if twin is not None:
                twin.close()
        reason = ("" if twin is not None else not_estimated_reason(case) if saved is None
                  else f"study.start_from = {saved!r}: a saved transient state is linearised "
                       "on its own mesh only (no refined twin)")
        solution = _write_impedance(case, Path(outdir), spectrum, stepper, start, control,
                                    twin, relative, reason)
        return solution, spectrum


def _without_twin(case: Case) -> Case:
    """The case with mesh.error_control = 'off' (for the error control only)."""
    return case.model_copy(update={"mesh": case.mesh.model_copy(update={"error_control": "off"})})


def _write_impedance(case: Case, outdir, spectrum: ImpedanceSpectrum, stepper,
                     start: float, control, twin, relative_error: float | None, reason: str):
    """The outputs of :func:`run_impedance` (collective); returns the steady state."""
    comm = stepper.problem.domain.mesh.comm
    try:
        solution = postprocess_solution(case, stepper.model, stepper.problem.domain,
                                        stepper.problem, stepper.report, start, True, "")
    finally:
        stepper.solver.close()
    control.attach(solution, twin, reason)
    z = spectrum.impedance_ohm_m2
    solution.impedance = ImpedanceRecord(
        int(z.size), spectrum.num_dofs, float(spectrum.re_ohm_cm2[-1]),
        float(spectrum.re_ohm_cm2[0]), float(spectrum.im_ohm_cm2[0]), relative_error,
        (time.perf_counter() - start) / z.size, stepper.dc_bias, stepper.saved_state_time_s)
    if comm.rank == 0:
        rows = [{"f_Hz": float(fr), "re_ohm_cm2": float(a), "im_ohm_cm2": float(b)}
                for fr, a, b in zip(spectrum.frequency_Hz, spectrum.re_ohm_cm2,
                                    spectrum.im_ohm_cm2, strict=True)]
        write_csv_rows(outdir / "impedance.csv", rows)
        if case.output.figures:
            plot_impedance(outdir, spectrum.frequency_Hz, spectrum.re_ohm_cm2,
                           spectrum.im_ohm_cm2)
    write_outputs(solution, outdir)  # summary.json last: its presence marks a complete run
    log.info("%s: impedance at %d frequencies, %d DOFs (relative error estimate %s)",
             case.name, z.size, spectrum.num_dofs,
             f"{relative_error:.2g}" if relative_error is not None else "none")
    return solution
