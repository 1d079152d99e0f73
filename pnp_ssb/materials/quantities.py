"""Quantities with provenance, and the parsing of one quantity (the base of the materials format).

A quantity is written ``{ value, unit, source }`` or ``{ value, unit, status, reason }``; see
:mod:`pnp_ssb.materials.database`. The bibliography keys are checked against references.bib.
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pnp_ssb.materials.units import UnitError, si_unit, to_si

DATA_DIR = Path(__file__).resolve().parent / "data"
MATERIALS_DIR = DATA_DIR / "materials"
BIB_FILE = DATA_DIR / "references.bib"

Status = Literal["sourced", "derived", "assumed", "unverified", "case"]
_UNSOURCED = ("derived", "assumed", "unverified", "case")
_QUANTITY_KEYS = ("value", "unit", "source", "status", "reason", "note", "uncertainty")
_UNCERTAINTY_KEYS = ("std", "range", "factor", "source", "reason")


class MaterialError(ValueError):
    """A material that cannot be used; the message names the material, the field path, the
    value and what was expected."""


@dataclass(frozen=True)
class Uncertainty:
    """What is known of an uncertain input: one distribution, in the SI unit of its quantity.

    Attributes:
        distribution: "normal" (std), "uniform" (a range low..high) or "lognormal" (value
            times or over ``factor`` at one standard deviation of ln, for positive inputs).
        std: the standard deviation of a normal input (SI).
        low, high: the bounds of a uniform input (SI).
        factor: the multiplicative spread of a lognormal input, > 1.
        sources: bibliography keys behind the spread (may be empty with a reason).
        reason: why the spread is what it is.
    """

    distribution: Literal["normal", "uniform", "lognormal"]
    std: float | None = None
    low: float | None = None
    high: float | None = None
    factor: float | None = None
    sources: tuple[str, ...] = ()
    reason: str = ""

    def standard_deviation(self, value: float) -> float:
        """sigma of the input about ``value`` (SI): std; (high - low)/sqrt(12); or the
        lognormal's value sqrt((e^{s^2} - 1) e^{s^2}), s = ln factor."""
        if self.distribution == "normal":
            assert self.std is not None
            return self.std
        if self.distribution == "uniform":
            assert self.low is not None and self.high is not None
            return (self.high - self.low) / math.sqrt(12.0)
        assert self.factor is not None
        s2 = math.log(self.factor) ** 2
        return abs(value) * math.sqrt(math.expm1(s2) * math.exp(s2))

    def as_dict(self) -> dict[str, Any]:
        """The spread as plain data (SI), for a run's record."""
        out: dict[str, Any] = {"distribution": self.distribution}
        out |= {k: getattr(self, k) for k in ("std", "low", "high", "factor")
                if getattr(self, k) is not None}
        if self.sources:
            out["source"] = list(self.sources)
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Quantity:
    """One number with its provenance.

    Attributes:
        value: the value in the SI unit of its name's suffix (energies in eV).
        unit: that SI unit, e.g. ``"m^-3"``; ``"1"`` for dimensionless numbers.
        sources: bibliography keys of ``references.bib`` (may be empty unless sourced).
        status: "sourced", "derived", "assumed", "unverified", or "case" (given in a case).
        reason: why a non-sourced value is what it is (the derivation, the assumption, or
            where an unverified value should be checked).
        note: optional remark.
        uncertainty: the spread of an uncertain input (None: taken as exact).
    """

    value: float
    unit: str
    sources: tuple[str, ...]
    status: Status
    reason: str = ""
    note: str = ""
    uncertainty: Uncertainty | None = None


def _fail(path: str, value: Any, expected: str) -> MaterialError:
    shown = "{...}" if isinstance(value, Mapping) else repr(value)
    return MaterialError(f"{path} = {shown}: expected {expected}")


def _known_fields(spec: Mapping[str, Any], allowed: tuple[str, ...], path: str,
                  what: str) -> None:
    """Refuse the first field of ``spec`` not in ``allowed`` (``what``: "a quantity", ...)."""
    for key in spec:
        if key not in allowed:
            raise _fail(f"{path}.{key}", spec[key],
                        f"no such field; {what} has " + ", ".join(allowed))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@cache
def _bib_entries() -> dict[str, str]:
    """Parse references.bib into {key: entry text}."""
    text = BIB_FILE.read_text(encoding="utf-8")
    entries: dict[str, str] = {}
    for match in re.finditer(r"@(\w+)\s*\{\s*([^,\s]+)\s*,", text):
        depth, i = 0, text.index("{", match.start())
        for j in range(i, len(text)):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                entries[match.group(2)] = text[match.start(): j + 1]
                break
        else:
            raise MaterialError(f"{BIB_FILE}: entry {match.group(2)!r} has unbalanced braces")
    return entries


def _provenance(spec: Mapping[str, Any], path: str) -> tuple[tuple[str, ...], Status, str, str]:
    """Check the provenance fields of a quantity or table: (sources, status, reason, note)."""
    raw = spec.get("source", ())
    sources = (raw,) if isinstance(raw, str) else raw
    if not isinstance(sources, (list, tuple)) or not all(
            isinstance(s, str) and s for s in sources):
        raise _fail(f"{path}.source", raw, "a bibliography key or a list of keys")
    sources = tuple(sources)
    known = _bib_entries()
    for key in sources:
        if key not in known:
            raise _fail(f"{path}.source", key,
                        f"a key of {BIB_FILE.name} (add the entry there, or give status = "
                        "'assumed'/'unverified' with a reason)")
    status = spec.get("status", "sourced" if sources else None)
    reason = spec.get("reason", "")
    note = spec.get("note", "")
    for field, text in (("reason", reason), ("note", note)):
        if not isinstance(text, str):
            raise _fail(f"{path}.{field}", text, "a string")
    if status is None:
        raise MaterialError(f"{path}: no provenance; expected source = '<bib key>', or status "
                            "= 'derived'/'assumed'/'unverified' with a reason")
    if status == "sourced":
        if not sources:
            raise _fail(f"{path}.status", status, "a source for a sourced value")
    elif status in _UNSOURCED:
        if not reason.strip():
            raise _fail(f"{path}.reason", reason,
                        f"a non-empty reason for a value with status {status!r}")
        if sources and status in ("assumed", "unverified"):
            raise _fail(f"{path}.source", list(sources),
                        f"no source for status {status!r} (a value with a source is 'sourced' "
                        "or 'derived')")
    else:
        raise _fail(f"{path}.status", status,
                    "one of 'sourced', 'derived', 'assumed', 'unverified'")
    return sources, status, reason.strip(), note.strip()


def _quantity(key: str, spec: Any, path: str, origin: str, plain_ok: bool) -> Quantity:
    """Parse one quantity given as {value, unit, ...} or (where allowed) a plain number."""
    unit = si_unit(key)
    if _is_number(spec) and plain_ok:
        value = float(spec)
        if not math.isfinite(value):
            raise _fail(path, spec, "a finite number")
        return Quantity(value, unit, (), "case", origin)
    if not isinstance(spec, Mapping):
        expected = "a number or " if plain_ok else ""
        raise _fail(path, spec, expected + "a table { value, unit, source } or "
                    "{ value, unit, status, reason }")
    _known_fields(spec, _QUANTITY_KEYS, path, "a quantity")
    if "value" not in spec:
        raise MaterialError(f"{path}.value: missing; a quantity needs a value")
    value = spec["value"]
    if not _is_number(value) or not math.isfinite(value):
        raise _fail(f"{path}.value", value, "a finite number")
    given_unit = spec.get("unit")
    if given_unit is None:
        raise MaterialError(f"{path}.unit: missing; expected a unit convertible to {unit}")
    try:
        si_value = to_si(value, given_unit, key, where=f"{path}.unit")
    except UnitError as exc:
        raise MaterialError(str(exc)) from None
    sources, status, reason, note = _provenance(spec, path)
    spread = None
    if "uncertainty" in spec:
        spread = parse_uncertainty(spec["uncertainty"], f"{path}.uncertainty",
                                   to_si(1.0, given_unit, key), si_value)
    return Quantity(si_value, unit, sources, status, reason, note, spread)


def parse_uncertainty(spec: Any, path: str, factor_to_si: float,
                      value: float | None) -> Uncertainty:
    """An ``uncertainty = { std | range | factor, source | reason }`` table, its numbers in the
    unit of its quantity (``factor_to_si`` converts them). A range must hold ``value``.

    Raises:
        MaterialError: naming the field, the value and what was expected.
    """
    if not isinstance(spec, Mapping):
        raise _fail(path, spec, "a table { std = ..., reason = ... }, { range = [low, high], "
                    "... } or { factor = ..., ... }")
    _known_fields(spec, _UNCERTAINTY_KEYS, path, "an uncertainty")
    kinds = [k for k in ("std", "range", "factor") if k in spec]
    if len(kinds) != 1:
        raise _fail(path, spec, "exactly one of std, range, factor")
    raw = spec.get("source", ())
    sources = (raw,) if isinstance(raw, str) else tuple(raw)
    for key in sources:
        if key not in _bib_entries():
            raise _fail(f"{path}.source", key, f"a key of {BIB_FILE.name}")
    reason = spec.get("reason", "")
    if not isinstance(reason, str) or not (reason.strip() or sources):
        raise _fail(f"{path}.reason", reason, "a source or a non-empty reason for the spread")
    kind = kinds[0]
    given = spec[kind]
    if kind == "std":
        if not (_is_number(given) and given > 0 and math.isfinite(given)):
            raise _fail(f"{path}.std", given, "a finite number > 0")
        return Uncertainty("normal", std=given * factor_to_si, sources=sources,
                           reason=reason.strip())
    if kind == "factor":
        if not (_is_number(given) and given > 1 and math.isfinite(given)):
            raise _fail(f"{path}.factor", given, "a finite number > 1 (value x/÷ factor)")
        if value is not None and not value > 0:
            raise _fail(f"{path}.factor", given, "a positive value for a lognormal spread")
        return Uncertainty("lognormal", factor=float(given), sources=sources,
                           reason=reason.strip())
    if (not isinstance(given, (list, tuple)) or len(given) != 2
            or not all(_is_number(v) and math.isfinite(v) for v in given)
            or not given[0] < given[1]):
        raise _fail(f"{path}.range", given, "[low, high] with low < high")
    low, high = (v * factor_to_si for v in given)
    if value is not None and not low <= value <= high:
        raise _fail(f"{path}.range", list(given), f"a range that holds the value {value:g}")
    return Uncertainty("uniform", low=low, high=high, sources=sources, reason=reason.strip())
