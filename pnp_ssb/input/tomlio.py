"""Read TOML (stdlib tomllib) and write the small subset the resolved case needs.

Writing covers tables, arrays of tables, strings, booleans, numbers and flat arrays: the
shapes of a pnp_ssb case. The stdlib has no writer, and this is all we emit.
"""

import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file."""
    with open(path, "rb") as fh:
        return tomllib.load(fh)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")  # TOML bare keys: ASCII letters, digits, _ and -


def _quote(text: str) -> str:
    """A TOML basic string: backslash, quote and control characters escaped, the rest (any
    Unicode, astral characters included) written as it is."""
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch < " " or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else _quote(name)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if math.isnan(value):
            return "nan"
        return repr(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_scalar(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(
        isinstance(v, Mapping) for v in value)


def dumps_toml(data: Mapping[str, Any], _prefix: str = "") -> str:
    """Serialise nested mappings to TOML text (None values are left out)."""
    lines: list[str] = []
    nested: list[tuple[str, Any]] = []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, Mapping) or _is_table_array(value):
            nested.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_scalar(value)}")
    out = "\n".join(lines) + ("\n" if lines else "")
    for key, value in nested:
        name = f"{_prefix}{_key(key)}"
        if isinstance(value, Mapping):
            out += f"\n[{name}]\n" + dumps_toml(value, name + ".")
        else:
            for item in value:
                out += f"\n[[{name}]]\n" + dumps_toml(item, name + ".")
    return out


def toml_value(value: Any) -> str:
    """A value as TOML writes it inline (numbers, strings, lists, inline tables), e.g. the
    right-hand side of a ``--set key=value`` override."""
    return _scalar(value)
