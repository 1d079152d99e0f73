"""Measured impedance spectra as potentiostats export them, per electrode area in SI units.

Instrument exports are read by impedance.py's readers (``impedance.preprocessing.readFile``,
imported only when one is read): Gamry .DTA, BioLogic EC-Lab .mpt (text), Scribner ZPlot .z,
Autolab, Parstat, VersaStudio .par, PowerSuite and CH Instruments text files. They give Z in
Ohm with Z = Re + i Im (Im Z < 0 on a capacitive arc). CSV files are read by column name
(:mod:`pnp_ssb.io.spectra_csv`), in Ohm or already per area. A spectrum in Ohm is made
area-specific with the electrode area A (``--area-cm2``):

    Z [Ohm m^2] = Z [Ohm] * A [cm^2] * 1e-4
"""

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pnp_ssb.io.spectra_csv import RawSpectrum, SpectrumError, read_named_csv

__all__ = ["FORMATS", "Spectrum", "SpectrumError", "detect_format", "read_spectrum"]

log = logging.getLogger(__name__)

# what each of impedance.py's readers expects, for the message when a file does not fit
INSTRUMENTS = {
    "gamry": "a Gamry .DTA file with a ZCURVE table",
    "biologic": "a BioLogic EC-Lab .mpt text export with columns freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm",
    "zplot": "a Scribner ZPlot .z file (data after 'End Comments' or a 'Freq(Hz)' header)",
    "autolab": "an Autolab comma-separated export (a 'Freq' header; f, Z', Z'' in columns 1, 5, 6)",
    "parstat": "a Parstat text export (one header line; f, Z', Z'' in columns 4, 5, 6)",
    "versastudio": "a VersaStudio .par file with a <Segment1> data block",
    "powersuite": "a PowerSuite text export (one header line; f, Z', Z'' tab-separated)",
    "chinstruments": "a CH Instruments text export (a 'Freq/Hz' header line, then a blank line)",
}
FORMATS = ("auto", "csv", *INSTRUMENTS)
SUFFIXES = {".dta": "gamry", ".mpt": "biologic", ".z": "zplot", ".par": "versastudio",
            ".csv": "csv"}


@dataclass(frozen=True)
class Spectrum:
    """A spectrum per electrode area: f (Hz), Z = Re + i Im (Ohm m^2); ``area_cm2`` is the
    area that converted a file in Ohm (None for a file already per area)."""

    frequency_Hz: np.ndarray
    z_ohm_m2: np.ndarray
    source: str
    format: str
    area_cm2: float | None

    def ohm_cm2(self) -> tuple[np.ndarray, np.ndarray]:
        """(Re Z, Im Z) in Ohm cm^2."""
        return self.z_ohm_m2.real * 1e4, self.z_ohm_m2.imag * 1e4

    def window(self, f_min_Hz: float, f_max_Hz: float) -> "Spectrum":
        """The points with f_min <= f <= f_max."""
        keep = (self.frequency_Hz >= f_min_Hz) & (self.frequency_Hz <= f_max_Hz)
        return Spectrum(self.frequency_Hz[keep], self.z_ohm_m2[keep], self.source, self.format,
                        self.area_cm2)


def detect_format(path: Path) -> str:
    """The format of a file: by its content (EC-Lab, Gamry, ZPlot and CH Instruments headers),
    else by its suffix."""
    try:
        with open(path, encoding="latin-1") as fh:
            head = fh.read(1 << 16)
    except OSError as exc:
        raise SpectrumError(f"{path}: cannot read ({exc.strerror or exc})") from None
    lines = head.splitlines()
    if head.startswith("EC-Lab ASCII FILE"):
        return "biologic"
    if head.startswith("EXPLAIN") or any(ln.startswith("ZCURVE") for ln in lines):
        return "gamry"
    if head.startswith("ZPlot") or any(ln.startswith("End Comments") for ln in lines):
        return "zplot"
    if any(ln.startswith("Freq/Hz") for ln in lines):
        return "chinstruments"
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise SpectrumError(f"{path}: cannot tell the format from the suffix or the content; "
                            f"give --format (one of {', '.join(FORMATS[1:])})")
    return fmt


def _instrument(path: Path, fmt: str) -> RawSpectrum:
    """f and Z (Ohm) through impedance.py's reader of the format."""
    from impedance.preprocessing import readFile  # here: only instrument files need it

    try:
        f, z = readFile(str(path), instrument=fmt)
    except (AssertionError, IndexError, ValueError, NameError, KeyError, OSError) as exc:
        raise SpectrumError(f"{path}: expected {INSTRUMENTS[fmt]} (--format {fmt}); "
                            f"impedance.py's reader failed: {type(exc).__name__}: {exc}") from None
    return RawSpectrum(np.asarray(f, dtype=float), np.asarray(z, dtype=complex), False)


def _checked(path: Path, raw: RawSpectrum) -> RawSpectrum:
    if raw.frequency_Hz.size == 0:
        raise SpectrumError(f"{path}: no data rows")
    if not (np.all(np.isfinite(raw.frequency_Hz)) and np.all(np.isfinite(raw.z))):
        raise SpectrumError(f"{path}: non-finite frequencies or impedances")
    if np.any(raw.frequency_Hz <= 0):
        raise SpectrumError(f"{path}: expected positive frequencies")
    return raw


def read_spectrum(path: str | Path, fmt: str = "auto", area_cm2: float | None = None,
                  warn_unused_area: bool = True) -> Spectrum:
    """The spectrum of ``path`` per electrode area. A file in Ohm needs ``area_cm2``; for a
    file already per area the area is not used (a warning says so if ``warn_unused_area``)."""
    path = Path(path)
    if fmt not in FORMATS:
        raise SpectrumError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise SpectrumError(f"{path}: no such file")
    if fmt == "auto":
        fmt = detect_format(path)
    raw = _checked(path, read_named_csv(path) if fmt == "csv" else _instrument(path, fmt))
    if raw.per_area:
        if area_cm2 is not None and warn_unused_area:
            log.warning("%s is already per area: --area-cm2 %g is not used", path, area_cm2)
        return Spectrum(raw.frequency_Hz, raw.z, str(path), fmt, None)
    if area_cm2 is None:
        raise SpectrumError(f"{path}: Z is in Ohm ({fmt}); give the electrode area with "
                            f"--area-cm2 to report Ohm cm^2")
    if not area_cm2 > 0:
        raise SpectrumError(f"--area-cm2 {area_cm2}: expected a positive area")
    return Spectrum(raw.frequency_Hz, raw.z * area_cm2 * 1e-4, str(path), fmt, area_cm2)


def run_accuracy(spectrum: Path) -> float | None:
    """A computed spectrum's relative error estimate, from the summary.json of its run."""
    summary = spectrum.with_name("summary.json")
    if spectrum.name != "impedance.csv" or not summary.is_file():
        return None
    estimate = json.loads(summary.read_text(encoding="utf-8")).get("impedance", {}).get(
        "relative_error_estimate")
    return float(estimate) if estimate else None
