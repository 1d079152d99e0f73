"""The resolved model of a case (scales, regions, the cell's conductors) and electrochemistry (no DOLFINx)."""
