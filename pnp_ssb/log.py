"""Logging on rank 0 only, and a plain-text progress bar for sweeps and continuation."""

import logging
import os
import sys
import time

LOGGER_NAME = "pnp_ssb"


# ranks as MPI launchers (MPICH/Hydra, PMIx, Open MPI, Slurm) export them to each process
RANK_VARIABLES = ("PMI_RANK", "PMIX_RANK", "OMPI_COMM_WORLD_RANK", "SLURM_PROCID")


def world_rank() -> int:
    """Rank in MPI.COMM_WORLD: from mpi4py once a FEM module has loaded it, else from the
    launcher's environment (so that commands without FEM do not start MPI), else 0."""
    mpi = sys.modules.get("mpi4py.MPI")
    if mpi is not None:
        return int(mpi.COMM_WORLD.rank)
    for name in RANK_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 0


class _RankZeroFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return world_rank() == 0


def configure_logging(level: int = logging.INFO) -> logging.Logger:
    """Send the package's log records to stderr, from rank 0 only."""
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(h, logging.StreamHandler) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
        handler.addFilter(_RankZeroFilter())
        logger.addHandler(handler)
    logger.setLevel(level)
    return logger


class ProgressBar:
    """A one-line progress bar on stderr, drawn by rank 0 when stderr is a terminal.

    On a non-terminal (CI logs, batch jobs) it logs one line per ``log_every`` fraction instead,
    so that logs stay readable.
    """

    def __init__(self, label: str, total: float, log_every: float = 0.25) -> None:
        self.label = label
        self.total = total
        self.start = time.perf_counter()
        self._tty = sys.stderr.isatty() and world_rank() == 0
        self._next_log = log_every
        self._log_every = log_every

    def update(self, done: float, info: str = "") -> None:
        """Show progress ``done`` out of ``total``, with a short status text."""
        frac = min(max(done / self.total, 0.0), 1.0) if self.total else 1.0
        elapsed = time.perf_counter() - self.start
        if self._tty:
            width = 30
            bar = "#" * round(frac * width)
            sys.stderr.write(f"\r{self.label} [{bar:<{width}}] {100 * frac:5.1f}% {elapsed:6.1f}s {info}")
            sys.stderr.flush()
        elif frac >= self._next_log or frac >= 1.0:
            logging.getLogger(LOGGER_NAME).info("%s: %.0f%% (%.1f s) %s", self.label, 100 * frac,
                                                elapsed, info)
            while self._next_log <= frac:
                self._next_log += self._log_every

    def close(self) -> None:
        """End the progress line."""
        if self._tty:
            sys.stderr.write("\n")
            sys.stderr.flush()
