"""The drop-resistance figure of `pnp-ssb correlate`."""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pnp_ssb.io.plots import save_figure
from pnp_ssb.io.style import pyplot


def plot_correlation(path: Path, rows: Sequence[Mapping[str, Any]], annotate: str = "ocv_V",
                     group: str = "contact") -> None:
    """log R against |drop|, one colour per ``group`` value (a contact; a screen's electrolyte):
    R_ct + R_scl (filled, labelled with the row's ``annotate`` column: the OCV in V, a screen's
    electrode) and the attributed DRT peak (open)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.6, 3.4), constrained_layout=True)
    for i, contact in enumerate(sorted({r[group] for r in rows})):
        mine = [r for r in rows if r[group] == contact]
        for column, style, label in (("interface_ohm_cm2", "o", "R_ct + R_scl"),
                                     ("drt_peak_ohm_cm2", "s", "DRT peak")):
            points = [(abs(r["drop_to_bulk_V"]), r[column], r[annotate]) for r in mine
                      if r[column] is not None and r[column] > 0]
            if not points:
                continue
            x, y, names = zip(*points, strict=True)
            ax.semilogy(x, y, style, color=f"C{i}", mfc="none" if style == "s" else f"C{i}",
                        label=f"{contact}: {label}")
            for xi, yi, v in zip(x, y, names, strict=True):
                if style == "s":  # the filled point of the same row carries the label
                    continue
                ax.annotate(f"{v:.2f} V" if isinstance(v, float) else str(v), (xi, yi),
                            fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("|drop to the electrolyte bulk| (V)")
    ax.set_ylabel("interface resistance (Ohm cm^2)")
    ax.legend(fontsize=6)
    save_figure(fig, path)
