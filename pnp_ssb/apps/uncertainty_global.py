"""`pnp-ssb uncertainty CASE --global`: Sobol indices of the space-charge drops over a case's
uncertain inputs (issue 16, the global route for nonlinear responses).

SALib draws N (k + 2) Saltelli samples of the k uncertain inputs of the regions' materials, each
from its own distribution (uniform, normal or lognormal; a table's shift). The forward runs are
the points of a sweep (pnp_ssb.apps.batch: MPI sub-communicators, resumable, OUT/samples/), each
with the sampled values as region overrides. SALib then gives, for every drop summary.json
reports, each input's first-order index S1 and total index ST with their 95 % confidence.
Written on rank 0: sobol.json and sobol.png (ST per input and drop).

Left out, with the reason in sobol.json: the Li work function (the zero of the model's energy
scale: overriding the Li region's copy would move Li metal against its own reference) and the
inputs of a defect chemistry (its derived values cannot be overridden).
"""

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pnp_ssb.input.fields import CaseError
from pnp_ssb.input.tomlio import toml_value
from pnp_ssb.input.usage import unused_inputs
from pnp_ssb.materials.format import uncertain_inputs

log = logging.getLogger(__name__)
REFERENCE = ("Li", "work_function_eV")
UNMOVED_V = 1e-9  # Newton stops at 1e-9 kT (2.6e-11 V): smaller spreads are round-off


@dataclass(frozen=True)
class GlobalInput:
    """An uncertain input the global route samples: its region (index, name), its override
    path, SALib's distribution name and parameters, and the table it shifts (if any)."""

    region_index: int
    region: str
    path: str
    dist: str
    bounds: tuple[float, float]
    table: Any = None

    @property
    def name(self) -> str:
        return f"{self.region}.{self.path}"


def global_inputs(case) -> tuple[list[GlobalInput], list[dict[str, str]]]:
    """The inputs to sample, and those left out with the reason."""
    chosen, left_out = [], []
    for i, region in enumerate(case.regions):
        material = case.region_materials[region.name]
        unused = unused_inputs(case, region.name)
        for path, q in uncertain_inputs(material):
            spread = q.uncertainty
            assert spread is not None  # uncertain_inputs keeps only these
            where = f"{region.name}: {material.name}.{path}"
            if path in unused:
                left_out.append({"input": where, "reason": "not used by the region's model "
                                 "(collector_lithiation off, or an ideal-conductor electrode)"})
                continue
            if (material.name, path) == REFERENCE:
                left_out.append({"input": where, "reason": "the zero of the energy scale"})
                continue
            if path.startswith("defect_chemistry"):
                left_out.append({"input": where, "reason": "a defect-chemistry input"})
                continue
            table = q if path.startswith("tables.") else None
            value = 0.0 if table is not None else float(q.value)  # type: ignore[arg-type]
            if spread.distribution == "uniform":
                lo, hi = spread.low, spread.high
                assert lo is not None and hi is not None
                bounds = (lo - value, hi - value) if table is not None else (lo, hi)
                chosen.append(GlobalInput(i, region.name, path, "unif", bounds, table))
            elif spread.distribution == "normal":
                assert spread.std is not None
                chosen.append(GlobalInput(i, region.name, path, "norm", (value, spread.std),
                                          table))
            else:
                assert spread.factor is not None
                chosen.append(GlobalInput(i, region.name, path, "lognorm",
                                          (math.log(value), math.log(spread.factor)), table))
    return chosen, left_out


def _override(inp: GlobalInput, value: float) -> Any:
    """One sampled value as the region override of its path (a number, or the shifted table)."""
    if inp.table is None:
        return value
    return {"theta": list(inp.table.theta), "value": [v + value for v in inp.table.value],
            "unit": inp.table.unit}


def sample_points(case_path: Path, overrides: tuple[str, ...], case, inputs: list[GlobalInput],
                  samples: np.ndarray) -> list:
    """One sweep point per sample: the case's own region overrides plus the sampled values."""
    from pnp_ssb.apps.batch import SweepPoint

    points = []
    for n, row in enumerate(samples):
        by_region: dict[int, dict[str, Any]] = {}
        for inp, value in zip(inputs, row, strict=True):
            merged = by_region.setdefault(inp.region_index,
                                          dict(case.regions[inp.region_index].overrides))
            merged[inp.path] = _override(inp, float(value))  # replaces the case's own entry
        extra = [f"regions.{i}.overrides={toml_value(d)}" for i, d in by_region.items()]
        points.append(SweepPoint(case_path, (*overrides, *extra), f"sample_{n:05d}"))
    return points


def run_global(case_file: str, output: Path, overrides: tuple[str, ...] = (),
               samples: int = 32, ranks_per_point: int = 1, seed: int = 1,
               comm=None) -> dict[str, Any]:
    """Sample, run the sweep, analyse; write sobol.json and sobol.png (collective on ``comm``,
    COMM_WORLD by default)."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    from pnp_ssb.apps.batch import run_sweep
    from pnp_ssb.io.output import write_json
    from pnp_ssb.io.plots_uncertainty import plot_sobol
    from pnp_ssb.log import world_rank
    from pnp_ssb.preflight import load_case

    if samples < 2 or samples & (samples - 1):
        raise CaseError(f"--samples = {samples}: expected a power of 2 >= 2 (Sobol sequences)")
    case = load_case(case_file, overrides)
    inputs, left_out = global_inputs(case)
    if not inputs:
        raise CaseError(f"{case_file}: no uncertain input the global route can sample "
                        f"({len(left_out)} left out)")
    names = [i.name for i in inputs]
    problem: dict[str, Any] = {"num_vars": len(inputs), "names": names,
               "bounds": [list(i.bounds) for i in inputs], "dists": [i.dist for i in inputs]}
    x = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    points = sample_points(Path(case_file), overrides, case, inputs, x)
    rows = run_sweep(points, output / "samples", ranks_per_point, comm)
    failed = [r["point"] for r in rows if not r.get("converged")]
    if failed:
        raise CaseError(f"{len(failed)} of {len(rows)} samples did not converge ({failed[0]}, "
                        "...); Sobol indices need every sample")
    keys = [k for k in rows[0] if k.endswith("drop_V") and all(k in r for r in rows)]
    indices = {}
    for key in keys:
        y = np.array([float(r[key]) for r in rows])
        if np.ptp(y) < UNMOVED_V:
            continue  # a drop no input moves beyond Newton's tolerance: its indices are noise
        s = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        indices[key] = {name: {"S1": float(s["S1"][j]), "S1_conf": float(s["S1_conf"][j]),
                               "ST": float(s["ST"][j]), "ST_conf": float(s["ST_conf"][j])}
                        for j, name in enumerate(names)}
    record = {"case": case.name, "method": "Sobol indices (SALib, Saltelli sampling)",
              "samples": int(x.shape[0]), "base_samples": samples, "seed": seed,
              "inputs": [{"input": i.name, "distribution": i.dist, "parameters": list(i.bounds)}
                         for i in inputs], "indices": indices, "not_sampled": left_out}
    if (comm.rank if comm is not None else world_rank()) == 0:
        write_json(output / "sobol.json", record)
        plot_sobol(output / "sobol.png", case.name, indices)
    return record


__all__ = ["GlobalInput", "global_inputs", "run_global", "sample_points"]
