"""Every number a run writes (summary.json files and result tables), for comparing two runs:
two solvers (test_two_solvers.py) or a run and its stored reference (test_cases.py)."""

import csv
import json
from pathlib import Path

from pnp_ssb.studies.transient import current_control_tolerance_A_m2

# bookkeeping that legitimately differs between solvers (paths, counts, timings)
SKIP = {"wall_time_s", "newton_iterations", "continuation_steps", "continuation_attempts",
        "residual_history", "linear_iterations", "krylov_iterations", "linear_solver",
        "seconds_per_frequency", "theta_updates",
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


# a value's accuracy is a fraction of the size of its physical quantity in the run, not of itself:
# an interface drop near 0 V carries the round-off of the potentials (volts) it is a difference of
UNITS = ("_V", "_A_m2", "_C_m2", "_ohm_cm2", "_ohm_m2", "_mol_m2")


def kind(key: str) -> str:
    """The quantity a number is judged with: its unit suffix (every voltage, current density,
    charge per area, area-specific resistance, amount per area is one kind), else its name. The
    unit may sit before a last part that names a species (``channel_current_A_m2.Li_plus``)."""
    parts = key.split(".")
    for name in reversed(parts[-2:]):
        unit = next((u for u in UNITS if name.endswith(u)), None)
        if unit is not None:
            return unit
    return parts[-1]


def scales(values: dict[str, float]) -> dict[str, float]:
    """Per kind, the largest magnitude: the round-off of a value near 0 is judged against the
    size of its kind in the run. A relative quantity (``relative_*``) has size 1: its absolute
    accuracy is the relative accuracy of what it compares."""
    out: dict[str, float] = {}
    for key, value in values.items():
        out[kind(key)] = max(out.get(kind(key), 0.0), abs(value))
    return {k: 1.0 if k.startswith("relative_") else v for k, v in out.items()}


def control_tolerance(values: dict[str, float], key: str, rtol: float) -> float:
    """How closely a run itself fixes a number that a solver's stopping rule, not round-off,
    decides. Under current control a step's terminal current is met to the controller's
    tolerance (transient.current_control_tolerance_A_m2: the round-off of d(sigma)/dt, above
    1e-4 of I at dt ~ 1e-9 s), bounded here with the largest contact charge of its row.
    An impedance's relative error estimate |Z_h - Z_h/2| / |Z| is known to each Z's rtol."""
    if key.endswith(".relative_error_estimate"):
        return rtol
    if not key.endswith(".terminal_current_A_m2") or "timeseries.csv" not in key:
        return 0.0
    dt = values[key.replace(".terminal_current_A_m2", ".dt_s")]
    if dt <= 0:  # the t = 0 row: no current yet
        return 0.0
    row = key.rsplit(".", 1)[0]
    sigma = max((abs(v) for k, v in values.items() if k.startswith(row + ".charge_")),
                default=0.0)
    return current_control_tolerance_A_m2(values[key], sigma, dt)
