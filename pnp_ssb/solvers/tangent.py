"""First-order sensitivities of an equilibrium state by the forward tangent of its discrete
system (issue 16, the fast route): at the converged state u*, F(u*, p) = 0, so

    J du/dp = -dF/dp,   J = dF/du(u*),   du/dp = dg/dp on the Dirichlet dofs,

one linear solve per parameter with the converged Jacobian. dF/dp is exact (UFL): the constant
that carries p is replaced by p + t, t a cellwise-constant coefficient, and F is differentiated
in t along t = 1. The parameters here are the electrolytes' neutrality potentials phi0: each
region's bulk potential psi0 (kT/e) in its charge density and, at an electrolyte end of the
stack, the imposed potential. States solved for psi alone (equilibrium studies) only.
"""

import logging
from dataclasses import dataclass

import numpy as np

from pnp_ssb.discretisation.fem import PETSc, dolfinx, ufl
from pnp_ssb.discretisation.forms import Problem

log = logging.getLogger(__name__)


class SensitivityError(ValueError):
    """A state whose sensitivities this route cannot give (the message says why)."""


@dataclass(frozen=True)
class Tangent:
    """d psi / d p on the mesh (a function of psi's space) for the parameter ``name``."""

    name: str
    region: str
    dpsi_dp: dolfinx.fem.Function


def _check_psi_only(problem: Problem) -> None:
    if len(problem.unknowns) != 1:
        raise SensitivityError(
            "the forward tangent needs an equilibrium state solved for psi alone; this one has "
            f"{len(problem.unknowns)} fields (transported species or electrode states)")


def _terminal_sides(problem: Problem, region: str) -> list[str]:
    """The ends of the stack at ``region`` whose imposed potential follows its bulk (a
    reservoir, or a potential given vs the bulk; not one given vs Li)."""
    ends = {"left": problem.model.regions[0].name, "right": problem.model.regions[-1].name}
    terminals = problem.model.terminals
    return [side for side, name in ends.items() if name == region
            and side in problem.electrode_potential and not terminals[side].absolute]


def _linear_solver(a: dolfinx.fem.Form, bcs) -> PETSc.KSP:
    matrix = dolfinx.fem.petsc.assemble_matrix(a, bcs=bcs)
    matrix.assemble()
    ksp = PETSc.KSP().create(matrix.getComm())
    ksp.setOperators(matrix)
    ksp.setType("preonly")
    ksp.getPC().setType("lu")
    ksp.getPC().setFactorSolverType("mumps")
    return ksp


def neutrality_potential_tangents(problem: Problem) -> list[Tangent]:
    """d psi/d psi0_r for every electrolyte region r of a converged equilibrium problem
    (collective). psi and psi0 are both in kT/e, so it is also d phi / d phi0 (V/V)."""
    _check_psi_only(problem)
    psi = problem.unknowns[0]
    V = psi.function_space
    msh = V.mesh
    residual = problem.residuals[0]
    maps = problem.entity_maps or None
    a = dolfinx.fem.form(ufl.derivative(residual, psi), entity_maps=maps)
    ksp = _linear_solver(a, problem.bcs)
    dg0 = dolfinx.fem.functionspace(msh, ("DG", 0))
    shift, one = dolfinx.fem.Function(dg0), dolfinx.fem.Function(dg0)
    one.x.array[:] = 1.0
    out = []
    try:
        for region in problem.model.electrolytes:
            sides = _terminal_sides(problem, region.name)
            bulk = problem.bulk_potential[region.name]
            subs = {bulk: bulk + shift}
            subs |= {problem.electrode_potential[s]: problem.electrode_potential[s] + shift
                     for s in sides}
            # -dF/dp as a form: scaling a ghosted vector before its ghost accumulation would
            # leave the ghost contributions unscaled
            d_residual = -ufl.derivative(ufl.replace(residual, subs), shift, one)
            rhs = dolfinx.fem.petsc.assemble_vector(
                dolfinx.fem.form(d_residual, entity_maps=maps))
            # the imposed potential at this region's ends moves with psi0: du = 1 there
            lifted = dolfinx.fem.Function(V)
            for side in sides:
                if problem.stern_capacitance.get(side) is None:
                    lifted.x.array[problem.boundary_dofs[side]] = 1.0
            bcs = [dolfinx.fem.dirichletbc(lifted, bc.dof_indices()[0]) for bc in problem.bcs]
            dolfinx.fem.petsc.apply_lifting(rhs, [a], bcs=[bcs])
            rhs.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)  # type: ignore[arg-type]
            dolfinx.fem.petsc.set_bc(rhs, bcs)
            tangent = dolfinx.fem.Function(V, name=f"dpsi_dphi0_{region.name}")
            ksp.solve(rhs, tangent.x.petsc_vec)
            tangent.x.scatter_forward()
            rhs.destroy()
            out.append(Tangent(f"{region.name}.neutrality_potential_vs_li_V", region.name,
                               tangent))
    finally:
        ksp.getOperators()[0].destroy()
        ksp.destroy()
    return out


def nodal_values(problem: Problem, function: dolfinx.fem.Function) -> tuple[np.ndarray, np.ndarray]:
    """(x in m, values) of a P1 function on every rank, sorted by x, duplicates removed
    (collective; 1D meshes)."""
    comm = problem.domain.mesh.comm
    V = function.function_space
    n_owned = V.dofmap.index_map.size_local
    x = V.tabulate_dof_coordinates()[:n_owned, 0]
    values = function.x.array[:n_owned]
    gathered = comm.allgather((x, values))
    xs = np.concatenate([g[0] for g in gathered])
    vs = np.concatenate([g[1] for g in gathered])
    order = np.argsort(xs, kind="stable")
    xs, vs = xs[order], vs[order]
    keep = np.concatenate([[True], np.diff(xs) > 0])
    return xs[keep] * problem.domain.length_scale_m, vs[keep]


__all__ = ["SensitivityError", "Tangent", "neutrality_potential_tangents", "nodal_values"]
