"""Case files: the TOML schema (pydantic), loading, ``--set`` overrides and validation.

A case names regions (a 1D stack from x = 0, or the physical groups of a mesh), their
materials, the boundary conditions, the study, and the mesh and solver settings. Every
mistake is reported before any mesh or MPI work, as one :class:`CaseError` naming the field
path, the value and what was expected. This module imports no DOLFINx.
"""

import logging
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails, core_schema

from pnp_ssb.input.tomlio import read_toml
from pnp_ssb.materials import database as matdb

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhysicalRange:
    """Field metadata: a value outside [ge, le] is refused as "expected <what> between ..."."""

    ge: float
    le: float
    what: str
    unit: str

    def expected(self) -> str:
        """The expectation, as it appears in error messages."""
        return f"{self.what} between {self.ge:g} {self.unit} and {self.le:g} {self.unit}"

    def _check(self, value: float) -> float:
        if not self.ge <= value <= self.le:
            raise ValueError(f"expected {self.expected()}")
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> Any:
        out = handler(schema)
        out.update(minimum=self.ge, maximum=self.le)
        return out


LENGTH_RANGE = PhysicalRange(1e-11, 1.0, "a length", "m")  # a tenth of an angstrom to a metre
CELL_RANGE = PhysicalRange(1e-13, 1.0, "a cell size", "m")
TEMPERATURE_RANGE = PhysicalRange(1.0, 4000.0, "a temperature", "K")  # solids melt below 4000 K
ADVISORY_TEMPERATURE_K = (150.0, 1500.0)  # outside: warned (material data rarely reach there)
FREQUENCY_RANGE = PhysicalRange(1e-6, 1e12, "a frequency", "Hz")
ADVISORY_MAX_FREQUENCIES = 200  # more: warned (each frequency is one complex linear solve)
Length = Annotated[float, Field(gt=0, allow_inf_nan=False), LENGTH_RANGE]
CellSize = Annotated[float, Field(gt=0, allow_inf_nan=False), CELL_RANGE]
Temperature = Annotated[float, Field(gt=0, allow_inf_nan=False), TEMPERATURE_RANGE]
Frequency = Annotated[float, Field(gt=0, allow_inf_nan=False), FREQUENCY_RANGE]
ERROR_TOLERANCE_RANGE = PhysicalRange(1e-10, 1.0, "a potential tolerance", "V")
ErrorTolerance = Annotated[float, Field(gt=0, allow_inf_nan=False), ERROR_TOLERANCE_RANGE]


class CaseError(ValueError):
    """A case that cannot be run; the message names the field path, the value and the expectation."""


def field_error(path: str, value: Any, expected: str) -> CaseError:
    """Build the standard one-line message: ``path = value: expected ...``."""
    return CaseError(f"{path} = {value!r}: expected {expected}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegionSpec(_Strict):
    """One region: a layer of the 1D stack (left to right) or a physical group of a mesh."""

    name: Name
    material: str = Field(description="database name (see `pnp-ssb materials`) or a key of [materials]")
    thickness_m: Length = Field(description="layer thickness in m (1D stacks)")
    li_fraction: Annotated[float, Field(ge=0.0, le=1.0)] | None = Field(
        None, description="insertion electrodes only: Li site fraction theta (1); in an "
                          "ocv_sweep it fixes the Li inventory")
    electronic: Literal["none", "extrinsic", "graded"] = Field(
        "none", description="solid electrolytes: electrons and holes from the band structure "
                            "(electron_affinity_eV, band_gap_eV, effective_dos_*_m3). "
                            "'extrinsic': mu_Li fixed by li_potential_V, so the electrons follow "
                            "Li+ (mu~_e = mu_Li - mu~_Li+, no electronic current); 'graded': "
                            "electrons and holes move (electron/hole_diffusivity_m2_s) and take "
                            "each electrode's Fermi level at its contact")
    li_potential_V: FiniteFloat | None = Field(
        None, description="with electronic carriers: the electrolyte's Li potential vs Li/Li+ "
                          "in its bulk, mu_Li = -e U, which places its Fermi level")
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="material parameters replaced for this region, by dotted path "
                    "(e.g. 'relative_permittivity' or 'species.Li_v.diffusivity_m2_s')")


class SternSpec(_Strict):
    """A charge-free compact layer between a blocking electrode and the reaction plane.

    Give either the capacitance C_S, or the thickness d_S and permittivity eps_S
    (C_S = eps0 eps_S / d_S).
    """

    capacitance_F_m2: PositiveFloat | None = None
    thickness_m: Length | None = None
    relative_permittivity: PositiveFloat | None = None

    @model_validator(mode="after")
    def _one_way(self) -> "SternSpec":
        geometric = self.thickness_m is not None and self.relative_permittivity is not None
        if (self.capacitance_F_m2 is None) == (not geometric):
            raise ValueError("give capacitance_F_m2, or thickness_m together with "
                             "relative_permittivity (not both)")
        return self


class BoundarySpec(_Strict):
    """An outer boundary: 'blocking' (an electrode held at a potential, ions blocked) or
    'reservoir' (a neutral bulk of the adjacent electrolyte, exchanging species, at a potential).

    Potentials: ``potential_V`` is on the model's scale, where an electrolyte's bulk sits at its
    neutrality_potential_vs_li_V when its Li-linked defects are in equilibrium with Li metal;
    ``potential_vs_bulk_V`` is relative to the adjacent region's bulk. Give at most one
    (a blocking boundary needs one; a reservoir defaults to the bulk).
    """

    type: Literal["blocking", "reservoir", "terminal"]
    potential_V: FiniteFloat | None = None
    potential_vs_bulk_V: FiniteFloat | None = None
    stern: SternSpec | None = None
    species: list[Name] | None = Field(
        default=None, description="reservoir only: species exchanged (default: all)")
    voltage_V: FiniteFloat | None = Field(
        default=None, description="terminal only: Fermi-level voltage vs the Li reference of a "
                                  "conductor whose Li does not set it (a blocking metal)")

    @model_validator(mode="after")
    def _consistent(self) -> "BoundarySpec":
        if self.type == "terminal":
            if any(v is not None for v in (self.potential_V, self.potential_vs_bulk_V, self.stern,
                                           self.species)):
                raise ValueError("a terminal (the outer end of a conductor) takes only voltage_V")
            return self
        if self.voltage_V is not None:
            raise ValueError("'voltage_V' applies to terminal boundaries only")
        if self.potential_V is not None and self.potential_vs_bulk_V is not None:
            raise ValueError("give potential_V or potential_vs_bulk_V, not both")
        if self.type == "blocking" and self.potential_V is None and self.potential_vs_bulk_V is None:
            raise ValueError("a blocking boundary needs potential_V or potential_vs_bulk_V")
        if self.type == "blocking" and self.species is not None:
            raise ValueError("'species' applies to reservoir boundaries only")
        if self.type == "reservoir" and self.stern is not None:
            raise ValueError("'stern' applies to blocking boundaries only")
        return self


class MeshSpec(_Strict):
    """1D stack meshing: cells graded geometrically toward every interface and boundary."""

    min_cell_m: CellSize | Literal["auto"] = Field(
        "auto", description="smallest cell; 'auto': 0.1 Debye length / cosh(expected drop / 2kT)")
    growth_ratio: Annotated[float, Field(gt=1.0, le=2.0)] = 1.1
    max_cell_m: CellSize | Literal["auto"] = Field(
        "auto", description="largest cell; 'auto': a twentieth of each electrolyte layer")
    refine: Annotated[int, Field(ge=0, le=8)] = Field(
        0, description="uniform bisections of the graded mesh (for convergence studies)")
    error_control: Literal["adapt", "estimate", "off"] = Field(
        "adapt", description="a-posteriori error of phi from a second solve on the bisected "
                             "mesh (stacks, layered_2d) or refined triangles; transients and "
                             "impedance: a refined twin with the same time steps; 'adapt': "
                             "refine until the estimate meets error_tolerance_V, else stop "
                             "(exit status 3; triangles are not refined); 'estimate': report it "
                             "and warn above the tolerance; 'off': no estimate")
    error_tolerance_V: ErrorTolerance = Field(
        1e-4, description="largest estimated discretisation error of phi, V (error_control)")
    max_adaptations: Annotated[int, Field(ge=0, le=30)] = Field(
        8, description="mesh refinements error_control = 'adapt' may make before it stops")


class GeometrySpec(_Strict):
    """The geometry: a 1D stack, or a 2D cross-section of the same layers along x (y lateral).

    2D types: 'layered_2d' (laterally uniform: the 1D graded x-vertices, extruded in y),
    'bicrystal' and 'polycrystal' (the grain-boundary region of [grain_boundaries] is split
    into grains, generated with gmsh from a seed), 'mesh_file' (any gmsh .msh following the
    contract in docs/user-guide.md: one physical group per region, 'left'/'right'/'top'/'bottom').
    The 2D sides y = 0 and y = height are insulating (zero field, zero flux).
    """

    type: Literal["stack", "layered_2d", "bicrystal", "polycrystal", "mesh_file"] = "stack"
    height_m: Length | None = Field(None, description="2D: lateral size (y), m")
    lateral_cells: Annotated[int, Field(ge=1, le=10000)] = Field(
        8, description="layered_2d: cells across the height")
    gb_position_m: Length | None = Field(
        None, description="bicrystal: x of the grain boundary at mid-height, from the "
                          "grain-boundary region's left edge, m (default: its middle)")
    gb_angle_deg: Annotated[float, Field(ge=0.0, le=90.0)] = Field(
        90.0, description="bicrystal: angle between the grain boundary and the x axis (90: "
                          "parallel to the electrodes, 0: running from electrode to electrode)")
    grains: Annotated[int, Field(ge=1, le=10000)] = Field(6, description="polycrystal: grains")
    seed: Annotated[int, Field(ge=0)] = Field(0, description="polycrystal: random seed")
    seeds_m: list[tuple[FiniteFloat, FiniteFloat]] | None = Field(
        None, description="polycrystal: grain seeds (x, y) in m, instead of random ones "
                          "(x from the grain-boundary region's left edge)")
    min_seed_distance_m: Length | None = Field(
        None, description="polycrystal: smallest distance between seeds, m (default: four "
                          "core widths, at least 1 nm)")
    max_cell_m: CellSize | Literal["auto"] = Field(
        "auto", description="2D generated meshes: largest cell; 'auto': a twentieth of the "
                            "smaller of the grain-boundary region's thickness and the height")
    mesh_file: str | None = Field(None, description="mesh_file: path of a gmsh .msh file")
    mesh_unit_m: Length = Field(1e-9, description="mesh_file: length unit of the file, m")

    @model_validator(mode="after")
    def _consistent(self) -> "GeometrySpec":
        two_d = self.type != "stack"
        if two_d and self.type != "mesh_file" and self.height_m is None:
            raise ValueError(f"geometry.type = {self.type!r} needs height_m")
        if not two_d and self.height_m is not None:
            raise ValueError("height_m applies to 2D geometries only")
        if (self.type == "mesh_file") != (self.mesh_file is not None):
            raise ValueError("mesh_file is required by, and only allowed in, "
                             "geometry.type = 'mesh_file'")
        return self

    @property
    def lateral_height_m(self) -> float:
        """height_m of a generated 2D cross-section (required there by the validator)."""
        if self.height_m is None:
            raise ValueError(f"geometry.type = {self.type!r} has no height_m")
        return self.height_m

    @property
    def mesh_path(self) -> str:
        """mesh_file of a 'mesh_file' geometry (required there by the validator)."""
        if self.mesh_file is None:
            raise ValueError("geometry.mesh_file is not set")
        return self.mesh_file

    @property
    def dimension(self) -> int:
        """1 for a stack, 2 otherwise."""
        return 1 if self.type == "stack" else 2


class GrainBoundarySpec(_Strict):
    """Grain boundaries inside one solid-electrolyte region (formulation.md, section 5).

    A boundary is either a sharp charged interface (width_m = 0: a sheet charge
    core_charge_C_m2) or a thin core of width_m with its own defect energies, a lower
    diffusivity and the core charge spread over it (rho = core_charge_C_m2 / width_m).
    The core charge is screened by space-charge layers in the grains: the grain-boundary
    potential barrier.
    """

    positions_m: list[PositiveFloat] = Field(
        default_factory=list, description="stack and layered_2d geometries: grain-boundary "
                                          "centres measured from the region's left edge, m "
                                          "(boundaries parallel to the electrodes)")
    width_m: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] = Field(
        0.0, description="core width, m; 0: a sharp charged interface")
    core_charge_C_m2: FiniteFloat = Field(0.0, description="core charge per boundary area, C/m^2")
    diffusivity_factor: PositiveFloat = Field(
        1.0, description="thin cores: D_core / D_grain, for every species")
    energy_shift_eV: dict[Name, FiniteFloat] = Field(
        default_factory=dict, description="thin cores: change of each species' standard "
                                          "chemical potential in the core, eV (< 0 attracts it: "
                                          "segregation)")

    @model_validator(mode="after")
    def _core_only(self) -> "GrainBoundarySpec":
        if self.width_m and not LENGTH_RANGE.ge <= self.width_m <= LENGTH_RANGE.le:
            raise ValueError(f"width_m = {self.width_m!r}: expected 0 (a sharp boundary) or "
                             f"{LENGTH_RANGE.expected()}")
        if self.width_m == 0.0 and (self.diffusivity_factor != 1.0 or self.energy_shift_eV):
            raise ValueError("diffusivity_factor and energy_shift_eV need a core: width_m > 0")
        return self


class SolverSpec(_Strict):
    """Newton (PETSc SNES) with adaptive continuation in a load parameter 0 -> 1."""

    linear_solver: Literal["mumps", "superlu_dist", "petsc", "gmres_gamg",
                           "fgmres_fieldsplit"] = Field(
        "mumps", description="direct LU (mumps, superlu_dist, petsc) for 1D and 2D up to ~1e6 "
                             "unknowns; iterative for large 2D runs: 'fgmres_fieldsplit' (one "
                             "GAMG per field, multiplicative coupling) or 'gmres_gamg'")
    krylov_rtol: Annotated[float, Field(gt=0, lt=1)] = Field(
        1e-12, description="iterative solvers: relative tolerance of each linear solve")
    krylov_max_iterations: Annotated[int, Field(ge=1)] = 1000
    line_search: Literal["basic", "l2"] = "l2"
    max_iterations: Annotated[int, Field(ge=1, le=500)] = 40
    step_tolerance: Annotated[float, Field(gt=0, le=1e-3)] = Field(
        1e-9, description="converged when the Newton update is below this, in kT/e units")
    continuation_initial_step: Annotated[float, Field(gt=0, le=1)] = 1.0
    continuation_min_step: Annotated[float, Field(gt=0, le=1)] = 1e-4
    continuation_max_steps: Annotated[int, Field(ge=1, le=10000)] = 200


class StudySpec(_Strict):
    """'equilibrium': Poisson with every Li-linked defect at one electrochemical potential
    (grand-canonical, the Li reference); 'steady_state': full Poisson–Nernst–Planck with fluxes."""

    type: Literal["equilibrium", "steady_state", "ocv_sweep", "transient", "impedance"] = (
        "equilibrium")
    ocv_V: list[FiniteFloat] | None = Field(
        None, description="ocv_sweep only: cell voltages (cathode - anode) to solve, with the Li "
                          "inventory of the regions' li_fraction conserved")

    current_density_A_m2: FiniteFloat | None = Field(
        None, description="steady_state of a two-electrode cell only: current control; the Li+ "
                          "current density entering the electrolyte at the left electrode "
                          "(A/m^2, > 0: Li+ moves left to right), with the right terminal's "
                          "voltage solved for")

    end_time_s: PositiveFloat | None = Field(None, description="transient only: final time, s")
    initial_step_s: PositiveFloat = Field(1e-9, description="transient: first time step, s")
    max_step_s: PositiveFloat | None = Field(
        None, description="transient: largest time step, s (default end_time_s / 50)")
    control: Literal["voltage", "current", "open_circuit"] = Field(
        "voltage", description="transient: what the right terminal (or, without conductors, the "
                               "boundary potentials) holds for t > 0")
    output_times_s: list[PositiveFloat] = Field(
        default_factory=list, description="transient: times at which a full state is written")
    start_from: str | None = Field(
        None, description="transient: output directory of an earlier transient run of the same "
                          "stack; its last checkpoint is the state at t = 0 (e.g. relax after a "
                          "charge)")
    checkpoint_every_steps: Annotated[int, Field(ge=1)] = Field(
        20, description="transient: steps between checkpoints (a restart resumes from the last)")

    frequencies_Hz: list[float] | None = Field(
        None, description="impedance: the frequencies, Hz (default: f_min_Hz to f_max_Hz)")
    f_min_Hz: Frequency = Field(1e-3, description="impedance: lowest frequency, Hz")
    f_max_Hz: Frequency = Field(1e7, description="impedance: highest frequency, Hz")
    points_per_decade: Annotated[int, Field(ge=1, le=100)] = Field(
        5, description="impedance: log-spaced frequencies per decade")

    @model_validator(mode="after")
    def _sweep(self) -> "StudySpec":
        if self.frequencies_Hz is not None:
            if self.type != "impedance":
                raise ValueError("frequencies_Hz applies to study.type = 'impedance' only")
            if not self.frequencies_Hz:
                raise ValueError("frequencies_Hz = []: expected at least one frequency")
            r = FREQUENCY_RANGE
            bad = [f for f in self.frequencies_Hz if not (math.isfinite(f) and r.ge <= f <= r.le)]
            if bad:
                raise ValueError(f"frequencies_Hz contains {bad[0]!r}: expected positive, "
                                 f"finite frequencies between {r.ge:g} Hz and {r.le:g} Hz")
        if self.f_min_Hz >= self.f_max_Hz:
            raise ValueError(f"f_min_Hz = {self.f_min_Hz!r} >= f_max_Hz = {self.f_max_Hz!r}: "
                             "expected f_min_Hz < f_max_Hz")
        transient = self.type == "transient"
        if (self.end_time_s is not None) != transient:
            raise ValueError("end_time_s is required by, and only allowed in, "
                             "study.type = 'transient'")
        if self.start_from is not None and not transient:
            raise ValueError("start_from applies to study.type = 'transient' only")
        if self.start_from is not None and not (Path(self.start_from) / "checkpoint"
                                                / "meta.json").is_file():
            raise ValueError(f"start_from = {self.start_from!r}: no checkpoint/meta.json there "
                             "(expected the output directory of a finished transient run)")
        if transient and self.control == "current" and self.current_density_A_m2 is None:
            raise ValueError("control = 'current' needs current_density_A_m2")
        if (self.current_density_A_m2 is not None and self.type != "steady_state"
                and not (transient and self.control == "current")):
            raise ValueError("current_density_A_m2 applies to a steady_state study or a "
                             "transient with control = 'current'")
        if (self.type == "ocv_sweep") != (self.ocv_V is not None):
            raise ValueError("ocv_V is required by, and only allowed in, study.type = 'ocv_sweep'")
        if self.ocv_V is not None and not self.ocv_V:
            raise ValueError("ocv_V needs at least one voltage")
        return self


class KineticsSpec(_Strict):
    """Butler–Volmer charge transfer Li(electrode) <-> Li+(electrolyte) + e-(electrode):
    i = i0 [exp(alpha_a e eta/kT) - exp(-alpha_c e eta/kT)], eta > 0 oxidises the electrode.
    Each Li-linked defect of the electrolyte is one reaction channel with this i0."""

    exchange_current_density_A_m2: PositiveFloat = Field(description="i0, A/m^2")
    alpha_anodic: Annotated[float, Field(gt=0, lt=1)] = 0.5
    alpha_cathodic: Annotated[float, Field(gt=0, lt=1)] = 0.5


class InterfaceSpec(_Strict):
    """Properties of the interface between two adjacent regions, keyed "A|B" (left|right)."""

    dipole_V: FiniteFloat = Field(
        0.0, description="potential step phi(B side) - phi(A side) across a conductor | "
                         "electrolyte contact (an interface dipole), V")
    kinetics: KineticsSpec | None = Field(
        None, description="charge transfer at an electrode | electrolyte contact (needed under "
                          "current, i.e. in steady_state studies)")


class OutputSpec(_Strict):
    """What `pnp-ssb run` writes besides summary.json, profiles.csv and the resolved case."""

    fields: Literal["vtx", "xdmf", "none"] = "vtx"
    figures: bool = True


class Case(_Strict):
    """A complete, validated pnp_ssb case (SI units)."""

    name: Name
    description: str = ""
    temperature_K: Temperature = 298.15
    study: StudySpec = StudySpec()
    regions: Annotated[list[RegionSpec], Field(min_length=1)]
    materials: dict[Name, dict[str, Any]] = Field(
        default_factory=dict, description="materials defined in the case (database format)")
    boundaries: dict[str, BoundarySpec]
    interfaces: dict[str, InterfaceSpec] = Field(
        default_factory=dict,
        description="per-interface settings, keyed by interface name (the left and right "
                    "region names joined by a vertical bar)")
    geometry: GeometrySpec = GeometrySpec()
    grain_boundaries: dict[Name, GrainBoundarySpec] = Field(
        default_factory=dict, description="grain boundaries, keyed by the name of the "
                                          "solid-electrolyte region that holds them")
    ground: Name | None = Field(
        None, description="region whose terminal is 0 V in the outputs (default: the first "
                          "conductor)")
    mesh: MeshSpec = MeshSpec()
    solver: SolverSpec = SolverSpec()
    output: OutputSpec = OutputSpec()

    @cached_property
    def region_materials(self) -> dict[str, matdb.Material]:
        """Each region's material, with the region's overrides applied."""
        return {r.name: _resolve_material(self, i) for i, r in enumerate(self.regions)}

    def region(self, name: str) -> RegionSpec:
        """The region called ``name``."""
        return next(r for r in self.regions if r.name == name)

    def citation_keys(self) -> list[str]:
        """Every bibliography key behind the parameters this case uses, in first-use order."""
        keys: dict[str, None] = {}
        for material in self.region_materials.values():
            keys.update(dict.fromkeys(material.citation_keys()))
        return list(keys)


def _path(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(case)"


# the branch labels pydantic puts in an error's location inside a union (not field names)
_UNION_TAG = re.compile(r"(literal|function-\w+|(list|tuple|dict|set)|[a-z]+)\[.*\]"
                        r"|constrained-\w+|float|int|str|bool|none")


def _error_line(path: str, errors: list[ErrorDetails]) -> str:
    """One line for one field: the errors of a union's branches (a number or 'auto') merge."""
    main = next((e for e in errors if e["type"] != "literal_error"), errors[0])
    value = main.get("input")
    if main["type"] == "missing":
        return f"{path}: missing; this field is required"
    if main["type"] == "extra_forbidden":
        return f"{path} = {value!r}: unknown field"
    shown = value if not isinstance(value, Mapping) else "{...}"
    line = f"{path} = {shown!r}: " + main["msg"].removeprefix("Value error, ")
    others = [e.get("ctx", {})["expected"] for e in errors if e is not main
              and e["type"] == "literal_error" and "expected" in e.get("ctx", {})]
    return line + (f" (or {' or '.join(others)})" if others else "")


def format_validation_error(err: ValidationError, source: str, what: str = "case") -> CaseError:
    """One line per field, ``path = value: expected ...`` (no pydantic links or branch labels)."""
    by_path: dict[str, list[ErrorDetails]] = {}
    for e in err.errors(include_url=False):
        loc = [p for p in e["loc"] if not (isinstance(p, str) and _UNION_TAG.fullmatch(p))]
        by_path.setdefault(_path(loc), []).append(e)
    lines = [_error_line(path, errors) for path, errors in by_path.items()]
    head = f"invalid {what} {source}: " if len(lines) == 1 else f"invalid {what} {source}:\n  "
    return CaseError(head + "\n  ".join(lines))


def _resolve_material(case: Case, index: int) -> matdb.Material:
    region = case.regions[index]
    where = f"regions[{index}]"
    try:
        if region.material in case.materials:
            base = matdb.material_from_dict({"name": region.material, **case.materials[
                region.material]}, origin=f"case {case.name}")
        else:
            base = matdb.load_material(region.material)
        return matdb.apply_overrides(base, region.overrides, origin=f"case {case.name}")
    except matdb.MaterialError as exc:
        raise CaseError(f"{where} (material {region.material!r}): {exc}") from None


def set_override(data: dict[str, Any], assignment: str) -> None:
    """Apply one ``--set key=value`` to the raw case dictionary, in place.

    ``key`` is a dotted path (list items by index: ``regions.0.thickness_m``); ``value`` is
    parsed as a TOML value (``0.3``, ``"mumps"``, ``true``, ``[1, 2]``), or taken as a string.
    """
    if "=" not in assignment:
        raise CaseError(f"--set {assignment!r}: expected key=value")
    key, text = (s.strip() for s in assignment.split("=", 1))
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        value = text
    parts = [p.strip().strip('"') for p in key.split(".")]  # quoted keys: interfaces."A|B"
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise field_error(f"--set {where}", part, f"an index below {len(node)}")
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            raise field_error(f"--set {where}", node, "a table or an array to index into")


def load_case(source: str | Path | Mapping[str, Any], overrides: Sequence[str] = ()) -> Case:
    """Read, override and validate a case.

    Args:
        source: a TOML file path, or an already parsed dictionary.
        overrides: ``key=value`` strings applied before validation.

    Raises:
        CaseError: on any mistake, with the field path, the value and the expectation.
    """
    if isinstance(source, Mapping):
        data, label = dict(source), "(dictionary)"
    else:
        path = Path(source)
        label = str(path)
        if not path.is_file():
            raise CaseError(f"case file {label!r} does not exist")
        try:
            data = read_toml(path)
        except tomllib.TOMLDecodeError as exc:
            raise CaseError(f"case file {label} is not valid TOML: {exc}") from None
    import copy

    data = copy.deepcopy(data)
    for assignment in overrides:
        set_override(data, assignment)
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, label) from None
    validate_semantics(case)
    return case


def validate_semantics(case: Case) -> None:
    """Checks that span fields: names, materials, species and boundary/study consistency."""
    names = [r.name for r in case.regions]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise field_error(f"regions[{i}].name", name, "a region name used only once")
        if name in ("left", "right"):
            raise field_error(f"regions[{i}].name", name, "a name other than 'left'/'right'")
    for i, region in enumerate(case.regions):
        if region.material not in case.materials:
            known = {m.lower() for m in matdb.available_materials()}
            if region.material.lower() not in known:
                raise field_error(
                    f"regions[{i}].material", region.material,
                    "a database material (" + ", ".join(matdb.available_materials())
                    + ") or a key of [materials]" + (f" ({', '.join(case.materials)})"
                                                      if case.materials else ""))
    mats = case.region_materials  # raises CaseError for bad overrides or inline materials
    for i, region in enumerate(case.regions):
        _check_region_material(i, region, mats[region.name])
    kinds = [mats[r.name].kind for r in case.regions]
    if "solid_electrolyte" not in kinds:
        raise field_error("regions", [r.name for r in case.regions],
                          "at least one solid_electrolyte region")
    sides = {"left": 0, "right": len(case.regions) - 1}
    for name in case.boundaries:
        if name not in sides:
            raise field_error(f"boundaries.{name}", "{...}", "a 1D stack boundary: 'left' or 'right'")
    for name, index in sides.items():
        _check_boundary(case, name, case.regions[index].name, kinds[index])
    _check_interfaces(case, kinds)
    if case.ground is not None and (case.ground not in mats or kinds[
            [r.name for r in case.regions].index(case.ground)] not in ("metal", "insertion_electrode")):
        raise field_error("ground", case.ground, "the name of a conductor region (metal or "
                          "insertion_electrode)")
    for i, region in enumerate(case.regions):
        if region.electronic == "graded" and case.study.type in ("equilibrium", "ocv_sweep"):
            raise field_error(f"regions[{i}].electronic", "graded", "'extrinsic' or 'none' in "
                              f"a {case.study.type} study: graded carriers carry a current "
                              "between electrodes at different Fermi levels (use steady_state)")
    if case.study.type in ("steady_state", "transient", "impedance"):
        if "dielectric" in kinds and case.study.type in ("transient", "impedance"):
            raise field_error("study.type", case.study.type, "'equilibrium' or 'steady_state' for "
                              "stacks with dielectric layers (transients across a compact layer "
                              "are not supported yet)")
        _check_kinetics(case, kinds)
        right = case.boundaries.get("right")
        controlled = case.study.current_density_A_m2 is not None or (
            case.study.type == "transient" and case.study.control != "voltage")
        if controlled and right is not None and right.voltage_V is not None:
            raise field_error("boundaries.right.voltage_V", right.voltage_V,
                              "no voltage_V under current control (study.current_density_A_m2): "
                              "the right terminal's voltage is solved for")
        if controlled and len(reacting_contacts(case)) != 2 and not (
                case.study.type == "transient" and _ends_pass_current(case)):
            raise field_error("study.current_density_A_m2", case.study.current_density_A_m2,
                              "no current control here: it needs a cell with two electrode | "
                              "electrolyte contacts (found "
                              f"{len(reacting_contacts(case))}), or, in a transient, electrodes "
                              "at both ends that pass Li+ or electrons (graded) into it")
    _check_grain_boundaries(case, kinds)
    _check_geometry(case)
    _check_cell(case)
    _check_mesh(case)
    _advise(case)


def _ends_pass_current(case: Case) -> bool:
    """The first and the last conductor | electrolyte contacts each pass a current: a reacting
    contact, or graded electrons and holes in the electrolyte."""
    mats = case.region_materials
    reacting = {key for key, _, _ in reacting_contacts(case)}
    passing = []
    for a, b in zip(case.regions, case.regions[1:], strict=False):
        kinds = (mats[a.name].kind, mats[b.name].kind)
        if "solid_electrolyte" not in kinds or not {"metal", "insertion_electrode"} & set(kinds):
            continue
        se = a if kinds[0] == "solid_electrolyte" else b
        passing.append(f"{a.name}|{b.name}" in reacting or se.electronic == "graded")
    return len(passing) >= 2 and passing[0] and passing[-1]


def _check_grain_boundaries(case: Case, kinds: Sequence[str]) -> None:
    names = [r.name for r in case.regions]
    for i, name in enumerate(names):
        if name.endswith("_gb"):
            raise field_error(f"regions[{i}].name", name, "a name not ending in '_gb' (reserved "
                              "for grain-boundary cores in meshes)")
    for key, gb in case.grain_boundaries.items():
        where = f"grain_boundaries.{key}"
        if key not in names:
            raise field_error(where, "{...}", "a table keyed by a region name: " + ", ".join(names))
        if kinds[names.index(key)] != "solid_electrolyte":
            raise field_error(where, "{...}", f"grain boundaries in a solid_electrolyte; region "
                              f"{key!r} is a {kinds[names.index(key)]}")
        species = case.region_materials[key].species
        for sp in gb.energy_shift_eV:
            if sp not in species:
                raise field_error(f"{where}.energy_shift_eV.{sp}", gb.energy_shift_eV[sp],
                                  f"a species of region {key!r}: {', '.join(species)}")
        thickness = case.region(key).thickness_m
        along_x = case.geometry.type in ("stack", "layered_2d")
        if gb.positions_m and not along_x:
            raise field_error(f"{where}.positions_m", gb.positions_m, "no positions here: the "
                              f"{case.geometry.type} geometry places the grain boundaries")
        if along_x and not gb.positions_m:
            raise CaseError(f"{where}.positions_m: missing; a {case.geometry.type} geometry needs "
                            "the grain-boundary positions")
        previous = None
        gap = LENGTH_RANGE.ge  # the shortest piece of layer a boundary may leave
        for j, x in enumerate(gb.positions_m):
            if not gb.width_m / 2 + gap <= x <= thickness - gb.width_m / 2 - gap:
                raise field_error(f"{where}.positions_m[{j}]", x, f"a position inside region "
                                  f"{key!r} (0 to {thickness:g} m), the core included, at "
                                  f"least {gap:g} m from its edges")
            if previous is not None and x - previous < gb.width_m + gap:
                raise field_error(f"{where}.positions_m[{j}]", x, "increasing positions whose "
                                  f"cores do not overlap, at least {gap:g} m apart")
            previous = x


# geometry entries that only some geometry types use
GEOMETRY_KEYS_FOR = {
    "height_m": ("layered_2d", "bicrystal", "polycrystal"),
    "lateral_cells": ("layered_2d",),
    "gb_position_m": ("bicrystal",),
    "gb_angle_deg": ("bicrystal",),
    "grains": ("polycrystal",),
    "seed": ("polycrystal",),
    "seeds_m": ("polycrystal",),
    "min_seed_distance_m": ("polycrystal",),
    "max_cell_m": ("bicrystal", "polycrystal"),
    "mesh_unit_m": ("mesh_file",),
}


def _check_geometry_keys(geo: GeometrySpec) -> None:
    """An entry given with a value other than its default must apply to geometry.type
    (resolved cases list every default, so defaults pass)."""
    for key, types in GEOMETRY_KEYS_FOR.items():
        value = getattr(geo, key)
        if geo.type in types or key not in geo.model_fields_set or (
                value == GeometrySpec.model_fields[key].default):
            continue
        hint = " (stacks: mesh.max_cell_m)" if key == "max_cell_m" else ""
        raise field_error(f"geometry.{key}", value, f"no {key} here: it applies to geometry.type "
                          f"= {' or '.join(map(repr, types))}, not {geo.type!r}{hint}")


def _check_geometry(case: Case) -> None:
    geo = case.geometry
    _check_geometry_keys(geo)
    if geo.type in ("bicrystal", "polycrystal"):
        if len(case.grain_boundaries) != 1:
            raise field_error("grain_boundaries", sorted(case.grain_boundaries),
                              f"exactly one region with grain boundaries for geometry.type = "
                              f"{geo.type!r}")
        (key,) = case.grain_boundaries
        thickness = case.region(key).thickness_m
        if geo.gb_position_m is not None and geo.gb_position_m >= thickness:
            raise field_error("geometry.gb_position_m", geo.gb_position_m,
                              f"a position inside region {key!r} (0 to {thickness:g} m)")
        from pnp_ssb.discretisation import microstructure

        try:
            plan_microstructure(case)
        except microstructure.GeometryError as exc:
            raise CaseError(f"geometry ({geo.type}): {exc}") from None
    if geo.type == "mesh_file":
        _check_mesh_file(case)


def plan_microstructure(case: Case):
    """The layers (nm), grain-boundary region, and for a polycrystal its seeds and Voronoi
    cells, of a bicrystal or polycrystal geometry (checked, no gmsh)."""
    from pnp_ssb.discretisation import microstructure

    nm = 1e-9
    geo = case.geometry
    (key,) = case.grain_boundaries
    layers = microstructure.Layers(tuple(r.name for r in case.regions),
                                   tuple(r.thickness_m / nm for r in case.regions),
                                   geo.lateral_height_m / nm)
    width_nm = case.grain_boundaries[key].width_m / nm
    if geo.type == "bicrystal":
        position = (geo.gb_position_m if geo.gb_position_m is not None
                    else case.region(key).thickness_m / 2) / nm
        return layers, key, microstructure.bicrystal_grains(layers, key, position,
                                                            geo.gb_angle_deg)
    x0 = layers.bounds(key)[0]
    seeds = ([(x0 + x / nm, y / nm) for x, y in geo.seeds_m] if geo.seeds_m is not None
             else None)
    min_d = geo.min_seed_distance_m / nm if geo.min_seed_distance_m is not None else None
    return layers, key, microstructure.polycrystal_cells(layers, key, geo.grains, geo.seed,
                                                         width_nm, min_d, seeds)


def _check_mesh_file(case: Case) -> None:
    """The mesh names every region (dimension 2), and 'left' and 'right' (dimension 1)."""
    from pnp_ssb.discretisation.msh import physical_groups

    path = case.geometry.mesh_path
    if not Path(path).is_file():
        raise field_error("geometry.mesh_file", path, "an existing gmsh .msh file")
    try:
        groups = physical_groups(path)
    except ValueError as exc:
        raise field_error("geometry.mesh_file", path, f"a 2D gmsh mesh ({exc})") from None
    have = ", ".join(f"{n} (dimension {d})" for n, d in groups.items())
    for name, dim in [*((r.name, 2) for r in case.regions), ("left", 1), ("right", 1)]:
        if groups.get(name) != dim:
            raise field_error("geometry.mesh_file", path, f"a mesh with a physical group "
                              f"{name!r} of dimension {dim}; it has: {have}")
    for name, dim in groups.items():
        owner = name.removesuffix("_gb")
        if name.endswith("_gb") and owner not in case.grain_boundaries:
            raise field_error("geometry.mesh_file", path, f"grain boundaries {name!r} (dimension "
                              f"{dim}) described by a [grain_boundaries.{owner}] table")
        if dim == 2 and not name.endswith("_gb") and name not in {r.name for r in case.regions}:
            raise field_error("geometry.mesh_file", path, f"no region {name!r} that the case "
                              "does not name (every 2D physical group is a region)")


def _check_region_material(i: int, region: RegionSpec, material: matdb.Material) -> None:
    where = f"regions[{i}]"
    kind = material.kind
    if kind == "insertion_electrode":
        if region.li_fraction is None:
            raise CaseError(f"{where}.li_fraction: missing; an insertion_electrode "
                            f"({region.material}) needs its Li site fraction theta in [0, 1]")
        for key in ("open_circuit_potential_V", "work_function_eV"):
            if key not in material.tables:
                raise CaseError(f"{where} (material {region.material!r}): tables.{key} missing; "
                                "an insertion_electrode needs it")
        if "li_site_density_m3" not in material.parameters:
            raise CaseError(f"{where} (material {region.material!r}): parameters."
                            "li_site_density_m3 missing; an insertion_electrode needs it")
        table = material.tables["open_circuit_potential_V"]
        if region.li_fraction > 0 and not table.theta[0] <= region.li_fraction <= table.theta[-1]:
            raise field_error(f"{where}.li_fraction", region.li_fraction,
                              f"0 (no Li) or a value inside the OCV table of {region.material}: "
                              f"{table.theta[0]} to {table.theta[-1]}")
    elif region.li_fraction is not None:
        raise field_error(f"{where}.li_fraction", region.li_fraction,
                          f"no li_fraction: {region.material} is a {kind}, not an "
                          "insertion_electrode")
    if region.electronic != "none":
        if kind != "solid_electrolyte":
            raise field_error(f"{where}.electronic", region.electronic,
                              f"'none': {region.material} is a {kind}, not a solid_electrolyte")
        if region.li_potential_V is None:
            raise CaseError(f"{where}.li_potential_V: missing; electronic carriers need the "
                            "electrolyte's Li potential vs Li/Li+ to place its Fermi level")
        needed = ["electron_affinity_eV", "band_gap_eV", "effective_dos_conduction_m3",
                  "effective_dos_valence_m3"]
        if region.electronic == "graded":
            needed += ["electron_diffusivity_m2_s", "hole_diffusivity_m2_s"]
        for key in needed:
            if key not in material.parameters:
                raise CaseError(f"{where} (material {region.material!r}): parameters.{key} "
                                f"missing; electronic = {region.electronic!r} needs it")
    if kind == "metal" and "work_function_eV" not in material.parameters:
        raise CaseError(f"{where} (material {region.material!r}): parameters.work_function_eV "
                        "missing; a metal needs it")


def _check_boundary(case: Case, side: str, region_name: str, kind: str) -> None:
    mats = case.region_materials
    conductor = kind in ("metal", "insertion_electrode")
    bc = case.boundaries.get(side)
    if kind == "dielectric":
        raise field_error(f"regions ({side} end)", region_name, "a solid_electrolyte or conductor "
                          "at the outer end of the stack, not a dielectric")
    if conductor:
        if bc is not None and bc.type != "terminal":
            raise field_error(f"boundaries.{side}.type", bc.type,
                              f"'terminal': region {region_name!r} is a conductor")
        return
    if bc is None:
        raise CaseError(f"boundaries.{side}: missing; expected a table with "
                        f"type = 'blocking' or 'reservoir'")
    if bc.type == "terminal":
        raise field_error(f"boundaries.{side}.type", "terminal",
                          f"'blocking' or 'reservoir': region {region_name!r} is an electrolyte")
    species = mats[region_name].species
    for sp in bc.species or []:
        if sp not in species:
            raise field_error(f"boundaries.{side}.species", sp,
                              f"a species of region {region_name!r}: {', '.join(species)}")
    if (case.study.type != "steady_state" and bc.type == "reservoir"
            and _offset_from_bulk(bc, mats[region_name]) != 0.0):
        raise field_error(f"boundaries.{side}.potential", bc.potential_V
                          if bc.potential_V is not None else bc.potential_vs_bulk_V,
                          "a reservoir at its bulk potential in an equilibrium study "
                          "(use study.type = 'steady_state' to drive a current)")


def _check_interfaces(case: Case, kinds: Sequence[str]) -> None:
    names = [r.name for r in case.regions]
    pairs = {f"{a}|{b}": (ka, kb) for a, b, ka, kb in zip(names, names[1:], kinds, kinds[1:],
                                                          strict=False)}
    for key, spec in case.interfaces.items():
        if key not in pairs:
            raise field_error(f"interfaces.{key}", "{...}", "an interface of adjacent regions, "
                              "named left|right: " + ", ".join(pairs))
        conductors = [k in ("metal", "insertion_electrode") for k in pairs[key]]
        if spec.dipole_V != 0.0 and sum(conductors) != 1:
            raise field_error(f"interfaces.{key}.dipole_V", spec.dipole_V,
                              "0 here: a dipole step is supported between a conductor and a "
                              "non-conductor")


def reacting_contacts(case: Case) -> list[tuple[str, str, str]]:
    """(interface key, conductor, electrolyte) of every contact between a Li-active conductor
    (an insertion electrode or Li metal) and a solid electrolyte, left to right. A dielectric
    (compact) layer may sit between them: the key is then the dielectric | electrolyte
    interface, where the reaction plane is."""
    mats = case.region_materials
    names = [r.name for r in case.regions]

    def li_active(name: str) -> bool:
        m = mats[name]
        return m.kind == "insertion_electrode" or (
            m.kind == "metal" and "open_circuit_potential_V" in m.parameters)

    out = []
    for i in range(len(names) - 1):
        a, b = names[i], names[i + 1]
        for se, step in ((b, -1), (a, +1)):
            if mats[se].kind != "solid_electrolyte":
                continue
            j = names.index(se) + step  # the neighbour facing this interface, then through a gap
            if not 0 <= j < len(names) or {names[j], se} != {a, b}:
                continue
            k = j + step if mats[names[j]].kind == "dielectric" else j
            if 0 <= k < len(names) and mats[names[k]].kind != "dielectric" and li_active(names[k]):
                out.append((f"{a}|{b}", names[k], se))
    return out


def _check_kinetics(case: Case, kinds: Sequence[str]) -> None:
    for key, _, _ in reacting_contacts(case):
        spec = case.interfaces.get(key)
        if spec is None or spec.kinetics is None:
            raise CaseError(f'interfaces."{key}".kinetics.exchange_current_density_A_m2: missing; '
                            "a steady_state study needs the charge-transfer kinetics of every "
                            "electrode | electrolyte contact")


def _check_cell(case: Case) -> None:
    from pnp_ssb.physics import electrodes

    if case.study.type == "ocv_sweep":
        for i, ocv in enumerate(case.study.ocv_V or []):
            state = electrodes.state_for_ocv(case, ocv, path=f"study.ocv_V[{i}]")
            electrodes.cell_state(case, state.li_fraction, state.terminal_voltage_V)
    else:
        electrodes.cell_state(case)


def _meshing_model(case: Case):
    """The stack model the mesh is graded for: the case's own state, or an OCV sweep's first."""
    from pnp_ssb.physics.model import build_stack_model

    if case.study.type != "ocv_sweep":
        return build_stack_model(case)
    from pnp_ssb.physics import electrodes

    state = electrodes.state_for_ocv(case, (case.study.ocv_V or [])[0])
    return build_stack_model(case, state.li_fraction, state.terminal_voltage_V)


def _check_mesh(case: Case) -> None:
    """Cell sizes that take effect, and a mesh that fits: the automatic graded mesh is counted
    (pnp_ssb.discretisation.grading, the rules pnp_ssb.discretisation.mesh meshes with) and
    refused above MAX_CELLS."""
    from pnp_ssb.discretisation import grading

    mesh = case.mesh
    if (isinstance(mesh.min_cell_m, float) and isinstance(mesh.max_cell_m, float)
            and mesh.max_cell_m < mesh.min_cell_m):
        raise field_error("mesh.max_cell_m", mesh.max_cell_m, f"at least mesh.min_cell_m = "
                          f"{mesh.min_cell_m!r}: cells grow from min_cell_m up to max_cell_m")
    model = _meshing_model(case)
    estimate = grading.estimate_cells(case, model)
    if estimate.cells > grading.MAX_CELLS:
        raise field_error(estimate.field, estimate.value, f"a case whose mesh has at most "
                          f"{grading.MAX_CELLS:,} cells; {estimate.detail}")
    ignored = [max(s.h_start, s.h_end) for segments, r in zip(
        grading.stack_segments(case, model), model.regions, strict=True) if r.is_electrolyte
        for s in segments if s.h_cap < max(s.h_start, s.h_end)]
    if ignored:
        log.warning("mesh.max_cell_m = %r is below the automatic cells at the walls (up to "
                    "%.3g m, mesh.min_cell_m = 'auto'): those layers use their wall cells as "
                    "the largest instead", mesh.max_cell_m, max(ignored))
    if case.geometry.type in ("bicrystal", "polycrystal") and case.geometry.max_cell_m != "auto":
        h_min = grading.microstructure_sizing(case, model).h_min_nm * model.scales.length_m
        if case.geometry.max_cell_m < h_min:
            log.warning("geometry.max_cell_m = %r is below the smallest cell (%.3g m): the "
                        "cross-section is meshed with cells of %.3g m", case.geometry.max_cell_m,
                        h_min, h_min)


def _advise(case: Case) -> None:
    """Warnings for values that are allowed but unusual."""
    lo, hi = ADVISORY_TEMPERATURE_K
    if not lo <= case.temperature_K <= hi:
        log.warning("temperature_K = %r: outside %g K to %g K, where material data are rarely "
                    "measured; check the value", case.temperature_K, lo, hi)
    study = case.study
    if study.type == "impedance" and study.frequencies_Hz is None:
        count = max(2, round(math.log10(study.f_max_Hz / study.f_min_Hz)
                             * study.points_per_decade) + 1)
        if count > ADVISORY_MAX_FREQUENCIES:
            log.warning("study: %d frequencies (f_min_Hz = %r to f_max_Hz = %r, %d per decade), "
                        "each one linear solve; expected at most %d: narrow the range or lower "
                        "points_per_decade", count, study.f_min_Hz, study.f_max_Hz,
                        study.points_per_decade, ADVISORY_MAX_FREQUENCIES)


def _offset_from_bulk(bc: BoundarySpec, material: matdb.Material) -> float:
    if bc.potential_vs_bulk_V is not None:
        return bc.potential_vs_bulk_V
    if bc.potential_V is None:
        return 0.0
    return bc.potential_V - neutrality_potential_V(material)


def neutrality_potential_V(material: matdb.Material) -> float:
    """The electrolyte's bulk potential vs a Li electrode in equilibrium with it (0 if not given)."""
    return material.parameters["neutrality_potential_vs_li_V"].value if (
        "neutrality_potential_vs_li_V" in material.parameters) else 0.0


def case_to_dict(case: Case) -> dict[str, Any]:
    """The case with every default filled in, as plain data (for case.resolved.toml)."""
    return case.model_dump(mode="json")


def json_schema() -> dict[str, Any]:
    """The JSON schema of case files."""
    return Case.model_json_schema()
