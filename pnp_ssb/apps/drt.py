"""`pnp-ssb drt`: the distribution of relaxation times of a spectrum (an impedance.csv of a
run or a potentiostat export), its peaks and their resistances.

Writes, in the output folder: drt.csv (tau_s, f_Hz, gamma_ohm_cm2), drt.json (R_inf, the
polarisation, the series capacitance of a blocking or diffusion tail, lambda and how it was
chosen, the residual, the peaks), drt.png and drt_nyquist.png (rank 0).

The spectrum's relative accuracy sets lambda (the discrepancy principle): given with
``accuracy``, or, for a run's impedance.csv, the run's own error estimate
(summary.json["impedance"]["relative_error_estimate"] next to it); else GCV chooses it."""

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pnp_ssb.analysis.drt import DRT, Peak, compute_drt, drt_peaks
from pnp_ssb.io.spectra import read_spectrum, run_accuracy
from pnp_ssb.log import world_rank

log = logging.getLogger(__name__)
OHM_CM2 = 1e4  # Ohm cm^2 per Ohm m^2


@dataclass(frozen=True)
class DRTRequest:
    """What `pnp-ssb drt` was asked: the spectrum, how to read it, the DRT's settings."""

    spectrum: str
    output: Path
    fmt: str = "auto"
    area_cm2: float | None = None
    regularisation: float | None = None
    accuracy: float | None = None
    per_decade: int = 20
    f_min_Hz: float = 0.0
    f_max_Hz: float = math.inf
    attribute_case: str | None = None
    case_overrides: tuple[str, ...] = ()


def drt_record(req: DRTRequest, drt: DRT, peaks: list[Peak]) -> dict[str, Any]:
    """What drt.json holds (Ohm cm^2)."""
    return {"spectrum": req.spectrum, "points": int(drt.frequency_Hz.size),
            "r_inf_ohm_cm2": drt.r_inf_ohm_m2 * OHM_CM2,
            "polarisation_ohm_cm2": drt.polarisation_ohm_m2 * OHM_CM2,
            "series_capacitance_F_cm2": (1e-4 / drt.elastance_m2_F if drt.elastance_m2_F > 0
                                         else None),
            "regularisation": drt.regularisation,
            "regularisation_from": drt.regularisation_from,
            "tau_per_decade": req.per_decade, "relative_residual": drt.relative_residual,
            "peaks": [{"tau_s": p.tau_s, "frequency_Hz": p.frequency_Hz,
                       "resistance_ohm_cm2": p.resistance_ohm_m2 * OHM_CM2} for p in peaks]}


def run_drt(req: DRTRequest) -> dict[str, Any]:
    """Read, invert, find the peaks; write the files on rank 0 and return drt.json's content.
    Raises SpectrumError or DRTError with one message for bad input."""
    spectrum = read_spectrum(req.spectrum, req.fmt, req.area_cm2).window(req.f_min_Hz,
                                                                         req.f_max_Hz)
    drt = compute_drt(spectrum.frequency_Hz, spectrum.z_ohm_m2,
                      regularisation=req.regularisation,
                      accuracy=req.accuracy or run_accuracy(Path(req.spectrum)),
                      per_decade=req.per_decade)
    peaks = drt_peaks(drt)
    record = drt_record(req, drt, peaks)
    if req.attribute_case is not None:
        from pnp_ssb.apps.drt_attribution import attribution  # runs cases: imports DOLFINx

        record["attribution"] = attribution(Path(req.attribute_case), list(req.case_overrides),
                                            drt, req.output / "attribution")
        for peak, named in zip(record["peaks"], record["attribution"], strict=True):
            peak["process"] = named["process"]
    if world_rank() == 0:
        # here, not at the top: the writers and figures import DOLFINx
        from pnp_ssb.io.output import write_csv_rows, write_json
        from pnp_ssb.io.plots_drt import plot_drt

        req.output.mkdir(parents=True, exist_ok=True)
        write_csv_rows(req.output / "drt.csv", [
            {"tau_s": t, "f_Hz": 1 / (2 * math.pi * t), "gamma_ohm_cm2": g * OHM_CM2}
            for t, g in zip(drt.tau_s, drt.gamma_ohm_m2, strict=True)])
        write_json(req.output / "drt.json", record)
        plot_drt(req.output / "drt.png", drt, peaks, spectrum.z_ohm_m2)
    log.info("DRT of %s: R_inf %.4g Ohm cm^2, %d peak(s) %s, lambda %.2g (%s)", req.spectrum,
             record["r_inf_ohm_cm2"], len(peaks),
             ", ".join(f"{p['resistance_ohm_cm2']:.4g} Ohm cm^2 at {p['frequency_Hz']:.3g} Hz"
                       for p in record["peaks"]), drt.regularisation,
             record["regularisation_from"])
    return record
