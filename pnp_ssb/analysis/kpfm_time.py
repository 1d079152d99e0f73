"""What a Kelvin probe records while the cell changes (no DOLFINx): the CPD at fixed points
against time, and an image whose lines are scanned one after another, each seeing the state at
its own time (Masuda et al.'s drift across one image during a slow charge).

The states of a transient (its saved states, times t_j) are base-referenced CPD profiles
CPD_base(x, t_j) (:func:`pnp_ssb.analysis.kpfm.compute_cpd`); between two saved states the
profile is interpolated linearly in time, which is exact where the CPD changes linearly and
otherwise within the change over one interval (the interval is the user's output_times_s).
Line k of a scan starts at t0 + k t_line; along the fast axis the tip crosses the stack in
t_line, at a speed that makes x(t) linear, so each pixel sees the state at its own time. On a
2D cross-section (CPD maps) the fast axis is x (lines across the stack, stepped along y) or y
(lines along the interfaces, stepped across the stack); line k then sits at the k-th of N
equal slots of the slow axis, the map interpolated linearly there.
"""

from dataclasses import dataclass
from typing import Literal

import numpy as np

from pnp_ssb.analysis.kpfm import KPFMError, RunProfile


@dataclass(frozen=True)
class Scan:
    """The timing of an image: the first line's start (s), the time per line (s), the number
    of lines, whether each pixel sees its own time (else a whole line sees its start), and
    the fast axis of a 2D map ('x': across the stack; 'y': along the interfaces)."""

    start_s: float
    line_time_s: float
    lines: int
    pixel_timing: bool = True
    fast_axis: Literal["x", "y"] = "x"

    def __post_init__(self) -> None:
        if self.lines < 1 or not self.line_time_s > 0:
            raise KPFMError(f"a scan of {self.lines} lines at {self.line_time_s:g} s per line: "
                            "expected at least one line and a positive line time")
        if self.fast_axis not in ("x", "y"):
            raise KPFMError(f"--fast-axis {self.fast_axis!r}: expected 'x' or 'y'")

    def line_starts_s(self) -> np.ndarray:
        """t0 + k t_line for the lines k (s)."""
        return self.start_s + self.line_time_s * np.arange(self.lines)

    def pixel_fractions(self, n_pixels: int) -> np.ndarray:
        """Each pixel's time within its line, as a fraction of t_line (0 without pixel timing)."""
        return np.arange(n_pixels) / n_pixels if self.pixel_timing else np.zeros(n_pixels)


def value_at(run: RunProfile, values: np.ndarray, x_m: float) -> float:
    """A profile at x, inside the region that holds x (the left one at an interface)."""
    for region in run.regions:
        mask = run.region == region
        xs = run.x_m[mask]
        if xs[0] <= x_m <= xs[-1]:
            return float(np.interp(x_m, xs, values[mask]))
    raise KPFMError(f"--points-m {x_m:g}: outside the stack (0 to {run.x_m.max():g} m)")


def interpolate_in_time(times_s: np.ndarray, profiles: np.ndarray, t_s: np.ndarray
                        ) -> np.ndarray:
    """profiles (n_times, n_x) at the times t_s (any shape + (n_x,)), linear in time, held at
    the first and last state outside them."""
    t = np.clip(np.asarray(t_s, dtype=float), times_s[0], times_s[-1])
    j = np.clip(np.searchsorted(times_s, t, side="right") - 1, 0, times_s.size - 2)
    w = (t - times_s[j]) / (times_s[j + 1] - times_s[j])
    return (1 - w)[..., None] * profiles[j] + w[..., None] * profiles[j + 1]


def stacked_profiles(runs: list[RunProfile], values: list[np.ndarray]) -> np.ndarray:
    """(n_states, n_x): every state's profile on the points of the first (a transient keeps
    its mesh, so these are equal; else linear within each region)."""
    first = runs[0]
    out = []
    for run, v in zip(runs, values, strict=True):
        if run.x_m.shape == first.x_m.shape and np.array_equal(run.x_m, first.x_m):
            out.append(v)
            continue
        out.append(np.concatenate([np.interp(first.x_m[first.region == r],
                                             run.x_m[run.region == r], v[run.region == r])
                                   for r in first.regions]))
    return np.array(out)


def at_own_times(times_s: np.ndarray, states: np.ndarray, t_s: np.ndarray) -> np.ndarray:
    """Point i of states (n_times, n) at its own time t_s[i], linear in time (held outside)."""
    t = np.clip(t_s, times_s[0], times_s[-1])
    j = np.clip(np.searchsorted(times_s, t, side="right") - 1, 0, times_s.size - 2)
    w = (t - times_s[j]) / (times_s[j + 1] - times_s[j])
    i = np.arange(states.shape[1])
    return (1 - w) * states[j, i] + w * states[j + 1, i]


def scan_image(times_s: np.ndarray, profiles: np.ndarray, scan: Scan) -> tuple[np.ndarray,
                                                                               np.ndarray]:
    """(line start times (n_lines,), image (n_lines, n_x)) of a profile: line k at t0 + k t_line,
    each pixel i at t0 + (k + i/n_x) t_line with pixel timing."""
    starts = scan.line_starts_s()
    fraction = scan.pixel_fractions(profiles.shape[1])
    image = np.array([at_own_times(times_s, profiles, s + scan.line_time_s * fraction)
                      for s in starts])
    return starts, image


@dataclass(frozen=True)
class MapScan:
    """A scanned 2D image: line k starts at start_s[k] and sits at slow_m[k] on the slow axis;
    its pixels lie at fast_m and were seen at pixel_time_s[k]; image (n_lines, n_fast) (V), and
    the same pixels all at the first line's start (the snapshot the image departs from)."""

    fast_axis: str
    start_s: np.ndarray
    slow_m: np.ndarray
    fast_m: np.ndarray
    pixel_time_s: np.ndarray
    image: np.ndarray
    at_start: np.ndarray


def scan_map(times_s: np.ndarray, maps: np.ndarray, x_m: np.ndarray, y_m: np.ndarray,
             scan: Scan) -> MapScan:
    """The image a tip records over maps (n_times, n_y, n_x) that change in time: N lines along
    the fast axis at the centres of N equal slots of the slow axis, each pixel at its own time."""
    if maps.ndim != 3 or maps.shape[1:] != (y_m.size, x_m.size) or maps.shape[0] != times_s.size:
        raise KPFMError(f"maps of shape {maps.shape}: expected (states {times_s.size}, "
                        f"y {y_m.size}, x {x_m.size})")
    slow, fast = (y_m, x_m) if scan.fast_axis == "x" else (x_m, y_m)
    if slow.size < 2:
        raise KPFMError(f"a map with {slow.size} point along the slow axis: expected two or more")
    grid = maps if scan.fast_axis == "x" else np.swapaxes(maps, 1, 2)  # (n_t, n_slow, n_fast)
    positions = slow[0] + (np.arange(scan.lines) + 0.5) * (slow[-1] - slow[0]) / scan.lines
    starts = scan.line_starts_s()
    pixel_t = starts[:, None] + scan.line_time_s * scan.pixel_fractions(fast.size)[None, :]
    image, at_start = np.empty((2, scan.lines, fast.size))
    for k, position in enumerate(positions):
        j = int(np.clip(np.searchsorted(slow, position, side="right") - 1, 0, slow.size - 2))
        w = (position - slow[j]) / (slow[j + 1] - slow[j])
        line = (1 - w) * grid[:, j, :] + w * grid[:, j + 1, :]  # (n_t, n_fast) at this slot
        image[k] = at_own_times(times_s, line, pixel_t[k])
        at_start[k] = at_own_times(times_s, line, np.full(fast.size, starts[0]))
    return MapScan(scan.fast_axis, starts, positions, fast, pixel_t, image, at_start)
