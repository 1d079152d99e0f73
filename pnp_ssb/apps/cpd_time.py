"""Time-resolved KPFM of a transient run (`pnp-ssb cpd RUN --scan-lines N --line-time-s T`):
the CPD at fixed points against time, the region-averaged CPD during the protocol, and a
scanned image whose lines see the state at their own times (analysis.kpfm_time).

It uses the run's saved states (study.output_times_s, DIR/t_<time>s/, and the final state in
DIR): the denser they are, the closer the interpolation in time. Writes cpd_time.csv,
cpd_scan.csv (each line's start and its mean per region), cpd_time.json (the drift across the
image per region, in V and V/s) and cpd_time.png (rank 0).
"""

import csv
import logging
from pathlib import Path
from typing import Any

import numpy as np

from pnp_ssb.analysis.kpfm import KPFMError, compute_cpd, region_mean
from pnp_ssb.analysis.kpfm_time import Scan, scan_image, stacked_profiles, value_at
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
    if scan is not None:
        profiles = stacked_profiles(runs, [r.cpd_base_V for r in results])
        starts, image = scan_image(times, profiles, scan)
        first = runs[0]
        lines = [{"line": k, "start_s": float(s), **{
            f"line_mean_{r}_V": region_mean(first, image[k], r) for r in regions}}
            for k, s in enumerate(starts)]
        span = scan.line_time_s * scan.lines
        record["scan"] = {"start_s": scan.start_s, "line_time_s": scan.line_time_s,
                          "lines": scan.lines, "image_time_s": span,
                          "drift_V_by_region": {r: lines[-1][f"line_mean_{r}_V"]
                                                - lines[0][f"line_mean_{r}_V"] for r in regions}}
        record["scan"]["drift_rate_V_s_by_region"] = {
            r: v / max(span - scan.line_time_s, 1e-300)
            for r, v in record["scan"]["drift_V_by_region"].items()}
    if world_rank() == 0:
        write_csv_rows(out / "cpd_time.csv", rows)
        write_json(out / "cpd_time.json", record)
        if scan is not None:
            write_csv_rows(out / "cpd_scan.csv", lines)
            from pnp_ssb.io.plots_kpfm_time import plot_cpd_time

            plot_cpd_time(out / "cpd_time.png", rows, first.x_m, starts, image, regions)
    return record
