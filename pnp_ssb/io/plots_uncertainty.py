"""The uncertainty figure: the potential profile with its first-order band, and a tornado chart
of each interface step's contributions (pnp_ssb.apps.uncertainty)."""

from pathlib import Path

import numpy as np

from pnp_ssb.io.plots import save_figure
from pnp_ssb.io.style import pyplot


def plot_uncertainty(path: Path, case: str, sens) -> None:
    """Left: phi(x) (V) with phi +- sigma; right: per interface step, each input's
    |d step / d p| sigma_p (mV), largest first."""
    plt = pyplot()
    fig, (ax, tornado) = plt.subplots(1, 2, figsize=(9.0, 3.6), constrained_layout=True)
    x_nm = sens.x_m * 1e9
    band = sens.band_V()
    ax.plot(x_nm, sens.phi_V, lw=1.2, color="C0", label="phi")
    ax.fill_between(x_nm, sens.phi_V - band, sens.phi_V + band, color="C0", alpha=0.3,
                    lw=0, label="+- 1 sigma (first order)")
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("phi (V)")
    ax.ticklabel_format(useOffset=False, axis="y", style="plain")
    ax.legend(fontsize=7)
    ax.set_title(f"{case}: potential and its band (largest sigma {1e3 * band.max():.3g} mV)",
                 fontsize=8)
    bars = [(f"{step}: {s.input.split(': ')[-1]}", abs(d) * s.std * 1e3)
            for s in sens.inputs if s.std is not None for step, d in s.d_steps.items()]
    bars = sorted((b for b in bars if b[1] > 0), key=lambda b: b[1])
    if bars:
        tornado.barh(np.arange(len(bars)), [b[1] for b in bars], color="C3")
        tornado.set_yticks(np.arange(len(bars)), [b[0] for b in bars], fontsize=7)
    else:
        tornado.text(0.5, 0.5, "no uncertain input with a tangent", ha="center",
                     transform=tornado.transAxes)
    tornado.set_xlabel("step sigma contribution (mV)")
    tornado.set_title("interface steps: |d step/d p| sigma_p", fontsize=8)
    save_figure(fig, path)


def plot_estimate(path: Path, case: str, x_m: np.ndarray, measured_V: np.ndarray,
                  fitted_V: np.ndarray, residuals_V: np.ndarray) -> None:
    """Top: the measured CPD (points) and the fitted model (line), V; bottom: residuals, mV."""
    plt = pyplot()
    fig, (ax, res) = plt.subplots(2, 1, figsize=(6.0, 4.8), sharex=True,
                                  constrained_layout=True, height_ratios=(2, 1))
    x_nm = x_m * 1e9
    ax.plot(x_nm, measured_V, "o", ms=3, label="measured")
    ax.plot(x_nm, fitted_V, "-", lw=1.4, label="fitted model")
    ax.set_ylabel("CPD (V)")
    ax.ticklabel_format(useOffset=False, axis="y", style="plain")
    ax.legend(fontsize=7)
    rms = float(np.sqrt(np.mean(residuals_V**2)))
    ax.set_title(f"{case}: least-squares fit (RMS misfit {1e3 * rms:.3g} mV)", fontsize=8)
    res.plot(x_nm, residuals_V * 1e3, "o", ms=3, color="C3")
    res.axhline(0.0, color="0.5", lw=0.8)
    res.set_xlabel("x (nm)")
    res.set_ylabel("model - measured (mV)")
    save_figure(fig, path)


def plot_sobol(path: Path, case: str, indices: dict) -> None:
    """Total Sobol index ST (with its 95 % confidence) of every input, one group per drop."""
    plt = pyplot()
    drops = list(indices)
    names = list(next(iter(indices.values()))) if indices else []
    fig, ax = plt.subplots(figsize=(6.5, 0.6 + 0.35 * max(len(drops) * len(names), 1)),
                           constrained_layout=True)
    labels, st, conf = [], [], []
    for drop in drops:
        for name in names:
            labels.append(f"{drop.removesuffix('.space_charge_drop_V')}: {name}")
            st.append(indices[drop][name]["ST"])
            conf.append(indices[drop][name]["ST_conf"])
    if labels:
        ax.barh(np.arange(len(labels)), st, xerr=conf, color="C2", capsize=2)
        ax.set_yticks(np.arange(len(labels)), labels, fontsize=7)
    else:
        ax.text(0.5, 0.5, "no drop moves", ha="center", transform=ax.transAxes)
    ax.set_xlabel("total Sobol index ST (1), with its 95 % confidence")
    ax.set_title(f"{case}: which uncertain inputs the space-charge drops depend on",
                 fontsize=8)
    save_figure(fig, path)
