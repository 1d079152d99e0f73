"""Files: tables and plots, writing a solution, the run folder."""
