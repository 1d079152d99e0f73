"""`pnp-ssb interlayer`: the barrier-free interlayer between Li metal and an electrolyte
(Swift, Swift & Qi 2021), for each candidate interlayer material.

For each interlayer the thickness d* at which its potential reaches the electrolyte's
neutrality potential with zero field follows exactly from the first integral
(:func:`pnp_ssb.analytic.interlayer.barrier_free_thickness_m`); then the stack
Li | interlayer (d*) | electrolyte | Li is solved at equilibrium, and the electrolyte's
space-charge drop at the interlayer is reported: ~0 at d* (no barrier, no space charge),
with opposite signs for thinner and thicker layers. Writes interlayers.csv, interlayers.json
and, per material, the run in DIR/<material>/ (rank 0 writes the tables).
"""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pnp_ssb.analytic.interlayer import barrier_free_thickness_m
from pnp_ssb.analytic.poisson_boltzmann import SpeciesSpec
from pnp_ssb.input.fields import CaseError
from pnp_ssb.materials import Material, load_material
from pnp_ssb.materials.database import MaterialError

log = logging.getLogger(__name__)
INTERLAYERS = ("LiF", "Li2O_111", "Li2O_110", "Li2CO3", "LLZO")  # Swift, Swift & Qi 2021
NEUTRALITY = "neutrality_potential_vs_li_V"


@dataclass(frozen=True)
class InterlayerRequest:
    """The candidates, the electrolyte they face and the output folder. The temperature is
    that of Swift et al.'s inputs (300 K), at which the materials' defect concentrations are
    evaluated."""

    output: Path
    interlayers: tuple[str, ...] = INTERLAYERS
    electrolyte: str = "LiPON"
    temperature_K: float = 300.0
    electrolyte_thickness_m: float = 50e-9


def _defect_material(name: str, role: str) -> Material:
    """A solid electrolyte with a neutrality potential vs Li, or one CaseError."""
    try:
        material = load_material(name)
    except MaterialError as exc:  # its message names the material and the available ones
        raise CaseError(f"--{role} {name!r}: {exc}") from None
    if material.kind != "solid_electrolyte" or NEUTRALITY not in material.parameters:
        raise CaseError(f"--{role} {name!r}: expected a solid electrolyte with {NEUTRALITY} "
                        f"(its bulk potential against Li), got a {material.kind}")
    return material


def thickness(material: Material, target_vs_li_V: float, temperature_K: float
              ) -> tuple[float | None, str]:
    """d* (m) of ``material`` against Li for the target, or None with the reason."""
    phi0 = material.parameters[NEUTRALITY].value
    species = [SpeciesSpec(s.charge, s.bulk_concentration_m3.value, s.site_density_m3.value,
                           s.statistics) for s in material.species.values()]
    eps_r = material.parameters["relative_permittivity"].value
    d = barrier_free_thickness_m(-phi0, target_vs_li_V - phi0, species, eps_r, temperature_K)
    if d is not None:
        return d, "the potential rises from 0 V at Li and levels off at the target"
    side = "below" if phi0 <= target_vs_li_V else "above"
    return None, (f"no thickness: its neutral bulk ({phi0:.4g} V vs Li) is {side} the target "
                  f"({target_vs_li_V:.4g} V), so its potential never levels off there")


def stack_case(req: InterlayerRequest, interlayer: str, thickness_m: float) -> dict[str, Any]:
    """Li | interlayer | electrolyte | Li at equilibrium, as a case dictionary."""
    regions = [("li", "Li", 20e-9), ("interlayer", interlayer, thickness_m),
               ("electrolyte", req.electrolyte, req.electrolyte_thickness_m),
               ("li_right", "Li", 20e-9)]
    return {"name": f"interlayer_{interlayer}", "temperature_K": req.temperature_K,
            "study": {"type": "equilibrium"},
            "regions": [{"name": n, "material": m, "thickness_m": t} for n, m, t in regions],
            "boundaries": {"left": {"type": "terminal"}, "right": {"type": "terminal"}},
            "output": {"figures": False, "fields": "none"}}


def design(req: InterlayerRequest) -> list[dict[str, Any]]:
    """One row per interlayer: d*, the reason, and the check by the full stack (collective)."""
    from pnp_ssb.preflight import load_case  # here, not at the top: solving imports DOLFINx
    from pnp_ssb.studies.registry import run_case

    target = _defect_material(req.electrolyte, "electrolyte").parameters[NEUTRALITY].value
    materials = {n: _defect_material(n, "interlayers") for n in req.interlayers}
    rows = []
    for name, material in materials.items():
        d, why = thickness(material, target, req.temperature_K)
        row: dict[str, Any] = {"interlayer": name, "neutrality_potential_vs_li_V":
                               material.parameters[NEUTRALITY].value, "target_V": target,
                               "thickness_nm": d * 1e9 if d is not None else None,
                               "reason": why}
        if d is not None:
            solution = run_case(load_case(stack_case(req, name, d)), req.output / name)
            sides = {s.region: s for s in solution.layers["interlayer|electrolyte"]}
            row["electrolyte_drop_V"] = sides["electrolyte"].drop_V
            row["interlayer_edge_V"] = (material.parameters[NEUTRALITY].value
                                        + sides["interlayer"].drop_V)
        log.info("interlayer %s: %s", name, f"{d * 1e9:.4g} nm" if d is not None else why)
        rows.append(row)
    return rows


def run_interlayer(req: InterlayerRequest) -> list[dict[str, Any]]:
    """design() and its tables: interlayers.csv and interlayers.json (rank 0)."""
    from pnp_ssb.io.output import write_csv_rows, write_json  # imports DOLFINx
    from pnp_ssb.log import world_rank

    rows = design(req)
    if world_rank() == 0:
        write_csv_rows(req.output / "interlayers.csv", rows)
        write_json(req.output / "interlayers.json", {
            "electrolyte": req.electrolyte, "temperature_K": req.temperature_K,
            "criterion": "the interlayer's potential reaches the electrolyte's neutrality "
                         "potential with zero field (no space charge in the electrolyte)",
            "interlayers": rows})
    return rows
