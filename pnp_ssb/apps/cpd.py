"""The ``pnp-ssb cpd`` workflow on files: read a finished run (or an OCV sweep's states) and a
measured profile, compute the CPD a Kelvin probe would record (:mod:`pnp_ssb.analysis.kpfm`),
and write cpd.csv, cpd.json, cpd.png and, for 2D runs, the CPD maps."""

import csv
import json
import logging
from pathlib import Path

import numpy as np

from pnp_ssb.analysis.kpfm import (
    CPDResult,
    KPFMError,
    RunProfile,
    compare_measured,
    compute_cpd,
)
from pnp_ssb.analysis.kpfm_register import model_of, register, registered_profile
from pnp_ssb.io.measured import MeasuredProfile, read_measured
from pnp_ssb.io.output import read_map_csv, read_profiles_csv, write_csv_rows, write_json
from pnp_ssb.io.plots import plot_cpd, plot_map, plot_measured_map
from pnp_ssb.log import world_rank
from pnp_ssb.physics.electrodes import reference_work_function_eV
from pnp_ssb.preflight import load_case

logger = logging.getLogger(__name__)


def read_run(path: str | Path) -> RunProfile:
    """Read a finished run directory (profiles.csv, summary.json, case.resolved.toml; for a
    2D run, as its resolved case's geometry says, also map.csv). The profile of a 2D run is its
    lateral (y) average."""
    path = Path(path)
    for name in ("profiles.csv", "summary.json", "case.resolved.toml"):
        if not (path / name).is_file():
            raise KPFMError(f"{path}: no {name}; expected the output directory of `pnp-ssb run`")
    summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    if not summary.get("converged", False):
        raise KPFMError(f"{path}: the run did not converge (summary.json converged = false)")
    case = load_case(path / "case.resolved.toml")
    shifts = _collector_shifts(path, case)
    cols = _on_collector_points(read_profiles_csv(path / "profiles.csv"), shifts)
    cell = summary.get("cell", {})
    regions = summary.get("regions", {})
    fermi = {k: v["fermi_voltage_V"] for k, v in regions.items() if "fermi_voltage_V" in v}
    ground = cell.get("ground")
    theta = {k.removeprefix("theta_"): np.asarray(v) for k, v in cols.items()
             if k.startswith("theta_")}
    phi_map = None
    if case.geometry.dimension == 2:  # its resolved case says so (not which files are there)
        if not (path / "map.csv").is_file():
            raise KPFMError(f"{path}: a 2D run without map.csv; expected the output directory "
                            "of `pnp-ssb run`")
        phi_map = read_map_csv(path / "map.csv")
    return RunProfile(path, case, np.asarray(cols["x_m"]), np.asarray(cols["phi_V"]),
                      np.asarray(cols["region"]), theta,
                      fermi[ground] if ground else 0.0,
                      cell.get("reference_work_function_eV", reference_work_function_eV()),
                      fermi, _cell_voltage(cell), phi_map, shifts)


def _on_collector_points(cols: dict[str, np.ndarray],
                         shifts: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
    """The profile with each lithiating collector sampled on its Li grid (its potential is
    uniform; its work function changes within the Li front, finer than the mesh's points)."""
    for region, (xs, _) in shifts.items():
        mask = cols["region"] == region
        if not mask.any():
            continue
        first = int(np.argmax(mask))
        fill = {k: np.full(xs.size, float(np.mean(v[mask])) if k == "phi_V" else np.nan)
                for k, v in cols.items() if k not in ("x_m", "region")}
        fill["x_m"], fill["region"] = np.sort(xs), np.full(xs.size, region, dtype=object)
        cols = {k: np.concatenate([v[:first][~mask[:first]], fill[k], v[first:][~mask[first:]]])
                for k, v in cols.items()}
    return cols


def _collector_shifts(path: Path, case) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Phi(x) - Phi_0 (eV) of each lithiating collector, from the run's collector_li.csv."""
    table = path / "collector_li.csv"
    if not table.is_file():
        return {}
    with open(table, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for region in dict.fromkeys(r["region"] for r in rows):
        mine = [r for r in rows if r["region"] == region]
        phi0 = case.region_materials[region].parameter("work_function_eV")
        out[region] = (np.array([float(r["x_m"]) for r in mine]),
                       np.array([float(r["work_function_eV"]) - phi0 for r in mine]))
    return out


def _cell_voltage(cell: dict) -> float | None:
    """The OCV of a two-electrode cell (|V_right - V_left| when one electrode holds no Li)."""
    if "ocv_V" in cell:
        return cell["ocv_V"]
    return abs(cell["cell_voltage_V"]) if "cell_voltage_V" in cell else None


def sweep_states(path: Path) -> list[Path]:
    """The state folders of an OCV sweep directory (ocv_<V>V/), by increasing OCV; [] if none."""
    states = [p for p in path.glob("ocv_*V") if (p / "summary.json").is_file()]
    return sorted(states, key=lambda p: float(p.name[4:-1]))


def _write_result(result: CPDResult, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    run = result.run
    dcpd = result.dcpd_V if result.dcpd_V is not None else np.full(run.x_m.shape, np.nan)
    rows = [{"x_m": float(x), "cpd_V": float(c), "cpd_base_V": float(b), "dcpd_V": float(d),
             "region": str(r)}
            for x, c, b, d, r in zip(run.x_m, result.cpd_V, result.cpd_base_V, dcpd, run.region,
                                     strict=True)]
    write_csv_rows(out / "cpd.csv", rows)
    if result.maps is not None:
        mats = result.run.case.region_materials
        _write_map(result.maps, out, [r for r in result.run.regions
                                      if mats[r].kind == "solid_electrolyte"])
    write_json(out / "cpd_summary.json", result.summary)


def _write_map(maps: dict[str, np.ndarray], out: Path, electrolytes: list[str]) -> None:
    """cpd_map.csv (x_m, y_m, cpd_V, cpd_base_V, dcpd_V, region) and cpd_map.png."""
    xx, yy = np.meshgrid(maps["x_m"], maps["y_m"])
    regions = np.broadcast_to(maps["region"], xx.shape)
    dcpd = maps.get("dcpd_V", np.full(xx.shape, np.nan))
    rows = [{"x_m": float(x), "y_m": float(y), "cpd_V": float(c), "cpd_base_V": float(b),
             "dcpd_V": float(d), "region": str(r)}
            for x, y, c, b, d, r in zip(xx.ravel(), yy.ravel(), maps["cpd_V"].ravel(),
                                        maps["cpd_base_V"].ravel(), dcpd.ravel(),
                                        regions.ravel(), strict=True)]
    write_csv_rows(out / "cpd_map.csv", rows)
    key = "dcpd_V" if "dcpd_V" in maps else "cpd_base_V"
    per_region = {r: (maps["x_m"][maps["region"] == r], maps["y_m"],
                      maps[key][:, maps["region"] == r]) for r in dict.fromkeys(maps["region"])}
    plot_map(out / "cpd_map.png", per_region,
             "dCPD (V)" if key == "dcpd_V" else "CPD - CPD(base) (V)",
             "Predicted KPFM map (colour scale: electrolytes)", electrolytes)


def run_cpd(run_dir: str | Path, out: str | Path, *, reference: str | Path | None = None,
            base: str | None = None, tip_work_function_eV: float = 5.0,
            psf_width_m: float = 0.0, measured: str | Path | None = None,
            fit_shift: bool = False, channel: str | None = None,
            fit_psf: bool = False) -> list[CPDResult]:
    """CPD of a run (or of every state of an OCV sweep) into ``out``.

    For a sweep the reference defaults to its lowest-OCV state (SOC = 0), and ``out`` gets one
    folder per state (its cpd.csv, cpd_summary.json and cpd.png), dcpd_sweep.png (dCPD of
    every state, as in the seed's Fig. 5b) and cpd_summary.json over the states. With
    ``measured`` (a .gwy, .nid, .sxm or TIFF image, or a CSV profile; ``channel`` names the
    image's channel) the (last) state is compared with it (:func:`compare_with_measured`).
    """
    if not psf_width_m >= 0:
        raise KPFMError(f"--psf-width-m {psf_width_m}: expected a width >= 0 (m)")
    writer = world_rank() == 0  # under mpirun every rank computes (cheap), rank 0 writes
    run_dir, out = Path(run_dir), Path(out)
    states = sweep_states(run_dir)
    ref = read_run(reference) if reference is not None else None
    results = []
    if states:
        runs = [read_run(p) for p in states]
        ref = ref or runs[0]
        for p, run in zip(states, runs, strict=True):
            res = compute_cpd(run, tip_work_function_eV=tip_work_function_eV, base=base,
                              reference=ref, psf_width_m=psf_width_m)
            if writer:
                _write_result(res, out / p.name)
                plot_cpd(out / p.name, [res])
            results.append(res)
        if writer:
            write_json(out / "cpd_summary.json", {"reference": str(ref.path),
                                                  "states": [r.summary for r in results]})
    else:
        res = compute_cpd(read_run(run_dir), tip_work_function_eV=tip_work_function_eV,
                          base=base, reference=ref, psf_width_m=psf_width_m)
        if writer:
            _write_result(res, out)
        results.append(res)
    if writer:
        plot_cpd(out, results)
    if measured is not None:
        summary = compare_with_measured(results[-1], read_measured(measured, channel), out,
                                        tip_work_function_eV=tip_work_function_eV,
                                        psf_width_m=psf_width_m, fit_shift=fit_shift,
                                        fit_psf=fit_psf, write=writer)
        logger.info("measured %s: offset %.4g V, shift %.4g m, PSF %.3g m, RMS misfit %.3g V",
                    summary["file"], summary["offset_V"], summary["shift_m"],
                    summary["psf_width_m"], summary["rms_misfit_V"])
    return results


def compare_with_measured(last: CPDResult, meas: MeasuredProfile, out: Path, *,
                          tip_work_function_eV: float, psf_width_m: float, fit_shift: bool,
                          fit_psf: bool, write: bool) -> dict:
    """Register a measurement to a result and write cpd_comparison.json, cpd_vs_measured.png
    and, for an image, cpd_map_vs_measured.png; returns the comparison.

    A profile with a given PSF is aligned as before (``compare_measured``: offset, and x shift
    by a scan). An image is registered as a map (offset, rotation, x shift, PSF width) and
    drawn as its pixels binned along the model's x; ``fit_psf`` fits the width (from
    ``psf_width_m`` as given otherwise) for profiles too.
    """
    image = meas.map
    if image is None and not fit_psf:
        comparison = compare_measured(last.run.x_m, last.cpd_base_V, meas.x_m, meas.cpd_V,
                                      fit_shift)
        comparison.update(psf_width_m=psf_width_m, psf_fitted=False)
        shown = (meas.x_m + comparison["shift_m"], meas.cpd_V + comparison["offset_V"],
                 meas.spread_V)
    else:
        model = model_of(last, tip_work_function_eV, as_map=image is not None)
        width = None if fit_psf else psf_width_m
        if image is None:
            reg = register(model, meas.x_m, None, meas.cpd_V, fit_shift=fit_shift,
                           psf_width_m=width)
            shown = (meas.x_m + reg.shift_m, meas.cpd_V + reg.offset_V, meas.spread_V)
        else:
            reg = register(model, image.x_m, image.y_m, image.image_V, fit_shift=fit_shift,
                           psf_width_m=width)
            shown = registered_profile(reg, image.image_V, float(np.median(np.diff(image.x_m))))
        comparison = reg.as_dict()
        if image is not None and image.scan_angle_deg:
            comparison["instrument_scan_angle_deg"] = image.scan_angle_deg
        if fit_psf:  # the model is drawn with the fitted width
            last = compute_cpd(last.run, tip_work_function_eV=tip_work_function_eV,
                               base=last.base, psf_width_m=reg.psf_width_m)
        if write and image is not None:
            plot_measured_map(out / "cpd_map_vs_measured.png", image.x_m, image.y_m,
                              image.image_V + reg.offset_V, reg.model_V,
                              f"{Path(meas.source).name}: rotation {reg.rotation_deg:.2f} deg, "
                              f"RMS misfit {reg.rms_misfit_V * 1e3:.2g} mV")
    summary = dict(last.summary)
    summary["measured"] = {"file": meas.source, **comparison}
    if write:
        plot_cpd(out, [last], measured=shown)
        write_json(out / "cpd_comparison.json", summary)
    return summary["measured"]
