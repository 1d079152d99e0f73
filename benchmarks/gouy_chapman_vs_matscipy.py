"""Gouy–Chapman benchmark: pnp_ssb against matscipy's 1D Poisson–Nernst–Planck solver.

Both codes solve the bundled case ``cases/gouy_chapman.toml`` (a 1:1 Boltzmann electrolyte,
eps_r = 20, T = 300 K, 1e25 m^-3 of each ion, 200 nm, +0.1 V at a blocking wall, bulk at the far
end) at several mesh sizes, in the same process, and are scored against the exact profile
``pnp_ssb.analytic.gouy_chapman_potential_V``: max |phi - phi_exact| (V), iterations (Newton
iterations for pnp_ssb; residual evaluations for matscipy, whose solvers build finite-difference
Jacobians from them) and wall time. The ratios are taken at equal accuracy: for each pnp_ssb
run, the matscipy wall time needed to reach the same error, interpolated log-log between
matscipy runs. Where pnp_ssb is more accurate than every matscipy run, the ratio against
matscipy's most accurate run is a lower bound. pnp_ssb also runs on matscipy's own uniform grids,
which separates the solver's speed from the benefit of graded meshes.

matscipy's own undamped Newton (dense finite-difference Jacobian) is run once and recorded; on
this case it diverges from its linear initial profile (residual 3e-2, 1e1, 4e5, then a singular
Jacobian), so the comparison uses matscipy with scipy's ``hybr`` (MINPACK), which its constructor
offers. matscipy's FEniCS variant needs legacy FEniCS and is not run.

pnp_ssb runs twice per mesh: the default equilibrium study (Poisson–Boltzmann in the
electrochemical potentials) and the full steady-state PNP system (potential plus one unknown per
species, the same unknown count as matscipy). Wall time of pnp_ssb is the whole ``solve_case``
(gmsh meshing, assembly, Newton, post-processing), after a warm-up run that fills the JIT cache.

Usage (needs the ``bench`` extra: ``.venv/bin/pip install -e .[bench]``):

    .venv/bin/python benchmarks/gouy_chapman_vs_matscipy.py [--matscipy-sizes 100 200 300]
        [--refine 0 1 2 3] [--coarse-min-cell-m 1e-9 5e-10] [--potential-V 0.1]
        [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import platform
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from pnp_ssb import analytic
from pnp_ssb.io.output import write_text_atomic
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.steady import solve_case

CASE = Path(__file__).resolve().parents[1] / "cases" / "gouy_chapman.toml"
AVOGADRO = 6.02214076e23


@dataclass(frozen=True)
class Run:
    """One solve: which code, its resolution and how it scored."""

    solver: str
    resolution: str
    unknowns: int
    max_error_V: float
    iterations: int
    wall_time_s: float
    note: str = ""


def gc_parameters(potential_V: float) -> dict[str, float]:
    case = load_case(CASE, [f"boundaries.left.potential_vs_bulk_V={potential_V}"])
    material = case.materials["binary_electrolyte"]
    return {
        "potential_V": potential_V,
        "c_bulk_m3": float(material["species"]["cation"]["bulk_concentration_m3"]),
        "eps_r": float(material["parameters"]["relative_permittivity"]),
        "temperature_K": case.temperature_K,
        "length_m": case.regions[0].thickness_m,
    }


def exact_V(x_m: np.ndarray, p: dict[str, float]) -> np.ndarray:
    return analytic.gouy_chapman_potential_V(x_m, p["potential_V"], p["c_bulk_m3"], p["eps_r"],
                                             p["temperature_K"])


def run_pnp_ssb(study: str, p: dict[str, float], mesh: dict[str, float | int], label: str) -> Run:
    """Solve the bundled case with ``mesh.<key> = value`` overrides; time the whole solve_case."""
    overrides = [f"study.type={study}", f"boundaries.left.potential_vs_bulk_V={p['potential_V']}",
                 "output.fields=none", *(f"mesh.{k}={v}" for k, v in mesh.items())]
    case = load_case(CASE, overrides)
    start = time.perf_counter()
    sol = solve_case(case)
    wall = time.perf_counter() - start
    if not sol.converged:
        raise RuntimeError(f"pnp_ssb did not converge: study={study}, mesh={mesh}")
    seg = sol.profile.segments[0]
    error = float(np.max(np.abs(seg.psi * sol.profile.thermal_voltage_V - exact_V(seg.x_m, p))))
    return Run(f"pnp_ssb/{study}", f"{len(seg.x_m) - 1} cells ({label})", sol.num_dofs, error,
               sol.report.newton_iterations, wall)


def pnp_ssb_meshes(args: argparse.Namespace, length_m: float) -> list[tuple[dict, str]]:
    """The meshes pnp_ssb runs on: matscipy's uniform grids, coarse graded ones, the default refined."""
    uniform = [({"min_cell_m": length_m / n, "max_cell_m": length_m / n}, "uniform, as matscipy")
               for n in args.matscipy_sizes]
    coarse = [({"min_cell_m": h}, f"graded from {h:g} m") for h in args.coarse_min_cell_m]
    default = [({"refine": k}, f"default graded, refine={k}") for k in args.refine]
    return uniform + coarse + default


def run_matscipy(segments: int, p: dict[str, float], method: str | None) -> Run:
    """matscipy's controlled-volume PNP on a uniform grid; ``method=None`` is its own Newton."""
    from matscipy.electrochemistry.poisson_nernst_planck_solver import PoissonNernstPlanckSystem

    c_mol_m3 = p["c_bulk_m3"] / AVOGADRO
    options = {} if method is None else {"solver": method}
    start = time.perf_counter()
    pnp = PoissonNernstPlanckSystem(
        c=np.array([c_mol_m3, c_mol_m3]), z=np.array([1, -1]), L=p["length_m"],
        T=p["temperature_K"], delta_u=p["potential_V"], relative_permittivity=p["eps_r"], N=segments,
        e=1e-10, maxit=40, **options)
    pnp.use_standard_interface_bc()  # wall: potential + zero flux; far end: bulk (Dirichlet)
    residual = pnp.G
    evaluations = [0]

    def counted(x: np.ndarray) -> np.ndarray:
        evaluations[0] += 1
        return residual(x)

    pnp.G = counted  # count residual evaluations: scipy's hybr does not report iterations
    name = f"matscipy/{method or 'newton'}"
    resolution = f"{segments} segments (uniform)"
    try:
        pnp.solve()
    except np.linalg.LinAlgError as err:
        return Run(name, resolution, 3 * (segments + 1), math.nan, evaluations[0],
                   time.perf_counter() - start, f"failed: {err}")
    wall = time.perf_counter() - start
    final_residual = float(np.linalg.norm(residual(pnp.xij1)))
    if not final_residual < 1e-5:
        return Run(name, resolution, 3 * (segments + 1), math.nan, evaluations[0], wall,
                   f"failed: residual {final_residual:.2e}")
    error = float(np.max(np.abs(pnp.potential - exact_V(pnp.grid, p))))
    return Run(name, resolution, 3 * (segments + 1), error, evaluations[0], wall,
               f"residual {final_residual:.1e}")


def matscipy_time_at_error(error_V: float, reference: list[Run]) -> tuple[float, bool]:
    """Wall time matscipy needs for ``error_V``, and whether it is a bound.

    Inside matscipy's measured error range: log-log interpolation between its runs. Below it
    (more accurate than any matscipy run): the wall time of matscipy's most accurate run, which
    makes the speed-up a lower bound; no power law is extrapolated.
    """
    runs = sorted(reference, key=lambda r: r.max_error_V)
    log_e = np.log([r.max_error_V for r in runs])
    log_t = np.log([r.wall_time_s for r in runs])
    target = math.log(error_V)
    if target < log_e[0]:
        return runs[0].wall_time_s, True
    return float(np.exp(np.interp(target, log_e, log_t))), False


def table(runs: list[Run], reference: list[Run]) -> str:
    lines = ["| solver | resolution | unknowns | max error (V) | iterations | wall (s) "
             "| matscipy wall at equal error (s) | speed-up | note |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        extra = "| – | – |"
        if r.solver.startswith("pnp_ssb") and reference:
            t, bound = matscipy_time_at_error(r.max_error_V, reference)
            if bound:
                extra = f"| > {t:.3g} (not reached) | > {t / r.wall_time_s:.0f}x |"
            else:
                extra = f"| {t:.3g} | {t / r.wall_time_s:.0f}x |"
        lines.append(f"| {r.solver} | {r.resolution} | {r.unknowns} | {r.max_error_V:.3e} "
                     f"| {r.iterations} | {r.wall_time_s:.3g} {extra} {r.note} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matscipy-sizes", type=int, nargs="+", default=[100, 200, 300])
    parser.add_argument("--refine", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--coarse-min-cell-m", type=float, nargs="*", default=[1e-9, 5e-10],
                        help="extra pnp_ssb meshes, coarse enough to overlap matscipy's error range")
    parser.add_argument("--potential-V", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("matscipy").setLevel(logging.ERROR)
    warnings.simplefilter("ignore", RuntimeWarning)  # matscipy's exp overflows while it diverges

    p = gc_parameters(args.potential_V)
    for study in ("equilibrium", "steady_state"):  # warm-up: JIT-compile outside the timings
        run_pnp_ssb(study, p, {}, "warm-up")
    runs = [run_matscipy(args.matscipy_sizes[-1], p, None)]  # matscipy's default solver
    runs += [run_matscipy(n, p, "hybr") for n in args.matscipy_sizes]
    reference = [r for r in runs if math.isfinite(r.max_error_V)]
    for study in ("equilibrium", "steady_state"):
        runs += [run_pnp_ssb(study, p, mesh, label)
                 for mesh, label in pnp_ssb_meshes(args, p["length_m"])]

    report = table(runs, reference)
    header = (f"Gouy–Chapman, {p['potential_V']} V, {p['length_m'] * 1e9:.0f} nm, one process; "
              f"{platform.machine()}, Python {platform.python_version()}, "
              f"{time.strftime('%Y-%m-%d')}")
    args.out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.out / "gouy_chapman_vs_matscipy.md", f"{header}\n\n{report}\n")
    write_text_atomic(args.out / "gouy_chapman_vs_matscipy.json",
                      json.dumps({"parameters": p, "runs": [asdict(r) for r in runs]}, indent=2))
    print(header, report, sep="\n\n")


if __name__ == "__main__":
    main()
