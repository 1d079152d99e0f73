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


