"""Single entry point to the FEM stack: import DOLFINx (and PETSc) only through here.

The ``dolfinx-solver-real`` wheel must be imported before DOLFINx or petsc4py so that its
MPI library is loaded first. A user-provided DOLFINx (conda-forge, Spack, container) has
no such module and is used as it is.
"""

import contextlib

with contextlib.suppress(ImportError):
    import dolfinx_solver  # noqa: F401

from mpi4py import MPI
from petsc4py import PETSc

import dolfinx
import dolfinx.fem.petsc
import ufl

__all__ = ["MPI", "PETSc", "dolfinx", "ufl"]
