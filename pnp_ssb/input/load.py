"""Loading a case: TOML or a dict, ``--set`` overrides, and one clear error line per field
(pydantic's messages rewritten to name ``section.field``, the value and what was expected)."""

import copy
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from pnp_ssb.input.case import Case
from pnp_ssb.input.fields import CaseError, field_error
from pnp_ssb.input.study import STUDY_TYPES, misplaced_field_message
from pnp_ssb.input.tomlio import read_toml
from pnp_ssb.input.validate import validate_semantics


def _path(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(case)"


# the branch labels pydantic puts in an error's location inside a union (not field names)
_UNION_TAG = re.compile(r"(literal|function-\w+|(list|tuple|dict|set)|[a-z]+)\[.*\]"
                        r"|constrained-\w+|float|int|str|bool|none")


def _error_line(path: str, errors: list[ErrorDetails], study_type: str) -> str:
    """One line for one field: the errors of a union's branches (a number or 'auto') merge."""
    main = next((e for e in errors if e["type"] != "literal_error"), errors[0])
    value = main.get("input")
    if main["type"] == "missing":
        return f"{path}: missing; this field is required"
    if main["type"] == "union_tag_invalid" and path == "study":
        expected = ", ".join(repr(t) for t in STUDY_TYPES)
        return f"study.type = {main.get('ctx', {}).get('tag')!r}: expected one of {expected}"
    if main["type"] == "extra_forbidden":
        misplaced = (misplaced_field_message(path.removeprefix("study."), study_type)
                     if path.startswith("study.") else None)
        return f"{path} = {value!r}: {misplaced or 'unknown field'}"
    shown = value if not isinstance(value, Mapping) else "{...}"
    line = f"{path} = {shown!r}: " + main["msg"].removeprefix("Value error, ")
    others = [e.get("ctx", {})["expected"] for e in errors if e is not main
              and e["type"] == "literal_error" and "expected" in e.get("ctx", {})]
    return line + (f" (or {' or '.join(others)})" if others else "")


def format_validation_error(err: ValidationError, source: str, what: str = "case") -> CaseError:
    """One line per field, ``path = value: expected ...`` (no pydantic links or branch labels)."""
    by_path: dict[str, list[ErrorDetails]] = {}
    study_type = "equilibrium"
    for e in err.errors(include_url=False):
        loc = [p for p in e["loc"] if not (isinstance(p, str) and _UNION_TAG.fullmatch(p))]
        if len(loc) > 1 and loc[0] == "study" and loc[1] in STUDY_TYPES:  # the study's tag
            study_type = str(loc.pop(1))
        by_path.setdefault(_path(loc), []).append(e)
    lines = [_error_line(path, errors, study_type) for path, errors in by_path.items()]
    head = f"invalid {what} {source}: " if len(lines) == 1 else f"invalid {what} {source}:\n  "
    return CaseError(head + "\n  ".join(lines))


def set_override(data: dict[str, Any], assignment: str) -> None:
    """Apply one ``--set key=value`` to the raw case dictionary, in place.

    ``key`` is a dotted path (list items by index: ``regions.0.thickness_m``); ``value`` is
    parsed as a TOML value (``0.3``, ``"mumps"``, ``true``, ``[1, 2]``), or taken as a string.
    """
    if "=" not in assignment:
        raise CaseError(f"--set {assignment!r}: expected key=value")
    key, text = (s.strip() for s in assignment.split("=", 1))
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        value = text
    parts = [p.strip().strip('"') for p in key.split(".")]  # quoted keys: interfaces."A|B"
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise field_error(f"--set {where}", part, f"an index below {len(node)}")
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            raise field_error(f"--set {where}", node, "a table or an array to index into")


def read_case(source: str | Path | Mapping[str, Any], overrides: Sequence[str] = ()) -> Case:
    """Read, override and validate a case: its schema and the checks that need only the case
    and the materials (:mod:`pnp_ssb.input.validate`). :func:`pnp_ssb.preflight.load_case`
    adds the checks that run the model and the mesh plan dry.

    Args:
        source: a TOML file path, or an already parsed dictionary.
        overrides: ``key=value`` strings applied before validation.

    Raises:
        CaseError: on any mistake, with the field path, the value and the expectation.
    """
    if isinstance(source, Mapping):
        data, label = dict(source), "(dictionary)"
    else:
        path = Path(source)
        label = str(path)
        if not path.is_file():
            raise CaseError(f"case file {label!r} does not exist")
        try:
            data = read_toml(path)
        except tomllib.TOMLDecodeError as exc:
            raise CaseError(f"case file {label} is not valid TOML: {exc}") from None

    data = copy.deepcopy(data)
    for assignment in overrides:
        set_override(data, assignment)
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, label) from None
    validate_semantics(case)
    return case


