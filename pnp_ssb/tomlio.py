"""Read TOML (stdlib tomllib) and write the small subset the resolved case needs.

Writing covers tables, arrays of tables, strings, booleans, numbers and flat arrays: the
shapes of a pnp_ssb case. The stdlib has no writer, and this is all we emit.
"""

import json
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file."""
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _key(name: str) -> str:
    bare = name.replace("_", "").replace("-", "").isalnum()
    return name if bare else json.dumps(name)


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
        return json.dumps(value)
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
