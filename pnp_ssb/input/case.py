"""Case files: the TOML schema (pydantic), loading, ``--set`` overrides and validation.

A case names regions (a 1D stack from x = 0, or the physical groups of a mesh), their
materials, the boundary conditions, the study, and the mesh and solver settings. Every
mistake is reported before any mesh or MPI work, as one :class:`CaseError` naming the field
path, the value and what was expected. This module imports no DOLFINx.
"""

import logging
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from pnp_ssb.input.fields import (
    LENGTH_RANGE,
    CaseError,
    CellSize,
    ErrorTolerance,
    FiniteFloat,
    Length,
    Name,
    PositiveFloat,
    StrictModel,
    Temperature,
)
from pnp_ssb.input.study import (
    EquilibriumStudy,
    StudySpec,
)
from pnp_ssb.materials import database as matdb

log = logging.getLogger(__name__)


class RegionSpec(StrictModel):
    """One region: a layer of the 1D stack (left to right) or a physical group of a mesh."""

    name: Name
    material: str = Field(description="database name (see `pnp-ssb materials`) or a key of [materials]")
    thickness_m: Length = Field(description="layer thickness in m (1D stacks)")
    li_fraction: Annotated[float, Field(ge=0.0, le=1.0)] | None = Field(
        None, description="insertion electrodes only: Li site fraction theta (1); in an "
                          "ocv_sweep it fixes the Li inventory")
    electronic: Literal["none", "extrinsic", "minimum_interface", "graded",
                        "mixed_conductor"] = Field(
        "none", description="insertion electrodes: 'mixed_conductor' (equilibrium) resolves "
                            "the electrode's own Li+ and electrons, so it has space charge at "
                            "its contacts (relative_permittivity; electron_site_density_m3, "
                            "default li_site_density_m3); 'none' keeps it an ideal conductor. "
                            "Solid electrolytes: electrons and holes from the band structure "
                            "(electron_affinity_eV, band_gap_eV, effective_dos_*_m3). "
                            "'extrinsic': mu_Li fixed by li_potential_V, so the electrons follow "
                            "Li+ (mu~_e = mu_Li - mu~_Li+, no electronic current); "
                            "'minimum_interface' (equilibrium, ocv_sweep): the same, with mu_Li "
                            "sloped from the material's stability_limit_li_rich_V at the "
                            "anode_side to its stability_limit_li_poor_V at the other side; "
                            "'graded': electrons and holes move (electron/hole_diffusivity_m2_s) "
                            "and take each electrode's Fermi level at its contact")
    anode_side: Literal["left", "right"] | None = Field(
        None, description="electronic = 'minimum_interface': the side of the anode, where mu_Li "
                          "is at the electrolyte's Li-rich stability limit")
    li_potential_V: FiniteFloat | None = Field(
        None, description="with electronic carriers: the electrolyte's Li potential vs Li/Li+ "
                          "in its bulk, mu_Li = -e U, which places its Fermi level")
    collector_lithiation: bool = Field(
        False, description="a metal collector beside an insertion electrode (transients, and "
                           "ocv_sweep with hold_time_s): Li dissolves in it from the electrode and diffuses "
                           "(li_solubility_m3, li_diffusivity_m2_s), and its work function "
                           "follows the Li activity (lithiated_work_function_eV); a run of "
                           "such collectors takes Li from the one electrode it touches")
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="material parameters replaced for this region, by dotted path "
                    "(e.g. 'relative_permittivity' or 'species.Li_v.diffusivity_m2_s')")


class SternSpec(StrictModel):
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


class BoundarySpec(StrictModel):
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


class MeshSpec(StrictModel):
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


class GeometrySpec(StrictModel):
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


class GrainBoundarySpec(StrictModel):
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


class SolverSpec(StrictModel):
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


class KineticsSpec(StrictModel):
    """Butler–Volmer charge transfer Li(electrode) <-> Li+(electrolyte) + e-(electrode):
    i = i0 [exp(alpha_a e eta/kT) - exp(-alpha_c e eta/kT)], eta > 0 oxidises the electrode.
    Each Li-linked defect of the electrolyte is one reaction channel with this i0."""

    exchange_current_density_A_m2: PositiveFloat = Field(description="i0, A/m^2")
    alpha_anodic: Annotated[float, Field(gt=0, lt=1)] = 0.5
    alpha_cathodic: Annotated[float, Field(gt=0, lt=1)] = 0.5


class InterfaceSpec(StrictModel):
    """Properties of the interface between two adjacent regions, keyed "A|B" (left|right)."""

    dipole_V: FiniteFloat = Field(
        0.0, description="potential step phi(B side) - phi(A side) across a conductor | "
                         "electrolyte contact, or (equilibrium, layered stacks) between two "
                         "charged regions such as a mixed-conducting electrode and an "
                         "electrolyte (an interface dipole), V")
    kinetics: KineticsSpec | None = Field(
        None, description="charge transfer at an electrode | electrolyte contact (needed under "
                          "current, i.e. in steady_state studies)")


class OutputSpec(StrictModel):
    """What `pnp-ssb run` writes besides summary.json, profiles.csv and the resolved case."""

    fields: Literal["vtx", "xdmf", "none"] = "vtx"
    figures: bool = True


class Case(StrictModel):
    """A complete, validated pnp_ssb case (SI units)."""

    name: Name
    description: str = ""
    temperature_K: Temperature = 298.15
    study: StudySpec = Field(
        default_factory=EquilibriumStudy,
        description="what to solve: one of the [study] tables below, chosen by its type")
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


def _resolve_material(case: Case, index: int) -> matdb.Material:
    region = case.regions[index]
    where = f"regions[{index}]"
    try:
        if region.material in case.materials:
            base = matdb.material_from_dict({"name": region.material, **case.materials[
                region.material]}, origin=f"case {case.name}")
        else:
            base = matdb.load_material(region.material)
        material = matdb.apply_overrides(base, region.overrides, origin=f"case {case.name}")
        if material.defect_chemistry is not None:
            # the bulk at this case's temperature and this region's Li potential
            material = matdb.resolve_defect_chemistry(material, case.temperature_K,
                                                      region.li_potential_V or 0.0)
        return material
    except matdb.MaterialError as exc:
        raise CaseError(f"{where} (material {region.material!r}): {exc}") from None


def case_to_dict(case: Case) -> dict[str, Any]:
    """The case with every default filled in, as plain data (for case.resolved.toml)."""
    return case.model_dump(mode="json")


def json_schema() -> dict[str, Any]:
    """The JSON schema of case files."""
    return Case.model_json_schema()
