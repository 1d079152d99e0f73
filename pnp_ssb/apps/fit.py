"""`pnp-ssb fit`: a spectrum as the potentiostat (or a run) wrote it, fitted with R_s + RC arcs,
and optionally compared with a computed spectrum.

The fit works per electrode area (Ohm m^2 inside, Ohm cm^2 and F/cm^2 in the JSON). With a
computed spectrum (``model``), the JSON gains ``comparison``: the misfit of |Z| (relative) and of
the phase (degrees) over the common frequencies (:mod:`pnp_ssb.analysis.spectrum_compare`), and
both spectra are drawn on one Nyquist figure, ``<output stem>_nyquist.png``.
"""

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pnp_ssb.analysis.circuits import FitError, fit_arcs
from pnp_ssb.analysis.spectrum_compare import compare_spectra
from pnp_ssb.io.spectra import Spectrum, read_spectrum
from pnp_ssb.log import world_rank

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FitRequest:
    """What `pnp-ssb fit` was asked: the spectrum, how to read it, the circuit, the outputs."""

    spectrum: str
    output: Path
    fmt: str = "auto"
    area_cm2: float | None = None
    arcs: int = 2
    labels: list[str] | None = None
    f_min_Hz: float = 0.0
    f_max_Hz: float = math.inf
    model: str | None = None


def figure_path(output: Path) -> Path:
    """The Nyquist figure of a comparison, next to the JSON: FIT.json -> FIT_nyquist.png."""
    return output.with_name(f"{output.stem}_nyquist.png")


def _comparison(measured: Spectrum, req: FitRequest) -> dict[str, Any]:
    """The misfit of the computed spectrum, and the figure of both (rank 0)."""
    assert req.model is not None
    model = read_spectrum(req.model, "auto", req.area_cm2, warn_unused_area=False)
    misfit = compare_spectra(measured.frequency_Hz, measured.z_ohm_m2, model.frequency_Hz,
                             model.z_ohm_m2)
    figure = figure_path(req.output)
    if world_rank() == 0:
        # here, not at the top: the figures import DOLFINx through the profile plots
        from pnp_ssb.io.plots import nyquist_comparison_figure, save_figure

        fig = nyquist_comparison_figure((measured.frequency_Hz, *measured.ohm_cm2()),
                                        (model.frequency_Hz, *model.ohm_cm2()))
        save_figure(fig, figure)
    return {"model": req.model, **misfit.as_dict(), "figure": figure.name}


def run_fit(req: FitRequest) -> dict[str, Any]:
    """Read, fit (and compare); write the JSON on rank 0 and return what it holds. Raises
    FitError (SpectrumError included) with one message for bad input."""
    if req.labels is not None and len(req.labels) != req.arcs:
        raise FitError(f"--labels {','.join(req.labels)!r}: expected {req.arcs} names (--arcs)")
    measured = read_spectrum(req.spectrum, req.fmt, req.area_cm2).window(req.f_min_Hz,
                                                                          req.f_max_Hz)
    fit = fit_arcs(measured.frequency_Hz, measured.z_ohm_m2, req.arcs)
    result: dict[str, Any] = {"spectrum": req.spectrum, "format": measured.format,
                              "area_cm2": measured.area_cm2, **fit.as_dict(req.labels)}
    if req.model is not None:
        result["comparison"] = _comparison(measured, req)
    if world_rank() == 0:
        from pnp_ssb.io.output import write_json  # here, not at the top: it imports DOLFINx

        write_json(req.output, result)
    return result
