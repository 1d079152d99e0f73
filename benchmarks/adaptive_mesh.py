"""Adaptive-mesh benchmark: error control against fixed meshes at equal error.

Each problem has an exact solution, so every run is scored by its true error, max |phi_h - phi|
(V) at its vertices. The adaptive run is the default (``mesh.error_control = "adapt"``,
tolerance 1e-4 V: a solve, its estimate on the bisected mesh, and any refinements). The fixed
runs solve once (``mesh.error_control = "off"``) on the same start mesh refined uniformly,
``mesh.refine = 0, 1, ...``, until their error is at most the adaptive run's: the ratios of
cells and wall time are taken at that first fixed mesh (equal error). Wall times are the whole
``solve_case`` (meshing, assembly, Newton, post-processing, the estimate), after a JIT warm-up,
all in the same process.

Problems:
  - lattice-gas Gouy–Chapman at 1 V (the automatic mesh is refined once at the edge of the
    condensed layer);
  - Boltzmann Gouy–Chapman at 1 V from cells of 1e-13 m (a user's mesh 1e5 times too coarse
    at the wall: the error control refines it there);
  - a heterojunction of a 150 nm and a 1 mm layer (back-to-back Gouy–Chapman), against the
    former automatic mesh, whose largest cell was a twentieth of the thinnest layer
    (``mesh.max_cell_m = 7.5e-9``), solved once;
  - the cost of error control on bundled 1D cases: the default against
    ``mesh.error_control = "off"`` (the best of three runs each);
  - with ``--bundled``: ``cases/heterojunction.toml`` with a 1 mm Li3PS4 layer against its
    former automatic mesh (``mesh.max_cell_m = 1.5e-9``, 666,862 cells; about two minutes).
    No exact solution: the error column is the estimate of the adaptive run only.

Usage:
    .venv/bin/python benchmarks/adaptive_mesh.py [--max-refine 8] [--bundled]
        [--out benchmarks/results]
"""

import argparse
import copy
import json
import logging
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from pnp_ssb import analytic
from pnp_ssb.io.output import write_text_atomic
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.steady import solve_case

T, EPS, C, N = 300.0, 20.0, 1e25, 1e28
ROOT = Path(__file__).resolve().parents[1]

BINARY = {
    name: {"charge": z, "li_stoichiometry": z, "statistics": "boltzmann", "mobility_exponent": 0,
           "site_density_m3": N, "bulk_concentration_m3": C, "diffusivity_m2_s": 1e-13}
    for name, z in (("cation", 1), ("anion", -1))}


@dataclass(frozen=True)
class Run:
    """One solve of one problem."""

    problem: str
    mesh: str
    cells: int
    error_V: float | None  # None: no exact solution
    estimate_V: float | None
    adaptations: int
    wall_time_s: float


def material(statistics: str, eps_r: float = EPS, c: float = C, u: float = 0.0) -> dict:
    species = copy.deepcopy(BINARY)
    for sp in species.values():
        sp.update(statistics=statistics, bulk_concentration_m3=c)
    return {"kind": "solid_electrolyte", "description": "benchmark electrolyte",
            "parameters": {"relative_permittivity": eps_r, "neutrality_potential_vs_li_V": u},
            "species": species}


def gouy_chapman(v: float, statistics: str, mesh: dict) -> dict:
    return {"name": "gc", "temperature_K": T, "study": {"type": "equilibrium"},
            "regions": [{"name": "se", "material": "m", "thickness_m": 200e-9}],
            "materials": {"m": material(statistics)},
            "boundaries": {"left": {"type": "blocking", "potential_vs_bulk_V": v},
                           "right": {"type": "reservoir"}},
            "mesh": mesh, "output": {"figures": False, "fields": "none"}}


def heterojunction(mesh: dict) -> dict:
    return {"name": "hetero", "temperature_K": T, "study": {"type": "equilibrium"},
            "regions": [{"name": "a", "material": "ma", "thickness_m": 150e-9},
                        {"name": "b", "material": "mb", "thickness_m": 1e-3}],
            "materials": {"ma": material("boltzmann"),
                          "mb": material("boltzmann", 40.0, 4e24, 0.2)},
            "boundaries": {"left": {"type": "reservoir"}, "right": {"type": "reservoir"}},
            "mesh": mesh, "output": {"figures": False, "fields": "none"}}


def gc_error(v: float, statistics: str):
    def error(sol) -> float:
        seg = sol.profile.segments[0]
        exact = analytic.symmetric_layer_potential_V(seg.x_m, v, C, EPS, T, statistics, N)
        return float(np.max(np.abs(seg.psi * sol.profile.thermal_voltage_V - exact)))
    return error


def hetero_error(sol) -> float:
    ref = analytic.heterojunction_gouy_chapman(0.0, C, EPS, 0.2, 4e24, 40.0, T)
    worst = 0.0
    for name in ("a", "b"):
        seg = sol.profile.segment(name)
        exact = ref.potential_V(seg.x_m - 150e-9)
        worst = max(worst, float(np.max(np.abs(seg.psi * sol.profile.thermal_voltage_V - exact))))
    return worst


def timed(problem: str, label: str, data: dict | Path, error, overrides=()) -> Run:
    case = load_case(data, overrides)
    start = time.perf_counter()
    sol = solve_case(case)
    wall = time.perf_counter() - start
    control = sol.error_control
    return Run(problem, label, sol.domain.num_cells_global(), error(sol) if error else None,
               control["estimate_V"], control["adaptations"], wall)


def compare(problem: str, build, error, start_mesh: dict, max_refine: int,
            fixed_meshes: list[tuple[str, dict]] | None = None) -> list[Run]:
    """The adaptive run and the fixed meshes: refine 0, 1, ... of the start mesh until the
    error is the adaptive run's, or the given fixed meshes."""
    adaptive = timed(problem, "adaptive (default)", build(start_mesh), error)
    runs = [adaptive]
    meshes = fixed_meshes or [(f"fixed, refine = {k}", {**start_mesh, "refine": k})
                              for k in range(max_refine + 1)]
    for label, mesh in meshes:
        runs.append(timed(problem, label, build({**mesh, "error_control": "off"}), error))
        if runs[-1].error_V <= adaptive.error_V:
            break
    return runs


def table(runs: list[Run]) -> str:
    lines = ["| problem | mesh | cells | true error (V) | estimate (V) | adaptations | wall (s) "
             "| cells / adaptive | wall / adaptive |", "|---|---|---|---|---|---|---|---|---|"]
    adaptive = {}
    for r in runs:
        if r.mesh.startswith("adaptive"):
            adaptive[r.problem] = r
        a = adaptive[r.problem]
        est = "-" if r.estimate_V is None else f"{r.estimate_V:.3g}"
        err = "-" if r.error_V is None else f"{r.error_V:.3g}"
        lines.append(f"| {r.problem} | {r.mesh} | {r.cells} | {err} | {est} "
                     f"| {r.adaptations} | {r.wall_time_s:.3g} | {r.cells / a.cells:.3g} "
                     f"| {r.wall_time_s / a.wall_time_s:.3g} |")
    return "\n".join(lines)


OVERHEAD_CASES = ("gouy_chapman", "stern_layer", "heterojunction", "li_llzo_li",
                  "li_llzo_li_bias", "lco_lipon", "li_lipon_lco")


def overhead(repeats: int = 3) -> str:
    """Wall time of each bundled case with error control (default) over without."""
    lines = ["| case | cells off | cells adapt | adaptations | estimate (V) | wall off (s) "
             "| wall adapt (s) | adapt / off |", "|---|---|---|---|---|---|---|---|"]
    for name in OVERHEAD_CASES:
        path = ROOT / "cases" / f"{name}.toml"
        best = {}
        for mode in ("off", "adapt"):
            runs = [timed(name, mode, path, None, [f"mesh.error_control = '{mode}'"])
                    for _ in range(repeats)]
            best[mode] = min(runs, key=lambda r: r.wall_time_s)
        off, on = best["off"], best["adapt"]
        lines.append(f"| {name} | {off.cells} | {on.cells} | {on.adaptations} "
                     f"| {on.estimate_V:.2g} | {off.wall_time_s:.3g} | {on.wall_time_s:.3g} "
                     f"| {on.wall_time_s / off.wall_time_s:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-refine", type=int, default=8)
    parser.add_argument("--bundled", action="store_true",
                        help="also cases/heterojunction.toml with a 1 mm layer (slow)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    lg, bz = gc_error(1.0, "lattice_gas"), gc_error(1.0, "boltzmann")
    for data in (gouy_chapman(1.0, "lattice_gas", {}), heterojunction({})):  # JIT warm-up
        solve_case(load_case(data))
    runs = compare("lattice gas, 1 V", lambda m: gouy_chapman(1.0, "lattice_gas", m), lg, {},
                   args.max_refine)
    runs += compare("Boltzmann, 1 V, from 1e-13 m", lambda m: gouy_chapman(1.0, "boltzmann", m),
                    bz, {"min_cell_m": 1e-13}, args.max_refine)
    runs += compare("150 nm / 1 mm heterojunction", heterojunction, hetero_error, {},
                    args.max_refine, [("former automatic (max_cell_m = 7.5e-9)",
                                       {"max_cell_m": 7.5e-9})])
    if args.bundled:
        path, thick = ROOT / "cases" / "heterojunction.toml", "regions.1.thickness_m = 1e-3"
        name = "heterojunction.toml, 1 mm Li3PS4"
        runs.append(timed(name, "adaptive (default)", path, None, [thick]))
        runs.append(timed(name, "former automatic (max_cell_m = 1.5e-9)", path, None,
                          [thick, "mesh.max_cell_m = 1.5e-9", "mesh.error_control = 'off'"]))
    cost = overhead()
    header = (f"Adaptive mesh against fixed meshes; {platform.machine()}, Python "
              f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    report = table(runs) + "\n\nCost of error control on bundled cases:\n\n" + cost
    args.out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.out / "adaptive_mesh.md", f"{header}\n\n{report}\n")
    write_text_atomic(args.out / "adaptive_mesh.json",
                      json.dumps([asdict(r) for r in runs], indent=2))
    print(header, report, sep="\n\n")


if __name__ == "__main__":
    main()
