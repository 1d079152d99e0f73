"""The figures of time-resolved KPFM: the region-averaged CPD against time, the scanned
image (lines against x, each line at its own time), and the scan of a 2D map."""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pnp_ssb.analysis.kpfm_time import MapScan
from pnp_ssb.io.plots import save_figure
from pnp_ssb.io.style import pyplot


def plot_cpd_time(path: Path, rows: Sequence[Mapping[str, Any]], x_m: np.ndarray,
                  starts_s: np.ndarray | None, image: np.ndarray | None,
                  regions: Sequence[str]) -> None:
    """Left: CPD_base per region (solid) and at the --points-m x (dashed) against t (the saved
    states; log t where they span decades); right, with a scan across the
    stack: x (nm) across, the line start time down, its change since the first line in colour
    (mV): the drift a probe records within one image."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 1 if image is None else 2, figsize=(
        3.6 if image is None else 7.0, 3.2), constrained_layout=True, squeeze=False)
    a1 = axes[0][0]
    t = [r["time_s"] for r in rows]
    for region in regions:
        a1.plot(t, [r[f"cpd_{region}_V"] for r in rows], "o-", ms=3, lw=1.0, label=region)
    for key in rows[0]:  # the --points-m series: cpd_<x>m_V
        if key.startswith("cpd_") and key.endswith("m_V") and key[4:-3] not in regions:
            x_nm = float(key[4:-3]) * 1e9
            a1.plot(t, [r[key] for r in rows], "--", lw=1.0, label=f"x = {x_nm:.4g} nm")
    if min(t) > 0 and max(t) > 100 * min(t):  # states spread over decades
        a1.set_xscale("log")
    a1.set_xlabel("t (s)")
    a1.set_ylabel("CPD - base (V)")
    a1.legend(fontsize=6)
    if image is None or starts_s is None:
        save_figure(fig, path)
        return
    a2 = axes[0][1]
    change = (image - image[0][None, :]) * 1e3
    limit = max(float(np.abs(change).max()), 1e-12)
    mesh = a2.pcolormesh(x_m * 1e9, starts_s, change, shading="nearest", cmap="RdBu_r",
                         vmin=-limit, vmax=limit)
    a2.set_xlabel("x (nm)")
    a2.set_ylabel("line start (s)")
    a2.invert_yaxis()
    fig.colorbar(mesh, ax=a2, label="CPD change since line 1 (mV)")
    save_figure(fig, path)


def plot_map_scan(path: Path, mapped: MapScan) -> None:
    """Left: the image the tip records over the cross-section (x, y in nm; CPD - base in V);
    right: its change against the state at the first line's start (mV), which is what the
    cell's evolution during one image adds to a snapshot."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.0), constrained_layout=True)
    change = (mapped.image - mapped.at_start) * 1e3
    limit = max(float(np.nanmax(np.abs(change))), 1e-12)
    slow, fast = mapped.slow_m * 1e9, mapped.fast_m * 1e9
    x, y = (fast, slow) if mapped.fast_axis == "x" else (slow, fast)
    for ax, values, label, style in (
            (axes[0], mapped.image, "CPD - base (V)", {"cmap": "viridis"}),
            (axes[1], change, "change since line 1 (mV)",
             {"cmap": "RdBu_r", "vmin": -limit, "vmax": limit})):
        shown = values if mapped.fast_axis == "x" else values.T
        mesh = ax.pcolormesh(x, y, shown, shading="nearest", **style)
        ax.set_xlabel("x (nm)")
        ax.set_ylabel("y (nm)")
        fig.colorbar(mesh, ax=ax, label=label)
    axes[0].set_title(f"scanned, fast axis {mapped.fast_axis}, {mapped.start_s.size} lines",
                      fontsize=7)
    save_figure(fig, path)
