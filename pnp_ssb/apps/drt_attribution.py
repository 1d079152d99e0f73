"""Which process each DRT peak is: the case's spectrum computed again with one process made
FACTOR times faster at a time, and the peak's resistance compared between the two DRTs.

A process made 1e3 times faster gives 1e-3 of its resistance and moves its relaxation time
out of the window (R C, with C unchanged, falls by 1e3), so its peak leaves the band where it
was: the peak whose area falls most when a process is sped up is that process's. The switches
(overrides of the case, nothing else changes):
- charge transfer at a contact (one switch per contact): its exchange current density x FACTOR;
- bulk transport: every mobile species' diffusivity in every electrolyte x FACTOR, the
  grain-boundary cores' own diffusivity kept (their diffusivity_factor / FACTOR);
- grain-boundary cores: the cores' diffusivity_factor x FACTOR (thin cores slower than the
  grains);
- grain-boundary space charge: the core charge switched off (core_charge_C_m2 = 0, the
  segregation energies kept), so no barrier and no depletion layers around the cores;
- electrode diffusion: every insertion electrode's chemical diffusivity (parameter and table)
  x FACTOR.
The space-charge layers at the contacts have no switch: their depletion is set by the contact
equilibrium itself, which no rate parameter moves without moving the bulk too.
"""

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pnp_ssb.analysis.drt import DRT, DRTError, Peak, compute_drt, drt_peaks
from pnp_ssb.input.case import Case
from pnp_ssb.input.tomlio import toml_value

log = logging.getLogger(__name__)
FACTOR = 1e3
ATTRIBUTED = 0.5  # a peak is a process's if speeding it up removes at least this fraction


@dataclass(frozen=True)
class Switch:
    """One process made FACTOR times faster: its name and the case overrides that do it."""

    process: str
    overrides: tuple[str, ...]


def _region_override(case: Case, index: int, extra: dict[str, Any]) -> str:
    """regions.<i>.overrides = the region's own overrides plus ``extra`` (one inline table)."""
    merged = {**case.regions[index].overrides, **extra}
    return f"regions.{index}.overrides={toml_value(merged)}"


def process_switches(case: Case) -> list[Switch]:
    """The switches that apply to ``case`` (a process it does not have is left out)."""
    out = [Switch(f"charge transfer {key}", (
        f'interfaces."{key}".kinetics.exchange_current_density_A_m2='
        f"{spec.kinetics.exchange_current_density_A_m2 * FACTOR!r}",))
        for key, spec in case.interfaces.items() if spec.kinetics is not None]
    mats = case.region_materials
    bulk, electrode = [], []
    for i, region in enumerate(case.regions):
        m = mats[region.name]
        if m.kind == "solid_electrolyte":
            bulk.append(_region_override(case, i, {
                f"species.{s.name}.diffusivity_m2_s": s.diffusivity_m2_s.value * FACTOR
                for s in m.species.values()}))
        elif m.kind == "insertion_electrode" and "chemical_diffusivity_m2_s" in m.parameters:
            extra: dict[str, Any] = {"chemical_diffusivity_m2_s":
                                     m.parameters["chemical_diffusivity_m2_s"].value * FACTOR}
            table = m.tables.get("chemical_diffusivity_m2_s")
            if table is not None:
                extra["tables.chemical_diffusivity_m2_s"] = {
                    "theta": list(table.theta), "value": [v * FACTOR for v in table.value],
                    "unit": table.unit}
            electrode.append(_region_override(case, i, extra))
    if bulk:
        out.append(Switch("bulk transport", (*bulk, *_keep_cores(case))))
    out += _grain_boundary_switches(case)
    if electrode:
        out.append(Switch("electrode diffusion", tuple(electrode)))
    return out


def _gb(region: str, field: str, value: Any) -> str:
    return f"grain_boundaries.{region}.{field}={toml_value(value)}"


def _keep_cores(case: Case) -> list[str]:
    """With the grains' diffusivities x FACTOR, the cores keep theirs (diffusivity_factor is
    relative to the grain)."""
    return [_gb(name, "diffusivity_factor", gb.diffusivity_factor / FACTOR)
            for name, gb in case.grain_boundaries.items() if gb.width_m > 0]


def _grain_boundary_switches(case: Case) -> list[Switch]:
    """Slow cores sped up, and the core charge (the barrier) switched off."""
    cores = tuple(_gb(name, "diffusivity_factor", gb.diffusivity_factor * FACTOR)
                  for name, gb in case.grain_boundaries.items()
                  if gb.width_m > 0 and gb.diffusivity_factor < 1.0)
    charged = tuple(_gb(name, "core_charge_C_m2", 0.0)
                    for name, gb in case.grain_boundaries.items() if gb.core_charge_C_m2 != 0.0)
    out = [Switch("grain-boundary cores", cores)] if cores else []
    return out + ([Switch("grain-boundary space charge", charged)] if charged else [])


def area_between(drt: DRT, tau_lo_s: float, tau_hi_s: float) -> float:
    """int gamma d(ln tau) over [tau_lo, tau_hi] (Ohm m^2), linear in ln tau between nodes."""
    s = np.log(drt.tau_s)
    grid = np.linspace(np.log(tau_lo_s), np.log(tau_hi_s), 200)
    return float(np.trapezoid(np.interp(grid, s, drt.gamma_ohm_m2), grid))


def attribute_peaks(base: DRT, peaks: list[Peak], switched: dict[str, DRT]) -> list[dict]:
    """Per peak of ``base``: the fraction of its area that each switched DRT removes from the
    peak's band, and the process that removes the most (None below ATTRIBUTED)."""
    out = []
    for p in peaks:
        lo, hi = p.band_s
        own = area_between(base, lo, hi)
        removed = {name: 1 - area_between(d, lo, hi) / own for name, d in switched.items()}
        out.append({"tau_s": p.tau_s, "frequency_Hz": p.frequency_Hz,
                    "resistance_ohm_cm2": p.resistance_ohm_m2 * 1e4,
                    "removed_fraction": removed, "process": peak_process(removed)})
    return out


def peak_process(removed: dict[str, float]) -> str | None:
    """The process that removes at least ATTRIBUTED of a peak; else two that remove at least
    ATTRIBUTED / 2 each and ATTRIBUTED together ("a + b": two contacts of a symmetric cell
    share one arc); else None."""
    ranked = sorted(removed, key=lambda k: removed[k], reverse=True)
    if ranked and removed[ranked[0]] >= ATTRIBUTED:
        return ranked[0]
    if len(ranked) >= 2 and removed[ranked[1]] >= ATTRIBUTED / 2 \
            and removed[ranked[0]] + removed[ranked[1]] >= ATTRIBUTED:
        return " + ".join(sorted(ranked[:2]))
    return None


def attribution(case_path: Path, overrides: list[str], base: DRT, outdir: Path,
                comm: Any = None) -> list[dict]:
    """Run the case's impedance study once per switch into ``outdir/<process>/`` (collective
    on ``comm``, COMM_WORLD by default), take each DRT at that run's own accuracy, and
    attribute the base DRT's peaks."""
    # here, not at the top: running a case imports DOLFINx
    from pnp_ssb.discretisation.fem import MPI
    from pnp_ssb.io.spectra import read_spectrum, run_accuracy
    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.registry import run_case

    case = load_case(case_path, overrides)
    if case.study.type != "impedance":
        raise DRTError(f"--attribute {case_path}: expected a case with study.type = "
                       f"'impedance', got {case.study.type!r}")
    comm = comm if comm is not None else MPI.COMM_WORLD
    if comm.rank == 0:  # no process folder of an earlier attribution is left behind
        shutil.rmtree(outdir, ignore_errors=True)
    comm.barrier()
    switched = {}
    for switch in process_switches(case):
        variant = load_case(case_path, [*overrides, *switch.overrides,
                                        "output.figures=false", 'output.fields="none"'])
        folder = outdir / switch.process.replace(" ", "_").replace("|", "-")
        run_case(variant, folder, comm)
        spectrum = read_spectrum(folder / "impedance.csv")
        switched[switch.process] = compute_drt(
            spectrum.frequency_Hz, spectrum.z_ohm_m2,
            accuracy=run_accuracy(folder / "impedance.csv"), per_decade=_per_decade(base))
        log.info("attribution: %s switched (%s)", switch.process, folder)
    return attribute_peaks(base, drt_peaks(base), switched)


def _per_decade(drt: DRT) -> int:
    """The tau grid density of a DRT (nodes per decade)."""
    return round((drt.tau_s.size - 1) / np.log10(drt.tau_s[-1] / drt.tau_s[0]))
