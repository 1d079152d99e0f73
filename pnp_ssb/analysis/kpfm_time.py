"""What a Kelvin probe records while the cell changes (no DOLFINx): the CPD at fixed points
against time, and an image whose lines are scanned one after another, each seeing the state at
its own time (Masuda et al.'s drift across one image during a slow charge).

The states of a transient (its saved states, times t_j) are base-referenced CPD profiles
CPD_base(x, t_j) (:func:`pnp_ssb.analysis.kpfm.compute_cpd`); between two saved states the
profile is interpolated linearly in time, which is exact where the CPD changes linearly and
otherwise within the change over one interval (the interval is the user's output_times_s).
Line k of a scan starts at t0 + k t_line; along the fast axis the tip crosses the stack in
t_line, at a speed that makes x(t) linear, so each pixel sees the state at its own time.
"""

from dataclasses import dataclass

import numpy as np

from pnp_ssb.analysis.kpfm import KPFMError, RunProfile


@dataclass(frozen=True)
class Scan:
    """The timing of an image: the first line's start (s), the time per line (s), the number
    of lines, and whether each pixel sees its own time (else a whole line sees its start)."""

    start_s: float
    line_time_s: float
    lines: int
    pixel_timing: bool = True


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


def scan_image(times_s: np.ndarray, profiles: np.ndarray, scan: Scan) -> tuple[np.ndarray,
                                                                               np.ndarray]:
    """(line start times (n_lines,), image (n_lines, n_x)): line k at t0 + k t_line, each pixel
    i at t0 + (k + i/n_x) t_line with pixel timing."""
    if scan.lines < 1 or not scan.line_time_s > 0:
        raise KPFMError(f"a scan of {scan.lines} lines at {scan.line_time_s:g} s per line: "
                        "expected at least one line and a positive line time")
    starts = scan.start_s + scan.line_time_s * np.arange(scan.lines)
    n_x = profiles.shape[1]
    fraction = np.arange(n_x) / n_x if scan.pixel_timing else np.zeros(n_x)
    pixel_t = starts[:, None] + scan.line_time_s * fraction[None, :]
    image = np.empty((scan.lines, n_x))
    for i in range(n_x):  # each pixel column in time, one point of the profile
        image[:, i] = interpolate_in_time(times_s, profiles[:, i:i + 1], pixel_t[:, i])[:, 0]
    return starts, image
