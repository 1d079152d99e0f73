"""Writing results: atomic scalar files on rank 0, fields in parallel, figures on rank 0.

Every scalar file is written to a temporary name and renamed, so an interrupted run never
leaves a half-written file behind.
"""

import csv
import io
import json
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pnp_ssb.analysis.postprocess import Profile1D

log = logging.getLogger(__name__)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (call on one rank)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; results are for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_figure(fig, path: Path, dpi: int = 130) -> None:
    """Save a matplotlib figure atomically (temporary name, then rename) and close it."""
    import matplotlib.pyplot as plt  # imported here: matplotlib is heavy and only figures need it

    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    fig.savefig(tmp, dpi=dpi)
    plt.close(fig)
    os.replace(tmp, path)


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Atomic JSON (NaN/inf written as null)."""
    def clean(obj):
        if isinstance(obj, float) and not np.isfinite(obj):
            return None
        if isinstance(obj, dict):
            return {k: clean(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [clean(v) for v in obj]
        if isinstance(obj, np.generic):
            return clean(obj.item())
        return obj

    write_text_atomic(path, json.dumps(clean(dict(data)), indent=2) + "\n")


def write_csv_rows(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write dictionaries as CSV (the union of their keys, first-seen order; blank if absent)."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), restval="")
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(path, buffer.getvalue())


def profile_rows(profile: Profile1D, li_fraction: Mapping[str, float] | None = None
                 ) -> tuple[list[str], list[list[float | str]]]:
    """Header and rows of profiles.csv: x_m, phi_V, c_<species>_m3..., theta_<region>..., region.

    Points on an interface appear once per adjacent region, since concentrations jump there.
    ``theta_<region>`` is an insertion electrode's Li site fraction (blank elsewhere).
    """
    species = profile.species
    thetas = dict(li_fraction or {})
    header = ["x_m", "phi_V", *(f"c_{s}_m3" for s in species),
              *(f"theta_{r}" for r in thetas), "region"]
    rows: list[list[float | str]] = []
    for seg in profile.segments:
        phi = seg.psi * profile.thermal_voltage_V
        for i, x in enumerate(seg.x_m):
            rows.append([float(x), float(phi[i]),
                         *(float(seg.c_m3[s][i]) if s in seg.c_m3 else float("nan")
                           for s in species),
                         *(_theta_at(seg, i, t) if r == seg.region else float("nan")
                           for r, t in thetas.items()),
                         seg.region])
    return header, rows


def _theta_at(seg, i: int, uniform: float) -> float:
    """theta of a resolved electrode at point i, else the electrode's uniform value."""
    return float(seg.theta[i]) if seg.theta is not None else float(uniform)


def write_profiles_csv(path: Path, profile: Profile1D,
                       li_fraction: Mapping[str, float] | None = None) -> None:
    """Atomic profiles.csv (17 significant digits)."""
    header, rows = profile_rows(profile, li_fraction)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([f"{v:.17g}" if isinstance(v, float) else v for v in row])
    write_text_atomic(path, buf.getvalue())


def read_profiles_csv(path: Path) -> dict[str, np.ndarray]:
    """Read profiles.csv back into columns (the region column as strings)."""
    with open(path, encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    cols = {}
    for j, name in enumerate(header):
        values = [r[j] for r in rows]
        cols[name] = np.array(values) if name == "region" else np.array(values, dtype=float)
    return cols


def plot_profiles(outdir: Path, profile: Profile1D, marks: Mapping[str, float],
                  electrode_points: Mapping[float, float] | None = None) -> list[Path]:
    """potential.png and concentrations.png: the whole stack, and a zoom on each charged layer.

    Args:
        marks: name -> x (m) of each boundary and interface, with the layer width to zoom on
            given as ``marks[name + ':width']``.
        electrode_points: x (m) -> electrode potential (V) behind a Stern layer, drawn as dots.
    """
    import matplotlib  # imported here: matplotlib is heavy and only figures need it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    zooms = [(n, x) for n, x in marks.items() if ":" not in n and marks.get(n + ":width", 0) > 0]
    x_lo = min(seg.x_m.min() for seg in profile.segments) * 1e9
    x_hi = max(seg.x_m.max() for seg in profile.segments) * 1e9
    written = []
    for kind in ("potential", "concentrations"):
        ncols = max(1, len(zooms))
        fig = plt.figure(figsize=(4.0 * max(2, ncols), 6.5), constrained_layout=True)
        grid = fig.add_gridspec(2, ncols)
        axes = [fig.add_subplot(grid[0, :])] + [fig.add_subplot(grid[1, j]) for j in range(len(zooms))]
        for k, ax in enumerate(axes):
            for seg in profile.segments:
                x_nm = seg.x_m * 1e9
                if kind == "potential":
                    ax.plot(x_nm, seg.psi * profile.thermal_voltage_V, lw=1.4, label=seg.region)
                    for xe, phi_e in (electrode_points or {}).items():
                        ax.plot([xe * 1e9], [phi_e], "ko", ms=4)
                else:
                    for name, c in seg.c_m3.items():
                        ax.semilogy(x_nm, np.maximum(c, 1e-300), lw=1.4,
                                    label=f"{name} ({seg.region})")
            for name, x in marks.items():
                if ":" not in name:
                    ax.axvline(x * 1e9, color="0.6", lw=0.7, ls="--")
            if k > 0:
                name, x = zooms[k - 1]
                half = 8 * marks[name + ":width"] * 1e9
                ax.set_xlim(max(x * 1e9 - half, x_lo), min(x * 1e9 + half, x_hi))
                ax.set_title(f"near {name}", fontsize=9)
            ax.set_xlabel("x (nm)")
            ax.set_ylabel("phi (V)" if kind == "potential" else "c (m$^{-3}$)")
        axes[0].legend(fontsize=8)
        path = outdir / f"{kind}.png"
        save_figure(fig, path)
        written.append(path)
    return written


BAND_STYLES = {"E_vac": ("k", "-"), "E_c": ("tab:blue", "-"), "E_v": ("tab:red", "-"),
               "E_F": ("tab:green", "-"), "mu~_Li+": ("tab:purple", "--"),
               "mu_Li": ("tab:orange", ":"), "E_Fn": ("tab:olive", "-.")}


def plot_band_diagram(outdir: Path, lines: Sequence, marks: Mapping[str, float]) -> Path:
    """bands.png: energy levels (eV) through the stack (lines from pnp_ssb.analysis.bands)."""
    import matplotlib  # imported here: matplotlib is heavy and only figures need it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    """timeseries.png: cell voltage, currents and contact drops against time (log axis)."""
    import matplotlib  # imported here: matplotlib is heavy and only figures need it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = np.array([r["time_s"] for r in rows[1:]])
    groups = [("voltage", "V", [k for k in rows[-1] if k == "voltage_V"]),
              ("current", "A/m$^2$", [k for k in rows[-1] if "current" in k]),
              ("space-charge drop", "V", [k for k in rows[-1] if k.startswith("drop_")])]
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
    import matplotlib  # imported here: matplotlib is heavy and only figures need it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    import matplotlib  # imported here: matplotlib is heavy and only figures need it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by = {(r["electrode"], r["electrolyte"]): r for r in rows}
    drop = np.array([[by[(e, s)]["drop_V"] for s in electrolytes] for e in electrodes])
    rscl = np.array([[by[(e, s)]["r_scl_ohm_cm2"] for s in electrolytes] for e in electrodes])
    fig, axes = plt.subplots(1, 2, figsize=(4 + 2.2 * len(electrolytes), 1.5 + 0.6 * len(electrodes)),
                             constrained_layout=True)
    panels = ((drop, "contact drop (V)", "coolwarm"),
              (np.sign(rscl) * np.log10(1 + np.abs(rscl)), "sign(R) log10(1 + |R_scl| / Ohm cm^2)",
               "viridis"))
    for ax, (data, title, cmap) in zip(axes, panels, strict=True):
        im = ax.imshow(data, cmap=cmap, aspect="auto")
        ax.set_xticks(range(len(electrolytes)), electrolytes, rotation=30)
        ax.set_yticks(range(len(electrodes)), electrodes)
        for (i, j), value in np.ndenumerate(data):
            ax.text(j, i, f"{value:.2g}", ha="center", va="center", fontsize=7)
        ax.set_title(title, fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.8)
    path = outdir / "heatmap.png"
    save_figure(fig, path)
    return path


MAP_COLUMNS = ("x_m", "y_m", "phi_V", "region", "i_x_A_m2", "i_y_A_m2")


def write_map_csv(path: Path, maps: Sequence,
                  currents: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None) -> None:
    """map.csv of a 2D run: phi (V) and the ionic current density (A/m^2, where species move)
    on each region's sampling grid (x fastest); interface points appear once per region."""
    rows = []
    for m in maps:
        xx, yy = np.meshgrid(m.x_m, m.y_m)
        ix, iy = (currents or {}).get(m.region, (np.zeros_like(xx), np.zeros_like(xx)))
        for x, y, v, a, b in zip(xx.ravel(), yy.ravel(), m.phi_V.ravel(), ix.ravel(),
                                 iy.ravel(), strict=True):
            rows.append({"x_m": float(x), "y_m": float(y), "phi_V": float(v), "region": m.region,
                         "i_x_A_m2": float(a), "i_y_A_m2": float(b)})
    write_csv_rows(path, rows)


def read_map_csv(path: Path, column: str = "phi_V"
                 ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """{region: (x_m (nx), y_m (ny), values (ny, nx))} of one column of a map.csv-like file
    (columns x_m, y_m, ..., region)."""
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for region in dict.fromkeys(r["region"] for r in rows):
        data = np.array([[float(r["x_m"]), float(r["y_m"]), float(r[column])] for r in rows
                         if r["region"] == region])
        x = np.unique(data[:, 0])
        y = np.unique(data[:, 1])
        values = np.full((y.size, x.size), np.nan)
        values[np.searchsorted(y, data[:, 1]), np.searchsorted(x, data[:, 0])] = data[:, 2]
        out[region] = (x, y, values)
    return out


def plot_map(path: Path, maps: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
             label: str, title: str = "", scale_regions: Sequence[str] | None = None,
             clip_outliers: bool = False) -> Path:
    """A 2D map over all regions (pcolormesh per region, one shared colour scale, set by
    ``scale_regions`` when given: e.g. the electrolytes, whose structure would otherwise be
    lost against the contact drops; ``clip_outliers``: limits at the 0.5 and 99.5 percentiles)."""
    import matplotlib  # imported here: matplotlib is heavy and only figures need it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    finite = [v[np.isfinite(v)] for r, (_, _, v) in maps.items()
              if scale_regions is None or r in scale_regions]
    values = np.concatenate([f for f in finite if f.size])
    lo, hi = (np.percentile(values, [0.5, 99.5]) if clip_outliers
              else (values.min(), values.max()))
    fig, ax = plt.subplots(figsize=(8.0, 4.0), constrained_layout=True)
    mesh = None
    for x, y, v in maps.values():
        mesh = ax.pcolormesh(x * 1e9, y * 1e9, v, shading="nearest", vmin=lo, vmax=hi,
                             cmap="viridis")
    assert mesh is not None  # maps is not empty: the colour limits above came from it
    fig.colorbar(mesh, ax=ax, label=label)
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("y (nm)")
    ax.set_aspect("equal" if np.ptp(np.concatenate([m[1] for m in maps.values()])) * 8
                  > np.ptp(np.concatenate([m[0] for m in maps.values()])) else "auto")
    if title:
        ax.set_title(title, fontsize=9)
    save_figure(fig, path)
    return path


def plot_impedance(outdir: Path, f_Hz: np.ndarray, re_ohm_cm2: np.ndarray,
                   im_ohm_cm2: np.ndarray) -> None:
    """nyquist.png (-Im Z against Re Z, equal axes) and bode.png (|Z| and the phase)."""
    import matplotlib  # imported here: matplotlib is heavy and only figures need it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.0, 4.5), constrained_layout=True)
    ax.plot(re_ohm_cm2, -im_ohm_cm2, "o-", ms=3, lw=1.0)
    ax.set_xlabel("Re Z (Ohm cm^2)")
    ax.set_ylabel("-Im Z (Ohm cm^2)")
    ax.set_aspect("equal", adjustable="datalim")
    save_figure(fig, outdir / "nyquist.png")
    z = re_ohm_cm2 + 1j * im_ohm_cm2
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(6.0, 5.5), sharex=True, constrained_layout=True)
    a1.loglog(f_Hz, np.abs(z), "o-", ms=3, lw=1.0)
    a1.set_ylabel("|Z| (Ohm cm^2)")
    a2.semilogx(f_Hz, -np.degrees(np.angle(z)), "o-", ms=3, lw=1.0)
    a2.set_ylabel("-phase (deg)")
    a2.set_xlabel("f (Hz)")
    save_figure(fig, outdir / "bode.png")
