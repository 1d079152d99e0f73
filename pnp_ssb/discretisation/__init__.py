"""The mesh (graded 1D, 2D, gmsh, microstructures) and the weak forms; the one DOLFINx import point (fem)."""
