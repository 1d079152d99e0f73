"""Newton (PETSc SNES) with adaptive continuation; knows nothing of the physics it solves.

Convergence is judged on the Newton update in the unknowns' own units (kT for every field
of pnp_ssb), not on the residual: residual rows scale like c/h and span ten decades, so a
relative residual test can stop at a wrong solution (dolfinx-notes.md).
"""

import itertools
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pnp_ssb.discretisation.fem import MPI, PETSc, dolfinx
from pnp_ssb.discretisation.forms import Problem
from pnp_ssb.log import ProgressBar
from pnp_ssb.solvers.constraint_rows import AmountConstraint, ConstraintRows

log = logging.getLogger(__name__)
_prefix_counter = itertools.count()


@dataclass(frozen=True)
class NewtonSettings:
    """Newton and continuation settings (see case.SolverSpec)."""

    linear_solver: str = "mumps"
    line_search: str = "l2"
    max_iterations: int = 40
    step_tolerance: float = 1e-9
    continuation_initial_step: float = 1.0
    continuation_min_step: float = 1e-4
    continuation_max_steps: int = 200
    # Transients: accept a state whose residual norm (scaled rows) has fallen below this and
    # stopped decreasing: what is left is round-off in the electrochemical potential of a
    # depleted species (c ~ e^-90 c_b), whose value changes no concentration.
    stagnation_residual: float | None = None
    krylov_rtol: float = 1e-12
    krylov_max_iterations: int = 1000


ITERATIVE_SOLVERS = ("gmres_gamg", "fgmres_fieldsplit")
ROUNDOFF_FACTOR = 100.0
# a NaN/inf residual or update: PETSc >= 3.22 names it DIVERGED_FUNCTION_NANORINF (older
# petsc4py: DIVERGED_FNORM_NAN); clusters bring their own PETSc, so take whichever exists
_NANORINF = getattr(PETSc.SNES.ConvergedReason, "DIVERGED_FUNCTION_NANORINF", None)
NOT_FINITE: int = (_NANORINF if _NANORINF is not None
                   else PETSc.SNES.ConvergedReason.DIVERGED_FNORM_NAN)  # type: ignore[attr-defined]
DIVERGING_UPDATE_KT = 1e3


@dataclass
class Attempt:
    """One Newton solve at one load value."""

    load: float
    converged: bool
    iterations: int
    residual_norms: list[float]
    update_norms: list[float]
    reason: int
    linear_iterations: int = 0  # Krylov iterations over the attempt (0 with LU)


@dataclass
class SolveReport:
    """The continuation path: every attempt, converged or not."""

    attempts: list[Attempt] = field(default_factory=list)
    wall_time_s: float = 0.0

    @property
    def newton_iterations(self) -> int:
        """Newton iterations over all attempts (failed ones included: they cost time too)."""
        return sum(a.iterations for a in self.attempts)

    @property
    def converged_steps(self) -> int:
        """Continuation steps that converged."""
        return sum(a.converged for a in self.attempts)

    @property
    def load_reached(self) -> float:
        """The largest load at which Newton converged."""
        return max([a.load for a in self.attempts if a.converged], default=0.0)


class SolverError(RuntimeError):
    """Newton failed even at the smallest continuation step.

    The message gives the load reached, the failed step, and the residual and update
    history of the last attempt; ``report`` holds the whole path. Where the raiser has them it
    also sets ``solution`` (the last good state) or ``problem`` (the state the failure left);
    either may be absent (read them with getattr).
    """

    solution: Any  # a pnp_ssb.analysis.solution.Solution (analysis sits above the solvers)
    problem: Problem

    def __init__(self, message: str, report: SolveReport) -> None:
        super().__init__(message)
        self.report = report


def _petsc_options(settings: NewtonSettings, fields: int = 1) -> dict[str, object]:
    opts: dict[str, object] = {
        "snes_type": "newtonls",
        "snes_linesearch_type": settings.line_search,
        "snes_max_it": settings.max_iterations,
        "snes_rtol": 0.0,
        "snes_atol": 0.0,
        "snes_stol": 0.0,
        "snes_divergence_tolerance": -1,
        "ksp_type": "preonly",
        "pc_type": "lu",
    }
    if settings.linear_solver in ITERATIVE_SOLVERS:
        # the Newton test is on the step in kT units: solves must be tight for it to mean much
        opts.update({"ksp_rtol": settings.krylov_rtol, "ksp_atol": 0.0,
                     "ksp_max_it": settings.krylov_max_iterations,
                     "ksp_gmres_restart": 200, "ksp_error_if_not_converged": False})
        if settings.linear_solver == "gmres_gamg" or fields == 1:
            opts.update({"ksp_type": "gmres", "pc_type": "gamg"})
        else:  # one GAMG per unknown field, coupled multiplicatively (dolfinx-notes.md)
            opts.update({"ksp_type": "fgmres", "pc_type": "fieldsplit",
                         "pc_fieldsplit_type": "multiplicative"})
            for i in range(fields):
                opts.update({f"fieldsplit_{i}_ksp_type": "preonly",
                             f"fieldsplit_{i}_pc_type": "gamg"})
        return opts
    if settings.linear_solver != "petsc":
        opts["pc_factor_mat_solver_type"] = settings.linear_solver
    if settings.linear_solver == "mumps":
        opts["mat_mumps_icntl_14"] = 200  # workspace headroom: pivoting on stiff layers
    return opts


class NewtonSolver:
    """A dolfinx NonlinearProblem with our convergence test and bookkeeping."""

    def __init__(self, residuals: Sequence, unknowns: Sequence[dolfinx.fem.Function],
                 bcs: Sequence, entity_maps: Sequence, settings: NewtonSettings,
                 constraints: Sequence[AmountConstraint] = ()) -> None:
        self.settings = settings
        self.unknowns = list(unknowns)
        single = len(self.unknowns) == 1
        self._prefix = f"pnp_ssb_{next(_prefix_counter)}_"
        self._options = _petsc_options(settings, len(self.unknowns))
        self.problem = dolfinx.fem.petsc.NonlinearProblem(
            residuals[0] if single else list(residuals),
            self.unknowns[0] if single else self.unknowns,
            bcs=list(bcs), entity_maps=list(entity_maps) or None,
            kind=None if single else "mpi",
            petsc_options_prefix=self._prefix, petsc_options=self._options)
        self._split_fields()
        self._residuals: list[float] = []
        self._updates: list[float] = []
        snes = self.problem.solver
        if constraints:
            self._install_constraints(ConstraintRows(constraints, self.unknowns, entity_maps))
        # the stubs want a SNES.ConvergedReason back; PETSc's reasons are plain ints
        snes.setConvergenceTest(self._converged)  # type: ignore[arg-type]
        snes.setMonitor(lambda _snes, _it, fnorm: self._residuals.append(float(fnorm)))

    def _split_fields(self) -> None:
        """Give the fieldsplit preconditioner one index set per unknown (again after a reset)."""
        if self.settings.linear_solver != "fgmres_fieldsplit" or len(self.unknowns) == 1:
            return
        index_sets = dolfinx.cpp.la.petsc.create_index_sets(
            [(u.function_space.dofmap.index_map, u.function_space.dofmap.index_map_bs)
             for u in self.unknowns])
        pc = self.problem.solver.getKSP().getPC()
        pc.setType("fieldsplit")
        pc.setFieldSplitIS(*[(str(i), iset) for i, iset in enumerate(index_sets)])

    def _install_constraints(self, rows: ConstraintRows) -> None:
        """Wrap dolfinx's residual and Jacobian callbacks so that each constrained row is
        replaced after assembly (constraint_rows.py)."""
        snes = self.problem.solver
        # the stubs drop the (callback, args, kargs) tuples these return
        b: PETSc.Vec
        b, (residual, r_args, r_kwargs) = snes.getFunction()  # type: ignore[misc]
        A, P, (jacobian, j_args, j_kwargs) = snes.getJacobian()  # type: ignore[misc]

        def residual_with_constraints(snes_, x, b_):
            residual(snes_, x, b_, *(r_args or ()), **(r_kwargs or {}))
            rows.patch_residual(b_)

        def jacobian_with_constraints(snes_, x, A_, P_):
            jacobian(snes_, x, A_, P_, *(j_args or ()), **(j_kwargs or {}))
            rows.patch_jacobian(A_)
            if P_ is not None and P_ != A_:
                rows.patch_jacobian(P_)

        snes.setFunction(residual_with_constraints, b)
        snes.setJacobian(jacobian_with_constraints, A, P)
        self.constraint_rows = rows

    def close(self) -> None:
        """Destroy the PETSc objects now. The SNES holds our Python callbacks, a reference cycle
        through C that the garbage collector cannot see: without this every solve would keep its
        matrices and MPI communicators (MPICH allows 2048) alive."""
        problem = self.problem
        for name in ("_snes", "_A", "_b", "_x", "_P_mat"):
            obj = getattr(problem, name, None)
            if obj is not None:
                obj.destroy()
                setattr(problem, name, None)
        # this solver's entries leave the global options database with it: a factorisation
        # option of a solver that never factored would otherwise be reported unused at exit
        options = PETSc.Options()
        for key in self._options:
            options.delValue(f"-{self._prefix}{key}")

    def _converged(self, snes, it: int, norms) -> int:
        _xnorm, _ynorm, fnorm = norms
        if not math.isfinite(fnorm):
            return NOT_FINITE
        if it == 0:
            return PETSc.SNES.ConvergedReason.ITERATING
        update = snes.getSolutionUpdate().norm(PETSc.NormType.NORM_INFINITY)
        self._updates.append(float(update))
        if not math.isfinite(update):
            return NOT_FINITE
        if update < self.settings.step_tolerance:
            return PETSc.SNES.ConvergedReason.CONVERGED_SNORM_RELATIVE
        # round-off floor: quadratic convergence has stopped within 100x the tolerance (large
        # 2D meshes put the floor of the update near 1e-9 kT)
        last = self._updates[-3:]
        if (len(last) == 3 and update < ROUNDOFF_FACTOR * self.settings.step_tolerance
                and last[1] > 0.5 * last[0] and last[2] > 0.5 * last[1]):
            return PETSc.SNES.ConvergedReason.CONVERGED_SNORM_RELATIVE
        # runaway: updates of thousands of kT that keep growing never come back; give the
        # continuation its smaller step now rather than after max_iterations
        if it >= 4 and update > DIVERGING_UPDATE_KT and update > self._updates[-2]:
            return PETSc.SNES.ConvergedReason.DIVERGED_DTOL
        floor = self.settings.stagnation_residual
        if (floor is not None and it >= 3 and fnorm < floor
                and fnorm > 0.5 * min(self._residuals[-3:-1])):
            return PETSc.SNES.ConvergedReason.CONVERGED_FNORM_ABS
        if it >= self.settings.max_iterations:
            return PETSc.SNES.ConvergedReason.DIVERGED_MAX_IT
        return PETSc.SNES.ConvergedReason.ITERATING

    def solve(self, load: float) -> Attempt:
        """One Newton solve from the current state of the unknowns."""
        self._residuals, self._updates = [], []
        snes = self.problem.solver
        reason: int  # the stubs type the reason as a class; PETSc returns an int
        try:
            self.problem.solve()
            reason = snes.getConvergedReason()  # type: ignore[assignment]
        except (RuntimeError, PETSc.Error) as exc:  # a failed factorisation ends the attempt
            log.debug("Newton attempt at load %.4g raised %s", load, exc)
            reason = PETSc.SNES.ConvergedReason.DIVERGED_FUNCTION_DOMAIN
        if reason <= 0:
            # a failed factorisation stays flagged on the PC and would fail every retry
            snes.getKSP().reset()
            self._split_fields()
        finite = all(np.isfinite(u.x.array).all() for u in self.unknowns)
        finite = bool(self.unknowns[0].function_space.mesh.comm.allreduce(finite, op=MPI.MIN))
        return Attempt(load=load, converged=reason > 0 and finite,
                       iterations=snes.getIterationNumber(),
                       residual_norms=list(self._residuals), update_norms=list(self._updates),
                       reason=int(reason), linear_iterations=snes.getLinearSolveIterations())


def _snapshot(functions: Sequence[dolfinx.fem.Function]) -> list[np.ndarray]:
    return [f.x.array.copy() for f in functions]


def _restore(functions: Sequence[dolfinx.fem.Function], saved: Sequence[np.ndarray]) -> None:
    for f, a in zip(functions, saved, strict=True):
        f.x.array[:] = a


def solve_with_continuation(solver: NewtonSolver, set_load: Callable[[float], None],
                            label: str = "continuation",
                            on_good_state: Callable[[float], None] | None = None) -> SolveReport:
    """Raise the load from 0 (where the current state is exact) to 1.

    Tries the whole step first; after a failure it restores the last converged state and
    halves the step, and after an easy success (< 6 iterations) it doubles it.

    Raises:
        SolverError: when the step falls below ``continuation_min_step`` or the number of
            steps exceeds ``continuation_max_steps``; the unknowns then hold the last good state.
    """
    s = solver.settings
    report = SolveReport()
    start = time.perf_counter()
    load, step = 0.0, s.continuation_initial_step
    good = _snapshot(solver.unknowns)
    bar = ProgressBar(label, 1.0)
    while load < 1.0:
        if len(report.attempts) >= s.continuation_max_steps or step < s.continuation_min_step:
            _restore(solver.unknowns, good)
            set_load(load)
            report.wall_time_s = time.perf_counter() - start
            bar.close()
            raise SolverError(_failure_message(report, load, step), report)
        target = min(1.0, load + step)
        set_load(target)
        attempt = solver.solve(target)
        report.attempts.append(attempt)
        if attempt.converged:
            load = target
            good = _snapshot(solver.unknowns)
            if on_good_state is not None:
                on_good_state(load)
            if attempt.iterations < 6:
                step *= 2.0
            bar.update(load, f"step {step:.3g}, {attempt.iterations} Newton its")
        else:
            log.info("Newton did not converge at load %.4g (reason %d); halving the step",
                     target, attempt.reason)
            _restore(solver.unknowns, good)
            step /= 2.0
    bar.close()
    report.wall_time_s = time.perf_counter() - start
    return report


def _failure_message(report: SolveReport, load: float, step: float) -> str:
    last = report.attempts[-1] if report.attempts else None
    lines = [f"Newton failed: continuation reached load {load:.6g} of 1 "
             f"(next step {step:.3g}, {len(report.attempts)} attempts)."]
    if last is not None:
        res = ", ".join(f"{r:.3e}" for r in last.residual_norms)
        upd = ", ".join(f"{u:.3e}" for u in last.update_norms)
        lines.append(f"Last attempt at load {last.load:.6g}: PETSc reason {last.reason}, "
                     f"{last.iterations} iterations.")
        lines.append(f"  residual norms: [{res}]")
        lines.append(f"  update norms (kT): [{upd}]")
    lines.append("The unknowns hold the last converged state. " + advice(last))
    return "\n".join(lines)


LINEAR_SOLVE_FAILED = int(PETSc.SNES.ConvergedReason.DIVERGED_LINEAR_SOLVE)  # -3


def advice(last: Attempt | None) -> str:
    """What to try after a failed attempt: a failed linear solve is not a continuation or mesh
    problem, so it gets its own advice."""
    if last is not None and last.reason == LINEAR_SOLVE_FAILED:
        return ("The linear solver failed (PETSc reason -3: the factorisation or the Krylov "
                "solve broke down), not Newton. Try another linear solver: solver.linear_solver "
                "= 'superlu_dist' or 'mumps' (direct), or 'fgmres_fieldsplit' with a larger "
                "solver.krylov_max_iterations (iterative); a matrix that is singular for every "
                "solver points to a missing condition in the case (report it).")
    return ("Try solver.continuation_initial_step = 0.1, a finer mesh.min_cell_m, or "
            "lattice_gas statistics for very large drops.")
