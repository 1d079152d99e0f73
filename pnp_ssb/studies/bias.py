"""The steady state an impedance study linearises about: the t = 0 state, or the state under a
DC bias. A bias moves the right terminal (a cell's right conductor group, or an electrolyte's
right boundary potential and reservoir levels) by bias_V from its t = 0 value, or by the
voltage that passes the DC current bias_current_A_m2; the transient system is then relaxed to
its steady state by backward-Euler steps of growing length (pseudo-transient continuation: the
amounts of blocked species are kept, where the steady Jacobian alone is singular for them).

The bias is ramped over the first steps (at most RAMP_STEP_V per step, while the steps are still
short), so each Newton solve starts near its answer. A relaxation that has not settled after
its last step is a failure (SolverError), never a state to linearise about.
"""

import logging
import math

import numpy as np

from pnp_ssb.analysis.solution import DCBias
from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.input.study import ImpedanceStudy
from pnp_ssb.solvers.newton import SolverError
from pnp_ssb.solvers.rootfind import RootNotFoundError, monotone_root
from pnp_ssb.studies.small_signal import _Layout, _Terminal

log = logging.getLogger(__name__)

RAMP_STEP_V = 0.05  # largest change of the terminal voltage between two relaxation steps
SETTLED_CHANGE = 1e-10  # largest change of a scaled unknown over a step at steady state
SETTLED_STEP_S = 1e3  # ... over a step at least this long
CURRENT_TOLERANCE = 1e-9  # relative, on a DC current bias


def relax_to_steady_state(stepper, terminal: _Terminal | None = None, from_V: float = 0.0,
                          to_V: float = 0.0, first_step_s: float = 1e-9, growth: float = 10.0,
                          steps: int = 40) -> int:
    """Backward-Euler steps of growing length (dt_{k+1} = growth dt_k) until no scaled unknown
    changes by more than SETTLED_CHANGE over a step of at least SETTLED_STEP_S; ``terminal``
    moves from its t = 0 value + from_V to + to_V, ramped. Returns the steps taken (SolverError
    if the state has not settled; the stepper then holds its last step)."""
    layout = _Layout(stepper.problem.unknowns)
    comm = stepper.problem.domain.mesh.comm
    ramp = max(1, math.ceil(abs(to_V - from_V) / RAMP_STEP_V))
    dt, change = first_step_s, math.inf
    for k in range(steps):
        if terminal is not None:
            terminal.apply(from_V + (to_V - from_V) * min(1.0, (k + 1) / ramp))
        before = layout.gather()
        stepper.inv_dt.value = 1.0 / dt  # type: ignore[assignment]  # dolfinx: any array-like
        stepper.newton()
        stepper.accept()
        change = comm.allreduce(float(np.max(np.abs(layout.gather() - before), initial=0.0)),
                                op=MPI.MAX)
        if change < SETTLED_CHANGE and dt > SETTLED_STEP_S and k + 1 >= ramp:
            stepper.inv_dt.value = 0.0  # type: ignore[assignment]
            return k + 1
        dt *= growth
    stepper.inv_dt.value = 0.0  # type: ignore[assignment]
    raise SolverError(f"no steady state: after {steps} relaxation steps (the last {dt / growth:.3g} "
                      f"s long) the state still changes by {change:.3g} (scaled) per step",
                      stepper.report)


def bias_steady_state(stepper, study: ImpedanceStudy) -> DCBias:
    """Move ``stepper`` (at its t = 0 steady state) to the steady state under the study's DC
    bias (collective). A current bias finds its voltage by safeguarded secant steps on the
    steady current I(V), which increases with V; each step relaxes from the last state."""
    terminal = _Terminal(stepper)
    if study.bias_current_A_m2 is None:
        steps = relax_to_steady_state(stepper, terminal, 0.0, study.bias_V)
        return DCBias(study.bias_V, steady_current_A_m2(terminal), steps)
    target = study.bias_current_A_m2
    taken, shift = 0, 0.0

    def excess(shift_V: float) -> float:
        nonlocal taken, shift
        taken += relax_to_steady_state(stepper, terminal, shift, shift_V)
        shift = shift_V
        return target - steady_current_A_m2(terminal)

    vt = stepper.model.scales.thermal_voltage_V
    try:
        root = monotone_root(excess, 0.0, vt, CURRENT_TOLERANCE * abs(target) + 1e-14,
                             max_jump=0.2, x_tolerance=1e-13)
    except RootNotFoundError as exc:
        raise SolverError(f"study.bias_current_A_m2 = {target!r}: no bias voltage found that "
                          f"passes it ({exc})", stepper.report) from None
    log.info("DC bias: %.6g A/m^2 at %.6g V from the t = 0 state", target, root.x)
    return DCBias(root.x, steady_current_A_m2(terminal), taken)


def steady_current_A_m2(terminal: _Terminal) -> float:
    """The current through the cell at a steady state (A/m^2): the one the right terminal sends
    into the electrolyte (its charge no longer changes, so this is the wire current)."""
    return terminal.parts()[1]
