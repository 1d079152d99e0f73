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
_QUANTITY_KEYS = ("value", "unit", "source", "status", "reason", "note")


class MaterialError(ValueError):
    """A material that cannot be used; the message names the material, the field path, the
    value and what was expected."""


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
    """

    value: float
    unit: str
    sources: tuple[str, ...]
    status: Status
    reason: str = ""
    note: str = ""


def _fail(path: str, value: Any, expected: str) -> MaterialError:
    shown = "{...}" if isinstance(value, Mapping) else repr(value)
    return MaterialError(f"{path} = {shown}: expected {expected}")


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
    extra = [k for k in spec if k not in _QUANTITY_KEYS]
    if extra:
        raise _fail(f"{path}.{extra[0]}", spec[extra[0]],
                    "no such field; a quantity has " + ", ".join(_QUANTITY_KEYS))
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
    return Quantity(si_value, unit, sources, status, reason, note)
