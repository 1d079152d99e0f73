"""Integral constraints that replace one redundant row of a block system.

When the rows of one unknown's block sum to zero identically (a conserved quantity with no
boundary exchange), its Jacobian is singular in exact arithmetic. The block's first row
carries no information the others lack, so it is replaced by the constraint

    ln(Q(u) / Q_target) = 0,     Q(u) = int q(u) dx > 0,

whose Jacobian row (dQ/du)/Q is dense over the dofs Q depends on. The logarithm makes the
row nearly linear in a uniform shift of an electrochemical potential (Q ~ e^w), which keeps
Newton's steps sane when the amount must move by decades (a depleted closed cell). The
system is then regular by construction, whatever the linear solver's pivoting. Knows nothing
of the physics: the caller gives the block index, the form of Q and its target.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pnp_ssb.discretisation.fem import PETSc, dolfinx, ufl


@dataclass(frozen=True)
class AmountConstraint:
    """Q(u) = int ``amount`` = ``target`` (> 0), replacing the first row of unknown ``block``."""

    block: int
    amount: ufl.Form
    target: float
    label: str = ""


class ConstraintRows:
    """Patches a monolithic ('mpi' kind) residual and Jacobian after dolfinx assembles them."""

    def __init__(self, constraints: Sequence[AmountConstraint],
                 unknowns: Sequence[dolfinx.fem.Function], entity_maps: Sequence) -> None:
        self.constraints = list(constraints)
        self.unknowns = list(unknowns)
        maps = list(entity_maps) or None
        self.comm = unknowns[0].function_space.mesh.comm
        self.amounts = [dolfinx.fem.form(c.amount, entity_maps=maps) for c in constraints]
        self.gradients = [[self._gradient_form(c.amount, u, maps) for u in self.unknowns]
                          for c in constraints]
        sizes = [u.function_space.dofmap.index_map.size_local
                 * u.function_space.dofmap.index_map_bs for u in self.unknowns]
        self.local_offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        start = self.comm.exscan(int(self.local_offsets[-1])) or 0
        self.global_start = int(start)
        self.rows = [self._owner_row(c.block) for c in constraints]

    @staticmethod
    def _gradient_form(amount: ufl.Form, u: dolfinx.fem.Function, maps):
        form = ufl.derivative(amount, u, ufl.TestFunction(u.function_space))
        if not form.integrals():  # Q does not depend on this unknown
            return None
        return dolfinx.fem.form(form, entity_maps=maps)

    def _owner_row(self, block: int) -> tuple[int, int]:
        """(owning rank, global row) of the first owned dof of ``block`` on the lowest rank
        that owns any; every rank gets the same answer."""
        size = int(self.local_offsets[block + 1] - self.local_offsets[block])
        owners = self.comm.allgather(size > 0)
        owner = owners.index(True)
        row = self.global_start + int(self.local_offsets[block]) if self.comm.rank == owner else 0
        return owner, int(self.comm.bcast(row, root=owner))

    def _amount(self, k: int) -> float:
        """Q(u) at the unknowns' present state (collective)."""
        return float(self.comm.allreduce(dolfinx.fem.assemble_scalar(self.amounts[k])))

    def _value(self, k: int) -> float:
        """The constraint residual ln(Q/Q_target); a non-positive Q (an overshooting Newton
        trial) gives inf, which the solver treats as a failed trial."""
        q = self._amount(k)
        return math.log(q / self.constraints[k].target) if q > 0 else math.inf

    def patch_residual(self, b: PETSc.Vec) -> None:
        """Overwrite each constrained row of the residual (the unknowns hold the state)."""
        for k, (owner, row) in enumerate(self.rows):
            value = self._value(k)
            if self.comm.rank == owner:
                with b.localForm() as local:
                    local.array[row - self.global_start] = value

    def _gradient_entries(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Global columns and values of (dQ/du)/Q over this rank's owned dofs."""
        cols, vals = [], []
        q = self._amount(k)
        scale = 1.0 / q if q > 0 else 0.0
        for j, form in enumerate(self.gradients[k]):
            if form is None:
                continue
            vec = dolfinx.fem.assemble_vector(form)
            vec.scatter_reverse(dolfinx.la.InsertMode.add)
            n = int(self.local_offsets[j + 1] - self.local_offsets[j])
            owned = vec.array[:n]
            nz = np.flatnonzero(owned)
            cols.append(self.global_start + int(self.local_offsets[j]) + nz)
            vals.append(owned[nz] * scale)
        if not cols:
            return np.zeros(0, dtype=PETSc.IntType), np.zeros(0)
        return np.concatenate(cols).astype(PETSc.IntType), np.concatenate(vals)

    def patch_jacobian(self, A: PETSc.Mat) -> None:
        """Replace each constrained row of the assembled Jacobian by dQ/du (collective)."""
        if not self.constraints:
            return
        # the dense row is new to dolfinx's sparsity pattern (the stubs type these enums as int)
        A.setOption(PETSc.Mat.Option.NEW_NONZERO_ALLOCATION_ERR, False)  # type: ignore[arg-type]
        A.setOption(PETSc.Mat.Option.NEW_NONZERO_LOCATION_ERR, False)  # type: ignore[arg-type]
        rows = [row for owner, row in self.rows if owner == self.comm.rank]
        A.zeroRows(rows, diag=0.0)
        add = PETSc.InsertMode.ADD_VALUES
        for k, (_owner, row) in enumerate(self.rows):
            cols, vals = self._gradient_entries(k)
            if cols.size:
                A.setValues([row], cols.tolist(), vals.tolist(), addv=add)  # type: ignore[arg-type]
        A.assemble()
