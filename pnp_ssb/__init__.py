"""pnp_ssb: Poisson–Nernst–Planck transport at solid-state-battery interfaces.

The public API (everything else is reached through its subpackage, docs/architecture.md):

- :func:`load_case` (a TOML file, a dict, with ``--set``-style overrides) -> :class:`Case`,
  or :class:`CaseError` naming the field;
- :func:`solve` (mesh, solve, post-process; collective) -> :class:`Solution`, and :func:`run`
  (the same, with its outputs written to a folder), or :class:`SolverError` with the last good
  state; the study entry points :func:`run_transient`, :func:`run_impedance`,
  :func:`run_sweep` (OCV sweep) and :func:`dc_resistances`;
- :mod:`analytic` (the exact solutions), :mod:`materials` (the database).

The package is import-light: the case loader, the materials database and the analytic oracles
need no DOLFINx, and the names that do are imported when first used (through
:mod:`pnp_ssb.discretisation.fem`, which loads the bundled MPI of the ``dolfinx-solver-real``
wheel before DOLFINx or petsc4py when that wheel is installed).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from pnp_ssb import materials
from pnp_ssb._version import __version__
from pnp_ssb.input.case import Case, CaseError
from pnp_ssb.preflight import load_case

if TYPE_CHECKING:
    from pnp_ssb import analytic
    from pnp_ssb.analysis.solution import Solution
    from pnp_ssb.solvers.newton import SolverError
    from pnp_ssb.studies.impedance_study import run_impedance
    from pnp_ssb.studies.registry import run_case as run
    from pnp_ssb.studies.resistance import dc_resistances
    from pnp_ssb.studies.steady import solve_case as solve
    from pnp_ssb.studies.sweep import run_sweep
    from pnp_ssb.studies.transient import run_transient

__all__ = [
    "Case",
    "CaseError",
    "Solution",
    "SolverError",
    "__version__",
    "analytic",
    "dc_resistances",
    "load_case",
    "materials",
    "run",
    "run_impedance",
    "run_sweep",
    "run_transient",
    "solve",
]

_LAZY = {  # name -> (module, attribute): these import DOLFINx
    "Solution": ("pnp_ssb.analysis.solution", "Solution"),
    "SolverError": ("pnp_ssb.solvers.newton", "SolverError"),
    "solve": ("pnp_ssb.studies.steady", "solve_case"),
    "run": ("pnp_ssb.studies.registry", "run_case"),
    "run_transient": ("pnp_ssb.studies.transient", "run_transient"),
    "run_impedance": ("pnp_ssb.studies.impedance_study", "run_impedance"),
    "run_sweep": ("pnp_ssb.studies.sweep", "run_sweep"),
    "dc_resistances": ("pnp_ssb.studies.resistance", "dc_resistances"),
}


def __getattr__(name: str) -> Any:
    """The FEM-backed names of the API, imported on first use."""
    if name == "analytic":  # scipy behind it: imported when first used
        return import_module("pnp_ssb.analytic")
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(f"module 'pnp_ssb' has no attribute {name!r}")
