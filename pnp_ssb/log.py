"""Logging on rank 0 only, and progress bars for long work (rich, on a terminal)."""

import logging
import os
import sys
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

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


_QUIET = False


def set_quiet(quiet: bool) -> None:
    """``--quiet``: no progress bars or progress lines, and only warnings and errors logged."""
    global _QUIET
    _QUIET = quiet
    logging.getLogger(LOGGER_NAME).setLevel(logging.WARNING if quiet else logging.INFO)


class _CurrentStderr:
    """sys.stderr looked up at each write: a live progress bar redirects it, so log lines
    print above the bar instead of through it."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: int = logging.INFO) -> logging.Logger:
    """Send the package's log records to stderr, from rank 0 only."""
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(h, logging.StreamHandler) for h in logger.handlers):
        handler = logging.StreamHandler(_CurrentStderr())
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
        handler.addFilter(_RankZeroFilter())
        logger.addHandler(handler)
    logger.setLevel(level)
    return logger


_LIVE: list = []  # [the Progress on screen, the number of open bars]: nested bars share it


def _progress() -> Progress:
    """The Progress on screen, started by the first open bar (one live display at a time)."""
    if not _LIVE:
        bar = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                       TimeElapsedColumn(), TextColumn("{task.fields[info]}"),
                       console=Console(file=sys.stderr), transient=True)
        bar.start()
        _LIVE[:] = [bar, 0]
    _LIVE[1] += 1
    return _LIVE[0]


class ProgressBar:
    """Progress of long work (continuation, time steps, sweep and screen points, frequencies),
    shown by rank 0: a rich bar on a terminal (nested work gets a line of its own), or on a
    non-terminal (CI logs, batch jobs) one log line per ``log_every`` of the way, so logs stay
    readable. ``--quiet`` turns both off."""

    def __init__(self, label: str, total: float, log_every: float = 0.25) -> None:
        self.label = label
        self.total = total
        self.start = time.perf_counter()
        self._next_log = log_every
        self._log_every = log_every
        self._bar: Progress | None = None
        if not _QUIET and world_rank() == 0 and sys.stderr.isatty():
            self._bar = _progress()
            self._task = self._bar.add_task(label, total=total or 1.0, info="")

    def update(self, done: float, info: str = "") -> None:
        """Show progress ``done`` out of ``total``, with a short status text."""
        frac = min(max(done / self.total, 0.0), 1.0) if self.total else 1.0
        if self._bar is not None:
            self._bar.update(self._task, completed=frac * (self.total or 1.0), info=info)
        elif not _QUIET and (frac >= self._next_log or frac >= 1.0):
            logging.getLogger(LOGGER_NAME).info("%s: %.0f%% (%.1f s) %s", self.label, 100 * frac,
                                                time.perf_counter() - self.start, info)
            while self._next_log <= frac:
                self._next_log += self._log_every

    def close(self) -> None:
        """End the bar (it leaves no line behind: the log says what was done)."""
        if self._bar is None:
            return
        self._bar.remove_task(self._task)
        self._bar = None
        _LIVE[1] -= 1
        if _LIVE[1] == 0:
            _LIVE.pop(0).stop()
            _LIVE.clear()
