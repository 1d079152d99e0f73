"""pnp_ssb: Poisson–Nernst–Planck transport at solid-state-battery interfaces.

The package is import-light: the case loader, the materials database and the analytic
oracles need no DOLFINx. Modules that do (mesh, forms, solver, studies, run) import
:mod:`pnp_ssb.fem`, which loads the bundled MPI of the ``dolfinx-solver-real`` wheel
before DOLFINx or petsc4py when that wheel is installed.
"""

__version__ = "0.1.0"
