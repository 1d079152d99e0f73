"""The figure of time-resolved KPFM: the region-averaged CPD against time, and the scanned
image (lines against x, each line at its own time)."""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pnp_ssb.io.plots import save_figure
from pnp_ssb.io.style import pyplot


def plot_cpd_time(path: Path, rows: Sequence[Mapping[str, Any]], x_m: np.ndarray,
                  starts_s: np.ndarray, image: np.ndarray, regions: Sequence[str]) -> None:
    """Left: CPD_base per region against t (the saved states); right: the scan, x (nm) across,
    the line start time down, its change since the first line in colour (mV): the drift a
    probe records within one image."""
    plt = pyplot()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(7.0, 3.2), constrained_layout=True)
    t = [r["time_s"] for r in rows]
    for region in regions:
        a1.plot(t, [r[f"cpd_{region}_V"] for r in rows], "o-", ms=3, lw=1.0, label=region)
    a1.set_xlabel("t (s)")
    a1.set_ylabel("CPD - base (V)")
    a1.legend(fontsize=6)
    change = (image - image[0][None, :]) * 1e3
    limit = max(float(np.abs(change).max()), 1e-12)
    mesh = a2.pcolormesh(x_m * 1e9, starts_s, change, shading="nearest", cmap="RdBu_r",
                         vmin=-limit, vmax=limit)
    a2.set_xlabel("x (nm)")
    a2.set_ylabel("line start (s)")
    a2.invert_yaxis()
    fig.colorbar(mesh, ax=a2, label="CPD change since line 1 (mV)")
    save_figure(fig, path)
