"""Cells checked before meshing: the equilibrium state of the case (or of every OCV-sweep
voltage) exists, and the stack model that the mesh is graded for."""

from pnp_ssb.input.case import Case
from pnp_ssb.input.study import OcvSweepStudy
from pnp_ssb.physics import electrodes
from pnp_ssb.physics.model import StackModel, build_stack_model


def check_cell_states(case: Case) -> None:
    """Every state the study solves has electrode compositions and Fermi levels
    (:func:`pnp_ssb.physics.electrodes.cell_state` raises CaseError naming the field)."""
    if isinstance(case.study, OcvSweepStudy):
        for i, ocv in enumerate(case.study.ocv_V):
            state = electrodes.state_for_ocv(case, ocv, path=f"study.ocv_V[{i}]")
            electrodes.cell_state(case, state.li_fraction, state.terminal_voltage_V)
    else:
        electrodes.cell_state(case)


def meshing_model(case: Case) -> StackModel:
    """The stack model the mesh is graded for: the case's own state, or an OCV sweep's first."""
    if not isinstance(case.study, OcvSweepStudy):
        return build_stack_model(case)
    state = electrodes.state_for_ocv(case, case.study.ocv_V[0])
    return build_stack_model(case, state.li_fraction, state.terminal_voltage_V)
