"""Lithiating current collectors under mpirun -n 2: the collector's Li profile is solved
on every rank alike (it depends on depth only), and the electrode's theta at the contact and
the Li it loses are collective, so 2 ranks give the serial time series."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.mpi

CASE = Path(__file__).resolve().parents[2] / "cases" / "collector_lithiation.toml"


def test_collector_lithiation_on_two_ranks(tmp_path):
    from pnp_ssb.preflight import load_case
    from tests.mpi.test_rank_independence import _assert_same_transient

    case = load_case(CASE, ("study.end_time_s = 1.0", "study.output_times_s = []",
                            "output.figures = false"))
    _assert_same_transient(case, tmp_path)
