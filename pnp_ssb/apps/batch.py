"""`pnp-ssb sweep`: many independent runs (cases x parameter values) over MPI sub-communicators.

The points are the product of the case files and every ``--param KEY=V1,V2,...`` (a case
entry, as in ``--set``). The ranks of COMM_WORLD are split into groups of
``ranks_per_point``; group g runs the points k with k mod (number of groups) = g, each into
OUT/<case>/<point>/ with `pnp-ssb run`'s outputs. A point is done when its summary.json
(written last, atomically) or failure.json exists, so an interrupted sweep rerun with the same
arguments skips what is done and loses nothing; the table OUT/sweep.csv is rebuilt from those
files in a fixed order, so it does not depend on the order, the grouping or the interruptions.
"""

import itertools
import json
import logging
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.input.case import Case, CaseError
from pnp_ssb.io.output import write_csv_rows, write_json
from pnp_ssb.log import ProgressBar
from pnp_ssb.preflight import load_case
from pnp_ssb.solvers.newton import SolverError
from pnp_ssb.studies.registry import run_case

log = logging.getLogger(__name__)

# Run-to-run quantities are left out of the table so that it is reproducible.
VOLATILE_KEYS = ("wall_time_s", "versions", "residual_history", "warnings", "num_ranks")


@dataclass(frozen=True)
class SweepPoint:
    """One run: a case file with overrides, and its output folder name."""

    case_path: Path
    overrides: tuple[str, ...]
    folder: str


def parse_param(text: str) -> tuple[str, list[str]]:
    """'KEY=V1,V2' -> (KEY, ['V1', 'V2']); each value must parse as TOML or a bare string."""
    if "=" not in text:
        raise CaseError(f"--param {text!r}: expected KEY=VALUE1,VALUE2,...")
    key, values = (s.strip() for s in text.split("=", 1))
    items = _split_values(values)
    if not key or not items:
        raise CaseError(f"--param {text!r}: expected KEY=VALUE1,VALUE2,... with at least one "
                        "value")
    return key, items


def _split_values(values: str) -> list[str]:
    """Split on commas outside brackets and quotes (a value may be a TOML array)."""
    out, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(values):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(values[start:i].strip())
            start = i + 1
    out.append(values[start:].strip())
    return [v for v in out if v]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", text).strip("_") or "x"


def sweep_points(cases: Sequence[str | Path], params: Sequence[str]) -> list[SweepPoint]:
    """Every point of the sweep, validated before any run (CaseError names the bad one)."""
    if not cases:
        raise CaseError("sweep: no case files given")
    grid = [parse_param(p) for p in params]
    keys = [k for k, _ in grid]
    if len(set(keys)) != len(keys):
        raise CaseError(f"--param: a key is given twice ({', '.join(keys)})")
    points = []
    for path in cases:
        path = Path(path)
        for values in itertools.product(*(v for _, v in grid)):
            overrides = tuple(f"{k}={v}" for k, v in zip(keys, values, strict=True))
            try:
                case = load_case(path, overrides)
            except CaseError as exc:
                raise CaseError(f"sweep point {path.name} {' '.join(overrides)}: {exc}") from None
            label = "__".join(f"{_slug(k)}={_slug(v)}" for k, v in zip(keys, values, strict=True))
            points.append(SweepPoint(path, overrides, f"{case.name}/{label or 'base'}"))
    folders = [p.folder for p in points]
    if len(set(folders)) != len(folders):
        raise CaseError("sweep: two points share an output folder (two case files with the same "
                        "name?)")
    return points


def _done(folder: Path) -> bool:
    return (folder / "summary.json").is_file() or (folder / "failure.json").is_file()


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Numeric, boolean and string leaves of a summary with dotted keys (lists by index)."""
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            if k in VOLATILE_KEYS:
                continue
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.update(flatten(v, f"{prefix}{i}."))
    elif isinstance(data, bool | int | float | str) or data is None:
        out[prefix[:-1]] = data
    return out


def run_sweep(points: Sequence[SweepPoint], outdir: str | Path, ranks_per_point: int = 1,
              comm=None) -> list[dict[str, Any]]:
    """Run every point not yet done and write OUT/sweep.csv (collective on ``comm``)."""
    comm = comm or MPI.COMM_WORLD
    outdir = Path(outdir)
    if ranks_per_point < 1 or comm.size % ranks_per_point:
        raise CaseError(f"--ranks-per-point = {ranks_per_point}: expected a divisor of the "
                        f"number of ranks ({comm.size})")
    groups = comm.size // ranks_per_point
    color = comm.rank // ranks_per_point
    todo = [k for k, p in enumerate(points) if not _done(outdir / p.folder)]
    todo = comm.bcast(todo if comm.rank == 0 else None, root=0)
    sub = comm.Split(color=color, key=comm.rank)
    mine = [k for k in todo if k % groups == color]
    bar = ProgressBar("sweep: points", len(mine))
    for n, k in enumerate(mine):
        point = points[k]
        bar.update(n, point.folder)
        folder = outdir / point.folder
        case: Case = load_case(point.case_path, point.overrides)
        try:
            run_case(case, folder, sub)
        except SolverError as exc:  # the run wrote its last good state; the sweep goes on
            if sub.rank == 0:
                write_json(folder / "failure.json", {"case": case.name, "error": str(exc)})
            log.warning("sweep point %s failed: %s", point.folder, exc)
    bar.close()
    comm.barrier()
    rows = []
    for point in points:
        folder = outdir / point.folder
        row: dict[str, Any] = {"case": point.case_path.name, "point": point.folder}
        row.update({o.split("=", 1)[0]: _value(o.split("=", 1)[1]) for o in point.overrides})
        if (folder / "summary.json").is_file():
            row.update(flatten(json.loads((folder / "summary.json").read_text(encoding="utf-8"))))
        else:
            row["converged"] = False
        rows.append(row)
    if comm.rank == 0:
        columns = list(dict.fromkeys(k for r in rows for k in r))
        write_csv_rows(outdir / "sweep.csv", [{c: r.get(c, "") for c in columns} for r in rows])
        log.info("sweep: %d points (%d run now) in %s", len(points), len(todo), outdir)
    comm.barrier()
    return rows


def _value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
