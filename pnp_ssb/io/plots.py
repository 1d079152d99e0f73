"""Figures, on rank 0: profiles, band diagrams, time series, CPD, screening heatmaps, 2D maps
and impedance spectra, in one style (:mod:`pnp_ssb.io.style`), each saved atomically."""

import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pnp_ssb.analysis.postprocess import Profile1D
from pnp_ssb.io.style import (
    COLUMN_IN,
    PAGE_IN,
    clipped,
    concentration_range,
    pyplot,
    shade_regions,
    uniform_within,
)

log = logging.getLogger(__name__)


def save_figure(fig, path: Path, dpi: int = 130) -> None:
    """Save a matplotlib figure atomically (temporary name, then rename) and close it."""
    plt = pyplot()
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    fig.savefig(tmp, dpi=dpi)
    plt.close(fig)
    os.replace(tmp, path)


@dataclass(frozen=True)
class ProfileFigureData:
    """What the profile figures show besides the profile: the state (in the titles), the
    boundaries and interfaces (dashed lines, zooms on charged layers), the layers (shaded and
    labelled), electrode potentials behind Stern layers (dots), and each species' bulk
    concentration (m^-3; the clipping floor of the concentration axes)."""

    state: str = ""
    marks: Mapping[str, float] = field(default_factory=dict)
    layers_nm: tuple[tuple[str, float, float], ...] = ()
    electrode_points: Mapping[float, float] = field(default_factory=dict)
    bulk_m3: Mapping[str, float] = field(default_factory=dict)


def profile_figures(profile: Profile1D, data: ProfileFigureData) -> dict[str, Any]:
    """The potential and concentration figures (not saved): the whole stack, and a zoom on
    each charged layer."""
    plt = pyplot()
    marks = data.marks
    zooms = [(n, x) for n, x in marks.items() if ":" not in n and marks.get(n + ":width", 0) > 0]
    x_lo = min(seg.x_m.min() for seg in profile.segments) * 1e9
    x_hi = max(seg.x_m.max() for seg in profile.segments) * 1e9
    figures = {}
    for kind in ("potential", "concentrations"):
        ncols = max(1, len(zooms))
        fig = plt.figure(figsize=(PAGE_IN, 2.2 + 2.0 * bool(zooms)), constrained_layout=True)
        grid = fig.add_gridspec(2 if zooms else 1, ncols)
        axes = [fig.add_subplot(grid[0, :])] + [fig.add_subplot(grid[1, j])
                                                for j in range(len(zooms))]
        for k, ax in enumerate(axes):
            if kind == "potential":
                _draw_potential(ax, profile, data)
            else:
                _draw_concentrations(ax, profile, data)
            for name, x in marks.items():
                if ":" not in name:
                    ax.axvline(x * 1e9, color="0.6", lw=0.7, ls="--")
            if k > 0:
                name, x = zooms[k - 1]
                half = 8 * marks[name + ":width"] * 1e9
                ax.set_xlim(max(x * 1e9 - half, x_lo), min(x * 1e9 + half, x_hi))
                ax.set_title(f"near {name}")
            else:
                shade_regions(ax, list(data.layers_nm))
                ax.set_xlim(x_lo, x_hi)
            ax.set_xlabel("x (nm)")
        what = "potential" if kind == "potential" else "concentrations"
        fig.suptitle(f"{what}: {data.state}" if data.state else what, fontsize=9)
        if axes[0].get_legend_handles_labels()[0]:
            axes[0].legend(fontsize=6.5, ncol=2)
        figures[kind] = fig
    return figures


def _draw_potential(ax: Any, profile: Profile1D, data: ProfileFigureData) -> None:
    """phi(x) per region; a potential uniform to round-off is said, not drawn as noise."""
    vt = profile.thermal_voltage_V
    phi = np.concatenate([seg.psi for seg in profile.segments]) * vt
    spread = uniform_within(phi)
    for seg in profile.segments:
        values = seg.psi * vt if spread is None else np.full(seg.x_m.shape, float(np.mean(phi)))
        ax.plot(seg.x_m * 1e9, values, label=seg.region)
    for xe, phi_e in data.electrode_points.items():
        ax.plot([xe * 1e9], [phi_e], "ko", ms=3)
    if spread is not None:
        mean = float(np.mean(phi))
        ax.set_ylim(mean - 1e-3, mean + 1e-3)
        ax.text(0.5, 0.6, f"phi uniform to {max(spread, 1e-16):.0e} V", transform=ax.transAxes,
                ha="center", fontsize=7)
    ax.set_ylabel("phi (V)")


def _draw_concentrations(ax: Any, profile: Profile1D, data: ProfileFigureData) -> None:
    """c(x) on a log axis from 1e-12 of the smallest bulk up: values below are drawn at that
    floor and marked with triangles."""
    bulks = [b for b in data.bulk_m3.values() if b > 0]
    top = max(float(np.max(c)) for seg in profile.segments for c in seg.c_m3.values()) \
        if any(seg.c_m3 for seg in profile.segments) else 1.0
    floor, ceiling = concentration_range(min(bulks) if bulks else top, max(top, *bulks, 1e-300))
    for seg in profile.segments:
        for name, c in seg.c_m3.items():
            shown, below = clipped(np.asarray(c, dtype=float), floor)
            (line,) = ax.semilogy(seg.x_m * 1e9, shown, label=f"{name} ({seg.region})")
            if below.any():
                ax.plot(seg.x_m[below] * 1e9, shown[below], "v", ms=2.5, color=line.get_color())
    ax.set_ylim(floor, ceiling)
    ax.set_ylabel("c (m$^{-3}$)")


def plot_profiles(outdir: Path, profile: Profile1D, data: ProfileFigureData) -> list[Path]:
    """potential.png and concentrations.png (see :func:`profile_figures`)."""
    written = []
    for kind, fig in profile_figures(profile, data).items():
        path = outdir / f"{kind}.png"
        save_figure(fig, path)
        written.append(path)
    return written


def key_numbers(summary: Mapping[str, Any]) -> list[str]:
    """The lines of the overview's number panel, from a run's summary.json content."""
    est = summary.get("discretisation_error_estimate_V")
    lines = [f"{summary.get('case', '')}: {summary.get('study', '')}",
             f"converged: {summary.get('converged')}  "
             f"({summary.get('newton_iterations', '?')} Newton iterations)",
             f"{summary.get('num_cells', '?')} cells, {summary.get('num_dofs', '?')} unknowns, "
             f"{summary.get('num_ranks', 1)} rank(s)",
             "error estimate: " + (f"{est:.2g} V" if isinstance(est, float) else "none"),
             f"charge balance: {summary.get('charge_balance_C_m2', float('nan')):.2g} C/m²"]
    for name, entry in summary.get("interfaces", {}).items():
        drops = ", ".join(f"{region} {side['space_charge_drop_V']:+.3f} V"
                          for region, side in entry.get("sides", {}).items())
        lines.append(f"{name}: {drops}")
    cell = summary.get("cell", {})
    for name, entry in cell.get("contacts", {}).items():
        lines.append(f"{name}: drop to bulk {entry.get('drop_to_bulk_V', float('nan')):+.3f} V")
    return lines


def overview_figure(profile: Profile1D, data: ProfileFigureData,
                    numbers: Sequence[str]) -> Any:
    """One page for deciding whether a run makes sense: the layers, phi(x), c(x) and the key
    numbers."""
    plt = pyplot()
    fig = plt.figure(figsize=(PAGE_IN, 5.0), constrained_layout=True)
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.3])
    geometry, text = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    potential, conc = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
    for k, (name, a, b) in enumerate(data.layers_nm):
        geometry.barh(0, b - a, left=a, color=f"C{k}", alpha=0.6)
        geometry.text(0.5 * (a + b), 0, f"{name}\n{b - a:.3g} nm", ha="center", va="center",
                      fontsize=6.5)
    geometry.set_yticks([])
    geometry.set_xlabel("x (nm)")
    geometry.set_title("layers")
    _draw_potential(potential, profile, data)
    _draw_concentrations(conc, profile, data)
    for ax in (potential, conc):
        shade_regions(ax, list(data.layers_nm))
        ax.set_xlabel("x (nm)")
    text.axis("off")
    text.text(0.0, 1.0, "\n".join(numbers), va="top", ha="left", fontsize=6.5,
              transform=text.transAxes, family="monospace")
    fig.suptitle(f"overview: {data.state}" if data.state else "overview", fontsize=9)
    return fig


BAND_STYLES = {"E_vac": ("k", "-"), "E_c": ("tab:blue", "-"), "E_v": ("tab:red", "-"),
               "E_F": ("tab:green", "-"), "mu~_Li+": ("tab:purple", "--"),
               "mu_Li": ("tab:orange", ":"), "E_Fn": ("tab:olive", "-.")}


def plot_band_diagram(outdir: Path, lines: Sequence, marks: Mapping[str, float]) -> Path:
    """bands.png: energy levels (eV) through the stack (lines from pnp_ssb.analysis.bands)."""
    plt = pyplot()

    fig, ax = plt.subplots(figsize=(8.0, 4.5), constrained_layout=True)
    labelled: set[str] = set()
    for line in lines:
        color, style = BAND_STYLES.get(line.label, ("0.4", "-"))
        ax.plot(line.x_m * 1e9, line.energy_eV, color=color, ls=style, lw=1.4,
                label=None if line.label in labelled else line.label)
        labelled.add(line.label)
    for name, x in marks.items():
        if ":" not in name and "|" in name:
            ax.axvline(x * 1e9, color="0.7", lw=0.7, ls="--")
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("energy (eV) vs grounded Fermi level")
    ax.legend(fontsize=8, ncols=3)
    path = outdir / "bands.png"
    save_figure(fig, path)
    return path


def plot_timeseries(outdir: Path, rows: Sequence[Mapping[str, float]]) -> Path:
    """timeseries.png: cell voltage, currents, contact drops and the Li inventory against time
    (log axis)."""
    plt = pyplot()

    t = np.array([r["time_s"] for r in rows[1:]])
    groups = [("voltage", "V", [k for k in rows[-1] if k == "voltage_V"]),
              ("current", "A/m$^2$", [k for k in rows[-1] if "current" in k]),
              ("space-charge drop", "V", [k for k in rows[-1] if k.startswith("drop_")]),
              ("Li inventory", "mol/m$^2$", [k for k in rows[-1] if k == "li_inventory_mol_m2"])]
    groups = [g for g in groups if g[2]]
    fig, axes = plt.subplots(len(groups), 1, figsize=(7.0, 2.4 * len(groups)), sharex=True,
                             constrained_layout=True, squeeze=False)
    for ax, (title, unit, keys) in zip(axes[:, 0], groups, strict=True):
        for key in keys:
            ax.semilogx(t, [r[key] for r in rows[1:]], lw=1.3, label=key)
        ax.set_ylabel(f"{title} ({unit})")
        ax.legend(fontsize=7)
    axes[-1, 0].set_xlabel("t (s)")
    path = outdir / "timeseries.png"
    save_figure(fig, path)
    return path


def plot_cpd(outdir: Path, results: Sequence, measured: tuple | None = None) -> Path:
    """cpd.png (one run: CPD and base-referenced CPD), dcpd_sweep.png (every state's dCPD), or
    cpd_vs_measured.png (model and aligned measurement)."""
    plt = pyplot()

    fig, ax = plt.subplots(figsize=(8.0, 4.2), constrained_layout=True)
    sweep = len(results) > 1 and measured is None
    for res in results:
        x_nm = res.run.x_m * 1e9
        if sweep:
            label = f"{res.run.ocv_V:.3g} V" if res.run.ocv_V is not None else res.run.path.name
            ax.plot(x_nm, res.dcpd_V, lw=1.3, label=label)
        else:
            ax.plot(x_nm, res.cpd_base_V, lw=1.4, label=f"CPD - CPD({res.base})")
            if res.dcpd_V is not None and measured is None:
                ax.plot(x_nm, res.dcpd_V, lw=1.2, ls="--", label="dCPD vs reference")
    if measured is not None:
        ax.plot(measured[0] * 1e9, measured[1], "k.", ms=3, label="measured (aligned)")
        if len(measured) > 2 and measured[2] is not None:  # the spread over the scan lines
            ax.fill_between(measured[0] * 1e9, measured[1] - measured[2],
                            measured[1] + measured[2], color="0.5", alpha=0.3, lw=0,
                            label="measured +- 1 sd over lines")
    run = results[-1].run
    for b in run.regions[1:]:
        ax.axvline(run.x_m[np.flatnonzero(run.region == b)[0]] * 1e9, color="0.7", lw=0.7, ls=":")
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("dCPD (V)" if sweep else "CPD (V)")
    ax.legend(fontsize=8, ncols=2)
    name = "dcpd_sweep.png" if sweep else ("cpd_vs_measured.png" if measured is not None
                                           else "cpd.png")
    save_figure(fig, outdir / name)
    return outdir / name


def plot_screen_heatmap(outdir: Path, rows: Sequence[Mapping], electrodes: Sequence[str],
                        electrolytes: Sequence[str]) -> Path:
    """heatmap.png: the interface potential drop (V) and R_scl (Ohm cm^2, log colour) of every
    electrode | electrolyte pair."""
    plt = pyplot()

    from matplotlib.colors import SymLogNorm  # with pyplot: heavy, figures only

    by = {(r["electrode"], r["electrolyte"]): r for r in rows}
    drop = np.array([[by[(e, s)]["drop_V"] for s in electrolytes] for e in electrodes])
    rscl = np.array([[by[(e, s)]["r_scl_ohm_cm2"] for s in electrolytes] for e in electrodes])
    fig, axes = plt.subplots(1, 2, figsize=(min(PAGE_IN, 2.5 + 1.6 * len(electrolytes)),
                                            1.4 + 0.45 * len(electrodes)),
                             constrained_layout=True)
    span = float(np.max(np.abs(drop))) or 1.0
    tiny = float(np.min(np.abs(rscl[rscl != 0]))) if np.any(rscl != 0) else 1.0
    panels: tuple[tuple[np.ndarray, str, str, dict[str, Any]], ...] = (
        (drop, "contact drop (V)", "coolwarm", {"vmin": -span, "vmax": span}),
              (rscl, "R$_{scl}$ (Ohm cm$^2$)", "viridis",
               {"norm": SymLogNorm(linthresh=tiny, vmin=float(rscl.min()),
                                   vmax=float(rscl.max()))}))
    for ax, (values, title, cmap, scale) in zip(axes, panels, strict=True):
        im = ax.imshow(values, cmap=cmap, aspect="auto", **scale)
        ax.set_xticks(range(len(electrolytes)), electrolytes, rotation=30)
        ax.set_yticks(range(len(electrodes)), electrodes)
        for (i, j), value in np.ndenumerate(values):
            r, g, b, _ = im.cmap(im.norm(value))  # dark cells get white labels
            ax.text(j, i, f"{value:.2g}", ha="center", va="center", fontsize=6.5,
                    color="white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black")
        ax.set_title(title)
        fig.colorbar(im, ax=ax, shrink=0.8, label=title)
    path = outdir / "heatmap.png"
    save_figure(fig, path)
    return path


def plot_map(path: Path, maps: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
             label: str, title: str = "", scale_regions: Sequence[str] | None = None,
             clip_outliers: bool = False) -> Path:
    """A 2D map over all regions (pcolormesh per region, one shared colour scale, set by
    ``scale_regions`` when given: e.g. the electrolytes, whose structure would otherwise be
    lost against the contact drops; ``clip_outliers``: limits at the 0.5 and 99.5 percentiles)."""
    plt = pyplot()

    finite = [v[np.isfinite(v)] for r, (_, _, v) in maps.items()
              if scale_regions is None or r in scale_regions]
    values = np.concatenate([f for f in finite if f.size])
    lo, hi = (np.percentile(values, [0.5, 99.5]) if clip_outliers
              else (values.min(), values.max()))
    xs = np.concatenate([m[0].ravel() for m in maps.values()]) * 1e9
    ys = np.concatenate([m[1].ravel() for m in maps.values()]) * 1e9
    ratio = np.ptp(ys) / max(np.ptp(xs), 1e-300)
    equal = ratio * 8 > 1  # a thin film far wider than high is drawn stretched
    height = min(max(PAGE_IN * 0.8 * ratio if equal else 2.2, 1.6), 5.0) + 0.6
    fig, ax = plt.subplots(figsize=(PAGE_IN, height), constrained_layout=True)
    mesh = None
    for x, y, v in maps.values():
        mesh = ax.pcolormesh(x * 1e9, y * 1e9, v, shading="nearest", vmin=lo, vmax=hi,
                             cmap="viridis")
    assert mesh is not None  # maps is not empty: the colour limits above came from it
    fig.colorbar(mesh, ax=ax, label=label, fraction=0.04, pad=0.01)
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("y (nm)")
    ax.set_xlim(xs.min(), xs.max())
    ax.set_ylim(ys.min(), ys.max())
    ax.set_aspect("equal" if equal else "auto")
    if title:
        ax.set_title(title, fontsize=9)
    save_figure(fig, path)
    return path


def plot_measured_map(path: Path, x_m: np.ndarray, y_m: np.ndarray, measured_V: np.ndarray,
                      model_V: np.ndarray, title: str = "") -> Path:
    """The registered measurement (offset added), the blurred model at its pixels, and their
    difference, in the instrument's frame (x, y of the measured pixels; one colour scale for
    the first two)."""
    plt = pyplot()
    inside = np.isfinite(model_V)
    both = np.concatenate([measured_V[inside], model_V[inside]])
    lo, hi = (float(both.min()), float(both.max())) if both.size else (0.0, 1.0)
    fig, axes = plt.subplots(1, 3, figsize=(PAGE_IN, 2.6), sharey=True, constrained_layout=True)
    panels = (("measured + offset", measured_V, "viridis", (lo, hi)),
              ("model (registered)", model_V, "viridis", (lo, hi)),
              ("measured - model", np.where(inside, measured_V - model_V, np.nan), "RdBu_r",
               None))
    for ax, (name, values, cmap, limits) in zip(axes, panels, strict=True):
        if limits is None:
            r = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
            limits = (-r, r)
        mesh = ax.pcolormesh(x_m * 1e9, y_m * 1e9, values, shading="nearest", cmap=cmap,
                             vmin=limits[0], vmax=limits[1])
        fig.colorbar(mesh, ax=ax, label="CPD (V)", fraction=0.05, pad=0.01)
        ax.set_title(name, fontsize=8)
        ax.set_xlabel("x (nm)")
        ax.set_aspect("equal")
    axes[0].set_ylabel("y (nm)")
    if title:
        fig.suptitle(title, fontsize=9)
    save_figure(fig, path)
    return path


def nyquist_figure(f_Hz: np.ndarray, re_ohm_cm2: np.ndarray, im_ohm_cm2: np.ndarray) -> Any:
    """-Im Z against Re Z on equal axes, with the point nearest each frequency decade marked."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(COLUMN_IN, COLUMN_IN), constrained_layout=True)
    ax.plot(re_ohm_cm2, -im_ohm_cm2, "o-", ms=3, lw=1.0)
    ax.set_xlabel("Re Z (Ohm cm^2)")
    ax.set_ylabel("-Im Z (Ohm cm^2)")
    ax.set_aspect("equal", adjustable="datalim")
    for k in range(math.ceil(math.log10(f_Hz.min())), math.floor(math.log10(f_Hz.max())) + 1):
        i = int(np.argmin(np.abs(np.log10(f_Hz) - k)))  # the point nearest each decade
        ax.plot(re_ohm_cm2[i], -im_ohm_cm2[i], "s", ms=4, color="k")
        ax.annotate(f"$10^{{{k}}}$ Hz", (re_ohm_cm2[i], -im_ohm_cm2[i]), fontsize=6,
                    xytext=(3, 3), textcoords="offset points")
    return fig


def nyquist_comparison_figure(measured: tuple[np.ndarray, np.ndarray, np.ndarray],
                              computed: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Any:
    """A measured spectrum (points, its decades marked) and a computed one (line) on one
    Nyquist figure; each is (f_Hz, Re Z, Im Z) in Ohm cm^2."""
    fig = nyquist_figure(*measured)
    ax = fig.axes[0]
    ax.lines[0].set(linestyle="none", label="measured")
    ax.plot(computed[1], -computed[2], "-", lw=1.2, color="C1", label="computed")
    ax.legend(fontsize=7, loc="upper left")
    return fig


def plot_impedance(outdir: Path, f_Hz: np.ndarray, re_ohm_cm2: np.ndarray,
                   im_ohm_cm2: np.ndarray) -> None:
    """nyquist.png (-Im Z against Re Z, equal axes, decades marked) and bode.png (|Z| and the
    phase)."""
    plt = pyplot()
    save_figure(nyquist_figure(f_Hz, re_ohm_cm2, im_ohm_cm2), outdir / "nyquist.png")
    z = re_ohm_cm2 + 1j * im_ohm_cm2
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(6.0, 5.5), sharex=True, constrained_layout=True)
    a1.loglog(f_Hz, np.abs(z), "o-", ms=3, lw=1.0)
    a1.set_ylabel("|Z| (Ohm cm^2)")
    a2.semilogx(f_Hz, -np.degrees(np.angle(z)), "o-", ms=3, lw=1.0)
    a2.set_ylabel("-phase (deg)")
    a2.set_xlabel("f (Hz)")
    save_figure(fig, outdir / "bode.png")
