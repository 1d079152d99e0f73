"""Progress of long work: log lines on a non-terminal, nothing with --quiet."""

import logging

import pytest

from pnp_ssb import log as pnp_log
from pnp_ssb.log import LOGGER_NAME, ProgressBar, set_quiet


@pytest.fixture
def records(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    yield caplog
    set_quiet(False)


def test_a_non_terminal_gets_one_line_per_quarter(records):
    bar = ProgressBar("work", 8)
    for done in range(1, 9):
        bar.update(done, f"item {done}")
    bar.close()
    lines = [r.getMessage() for r in records.records if r.getMessage().startswith("work:")]
    assert [line.split()[1] for line in lines] == ["25%", "50%", "75%", "100%"]


def test_quiet_shows_no_progress_and_only_warnings(records):
    set_quiet(True)
    bar = ProgressBar("work", 4)
    for done in range(1, 5):
        bar.update(done)
    bar.close()
    assert not [r for r in records.records if r.getMessage().startswith("work:")]
    assert logging.getLogger(LOGGER_NAME).getEffectiveLevel() == logging.WARNING


def test_nested_bars_share_one_live_display(monkeypatch):
    """On a terminal a bar inside another (continuation inside a sweep) adds a line to the
    display that is on screen: rich allows one live display at a time."""
    monkeypatch.setattr(pnp_log.sys.stderr, "isatty", lambda: True, raising=False)
    outer = ProgressBar("sweep", 2)
    inner = ProgressBar("continuation", 1.0)
    assert outer._bar is inner._bar is not None
    inner.update(1.0)
    inner.close()
    outer.update(2)
    outer.close()
    assert pnp_log._LIVE == []
