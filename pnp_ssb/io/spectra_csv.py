"""Impedance spectra in CSV files, read by column name, with the units taken from the header.

A column is recognised by its quantity and unit, written ``Re(Z)/Ohm``, ``Z' (Ohm cm^2)``,
``Frequency [kHz]`` or ``re_ohm_cm2``:

- frequency: ``f``, ``freq``, ``frequency`` in Hz, kHz, MHz or mHz (Hz if no unit is given);
- real part: ``Re``, ``Re Z``, ``Re(Z)``, ``Z'``, ``Zre``, ``Zreal``, ``real``;
- imaginary part: ``Im``, ``Im Z``, ``Im(Z)``, ``Z''``, ``Z"``, ``Zim``, ``Zimag``, ``imag``,
  a leading minus (``-Im(Z)``, ``-Z''``) meaning the column holds -Im Z.

Impedance units are Ohm, kOhm, MOhm or mOhm, optionally per area (``Ohm cm^2``, ``Ohm m^2``).
An unsigned imaginary column whose values are mostly positive is read as -Im Z (with a warning):
a capacitive spectrum has Im Z < 0 (Z = R/(1 + i w R C)). A file without a header is read as
impedance.py's plain CSV: f (Hz), Re Z (Ohm), Im Z (Ohm). Columns are separated by commas,
semicolons or tabs; with semicolons or tabs a decimal comma is accepted.
"""

import csv
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pnp_ssb.analysis.circuits import FitError

log = logging.getLogger(__name__)

FREQUENCY_NAMES = frozenset({"f", "freq", "frequency"})
REAL_NAMES = frozenset({"re", "rez", "re(z)", "z'", "zre", "zreal", "real", "realz", "zr"})
IMAG_NAMES = frozenset({"im", "imz", "im(z)", "z''", 'z"', "zim", "zimag", "imag", "imagz", "zi"})
FREQUENCY_UNITS = {"Hz": 1.0, "kHz": 1e3, "MHz": 1e6, "mHz": 1e-3, "hz": 1.0, "khz": 1e3}
OHM_PREFIX = {"": 1.0, "k": 1e3, "M": 1e6, "m": 1e-3}
UNIT_WORDS = ("hz", "khz", "mhz", "ohm", "kohm", "mohm")
EXPECTED = ("columns for the frequency (e.g. 'freq/Hz'), Re Z and Im Z with their unit "
            "(e.g. 'Re(Z)/Ohm', '-Im(Z)/Ohm', or re_ohm_cm2, im_ohm_cm2)")


class SpectrumError(FitError):
    """A spectrum file that cannot be read, with the reason and what was expected."""


@dataclass(frozen=True)
class RawSpectrum:
    """A spectrum as its file states it: f in Hz, Z = Re + i Im in Ohm, or in Ohm m^2 if
    ``per_area``."""

    frequency_Hz: np.ndarray
    z: np.ndarray
    per_area: bool


@dataclass(frozen=True)
class Column:
    """One recognised column: its index, role (f, re, im), scale to Hz / Ohm / Ohm m^2, and
    whether it holds the negated value."""

    index: int
    role: str
    scale: float
    per_area: bool
    negated: bool


def split_name(name: str) -> tuple[str, str]:
    """(quantity, unit) of a header name: 'Re(Z)/Ohm', "Z' (Ohm)", 'f [Hz]', 're_ohm_cm2'."""
    name = name.strip().replace("\u2212", "-")
    bracket = re.fullmatch(r"(.*?)\s*[(\[]([^()\[\]]*)[)\]]\s*", name)
    if "/" in name:
        quantity, unit = name.rsplit("/", 1)
        return quantity.strip(), unit.strip()
    if bracket and bracket.group(2).strip().lower() != "z":  # Re(Z): a quantity, not a unit
        return bracket.group(1).strip(), bracket.group(2).strip()
    tokens = name.split("_")
    for i in range(1, len(tokens)):
        if tokens[i].lower().startswith(UNIT_WORDS):
            return "_".join(tokens[:i]), "_".join(tokens[i:])
    return name, ""


def impedance_unit(unit: str) -> tuple[float, bool] | None:
    """(scale to Ohm or Ohm m^2, per area) of an impedance unit, or None if it is not one."""
    u = unit.replace("\u03a9", "ohm").replace("\u2126", "ohm").replace("\u00b2", "2")
    u = re.sub(r"[\s\u00b7*^._\-]", "", u)
    prefix = u[0] if u[:1] in ("k", "M", "m") and u[1:].lower().startswith("ohm") else ""
    match = re.fullmatch(r"ohms?(cm2|m2)?", u[len(prefix):].lower())
    if match is None:
        return None
    area = match.group(1)
    return OHM_PREFIX[prefix] * (1e-4 if area == "cm2" else 1.0), area is not None


def classify(index: int, name: str, path: Path) -> Column | None:
    """The column's role and scale, None for a column the spectrum does not need; a known
    quantity with a unit that does not fit it is an error."""
    quantity, unit = split_name(name)
    q = re.sub(r"[\s_]", "", quantity.lower())
    negated = q.startswith("-")
    q = q.lstrip("-+")
    if q in FREQUENCY_NAMES:
        scale = FREQUENCY_UNITS.get(unit.replace(" ", ""), None) if unit else 1.0
        if scale is None:
            raise SpectrumError(f"{path}: column {name!r}: unit {unit!r} is not a frequency "
                                f"unit (Hz, kHz, MHz, mHz)")
        return Column(index, "f", scale, False, False)
    if q not in REAL_NAMES and q not in IMAG_NAMES:
        return None
    if not unit:
        raise SpectrumError(f"{path}: column {name!r} has no unit: state it in the header, "
                            f"e.g. 'Re(Z)/Ohm', 'Z'' (Ohm cm^2)' or 're_ohm_cm2'")
    parsed = impedance_unit(unit)
    if parsed is None:
        raise SpectrumError(f"{path}: column {name!r}: unit {unit!r} is not an impedance unit "
                            f"(Ohm, kOhm, MOhm, mOhm, optionally per cm^2 or m^2)")
    return Column(index, "re" if q in REAL_NAMES else "im", parsed[0], parsed[1], negated)


def _number(text: str, decimal_comma: bool) -> float:
    return float(text.strip().replace(",", ".") if decimal_comma else text)


def _rows(path: Path) -> tuple[list[list[str]], bool]:
    """The non-empty, non-comment rows and whether numbers may use a decimal comma."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="latin-1")
    except OSError as exc:
        raise SpectrumError(f"{path}: cannot read ({exc.strerror or exc})") from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise SpectrumError(f"{path}: empty file; expected {EXPECTED}")
    delimiter = "\t" if "\t" in lines[0] else ";" if ";" in lines[0] else ","
    rows = list(csv.reader(lines, delimiter=delimiter))
    return [r[:-1] if r and not r[-1].strip() else r for r in rows], delimiter != ","


def _columns(header: list[str], path: Path) -> dict[str, Column]:
    found: dict[str, Column] = {}
    for k, name in enumerate(header):
        col = classify(k, name, path)
        if col is not None and col.role not in found:
            found[col.role] = col
    missing = [role for role in ("f", "re", "im") if role not in found]
    if missing:
        raise SpectrumError(f"{path}: no {', '.join(missing)} column among {header}; "
                            f"expected {EXPECTED}")
    if found["re"].per_area != found["im"].per_area:
        raise SpectrumError(f"{path}: Re Z and Im Z columns in different units "
                            f"({header[found['re'].index]!r}, {header[found['im'].index]!r})")
    return found


def _headerless(header: list[str], decimal_comma: bool) -> bool:
    try:
        [_number(c, decimal_comma) for c in header]
    except ValueError:
        return False
    return True


def read_named_csv(path: str | Path) -> RawSpectrum:
    """f (Hz) and Z (Ohm or Ohm m^2, as the header says) of a CSV spectrum."""
    path = Path(path)
    rows, decimal_comma = _rows(path)
    if _headerless(rows[0], decimal_comma):
        log.info("%s: no header; read as f (Hz), Re Z (Ohm), Im Z (Ohm)", path)
        header, data = ["f/Hz", "Re(Z)/Ohm", "Im(Z)/Ohm"], rows
    else:
        header, data = rows[0], rows[1:]
    cols = _columns(header, path)
    values: dict[str, list[float]] = {"f": [], "re": [], "im": []}
    for line, row in enumerate(data, start=1):
        try:
            for role, col in cols.items():
                values[role].append(_number(row[col.index], decimal_comma) * col.scale)
        except (IndexError, ValueError):
            raise SpectrumError(f"{path}, data row {line}: expected numbers in columns "
                                f"{[header[c.index] for c in cols.values()]}, got {row}") from None
    im = np.array(values["im"]) * (-1.0 if cols["im"].negated else 1.0)
    if not cols["im"].negated and np.sum(im > 0) > np.sum(im < 0):
        log.warning("%s: column %r is mostly positive: read as -Im Z (a capacitive arc has "
                    "Im Z < 0); name it '-Im(Z)' to say so", path, header[cols["im"].index])
        im = -im
    z = np.array(values["re"]) + 1j * im
    return RawSpectrum(np.array(values["f"]), z, cols["re"].per_area)
