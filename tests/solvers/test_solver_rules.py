"""The Newton stopping rules of pnp_ssb.solvers.newton, one by one, on scripted update histories."""

import pytest

from pnp_ssb.discretisation.fem import MPI, PETSc, ufl
from pnp_ssb.discretisation.fem import dolfinx as dfx
from pnp_ssb.solvers.newton import DIVERGING_UPDATE_KT, NOT_FINITE, NewtonSettings, NewtonSolver

Reason = PETSc.SNES.ConvergedReason


class _Update:
    def __init__(self, value: float) -> None:
        self.value = value

    def norm(self, _kind) -> float:
        return self.value


class _Snes:
    """Stands in for the SNES: hands out the next scripted update norm."""

    def __init__(self, updates: list[float]) -> None:
        self.updates = list(updates)

    def getSolutionUpdate(self) -> _Update:
        return _Update(self.updates.pop(0))


def run(updates: list[float], residuals: list[float] | None = None, **settings) -> list[int]:
    """The reason returned after each iteration for a scripted history."""
    solver = object.__new__(NewtonSolver)
    solver.settings = NewtonSettings(**settings)
    solver._updates, solver._residuals = [], []
    snes = _Snes(updates)
    residuals = residuals or [1.0] * (len(updates) + 1)
    reasons = [solver._converged(snes, 0, (0.0, 0.0, residuals[0]))]
    solver._residuals.append(residuals[0])
    for it in range(1, len(updates) + 1):
        solver._residuals.append(residuals[it])
        reasons.append(int(solver._converged(snes, it, (0.0, 0.0, residuals[it]))))
        if reasons[-1] != Reason.ITERATING:
            break
    return reasons


def test_update_below_tolerance_converges():
    assert run([1.0, 1e-3, 1e-10])[-1] == Reason.CONVERGED_SNORM_RELATIVE


def test_roundoff_floor_within_100x_the_tolerance():
    # quadratic convergence has stopped at 5e-8 (< 100 x 1e-9): accepted on the third stall
    reasons = run([1.0, 5e-8, 4e-8, 3e-8])
    assert reasons[-1] == Reason.CONVERGED_SNORM_RELATIVE and len(reasons) == 5


def test_a_stall_above_the_floor_is_not_accepted():
    reasons = run([1.0, 5e-6, 4e-6, 3e-6, 2.5e-6], max_iterations=4)
    assert reasons[-1] == Reason.DIVERGED_MAX_IT


def test_stagnating_residual_below_its_floor_is_accepted():
    residuals = [1.0, 1e-3, 5e-7, 4e-7, 3.9e-7]
    reasons = run([1.0, 1e-2, 1e-3, 1e-3], residuals, stagnation_residual=1e-6)
    assert reasons[-1] == Reason.CONVERGED_FNORM_ABS


def test_non_finite_residual_fails():
    assert run([1.0, 1.0], [1.0, float("nan"), 1.0])[-1] == NOT_FINITE


def test_runaway_updates_stop_early():
    big = 10 * DIVERGING_UPDATE_KT
    reasons = run([20.0, big, 2 * big, 3 * big, 4 * big, 5 * big])
    assert reasons[-1] == Reason.DIVERGED_DTOL and len(reasons) == 5


def test_large_but_shrinking_updates_go_on():
    big = 10 * DIVERGING_UPDATE_KT
    assert run([big, big / 2, big / 4, big / 8, 1e-12])[-1] == Reason.CONVERGED_SNORM_RELATIVE


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_update_fails(value):
    """(a PETSc-version-dependent name: this once raised AttributeError instead of failing)"""
    assert run([1.0, value])[-1] == NOT_FINITE


def test_a_closed_solver_leaves_no_options_behind():
    """close() removes the solver's entries from PETSc's options database, so that a solver
    that never factored does not leave 'options you set that were not used' at exit."""
    msh = dfx.mesh.create_unit_interval(MPI.COMM_WORLD, 4)
    V = dfx.fem.functionspace(msh, ("Lagrange", 1))
    u, v = dfx.fem.Function(V), ufl.TestFunction(V)
    solver = NewtonSolver([ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx + u * v * ufl.dx],
                          [u], [], [], NewtonSettings(linear_solver="mumps"))
    prefix = solver._prefix
    assert PETSc.Options().hasName(f"-{prefix}mat_mumps_icntl_14")
    solver.close()
    assert not PETSc.Options().hasName(f"-{prefix}mat_mumps_icntl_14")
