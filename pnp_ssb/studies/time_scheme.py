"""Variable-step BDF1/BDF2 coefficients and the local truncation-error (LTE) estimate.

**Schemes.** With steps h = t_{n+1} - t_n and h_1 = t_n - t_{n-1}, omega = h/h_1, the
accumulation term of a unknown-dependent quantity c is

    backward Euler:  (c^{n+1} - c^n) / h
    BDF2:            a0 (c^{n+1} - c^n) / h - a2 (c^n - c^{n-1}) / h,
                     a0 = (1 + 2 omega)/(1 + omega),  a2 = omega^2/(1 + omega),

which is the variable-step BDF2 formula rewritten with sum(a_i) = 0 (a closed cell keeps its
Li inventory exactly, as under backward Euler). BDF2 is A-stable and zero-stable for
omega < 1 + sqrt(2); steps grow by at most MAX_GROWTH = 2 here.

**Estimate** (Milne's device). After a step of order p (1 or 2), the solution u^{n+1} is compared
with the explicit polynomial extrapolation P of the p + 1 previous states to t_{n+1}. For a smooth
solution u^{n+1} - u(t_{n+1}) = E u^{(p+1)} and u(t_{n+1}) - P = C u^{(p+1)}, so

    LTE = E / (E + C) (u^{n+1} - P),

with C = prod_j (t_{n+1} - t_{n-j}) / (p+1)! and E the scheme's one-step error on
u = (t - t_{n+1})^{p+1}/(p+1)! (constant steps: BDF2 E = 2h^3/9, C = h^3, LTE = 2/11 (u - P);
backward Euler E = h^2/2, C = h^2, LTE = (u - P)/3).

**Control** (error per unit step in log time). A step ending at t is accepted when its LTE,
in the max norm of the potentials and electrochemical potentials (V), is at most tol h / t. A
response to a switch at t = 0 relaxes on time scales of the order of t itself, so the local
errors that still matter at t, those of the last e-fold of time, add up to about tol (their sum
over [t/e, t] is tol); the target does not depend on the end time, so a resumed run follows the
same steps. The next step is h (target/LTE)^(1/2) times SAFETY, in [MIN_FACTOR, MAX_GROWTH].
"""

import math
from collections.abc import Sequence

import numpy as np

SAFETY = 0.8
MIN_FACTOR = 0.2
MAX_GROWTH = 2.0
SCHEME_ORDER = {"backward_euler": 1, "bdf2": 2}


def step_coefficients(order: int, dt_s: float, previous_dt_s: float | None
                      ) -> tuple[float, float]:
    """(a0 / h, a2 / h) in 1/s of the accumulation term a0 (c - c^n)/h - a2 (c^n - c^{n-1})/h:
    (1/h, 0) for backward Euler (order 1, or the first step of BDF2)."""
    if order == 1 or previous_dt_s is None:
        return 1.0 / dt_s, 0.0
    omega = dt_s / previous_dt_s
    return (1.0 + 2.0 * omega) / (1.0 + omega) / dt_s, omega**2 / (1.0 + omega) / dt_s


def rate(coefficients: tuple[float, float], new: float, now: float, before: float | None
         ) -> float:
    """The scheme's dc/dt of a scalar (its units per s) from its last values."""
    k0, k2 = coefficients
    return k0 * (new - now) - (k2 * (now - before) if k2 and before is not None else 0.0)


def _one_step_error(order: int, steps_s: Sequence[float]) -> float:
    """E: the scheme's error in u^{n+1} on u = (t - t_{n+1})^{p+1}/(p+1)! (u^{(p+1)} = 1) from
    exact past values; ``steps_s`` = (h, h_1, ...) newest first."""
    fact = math.factorial(order + 1)
    past = np.cumsum(steps_s[:order])  # t_{n+1} - t_{n-j}
    values = (-past) ** (order + 1) / fact
    k0, k2 = step_coefficients(order, steps_s[0], steps_s[1] if order == 2 else None)
    # k0 (u - y_n) - k2 (y_n - y_{n-1}) = u'(t_{n+1}) = 0
    return float(values[0] + (k2 * (values[0] - values[1]) / k0 if order == 2 else 0.0))


def extrapolation_weights(steps_s: Sequence[float], points: int) -> np.ndarray:
    """Lagrange weights of the ``points`` previous states (newest first) at t_{n+1}."""
    t = -np.concatenate([[0.0], np.cumsum(steps_s[:points])])  # t_{n+1} = 0, t_n = -h, ...
    nodes = t[1:points + 1]
    weights = np.ones(points)
    for i in range(points):
        for j in range(points):
            if i != j:
                weights[i] *= (0.0 - nodes[j]) / (nodes[i] - nodes[j])
    return weights


def error_factor(order: int, steps_s: Sequence[float]) -> float:
    """E / (E + C): the LTE per unit difference between the solution and the extrapolation."""
    e = _one_step_error(order, steps_s)
    c = float(np.prod(np.cumsum(steps_s[:order + 1]))) / math.factorial(order + 1)
    return e / (e + c)


def next_step_factor(estimate: float, target: float) -> float:
    """h_{new} / h for an LTE of ``estimate`` against ``target`` (error per unit step: LTE ~
    h^{p+1} against a target ~ h, so the ratio goes with h^p; p = 2 is assumed and is
    conservative for p = 1)."""
    if estimate <= 0.0:
        return MAX_GROWTH
    return float(min(MAX_GROWTH, max(MIN_FACTOR, SAFETY * math.sqrt(target / estimate))))
