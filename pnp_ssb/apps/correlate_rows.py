"""What `pnp-ssb correlate` tabulates, for OCV-sweep states and screen pairs alike: one row per
contact of an impedance run (drops, R_ct, R_scl, the attributed DRT peak), the coefficients
over the rows (analysis.correlation) and the files (correlation.csv, .json, .png)."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pnp_ssb.analysis.correlation import drop_resistance_correlation

IMPEDANCE = {"type": "impedance", "f_min_Hz": 1e-3, "f_max_Hz": 1e7, "points_per_decade": 5}


@dataclass(frozen=True)
class CorrelateRequest:
    """An ocv_sweep case (with kinetics at its contacts) or a screen spec (with its i0), its
    overrides, the output folder, and whether to take the attributed DRT peaks too."""

    case: str
    output: Path
    overrides: tuple[str, ...] = ()
    drt: bool = False


def contact_rows(labels: dict[str, Any], summary: dict, named: dict[str, float]
                 ) -> list[dict[str, Any]]:
    """One row per contact of an impedance run's summary, after the ``labels`` columns (the
    state's OCV, or the screen pair): drops, R_ct, R_scl and the attributed DRT peak."""
    rows = []
    for key, contact in summary["cell"]["contacts"].items():
        sides = summary["interfaces"].get(key, {}).get("sides", {})
        resistance = contact.get("resistance", {})
        r_ct, r_scl = resistance.get("charge_transfer_ohm_cm2"), resistance.get(
            "space_charge_ohm_cm2")
        rows.append({**labels, "contact": key, "drop_to_bulk_V": contact["drop_to_bulk_V"],
                     "space_charge_drop_V": sides.get(contact["electrolyte"], {}).get(
                         "space_charge_drop_V"),
                     "charge_transfer_ohm_cm2": r_ct, "space_charge_ohm_cm2": r_scl,
                     "interface_ohm_cm2": (r_ct + r_scl) if r_ct is not None and r_scl is not None
                     else None, "drt_peak_ohm_cm2": named.get(f"charge transfer {key}")})
    return rows


def correlations(rows: list[dict[str, Any]], group_by: str = "contact") -> dict[str, dict]:
    """Over all rows and, per value of ``group_by`` (a contact over the states; an electrolyte
    over the screen's electrodes): |drop| against R_ct + R_scl and against the attributed DRT
    peak (where the table has it)."""
    groups = {"all contacts": rows} | {c: [r for r in rows if r[group_by] == c]
                                       for c in sorted({r[group_by] for r in rows})}
    out = {}
    for group, members in groups.items():
        for name, column in (("interface resistance", "interface_ohm_cm2"),
                             ("DRT peak", "drt_peak_ohm_cm2")):
            if any(r[column] is not None for r in members):
                out[f"{group}: drop vs {name}"] = drop_resistance_correlation(
                    [r["drop_to_bulk_V"] for r in members],
                    [r[column] for r in members]).as_dict()
    return out


def named_peaks(folder: Path, comm: Any = None) -> dict[str, float]:
    """The DRT of an impedance run in ``folder`` and the resistance of each peak the attribution
    names (the run's resolved case again with one process sped up or switched off at a time)."""
    from pnp_ssb.analysis.drt import compute_drt  # the attribution imports DOLFINx
    from pnp_ssb.apps.drt_attribution import attribution
    from pnp_ssb.io.spectra import read_spectrum, run_accuracy

    spectrum = read_spectrum(folder / "impedance.csv")
    base = compute_drt(spectrum.frequency_Hz, spectrum.z_ohm_m2,
                       accuracy=run_accuracy(folder / "impedance.csv"))
    named: dict[str, float] = {}
    for peak in attribution(folder / "case.resolved.toml", [], base, folder / "drt_attribution",
                            comm):
        if peak["process"] is not None:
            named[peak["process"]] = named.get(peak["process"], 0.0) + peak["resistance_ohm_cm2"]
    return named


def write_correlation(output: Path, rows: list[dict[str, Any]], result: dict[str, Any],
                      annotate: str = "ocv_V", group: str = "contact", rank: int | None = None
                      ) -> None:
    """correlation.csv, correlation.json and correlation.png (by rank 0 of the run's
    communicator; the world's by default)."""
    from pnp_ssb.io.output import write_csv_rows, write_json
    from pnp_ssb.io.plots_correlation import plot_correlation
    from pnp_ssb.log import world_rank

    if (world_rank() if rank is None else rank) == 0:
        write_csv_rows(output / "correlation.csv", rows)
        write_json(output / "correlation.json", result)
        plot_correlation(output / "correlation.png", rows, annotate, group)
