"""The checks of a case that run its model and its mesh plan dry, before any mesh or MPI work:
a cell that has an equilibrium state, a cross-section that can be drawn, a mesh file with the
named groups, and a mesh that fits (cells counted). :func:`load_case` is reading plus these."""

from pnp_ssb.preflight.load import check_case, load_case

__all__ = ["check_case", "load_case"]
