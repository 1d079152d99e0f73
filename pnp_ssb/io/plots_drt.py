"""The DRT figure: gamma(tau) with its peaks, and the spectrum with the DRT's fit."""

from pathlib import Path

import numpy as np

from pnp_ssb.analysis.drt import DRT, Peak
from pnp_ssb.io.plots import nyquist_comparison_figure, save_figure
from pnp_ssb.io.style import pyplot

OHM_CM2 = 1e4  # Ohm cm^2 per Ohm m^2


def plot_drt(path: Path, drt: DRT, peaks: list[Peak], z_ohm_m2: np.ndarray) -> None:
    """``path``: gamma (Ohm cm^2) against tau (s), each peak marked with its R; and, next to
    it as <stem>_nyquist.png, the spectrum (points) with the spectrum of the DRT (line)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 3.6), constrained_layout=True)
    ax.semilogx(drt.tau_s, drt.gamma_ohm_m2 * OHM_CM2, "-", lw=1.4)
    for p in peaks:
        top = float(np.interp(np.log(p.tau_s), np.log(drt.tau_s), drt.gamma_ohm_m2)) * OHM_CM2
        ax.annotate(f"{p.resistance_ohm_m2 * OHM_CM2:.3g} Ohm cm^2\n{p.frequency_Hz:.3g} Hz",
                    (p.tau_s, top), textcoords="offset points", xytext=(0, 6), ha="center",
                    fontsize=7)
    ax.set_ylim(bottom=min(0.0, float(drt.gamma_ohm_m2.min()) * OHM_CM2),
                top=1.3 * max(float(drt.gamma_ohm_m2.max()) * OHM_CM2, 1e-300))
    ax.set_xlabel("tau (s)")
    ax.set_ylabel("gamma (Ohm cm^2 per ln tau)")
    ax.set_title(f"DRT: R_inf {drt.r_inf_ohm_m2 * OHM_CM2:.3g} Ohm cm^2, lambda "
                 f"{drt.regularisation:.2g}, residual {drt.relative_residual:.2g}", fontsize=8)
    save_figure(fig, path)
    f = drt.frequency_Hz
    fig = nyquist_comparison_figure((f, z_ohm_m2.real * OHM_CM2, z_ohm_m2.imag * OHM_CM2),
                                    (f, drt.z_fit_ohm_m2.real * OHM_CM2,
                                     drt.z_fit_ohm_m2.imag * OHM_CM2))
    fig.axes[0].legend(["spectrum", "DRT fit"], fontsize=7, loc="upper left")
    save_figure(fig, path.with_name(f"{path.stem}_nyquist.png"))
