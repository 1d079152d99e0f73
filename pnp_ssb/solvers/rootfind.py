"""Root of a monotone scalar function by secant steps, safeguarded once bracketed (no DOLFINx).

Used for current control, where each evaluation is a whole nonlinear solve: the current falls
strictly as the controlled terminal's voltage rises, so the secant is the right first move, and
the Illinois variant of regula falsi keeps convergence superlinear once the root is bracketed.
"""

from collections.abc import Callable
from dataclasses import dataclass


class RootNotFoundError(RuntimeError):
    """The iteration limit was reached; ``history`` holds every (x, f) evaluated."""

    def __init__(self, message: str, history: list[tuple[float, float]]) -> None:
        super().__init__(message)
        self.history = history


@dataclass(frozen=True)
class Root:
    """The root found and every (x, f(x)) evaluated on the way."""

    x: float
    history: list[tuple[float, float]]


def monotone_root(f: Callable[[float], float], x0: float, first_step: float, tolerance: float,
                  max_jump: float, max_evaluations: int = 40, x_tolerance: float = 0.0) -> Root:
    """Find x with |f(x)| < tolerance for a strictly decreasing f, starting from x0.

    The root returned is always the last x evaluated, so a caller whose f leaves state behind
    (a solve) holds the root's state.

    Args:
        first_step: size of the first move away from x0 (taken downhill).
        max_jump: largest secant move before the root is bracketed.
        x_tolerance: also stop when two successive x differ by less than this.
    """
    history: list[tuple[float, float]] = []

    def evaluate(x: float) -> float:
        value = f(x)
        history.append((x, value))
        return value

    a, fa = x0, evaluate(x0)
    if abs(fa) < tolerance:
        return Root(a, history)
    b = a + first_step if fa > 0 else a - first_step  # f decreases: move up if f > 0
    fb = evaluate(b)
    bracket = None
    while len(history) < max_evaluations:
        if abs(fb) < tolerance or abs(b - a) < x_tolerance:
            return Root(b, history)
        if fa * fb < 0:
            bracket = (a, fa, b, fb)
        if bracket is not None:
            lo, flo, hi, fhi = bracket
            c = hi - fhi * (hi - lo) / (fhi - flo)
        else:
            c = b - fb * (b - a) / (fb - fa) if fb != fa else b + first_step
            c = min(max(c, b - max_jump), b + max_jump)
        fc = evaluate(c)
        if bracket is not None:
            lo, flo, hi, fhi = bracket
            bracket = (hi, fhi, c, fc) if fc * fhi < 0 else (lo, 0.5 * flo, c, fc)
        a, fa, b, fb = b, fb, c, fc
    raise RootNotFoundError(f"no root within {max_evaluations} evaluations (last x = {b:.6g}, "
                       f"f = {fb:.6g})", history)
