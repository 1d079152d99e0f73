"""The Brouwer figure: defect and carrier concentrations, the Fermi level and the neutrality
potential of a bulk along its Li potential (pnp_ssb.apps.defects)."""

from pathlib import Path
from typing import Any

import numpy as np

from pnp_ssb.io.plots import save_figure
from pnp_ssb.io.style import pyplot

FLOOR = 1e-12  # concentrations below this fraction of the largest are clipped (marked)


def plot_brouwer(path: Path, material: str, rows: list[dict[str, Any]],
                 temperature_K: float) -> None:
    """Top: log concentrations (m^-3) of every charge state, electrons and holes against U vs
    Li; bottom: E_F above the VBM (eV) and phi0 vs Li (V)."""
    plt = pyplot()
    u = np.array([r["li_potential_V"] for r in rows])
    series = [k for k in rows[0] if k.endswith("_m3") and k != "residual_charge_m3"]
    top = max(max(r[k] for k in series) for r in rows)
    floor = FLOOR * top
    fig, (ax, ax_e) = plt.subplots(2, 1, figsize=(6.0, 6.0), sharex=True,
                                   constrained_layout=True)
    for key in series:
        c = np.array([r[key] for r in rows])
        label = key.removesuffix("_m3")
        ax.semilogy(u, np.maximum(c, floor), lw=1.4, label=label)
        if np.any(c < floor):
            ax.semilogy(u[c < floor], np.full(int(np.sum(c < floor)), floor), "v", ms=3,
                        color=ax.lines[-1].get_color())
    ax.set_ylim(floor, 10 * top)
    ax.set_ylabel("concentration (m^-3)")
    ax.legend(fontsize=7, ncol=2, loc="best")
    ax.set_title(f"{material}: bulk defect equilibrium at {temperature_K:g} K "
                 f"(triangles: below {FLOOR:g} of the largest)", fontsize=8)
    e_f = np.array([r["fermi_level_above_vbm_eV"] for r in rows])
    ax_e.plot(u, e_f, lw=1.4, color="C0", label="E_F - E_v (eV)")
    ax_e.set_ylabel("E_F above the VBM (eV)", color="C0")
    ax_e.set_xlabel("U vs Li/Li+ (V); mu_Li = -e U (Li-rich at left)")
    twin = ax_e.twinx()
    phi0 = np.array([r["neutrality_potential_vs_li_V"] for r in rows])
    twin.plot(u, phi0, lw=1.4, ls="--", color="C3")
    # at least +-50 mV: a phi0 constant to micro-volts is drawn flat, not as its round-off
    pad = max(0.05, 0.1 * float(np.ptp(phi0)))
    twin.set_ylim(float(phi0.min()) - pad, float(phi0.max()) + pad)
    twin.set_ylabel("neutrality potential phi0 vs Li (V)", color="C3")
    for axis in (ax_e, twin):
        axis.ticklabel_format(useOffset=False, axis="y", style="plain")
    save_figure(fig, path)
