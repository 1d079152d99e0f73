"""The command line, batch sweeps and screening."""
