"""One figure style for every plot, readable at journal-column size (figures 3.4 in or 7 in
wide, 7-8 pt text), and the figure rules the plots share: no offset tick labels, concentrations
clipped to a readable range around each species' bulk, and no plots of round-off."""

from typing import Any

import numpy as np

COLUMN_IN, PAGE_IN = 3.4, 7.0  # single- and double-column widths
STYLE: dict[str, Any] = {"font.size": 8, "axes.labelsize": 8, "axes.titlesize": 8.5, "legend.fontsize": 7,
         "xtick.labelsize": 7, "ytick.labelsize": 7, "lines.linewidth": 1.2,
         "axes.formatter.useoffset": False,  # no "+1.8e3" that makes a constant look like spikes
         "axes.formatter.limits": (-4, 5), "savefig.dpi": 200, "figure.dpi": 100,
         "legend.frameon": False}
CLIP_BELOW_BULK = 1e-12  # concentrations below 1e-12 of the bulk are drawn at that floor
ROUND_OFF_V = 1e-12  # a potential varying less than this is uniform: say so, do not plot it


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend with this style (matplotlib imported on first use:
    it is heavy and only figures need it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(STYLE)  # type: ignore[arg-type]  # rcParams keys are Literal-typed
    return plt


def concentration_range(bulk_m3: float, top_m3: float) -> tuple[float, float]:
    """The y range of a concentration plot (m^-3): from 1e-12 of the smallest bulk to twice
    the largest value shown (at least twice the largest bulk)."""
    return CLIP_BELOW_BULK * bulk_m3, 2.0 * top_m3


def clipped(c_m3: np.ndarray, floor_m3: float) -> tuple[np.ndarray, np.ndarray]:
    """The values drawn (raised to the floor) and the mask of those that were below it."""
    below = c_m3 < floor_m3
    return np.where(below, floor_m3, c_m3), below


def uniform_within(values: np.ndarray, tolerance: float = ROUND_OFF_V) -> float | None:
    """The spread of ``values`` when it is below ``tolerance`` (a round-off-flat curve), else
    None."""
    spread = float(np.ptp(values)) if values.size else 0.0
    return spread if spread < tolerance else None


def shade_regions(ax: Any, bounds_nm: list[tuple[str, float, float]]) -> None:
    """Alternate light shading of the layers, each labelled at the top of the axes."""
    for k, (name, a, b) in enumerate(bounds_nm):
        if k % 2 == 0:
            ax.axvspan(a, b, color="0.93", zorder=0, lw=0)
        ax.text(0.5 * (a + b), 0.98, name, transform=ax.get_xaxis_transform(), ha="center",
                va="top", fontsize=6.5, color="0.35", clip_on=True)
