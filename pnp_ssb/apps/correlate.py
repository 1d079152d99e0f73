"""`pnp-ssb correlate CASE`: interface potential drops against interface resistances over the
states of an OCV sweep (or, given a screen spec, over its pairs: apps.correlate_screen).

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
from typing import Any

from pnp_ssb.apps.correlate_rows import (
    IMPEDANCE,
    CorrelateRequest,
    contact_rows,
    correlations,
    named_peaks,
    write_correlation,
)
from pnp_ssb.input.fields import CaseError
from pnp_ssb.input.load import set_override
from pnp_ssb.input.study import OcvSweepStudy, study_of
from pnp_ssb.input.tomlio import read_toml
from pnp_ssb.input.topology import reacting_contacts

log = logging.getLogger(__name__)


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


def run_correlation(req: CorrelateRequest) -> dict[str, Any]:
    """Every state's impedance, the table and the coefficients (collective; rank 0 writes)."""
    from pnp_ssb.physics.electrodes import state_for_ocv  # these import DOLFINx
    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.registry import run_case
    from pnp_ssb.studies.sweep import state_dirname

    data = copy.deepcopy(read_toml(req.case))
    for assignment in req.overrides:  # once, here: the states' cases are built from the result
        set_override(data, assignment)
    if is_screen(data):
        from pnp_ssb.apps.correlate_screen import run_screen_correlation

        return run_screen_correlation(req, data)
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
        run_case(load_case(state_case(data, state.li_fraction)), folder)
        named = named_peaks(folder) if req.drt else {}
        rows += contact_rows({"ocv_V": ocv}, json.loads((folder / "summary.json").read_text()),
                             named)
    result = {"case": req.case, "rows": len(rows), "correlations": correlations(rows)}
    write_correlation(req.output, rows, result)
    return result


def is_screen(data: dict[str, Any]) -> bool:
    """A screen spec (electrodes x electrolytes), not a case."""
    return "electrodes" in data and "electrolytes" in data and "regions" not in data
