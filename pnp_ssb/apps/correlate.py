"""`pnp-ssb correlate CASE`: interface potential drops against interface resistances over the
states of an OCV sweep.

For every state of the case's ``ocv_V`` with both electrodes exchanging Li (regime
'equilibrium'; Li-free anodes are blocking and have no R_ct), the impedance about that state is
computed (the case's compositions for that OCV, its kinetics) and, per electrode | electrolyte
contact, the table gets the contact's drop to the electrolyte bulk and the electrolyte's
space-charge drop, R_ct and R_scl of the state (analysis.resistance) and, with ``drt``, the
resistance of the DRT peak that the attribution names charge transfer at that contact.
Writes correlation.csv, correlation.json (the coefficients, analysis.correlation) and
correlation.png; each state's impedance run is in DIR/ocv_<V>V/.
"""

import copy
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pnp_ssb.analysis.correlation import drop_resistance_correlation
from pnp_ssb.input.fields import CaseError
from pnp_ssb.input.load import set_override
from pnp_ssb.input.study import OcvSweepStudy, study_of
from pnp_ssb.input.tomlio import read_toml
from pnp_ssb.input.topology import reacting_contacts

log = logging.getLogger(__name__)
IMPEDANCE = {"type": "impedance", "f_min_Hz": 1e-3, "f_max_Hz": 1e7, "points_per_decade": 5}


@dataclass(frozen=True)
class CorrelateRequest:
    """An ocv_sweep case (with kinetics at its contacts), its overrides, the output folder,
    and whether to take the attributed DRT peaks too."""

    case: str
    output: Path
    overrides: tuple[str, ...] = ()
    drt: bool = False


def state_case(data: dict[str, Any], li_fraction: dict[str, float]) -> dict[str, Any]:
    """The sweep case as an impedance case at one state's compositions."""
    out = dict(data, study=dict(IMPEDANCE), output={"figures": False, "fields": "none"})
    out["regions"] = [dict(r, **({"li_fraction": li_fraction[r["name"]]}
                                 if r["name"] in li_fraction else {})) for r in data["regions"]]
    return out


def _check(case) -> None:
    """An ocv_sweep whose electrode | electrolyte contacts all have kinetics, or CaseError."""
    if case.study.type != "ocv_sweep":
        raise CaseError(f"pnp-ssb correlate: study.type = {case.study.type!r}: expected "
                        "'ocv_sweep' (its states are correlated)")
    bare = [key for key, _, _ in reacting_contacts(case)
            if case.interfaces.get(key) is None or case.interfaces[key].kinetics is None]
    if bare:
        raise CaseError("pnp-ssb correlate: the impedance at each state needs the exchange "
                        f"current of every electrode | electrolyte contact; missing at "
                        f"{', '.join(bare)} (e.g. --set 'interfaces.\"{bare[0]}\".kinetics."
                        "exchange_current_density_A_m2=5')")


def _state_rows(ocv: float, summary: dict, named: dict[str, float]) -> list[dict[str, Any]]:
    """One row per contact of a state's impedance run."""
    rows = []
    for key, contact in summary["cell"]["contacts"].items():
        sides = summary["interfaces"].get(key, {}).get("sides", {})
        resistance = contact.get("resistance", {})
        r_ct, r_scl = resistance.get("charge_transfer_ohm_cm2"), resistance.get(
            "space_charge_ohm_cm2")
        rows.append({"ocv_V": ocv, "contact": key, "drop_to_bulk_V": contact["drop_to_bulk_V"],
                     "space_charge_drop_V": sides.get(contact["electrolyte"], {}).get(
                         "space_charge_drop_V"),
                     "charge_transfer_ohm_cm2": r_ct, "space_charge_ohm_cm2": r_scl,
                     "interface_ohm_cm2": (r_ct + r_scl) if r_ct is not None and r_scl is not None
                     else None, "drt_peak_ohm_cm2": named.get(f"charge transfer {key}")})
    return rows


def correlations(rows: list[dict[str, Any]]) -> dict[str, dict]:
    """Over all contacts and, per contact, over the states: |drop| against R_ct + R_scl and
    against the attributed DRT peak (where the table has it)."""
    groups = {"all contacts": rows} | {c: [r for r in rows if r["contact"] == c]
                                       for c in sorted({r["contact"] for r in rows})}
    out = {}
    for group, members in groups.items():
        for name, column in (("interface resistance", "interface_ohm_cm2"),
                             ("DRT peak", "drt_peak_ohm_cm2")):
            if any(r[column] is not None for r in members):
                out[f"{group}: drop vs {name}"] = drop_resistance_correlation(
                    [r["drop_to_bulk_V"] for r in members],
                    [r[column] for r in members]).as_dict()
    return out


def run_correlation(req: CorrelateRequest) -> dict[str, Any]:
    """Every state's impedance, the table and the coefficients (collective; rank 0 writes)."""
    from pnp_ssb.analysis.drt import compute_drt  # the rest imports DOLFINx
    from pnp_ssb.apps.drt_attribution import attribution
    from pnp_ssb.io.output import write_csv_rows, write_json
    from pnp_ssb.io.spectra import read_spectrum, run_accuracy
    from pnp_ssb.log import world_rank
    from pnp_ssb.physics.electrodes import state_for_ocv
    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.registry import run_case
    from pnp_ssb.studies.sweep import state_dirname

    data = copy.deepcopy(read_toml(req.case))
    for assignment in req.overrides:  # once, here: the states' cases are built from the result
        set_override(data, assignment)
    case = load_case(data)
    _check(case)
    rows: list[dict[str, Any]] = []
    for i, ocv in enumerate(study_of(case.study, OcvSweepStudy).ocv_V):
        state = state_for_ocv(case, ocv, path=f"study.ocv_V[{i}]")
        if state.regime != "equilibrium":
            log.info("correlate: %.3f V left out (%s: no charge transfer there)", ocv,
                     state.regime)
            continue
        folder = req.output / state_dirname(ocv)
        variant = state_case(data, state.li_fraction)
        run_case(load_case(variant), folder)
        named: dict[str, float] = {}
        if req.drt:
            spectrum = read_spectrum(folder / "impedance.csv")
            base = compute_drt(spectrum.frequency_Hz, spectrum.z_ohm_m2,
                               accuracy=run_accuracy(folder / "impedance.csv"))
            state_toml = folder / "case.resolved.toml"
            for peak in attribution(state_toml, [], base, folder / "drt_attribution"):
                if peak["process"] is not None:
                    named[peak["process"]] = named.get(peak["process"], 0.0) + peak[
                        "resistance_ohm_cm2"]
        rows += _state_rows(ocv, json.loads((folder / "summary.json").read_text()), named)
    result = {"case": req.case, "rows": len(rows), "correlations": correlations(rows)}
    if world_rank() == 0:
        from pnp_ssb.io.plots_correlation import plot_correlation

        write_csv_rows(req.output / "correlation.csv", rows)
        write_json(req.output / "correlation.json", result)
        plot_correlation(req.output / "correlation.png", rows)
    return result
