"""`pnp-ssb correlate SCREEN.toml`: interface potential drops against interface resistances over
the electrode | electrolyte pairs of a screen.

Every pair of the spec (apps.screening: electrode | electrolyte | reservoir, the screen's i0 at
the contact) is run as an impedance study about its equilibrium; the table gets, per pair, the
contact's drop to the electrolyte bulk and the electrolyte's space-charge drop, R_ct and R_scl
of that state (analysis.resistance) and, with ``drt``, the resistance of the DRT peak the
attribution names charge transfer. The coefficients (analysis.correlation) are over all pairs
and per electrolyte (its electrodes). Each pair's run is in DIR/pairs/<electrode>__<electrolyte>/.
"""

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
from pnp_ssb.apps.screening import ScreenSpec, pair_data, pairs, validate_spec
from pnp_ssb.input.fields import CaseError

log = logging.getLogger(__name__)


def pair_impedance_data(spec: ScreenSpec, electrode, electrolyte: str) -> dict[str, Any]:
    """The screen's pair case as an impedance study about its equilibrium."""
    return dict(pair_data(spec, electrode, electrolyte), study=dict(IMPEDANCE))


def run_screen_correlation(req: CorrelateRequest, data: dict[str, Any], comm: Any = None
                           ) -> dict[str, Any]:
    """Every pair's impedance, the table and the coefficients (collective on ``comm``,
    COMM_WORLD by default; its rank 0 writes).

    Raises:
        CaseError: a bad spec, or one without exchange_current_density_A_m2 (before any solve).
    """
    from pnp_ssb.discretisation.fem import MPI  # these import DOLFINx
    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.registry import run_case

    comm = comm if comm is not None else MPI.COMM_WORLD
    spec = validate_spec(data, req.case)
    if spec.exchange_current_density_A_m2 is None:
        raise CaseError(f"{req.case}: exchange_current_density_A_m2 is not set: the impedance "
                        "of each pair needs the exchange current of its contact (e.g. --set "
                        "exchange_current_density_A_m2=100)")
    cases = [(e, se, load_case(pair_impedance_data(spec, e, se))) for e, se in pairs(spec)]
    rows: list[dict[str, Any]] = []
    for electrode, electrolyte, case in cases:
        folder = req.output / "pairs" / f"{electrode.name}__{electrolyte}"
        run_case(case, folder, comm)
        named = named_peaks(folder, comm) if req.drt else {}
        rows += contact_rows({"electrode": electrode.name, "electrolyte": electrolyte},
                             json.loads((folder / "summary.json").read_text()), named)
        log.info("correlate: %s | %s: drop %.3f V, R_ct + R_scl %.4g Ohm cm^2", electrode.name,
                 electrolyte, rows[-1]["drop_to_bulk_V"], rows[-1]["interface_ohm_cm2"])
    result = {"screen": req.case, "rows": len(rows),
              "correlations": correlations(rows, group_by="electrolyte")}
    write_correlation(req.output, rows, result, annotate="electrode", group="electrolyte",
                      rank=comm.rank)
    return result
