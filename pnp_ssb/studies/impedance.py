"""Small-signal impedance: the transient system linearised at its steady state.

With R(u) the steady residual and A(u) the (lumped) accumulation of the transient, a terminal
voltage V + dV e^{i w t} gives, to first order, (J + i w M) du = -dR/dV dV, J = dR/du,
M = dA/du (assembled from dR/d(1/dt), not as a difference of Jacobians). The voltage enters
through Dirichlet values (conductor or boundary potentials, reservoir electrochemical
potentials): du = d + v, with d the known change of the Dirichlet dofs per volt and v = 0
there, so (J + i w M) v = -(J + i w M) d - f_V on the free rows, f_V the explicit dependence
(the Butler–Volmer drive). It is solved as the real block system

    [ J   -w M ] [v_re]   [ -(J d + f_V) ]
    [ w M   J  ] [v_im] = [ -w M d       ]

by the case's direct solver with iterative refinement, for every frequency. A conductor whose
work function varies with its Li content has phi = V - (Phi(theta_s) - Phi_Li)/e: its Dirichlet
rows couple to the contact's theta_s (the dt -> 0 limit of the time loop's lagged update). The
wire current into the right terminal is dI = i w d(sigma_R) + d(i_ion), sigma_R the right
electrode's charge per area and i_ion the ionic current it passes into the electrolyte
(Faradaic at a reacting contact, the flux into a reservoir boundary), both linearised along du
exactly (the UFL derivatives of their forms, consistent with J). Z = dV/dI (Ohm m^2).

Here: the frequencies, the steady state and Z(f); the system itself (J, M, the terminal's wire
current and its tangent, the block solve): :mod:`pnp_ssb.studies.small_signal`.
"""

import dataclasses
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pnp_ssb.analysis.solution import newton_settings
from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.input.case import Case, CaseError
from pnp_ssb.input.study import ImpedanceStudy, TransientStudy, study_of
from pnp_ssb.log import ProgressBar
from pnp_ssb.physics.model import CellModel
from pnp_ssb.solvers.newton import SolverError
from pnp_ssb.studies.bias import bias_steady_state, relax_to_steady_state
from pnp_ssb.studies.checkpoint import load_checkpoint
from pnp_ssb.studies.small_signal import _Layout, _SmallSignal, _Tangent, _Terminal
from pnp_ssb.studies.stepper import STAGNATION_RESIDUAL, build_stepper

log = logging.getLogger(__name__)

OHM_M2_TO_OHM_CM2 = 1e4


@dataclass(frozen=True)
class ImpedanceSpectrum:
    """Z(f) of a run, area-specific (Ohm m^2), Z = Re + i Im (capacitive arcs: Im < 0)."""

    frequency_Hz: np.ndarray
    impedance_ohm_m2: np.ndarray
    num_dofs: int

    @property
    def re_ohm_cm2(self) -> np.ndarray:
        """Re Z in Ohm cm^2."""
        return self.impedance_ohm_m2.real * OHM_M2_TO_OHM_CM2

    @property
    def im_ohm_cm2(self) -> np.ndarray:
        """Im Z in Ohm cm^2."""
        return self.impedance_ohm_m2.imag * OHM_M2_TO_OHM_CM2


def check_frequencies(frequencies_Hz: Sequence[float], where: str = "frequencies_Hz") -> np.ndarray:
    """A non-empty list of positive, finite frequencies (CaseError otherwise)."""
    f = np.asarray(list(frequencies_Hz), dtype=float)
    if f.size == 0:
        raise CaseError(f"{where} = []: expected at least one frequency")
    bad = [float(v) for v in f if not (math.isfinite(v) and v > 0)]
    if bad:
        raise CaseError(f"{where} = {bad[0]!r}: expected positive, finite frequencies (Hz)")
    return f


def log_frequencies(f_min_Hz: float, f_max_Hz: float, points_per_decade: int) -> np.ndarray:
    """Log-spaced frequencies from f_min to f_max, both included."""
    decades = math.log10(f_max_Hz / f_min_Hz)
    n = max(2, round(decades * points_per_decade) + 1)
    return np.logspace(math.log10(f_min_Hz), math.log10(f_max_Hz), n)


def study_frequencies_Hz(case: Case) -> np.ndarray:
    """The frequencies of an impedance study: its list, or its log-spaced range."""
    study = study_of(case.study, ImpedanceStudy)
    if study.frequencies_Hz is not None:
        return check_frequencies(study.frequencies_Hz, "study.frequencies_Hz")
    return log_frequencies(study.f_min_Hz, study.f_max_Hz, study.points_per_decade)


def as_transient(case: Case) -> Case:
    """The same case as a transient study: its forms (species fields, electrode Li, mass terms)
    are the ones the small-signal system linearises."""
    return case.model_copy(update={"study": TransientStudy(end_time_s=1.0)})


def stepper_settings(case: Case):
    """The case's Newton settings with the transients' stagnation residual."""
    return dataclasses.replace(newton_settings(case), stagnation_residual=STAGNATION_RESIDUAL)


def steady_stepper(case: Case, comm: MPI.Comm, settings, layout=None, domain=None):
    """The stepper of ``case`` (an impedance study) at its steady state: the t = 0 equilibrium
    of a cell, or an electrolyte relaxed at its boundary potentials (collective; the mesh: the
    case's, ``layout``'s or ``domain``). SolverError: ``exc.problem`` holds the last state."""
    stepper = build_stepper(as_transient(case), comm, settings, layout, domain)
    study = study_of(case.study, ImpedanceStudy)
    if study.start_from is not None:
        return _saved_state(stepper, Path(study.start_from))
    biased = study.bias_V != 0.0 or study.bias_current_A_m2 is not None
    if isinstance(stepper.model, CellModel) and not biased:
        return stepper
    stepper.problem.set_load(1.0)
    try:
        if not isinstance(stepper.model, CellModel):
            relax_to_steady_state(stepper)
        if biased:
            stepper.dc_bias = bias_steady_state(stepper, study)
    except SolverError as exc:  # relaxing to the steady state failed: back to its last step
        stepper.restore([p.x.array for p in stepper.previous])
        exc.problem = stepper.problem
        stepper.solver.close()
        raise
    return stepper


def _saved_state(stepper, run: Path):
    """The stepper at a transient run's last checkpoint (collective): its fields, the right
    terminal at its voltage then, the electrodes' work functions at their theta. The state
    need not be steady: the system is linearised as it is (frozen), which holds for
    frequencies well above the rate at which the state still changes."""
    meta = load_checkpoint(stepper, run / "checkpoint", any_case=True)
    if meta is None:
        stepper.solver.close()
        raise CaseError(f"study.start_from = {str(run)!r}: its checkpoint does not fit this "
                        f"stack on {stepper.problem.domain.mesh.comm.size} rank(s) (the same "
                        "regions, mesh and number of ranks are needed)")
    if not isinstance(stepper.model, CellModel):
        stepper.problem.set_load(1.0)
    else:
        stepper.set_right_voltage(meta["voltage_V"])
    stepper.update_work_functions()
    stepper.saved_state_time_s = float(meta["time_s"])
    log.info("impedance about %s at t = %.6g s", run, meta["time_s"])
    return stepper


def impedance_spectrum(case: Case, frequencies_Hz: Sequence[float] | None = None,
                       comm: MPI.Comm = MPI.COMM_WORLD, stepper=None):
    """Z(f) of a case about its steady state (:func:`steady_stepper`, or ``stepper``'s) on the
    case's mesh, without an error estimate. Collective; results are identical on every rank.
    Returns (spectrum, stepper): the stepper holds the steady state (for post-processing) and
    must be closed by the caller."""
    f = (check_frequencies(frequencies_Hz) if frequencies_Hz is not None
         else study_frequencies_Hz(case))
    stepper = stepper or steady_stepper(case, comm, stepper_settings(case))
    return spectrum_of(stepper, f), stepper


def spectrum_of(stepper, f: np.ndarray) -> ImpedanceSpectrum:
    """Z at the frequencies ``f`` about the stepper's (steady) state."""
    p = stepper.problem
    terminal = _Terminal(stepper)
    tangent = _Tangent(terminal)
    explicit = tangent.explicit_voltage()
    system = _SmallSignal(stepper, _Layout(p.unknowns), terminal)
    values = np.empty(f.size, dtype=complex)
    bar = ProgressBar("impedance: frequencies", f.size)
    try:
        for i, freq in enumerate(f):
            omega = 2 * math.pi * freq
            du_re, du_im = system.solve(omega)
            values[i] = 1.0 / tangent.wire_current(du_re, du_im, omega, explicit)
            bar.update(i + 1, f"{freq:.3g} Hz")
    finally:
        bar.close()
        system.close()
    ndofs = sum(u.function_space.dofmap.index_map.size_global for u in p.unknowns)
    return ImpedanceSpectrum(f, values, ndofs)
