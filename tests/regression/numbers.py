"""Every number a run writes (summary.json files and result tables), for comparing two runs:
two solvers (test_two_solvers.py) or a run and its stored reference (test_cases.py)."""

import csv
import json
from pathlib import Path

# bookkeeping that legitimately differs between solvers (paths, counts, timings)
SKIP = {"wall_time_s", "newton_iterations", "continuation_steps", "continuation_attempts",
        "residual_history", "linear_iterations", "krylov_iterations", "linear_solver",
        "seconds_per_frequency",
        "largest_at_m"}  # where the error estimate peaks: a tie between two equal layers
SKIP_COLUMNS = {"newton_iterations", "wall_time_s"}


def numbers(tree, path=""):
    """(path, value) of every number in a JSON tree, bookkeeping left out."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key not in SKIP:
                yield from numbers(value, f"{path}.{key}")
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from numbers(value, f"{path}[{i}]")
    elif isinstance(tree, int | float) and not isinstance(tree, bool):
        yield path, float(tree)


def csv_numbers(path: Path):
    with open(path, encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f)):
            for key, value in row.items():
                if key not in SKIP_COLUMNS:
                    try:
                        yield f"{path.name}[{i}].{key}", float(value)
                    except ValueError:
                        pass


def outputs(folder: Path) -> dict[str, float]:
    """Every number of every summary.json and result table under a run folder."""
    out = {}
    for summary in sorted(folder.rglob("summary.json")):
        rel = summary.relative_to(folder).parent.as_posix()
        out.update({f"{rel}{k}": v for k, v in numbers(json.loads(summary.read_text()))})
    for name in ("sweep.csv", "impedance.csv", "timeseries.csv"):
        for table in sorted(folder.rglob(name)):
            rel = table.relative_to(folder).parent.as_posix()
            out.update({f"{rel}/{k}": v for k, v in csv_numbers(table)})
    return out


def kind(key: str) -> str:
    """The quantity a number is: its name, except that every charge per area (electrode,
    space and balance charges) is one kind: a region's net charge is a sum of +- layer charges
    and is zero up to their round-off."""
    name = key.rsplit(".", 1)[-1]
    return "C_m2" if name.endswith("_C_m2") else name


def scales(values: dict[str, float]) -> dict[str, float]:
    """Per kind, the largest magnitude: the round-off of a value near 0 is judged against the
    size of its kind in the run."""
    out: dict[str, float] = {}
    for key, value in values.items():
        out[kind(key)] = max(out.get(kind(key), 0.0), abs(value))
    return out
