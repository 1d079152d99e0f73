"""`pnp-ssb defects MATERIAL`: the bulk defect equilibrium of an electrolyte along mu_Li (a
Brouwer diagram), from its [defect_chemistry] (pnp_ssb.materials.defect_equilibrium).

At each Li potential U of the window (mu_Li = -e U: U = 0 at Li metal, the Li-rich end) it
writes the self-consistent Fermi level above the VBM, the neutrality potential phi0 vs Li, the
electrons, holes and every charge state, and which species carry the bulk's positive and
negative charge. d phi0 / dU tells the regime: 0 where ionic defects compensate each other or a
dopant (phi0 is then a material constant, as the PNP inputs assume), 1 where electrons or holes
pin E_F. Writes brouwer.csv, brouwer.json and brouwer.png (rank 0).
"""

import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pnp_ssb.input.fields import CaseError
from pnp_ssb.materials import database as matdb
from pnp_ssb.materials.defect_equilibrium import BulkDefectEquilibrium

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BrouwerRequest:
    """What to tabulate: the material (a database name or a TOML file in the database format),
    the window of U vs Li (V), the number of points, the temperature (K), and entries of a case
    file replaced (``--set``)."""

    material: str
    output: Path
    li_potential_V: tuple[float, float] = (0.0, 5.0)
    points: int = 101
    temperature_K: float = 300.0
    overrides: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        lo, hi = self.li_potential_V
        if not hi > lo:
            raise CaseError(f"--li-potential-V = {lo} {hi}: expected LOW < HIGH (V vs Li)")
        if self.points < 3:
            raise CaseError(f"--points = {self.points}: expected at least 3")
        if not self.temperature_K > 0:
            raise CaseError(f"--temperature-K = {self.temperature_K}: expected > 0 K")
        if self.overrides and not self.material.endswith(".toml"):
            raise CaseError(f"--set {self.overrides[0]!r}: expected a case file as MATERIAL "
                            "(--set replaces case entries)")


def load_defect_material(spec: str, overrides: tuple[str, ...] = ()) -> matdb.Material:
    """A database material by name, the material of a TOML file in the database format, or the
    region material with a [defect_chemistry] of a case file. Raises CaseError naming it."""
    try:
        if spec.endswith(".toml"):
            path = Path(spec)
            if not path.is_file():
                raise CaseError(f"MATERIAL = {spec!r}: no such file")
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
            if overrides and "regions" not in data:
                raise CaseError(f"--set: {spec!r} is a material file, not a case")
            material = (_case_material(path, overrides) if "regions" in data
                        else matdb.material_from_dict(data, origin=path.name))
        else:
            material = matdb.load_material(spec)
    except (matdb.MaterialError, tomllib.TOMLDecodeError) as exc:
        raise CaseError(f"MATERIAL = {spec!r}: {exc}") from None
    if material.defect_chemistry is None:
        raise CaseError(f"MATERIAL = {spec!r}: {material.name} has no [defect_chemistry] "
                        "(formation energies of its charged defects)")
    return material


def _case_material(path: Path, overrides: tuple[str, ...]) -> matdb.Material:
    """The one region material of a case that has a defect chemistry."""
    from pnp_ssb.input.load import read_case

    case = read_case(path, overrides)
    found = {r: m for r, m in case.region_materials.items() if m.defect_chemistry is not None}
    if len(found) != 1:
        raise CaseError(f"MATERIAL = {str(path)!r}: expected one region whose material has a "
                        f"[defect_chemistry], found {len(found)}" + (
                            f" ({', '.join(found)})" if found else ""))
    return next(iter(found.values()))


def carriers(eq: BulkDefectEquilibrium) -> tuple[str, str]:
    """The largest positive and negative charge densities of the bulk, by name."""
    charges = {f"{d}^{q:+d}": q * c for (d, q), c in eq.concentrations_m3.items() if q}
    charges |= {"holes": eq.holes_m3, "electrons": -eq.electrons_m3}
    return max(charges, key=lambda k: charges[k]), min(charges, key=lambda k: charges[k])


def brouwer_rows(req: BrouwerRequest) -> list[dict[str, Any]]:
    """One row per U: E_F, phi0, n, p, every charge state, the dominant charges and
    d phi0/dU (centred differences of the table; one-sided at its ends)."""
    material = load_defect_material(req.material, req.overrides)
    window = np.linspace(*req.li_potential_V, req.points)
    states = [matdb.defect_bulk_equilibrium(material, req.temperature_K, float(u))
              for u in window]
    phi0 = np.array([s.neutrality_potential_V for s in states])
    slope = np.gradient(phi0, window)
    rows = []
    for eq, d_phi0 in zip(states, slope, strict=True):
        positive, negative = carriers(eq)
        row: dict[str, Any] = {
            "li_potential_V": eq.li_potential_V, "li_chemical_potential_eV": -eq.li_potential_V,
            "fermi_level_above_vbm_eV": eq.fermi_level_eV,
            "neutrality_potential_vs_li_V": eq.neutrality_potential_V,
            "dphi0_dU": float(d_phi0), "electrons_m3": eq.electrons_m3, "holes_m3": eq.holes_m3}
        row |= {f"{d}^{q:+d}_m3": c for (d, q), c in eq.concentrations_m3.items()}
        row |= {"dominant_positive": positive, "dominant_negative": negative,
                "residual_charge_m3": eq.residual_charge_m3}
        rows.append(row)
    return rows


def run_brouwer(req: BrouwerRequest) -> list[dict[str, Any]]:
    """brouwer_rows() and its files, brouwer.csv, brouwer.json, brouwer.png (rank 0)."""
    from pnp_ssb.io.output import write_csv_rows, write_json
    from pnp_ssb.io.plots_defects import plot_brouwer
    from pnp_ssb.log import world_rank

    rows = brouwer_rows(req)
    if world_rank() == 0:
        material = load_defect_material(req.material, req.overrides)
        write_csv_rows(req.output / "brouwer.csv", rows)
        write_json(req.output / "brouwer.json", {
            "material": material.name, "temperature_K": req.temperature_K,
            "li_potential_window_V": list(req.li_potential_V),
            "method": "self-consistent Fermi level (py-sc-fermi) on the effective-DOS bands",
            "regimes": regimes(rows), "points": rows})
        plot_brouwer(req.output / "brouwer.png", material.name, rows, req.temperature_K)
    return rows


def regimes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stretches of the window with the same dominant positive and negative charges."""
    out: list[dict[str, Any]] = []
    for row in rows:
        key = (row["dominant_positive"], row["dominant_negative"])
        if out and (out[-1]["positive"], out[-1]["negative"]) == key:
            out[-1]["to_V"] = row["li_potential_V"]
            out[-1]["dphi0_dU_max"] = max(out[-1]["dphi0_dU_max"], abs(row["dphi0_dU"]))
        else:
            out.append({"from_V": row["li_potential_V"], "to_V": row["li_potential_V"],
                        "positive": key[0], "negative": key[1],
                        "dphi0_dU_max": abs(row["dphi0_dU"])})
    return out


__all__ = ["BrouwerRequest", "brouwer_rows", "carriers", "load_defect_material", "regimes",
           "run_brouwer"]
