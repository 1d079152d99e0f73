"""The safeguarded secant used by current control."""

import math

import pytest

from pnp_ssb.solvers.rootfind import RootNotFoundError, monotone_root


@pytest.mark.parametrize("x0", [-3.0, 0.0, 2.5])
def test_finds_the_root_of_a_steep_decreasing_function(x0):
    def f(x):  # a Butler–Volmer-like current minus a target: sinh with an offset
        return -math.sinh(4.0 * (x - 0.7)) + 0.2

    root = monotone_root(f, x0, 0.01, 1e-12, max_jump=0.5)
    assert abs(f(root.x)) < 1e-12
    assert root.history[-1][0] == root.x  # the root is the last point evaluated
    assert len(root.history) < 40


def test_reports_failure_with_history():
    with pytest.raises(RootNotFoundError) as info:
        monotone_root(lambda x: 1.0, 0.0, 0.01, 1e-12, max_jump=0.5, max_evaluations=5)
    assert len(info.value.history) == 5
