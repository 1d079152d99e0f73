"""Time-resolved KPFM of a transient run (`pnp-ssb cpd RUN --scan-lines N --line-time-s T`):
the CPD at fixed points against time, the region-averaged CPD during the protocol, and a
scanned image whose lines see the state at their own times (analysis.kpfm_time).

It uses the run's saved states (study.output_times_s, DIR/t_<time>s/, and the final state in
DIR): the denser they are, the closer the interpolation in time. Writes cpd_time.csv,
cpd_scan.csv (each line's start and its mean per region), cpd_time.json (the drift across the
image per region, in V and V/s) and cpd_time.png (rank 0). A 2D run's scan is also taken
over its CPD maps, along the chosen fast axis: cpd_scan_map.csv (every pixel with its
position and time), cpd_scan_map.png, and cpd_time.json["scan_map"].
"""

import csv
import logging
from pathlib import Path
from typing import Any

import numpy as np

from pnp_ssb.analysis.kpfm import CPDResult, KPFMError, RunProfile, compute_cpd, region_mean
from pnp_ssb.analysis.kpfm_time import MapScan, Scan, scan_image, scan_map, stacked_profiles, value_at
from pnp_ssb.apps.cpd import read_run
from pnp_ssb.io.output import write_csv_rows, write_json
from pnp_ssb.log import world_rank

log = logging.getLogger(__name__)


def transient_states(run_dir: Path) -> list[tuple[float, Path]]:
    """(time, folder) of a transient's saved states, by time: DIR/t_<time>s/ and DIR (its last
    time from timeseries.csv); [] for a run that is not a transient."""
    series = run_dir / "timeseries.csv"
    if not series.is_file():
        return []
    with open(series, encoding="utf-8") as f:
        end = float(list(csv.DictReader(f))[-1]["time_s"])
    states = [(float(p.name[2:-1]), p) for p in run_dir.glob("t_*s")
              if (p / "summary.json").is_file()]
    return sorted([*states, (end, run_dir)])


def run_cpd_time(run_dir: Path, out: Path, scan: Scan | None, points_m: list[float],
                 base: str | None = None, tip_work_function_eV: float = 5.0) -> dict[str, Any]:
    """The CPD series, the line-averaged CPD per region and, with ``scan``, the image."""
    states = transient_states(run_dir)
    if len(states) < 2:
        raise KPFMError(f"{run_dir}: time-resolved KPFM needs a transient with at least one "
                        "saved state besides the last (study.output_times_s)")
    times = np.array([t for t, _ in states])
    runs = [read_run(p) for _, p in states]
    if scan is not None and scan.fast_axis != "x" and runs[0].phi_map_V is None:
        raise KPFMError(f"--fast-axis {scan.fast_axis}: {run_dir} is a 1D run, whose scan lines "
                        "run along x (a y fast axis needs a 2D run)")
    results = [compute_cpd(r, tip_work_function_eV=tip_work_function_eV, base=base)
               for r in runs]
    regions = runs[0].regions
    rows = []
    for t, run, res in zip(times, runs, results, strict=True):
        row: dict[str, Any] = {"time_s": t}
        row.update({f"cpd_{x:.6g}m_V": value_at(run, res.cpd_base_V, x) for x in points_m})
        row.update({f"cpd_{r}_V": region_mean(run, res.cpd_base_V, r) for r in regions})
        rows.append(row)
    record: dict[str, Any] = {"run": str(run_dir), "base": results[0].base,
                              "state_times_s": times.tolist(), "points_m": points_m}
    lines: list[dict[str, Any]] = []
    starts = image = None
    if scan is not None and scan.fast_axis == "x":  # lines across the stack: the profile's
        starts, image, lines, record["scan"] = profile_scan(times, runs, results, scan)
    mapped = None
    if scan is not None and results[0].maps is not None:
        mapped = map_scan(times, results, scan)
        record["scan_map"] = map_scan_record(mapped, results[0])
    if world_rank() == 0:
        if mapped is not None:
            write_map_scan(out, mapped, results[0])
        write_csv_rows(out / "cpd_time.csv", rows)
        write_json(out / "cpd_time.json", record)
        if lines:
            write_csv_rows(out / "cpd_scan.csv", lines)
        from pnp_ssb.io.plots_kpfm_time import plot_cpd_time

        plot_cpd_time(out / "cpd_time.png", rows, runs[0].x_m, starts, image, regions)
    return record


def profile_scan(times: np.ndarray, runs: list[RunProfile], results: list[CPDResult],
                 scan: Scan) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]],
                                      dict[str, Any]]:
    """The scan of the (y-averaged) profile, lines across the stack: line starts, image, each
    line's mean per region, and the drift across the image per region (V, V/s)."""
    regions = runs[0].regions
    profiles = stacked_profiles(runs, [r.cpd_base_V for r in results])
    starts, image = scan_image(times, profiles, scan)
    lines = [{"line": k, "start_s": float(s), **{
        f"line_mean_{r}_V": region_mean(runs[0], image[k], r) for r in regions}}
        for k, s in enumerate(starts)]
    span = scan.line_time_s * scan.lines
    drift = {r: lines[-1][f"line_mean_{r}_V"] - lines[0][f"line_mean_{r}_V"] for r in regions}
    record = {"start_s": scan.start_s, "line_time_s": scan.line_time_s, "lines": scan.lines,
              "image_time_s": span, "drift_V_by_region": drift,
              "drift_rate_V_s_by_region": {r: v / max(span - scan.line_time_s, 1e-300)
                                           for r, v in drift.items()}}
    return starts, image, lines, record


def map_scan(times: np.ndarray, results: list[CPDResult], scan: Scan) -> MapScan:
    """The scan over the saved states' base-referenced CPD maps (a transient keeps its mesh,
    so they share one grid)."""
    maps: list[dict[str, np.ndarray]] = []
    for r in results:  # a 2D run's every state has its map, on the first state's grid
        if r.maps is None or (maps and r.maps["cpd_base_V"].shape != maps[0]["cpd_base_V"].shape):
            raise KPFMError(f"{r.run.path}: its CPD map has another grid than the first state's")
        maps.append(r.maps)
    first = maps[0]
    stack = np.array([m["cpd_base_V"] for m in maps])
    return scan_map(times, stack, first["x_m"], first["y_m"], scan)


def _pixel_regions(mapped: MapScan, result: CPDResult) -> np.ndarray:
    """The region of every pixel of the scan (n_lines, n_fast)."""
    assert result.maps is not None
    column_region = np.asarray(result.maps["region"])
    if mapped.fast_axis == "x":
        return np.broadcast_to(column_region, mapped.image.shape)
    x = result.maps["x_m"]
    line = column_region[np.clip(np.searchsorted(x, mapped.slow_m, side="right") - 1, 0,
                                 x.size - 1)]
    return np.broadcast_to(line[:, None], mapped.image.shape)


def map_scan_record(mapped: MapScan, first: CPDResult) -> dict[str, Any]:
    """The image's range and, per region, its mean change against the map at the first line's
    start: what the cell's change during one image adds to a snapshot."""
    regions = _pixel_regions(mapped, first)
    change = mapped.image - mapped.at_start
    return {"fast_axis": mapped.fast_axis, "lines": int(mapped.start_s.size),
            "image_time_s": float(mapped.pixel_time_s.max() - mapped.start_s[0]),
            "cpd_base_V_min": float(np.nanmin(mapped.image)),
            "cpd_base_V_max": float(np.nanmax(mapped.image)),
            "change_since_first_line_V_by_region": {
                str(r): float(np.nanmean(change[regions == r])) for r in dict.fromkeys(
                    regions.ravel())}}


def write_map_scan(out: Path, mapped: MapScan, first: CPDResult) -> None:
    """cpd_scan_map.csv (line, start_s, x_m, y_m, time_s, cpd_base_V, change_V, region) and
    cpd_scan_map.png."""
    from pnp_ssb.io.plots_kpfm_time import plot_map_scan

    regions = _pixel_regions(mapped, first)
    slow, fast = np.meshgrid(mapped.slow_m, mapped.fast_m, indexing="ij")
    x, y = (fast, slow) if mapped.fast_axis == "x" else (slow, fast)
    lines = np.broadcast_to(np.arange(mapped.start_s.size)[:, None], x.shape)
    starts = mapped.start_s[lines]
    change = mapped.image - mapped.at_start
    write_csv_rows(out / "cpd_scan_map.csv", [
        {"line": int(k), "start_s": float(s0), "x_m": float(xi), "y_m": float(yi),
         "time_s": float(t), "cpd_base_V": float(v), "change_V": float(c), "region": str(r)}
        for k, s0, xi, yi, t, v, c, r in zip(lines.ravel(), starts.ravel(), x.ravel(),
                                              y.ravel(), mapped.pixel_time_s.ravel(),
                                              mapped.image.ravel(), change.ravel(),
                                              regions.ravel(), strict=True)])
    plot_map_scan(out / "cpd_scan_map.png", mapped)
