"""`pnp-ssb estimate CASE --measured FILE --fit REGION[,...]`: the electrolytes' neutrality
potentials (and a CPD offset) fitted to a measured CPD profile by least squares with the
forward-tangent Jacobian (pnp_ssb.studies.estimation).

The measured file is read as `pnp-ssb cpd --measured` reads it (.csv x_m,cpd_V; .gwy, .nid,
.sxm, .tif images line-averaged along y); its x is the model's (m from the stack's left end).
Writes (rank 0) estimate.json (estimates, standard errors, 95 % intervals, correlations, what the
data cannot identify), residuals.csv and estimate.png (data and fit, residuals).
"""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pnp_ssb.apps.uncertainty import check_differentiable
from pnp_ssb.input.fields import CaseError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EstimateRequest:
    """The case, the measured profile, the regions whose phi0 is fitted, whether a CPD offset
    is fitted too, the noise (V; None: estimated from the residuals) and the output folder."""

    case: str
    measured: str
    regions: tuple[str, ...]
    output: Path
    offset: bool = True
    noise_V: float | None = None
    overrides: tuple[str, ...] = ()


def run_estimate(req: EstimateRequest) -> dict[str, Any]:
    """Read, fit and write (collective)."""
    from pnp_ssb.analysis.kpfm import KPFMError
    from pnp_ssb.io.measured import read_measured
    from pnp_ssb.io.output import write_csv_rows, write_json
    from pnp_ssb.io.plots_uncertainty import plot_estimate
    from pnp_ssb.log import world_rank
    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.estimation import fit_cpd_profile

    if not req.regions:
        raise CaseError("--fit: expected at least one electrolyte region")
    if req.noise_V is not None and not req.noise_V > 0:
        raise CaseError(f"--noise-V = {req.noise_V}: expected > 0 V")
    case = load_case(req.case, req.overrides)
    check_differentiable(case)
    try:
        measured = read_measured(req.measured)
    except KPFMError as exc:
        raise CaseError(str(exc)) from None
    est = fit_cpd_profile(case, list(req.regions), measured.x_m, measured.cpd_V, req.noise_V,
                          req.offset)
    record = {"case": case.name, "measured": req.measured, "points": int(measured.x_m.size),
              "parameters": {n: {"value": float(v), "std_error": float(s),
                                 "ci95": [float(a), float(b)]}
                             for n, v, s, (a, b) in zip(est.names, est.values, est.std_errors,
                                                        est.ci95, strict=True)},
              "correlation": est.correlation.tolist(), "rms_misfit_V": est.rms_V,
              "noise_V": req.noise_V, "unidentifiable": est.unidentifiable,
              "model_evaluations": est.evaluations}
    if world_rank() == 0:
        fitted = measured.cpd_V + est.residuals_V
        write_csv_rows(req.output / "residuals.csv", [
            {"x_m": float(x), "measured_V": float(d), "model_V": float(m),
             "residual_V": float(r)} for x, d, m, r in zip(measured.x_m, measured.cpd_V, fitted,
                                                           est.residuals_V, strict=True)])
        write_json(req.output / "estimate.json", record)
        plot_estimate(req.output / "estimate.png", case.name, measured.x_m, measured.cpd_V,
                      fitted, np.asarray(est.residuals_V))
    return record


__all__ = ["EstimateRequest", "run_estimate"]
