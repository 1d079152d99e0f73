"""The study types (steady and equilibrium, OCV sweep, transient, impedance, DC resistance)
and their error control."""
