"""Screening of electrode | electrolyte pairs and anode | electrolyte | cathode stacks.

For every pair (an electrode entry, a database electrolyte) the contact is solved at equilibrium
as electrode | electrolyte | reservoir (the electrolyte's neutral bulk): the interface potential
drop, the space-charge width, the Li the space charge takes from the electrode, R_scl from the
conductivity profile and, when an exchange current density is given, the contact's linear
Butler-Volmer R_ct = kT / (e i0 (alpha_a + alpha_c) n) over its n Li channels. A stack
anode | electrolyte | cathode (U_anode < U_cathode) adds the ASR of its two contacts. Pairs are
spread over MPI sub-communicators of one rank each, every pair's result is written atomically to
OUT/pairs/, and a rerun skips the pairs already there (resumable and reproducible: the tables are
built in a fixed order from those files).
"""

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pnp_ssb.analysis.summary import cell_summary
from pnp_ssb.analytic import charge_transfer_resistance_ohm_m2
from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.discretisation.release import release_run_objects
from pnp_ssb.input.fields import CaseError, Length, PositiveFloat, Temperature
from pnp_ssb.input.load import format_validation_error
from pnp_ssb.input.tomlio import read_toml
from pnp_ssb.io.output import write_csv_rows, write_json
from pnp_ssb.io.plots import plot_screen_heatmap
from pnp_ssb.log import ProgressBar
from pnp_ssb.materials import database as matdb
from pnp_ssb.physics.model import CellModel
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.resistance import OHM_M2_TO_OHM_CM2, space_charge_resistance_ohm_m2
from pnp_ssb.studies.steady import solve_case

log = logging.getLogger(__name__)
PAIR_CONTACT = "electrode|electrolyte"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ElectrodeEntry(_Strict):
    """An electrode of the screen: a database material and, for insertion hosts, theta."""

    material: str
    li_fraction: Annotated[float, Field(gt=0, le=1)] | None = None
    label: str | None = Field(None, description="name in the tables (default: material@theta)")

    @property
    def name(self) -> str:
        """Label used in file names and tables."""
        if self.label:
            return self.label
        return self.material if self.li_fraction is None else f"{self.material}@{self.li_fraction:g}"


class ScreenSpec(_Strict):
    """A screening run (TOML)."""

    name: str = "screen"
    temperature_K: Temperature = 298.15
    electrodes: Annotated[list[ElectrodeEntry], Field(min_length=1)]
    electrolytes: Annotated[list[str], Field(min_length=1)]
    electrode_thickness_m: Length = 50e-9
    electrolyte_thickness_m: Length = 50e-9
    exchange_current_density_A_m2: PositiveFloat | None = Field(
        None, description="one i0 per Li channel for every contact (assumed), A/m^2: R_ct = "
                          "kT / (e i0 (alpha_a + alpha_c) n) over the n channels")


def load_spec(path: str | Path) -> ScreenSpec:
    """Read and validate a screen (:func:`validate_spec`)."""
    if not Path(path).is_file():
        raise CaseError(f"screen spec {str(path)!r} does not exist")
    try:
        data = read_toml(Path(path))
    except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise CaseError(f"screen spec {path} is not valid TOML: {exc}") from None
    return validate_spec(data, str(path))


def validate_spec(data: dict[str, Any], source: str) -> ScreenSpec:
    """A screen spec from its table; unknown materials and bad pairs are named before anything
    is solved."""
    try:
        spec = ScreenSpec.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, source, "screen spec") from None
    known = {m.lower() for m in matdb.available_materials()}
    for i, e in enumerate(spec.electrodes):
        if e.material.lower() not in known:
            raise CaseError(f"electrodes[{i}].material = {e.material!r}: expected a database "
                            f"material ({', '.join(matdb.available_materials())})")
    for i, m in enumerate(spec.electrolytes):
        if m.lower() not in known:
            raise CaseError(f"electrolytes[{i}] = {m!r}: expected a database material "
                            f"({', '.join(matdb.available_materials())})")
    for i, electrode in enumerate(spec.electrodes):  # each pair's case, up front
        for j, electrolyte in enumerate(spec.electrolytes):
            try:
                pair_case(spec, electrode, electrolyte)
            except CaseError as exc:  # name the spec's entries, not the generated case's
                text = str(exc).replace("regions[0]", f"electrodes[{i}]").replace(
                    "regions[1]", f"electrolytes[{j}]")
                raise CaseError(text) from None
    return spec


def pairs(spec: ScreenSpec) -> list[tuple[ElectrodeEntry, str]]:
    """Every (electrode, electrolyte), in a fixed order."""
    return [(e, se) for e in spec.electrodes for se in spec.electrolytes]


def pair_data(spec: ScreenSpec, electrode: ElectrodeEntry, electrolyte: str) -> dict[str, Any]:
    """electrode | electrolyte | reservoir at equilibrium, as a case table; with the screen's
    i0, its contact has Butler-Volmer kinetics (one i0 per Li channel of the electrolyte)."""
    region = {"name": "electrode", "material": electrode.material,
              "thickness_m": spec.electrode_thickness_m}
    if electrode.li_fraction is not None:
        region["li_fraction"] = electrode.li_fraction
    data: dict[str, Any] = {
        "name": "pair", "temperature_K": spec.temperature_K,
        "regions": [region, {"name": "electrolyte", "material": electrolyte,
                             "thickness_m": spec.electrolyte_thickness_m}],
        "boundaries": {"right": {"type": "reservoir"}},
        "output": {"figures": False, "fields": "none"}}
    if spec.exchange_current_density_A_m2 is not None:
        data["interfaces"] = {PAIR_CONTACT: {"kinetics": {
            "exchange_current_density_A_m2": spec.exchange_current_density_A_m2}}}
    return data


def pair_case(spec: ScreenSpec, electrode: ElectrodeEntry, electrolyte: str):
    """The pair's case (:func:`pair_data`), validated."""
    try:
        return load_case(pair_data(spec, electrode, electrolyte))
    except CaseError as exc:
        raise CaseError(f"pair {electrode.name} | {electrolyte}: {exc}") from None


def solve_pair(spec: ScreenSpec, electrode: ElectrodeEntry, electrolyte: str, comm) -> dict:
    """The interface numbers of one pair (collective on ``comm``)."""
    case = pair_case(spec, electrode, electrolyte)
    sol = solve_case(case, comm)
    contact = cell_summary(sol)["contacts"][PAIR_CONTACT]
    (side,) = sol.layers[PAIR_CONTACT]
    r_scl = space_charge_resistance_ohm_m2(sol.profile, sol.model, "electrolyte", True)
    assert isinstance(sol.model, CellModel)  # a pair has an electrode, so a cell state
    row = {"electrode": electrode.name, "electrolyte": electrolyte,
           "fermi_voltage_V": sol.model.cell.fermi_voltage_V["electrode"],
           "drop_V": contact["drop_to_bulk_V"], "space_charge_width_m": side.width_m,
           "li_transferred_mol_m2": contact["li_transferred_mol_m2"],
           "r_scl_ohm_cm2": r_scl * OHM_M2_TO_OHM_CM2, "newton_iterations":
               sol.report.newton_iterations}
    row["r_ct_ohm_cm2"] = pair_charge_transfer_ohm_cm2(case, sol.model)
    row["asr_ohm_cm2"] = row["r_scl_ohm_cm2"] + (0.0 if math.isnan(row["r_ct_ohm_cm2"])
                                                 else row["r_ct_ohm_cm2"])
    release_run_objects()  # a screen of many pairs must not keep each pair's mesh and comms
    return row


def pair_charge_transfer_ohm_cm2(case, model) -> float:
    """The pair contact's linear Butler-Volmer R_ct = kT / (e i0 (alpha_a + alpha_c) n) over the
    electrolyte's n Li-linked species, each a channel with the same i0 (NaN without kinetics)."""
    spec = case.interfaces.get(PAIR_CONTACT)
    if spec is None or spec.kinetics is None:
        return math.nan
    (electrolyte,) = [r for r in model.regions if r.name == "electrolyte"]
    channels = sum(1 for sp in electrolyte.species if sp.li_stoichiometry != 0)
    k = spec.kinetics
    return charge_transfer_resistance_ohm_m2(
        k.exchange_current_density_A_m2, k.alpha_anodic, k.alpha_cathodic,
        case.temperature_K) / channels * OHM_M2_TO_OHM_CM2


@dataclass(frozen=True)
class ScreenResult:
    """The ranked tables."""

    pairs: list[dict]
    stacks: list[dict]


def run_screen(spec: ScreenSpec, outdir: str | Path, comm=None) -> ScreenResult:
    """Solve every pair not yet in OUT/pairs/, then write pairs.csv, stacks.csv, heatmap.png and
    screen_summary.json (collective; rank 0 writes the tables)."""
    comm = comm or MPI.COMM_WORLD
    outdir = Path(outdir)
    folder = outdir / "pairs"
    if comm.rank == 0:
        folder.mkdir(parents=True, exist_ok=True)
    comm.barrier()
    todo = [(k, e, se) for k, (e, se) in enumerate(pairs(spec))
            if not (folder / f"{e.name}__{se}.json").is_file()]
    todo = comm.bcast(todo if comm.rank == 0 else None, root=0)
    # one-rank groups: pairs are small 1D problems. The group is not freed here: meshes built on
    # it may outlive this call until garbage collection
    sub = comm.Split(color=comm.rank, key=0)
    mine = [t for t in todo if t[0] % comm.size == comm.rank]
    bar = ProgressBar("screen: pairs", len(mine))
    for n, (_, electrode, electrolyte) in enumerate(mine):
        row = solve_pair(spec, electrode, electrolyte, sub)
        bar.update(n + 1, f"{electrode.name} | {electrolyte}")
        write_json(folder / f"{electrode.name}__{electrolyte}.json", row)
        log.info("pair %s | %s: drop %.3f V, R_scl %.3g Ohm cm^2", electrode.name, electrolyte,
                 row["drop_V"], row["r_scl_ohm_cm2"])
    bar.close()
    comm.barrier()
    rows = [json.loads((folder / f"{e.name}__{se}.json").read_text(encoding="utf-8"))
            for e, se in pairs(spec)]
    result = ScreenResult(sorted(rows, key=_asr_key), stack_table(rows))
    if comm.rank == 0:
        write_csv_rows(outdir / "pairs.csv", result.pairs)
        write_csv_rows(outdir / "stacks.csv", result.stacks)
        plot_screen_heatmap(outdir, rows, [e.name for e in spec.electrodes], spec.electrolytes)
        write_json(outdir / "screen_summary.json",
                   {"name": spec.name, "pairs": len(rows), "stacks": len(result.stacks),
                    "best_pair": result.pairs[0], "best_stack": result.stacks[0] if result.stacks else None})
    comm.barrier()
    return result


def _asr_key(row: dict) -> tuple:
    return (row["asr_ohm_cm2"], row["electrode"], row["electrolyte"])


def stack_table(rows: list[dict]) -> list[dict[str, Any]]:
    """anode | electrolyte | cathode for every electrolyte and electrode pair with
    V_anode < V_cathode: interface ASR = the sum of both contacts', ranked."""
    by = {(r["electrode"], r["electrolyte"]): r for r in rows}
    electrodes = list(dict.fromkeys(r["electrode"] for r in rows))
    electrolytes = list(dict.fromkeys(r["electrolyte"] for r in rows))
    out = []
    for se in electrolytes:
        for a in electrodes:
            for c in electrodes:
                ra, rc = by[(a, se)], by[(c, se)]
                if not ra["fermi_voltage_V"] < rc["fermi_voltage_V"]:
                    continue
                out.append({"anode": a, "electrolyte": se, "cathode": c,
                            "ocv_V": rc["fermi_voltage_V"] - ra["fermi_voltage_V"],
                            "asr_ohm_cm2": ra["asr_ohm_cm2"] + rc["asr_ohm_cm2"],
                            "r_scl_anode_ohm_cm2": ra["r_scl_ohm_cm2"],
                            "r_scl_cathode_ohm_cm2": rc["r_scl_ohm_cm2"]})
    return sorted(out, key=lambda r: (r["asr_ohm_cm2"], r["anode"], r["electrolyte"],
                                      r["cathode"]))
