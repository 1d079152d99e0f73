"""Variable-step BDF1/BDF2 and Milne's LTE estimate on y' = -y, whose exact solution is e^{-t}.

Tolerances: the order is observed from halving every step of an irregular sequence (ratios in
[0.5, 1.9]); the slopes of BDF2 and backward Euler are within 0.1 of 2 and 1 once h <= 0.02
(the next term is O(h) relative). The estimate of one step from exact past values is within
15 % of the true local error at h = 0.01 (its own error is O(h) relative: 3 % measured).
"""

import math

import numpy as np
import pytest

from pnp_ssb.studies.time_scheme import (
    error_factor,
    extrapolation_weights,
    next_step_factor,
    rate,
    step_coefficients,
)


def _step(order: int, y: list[float], steps: list[float]) -> float:
    """One implicit step of y' = -y: k0 (u - y_n) - k2 (y_n - y_{n-1}) = -u."""
    k0, k2 = step_coefficients(order, steps[0], steps[1] if len(steps) > 1 else None)
    history = k2 * (y[0] - y[1]) if k2 else 0.0
    return (k0 * y[0] + history) / (k0 + 1.0)


def _integrate(order: int, steps: np.ndarray) -> float:
    """y(T) from y(0) = 1 (the first step backward Euler), exact values nowhere else."""
    y, past = [1.0, 1.0], []
    for h in steps:
        y = [_step(order if past else 1, y, [h, *past]), y[0]]
        past = [h, *past[:1]]
    return y[0]


def test_constant_step_coefficients_and_conservation():
    assert step_coefficients(2, 0.1, 0.1) == pytest.approx((1.5 / 0.1, 0.5 / 0.1))
    assert step_coefficients(1, 0.1, 0.1) == pytest.approx((10.0, 0.0))
    # sum a_i = 0: a constant is at rest, so a closed cell's inventory stays as it is
    assert rate(step_coefficients(2, 0.3, 0.1), 2.0, 2.0, 2.0) == 0.0
    assert error_factor(2, [0.1, 0.1, 0.1]) == pytest.approx(2 / 11)
    assert error_factor(1, [0.1, 0.1]) == pytest.approx(1 / 3)
    assert extrapolation_weights([0.1, 0.1, 0.1], 3) == pytest.approx([3.0, -3.0, 1.0])


@pytest.mark.parametrize(("order", "expected"), [(1, 1.0), (2, 2.0)])
def test_observed_order_on_irregular_steps(order, expected):
    ratios = 0.5 + 1.4 * np.random.default_rng(7).random(50)
    base = ratios / ratios.sum()  # 50 irregular steps to T = 1
    errors = []
    for k in (2, 3, 4):
        steps = np.repeat(base / 2**k, 2**k)
        errors.append(abs(_integrate(order, steps) - math.exp(-1.0)))
    slopes = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert slopes == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize("order", [1, 2])
def test_estimate_matches_the_true_local_error(order):
    h, t = 0.01, 1.0
    steps = [h, 0.7 * h, 1.3 * h]  # the step and the two before it, newest first
    times = t - np.concatenate([[0.0], np.cumsum(steps)])  # t_{n+1}, t_n, t_{n-1}, t_{n-2}
    exact = np.exp(-times)
    u = _step(order, list(exact[1:]), steps)
    guess = float(np.dot(extrapolation_weights(steps, order + 1), exact[1:order + 2]))
    estimate = error_factor(order, steps) * (u - guess)
    assert estimate == pytest.approx(u - exact[0], rel=0.15)


def test_step_factor_is_bounded():
    assert next_step_factor(0.0, 1.0) == 2.0
    assert next_step_factor(1e9, 1.0) == 0.2
    assert next_step_factor(1.0, 1.0) == pytest.approx(0.8)
