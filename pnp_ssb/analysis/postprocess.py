"""Read a solved problem back as profiles: the 1D solution, the lateral average and sampled maps of
a 2D run, and the ionic current density cell by cell.

Post-processing never changes the state. Collective functions (marked) must be called on
every rank; their scalars are reduced over all ranks before they are returned. The charges and
currents of a state: :mod:`pnp_ssb.analysis.charges`; its space-charge layers:
:mod:`pnp_ssb.analysis.space_charge`; its contact kinetics: :mod:`pnp_ssb.analysis.kinetics`.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from pnp_ssb.analysis.sampling import evaluate, grid_points, locate
from pnp_ssb.constants import ELEMENTARY_CHARGE_C
from pnp_ssb.discretisation.fem import MPI, dolfinx, ufl
from pnp_ssb.discretisation.forms import Problem, concentration_ufl
from pnp_ssb.physics.model import RegionModel


@dataclass(frozen=True)
class Segment:
    """A region's part of a 1D profile (sorted by x; interface points appear in both regions)."""

    region: str
    x_m: np.ndarray
    psi: np.ndarray
    w: dict[str, np.ndarray]
    c_m3: dict[str, np.ndarray]
    theta: np.ndarray | None = None  # Li site fraction of a resolved insertion electrode


@dataclass(frozen=True)
class Profile1D:
    """The 1D solution as numpy arrays, identical on every rank."""

    segments: tuple[Segment, ...]
    thermal_voltage_V: float

    def segment(self, region: str) -> Segment:
        """The segment of a region."""
        return next(s for s in self.segments if s.region == region)

    @property
    def species(self) -> list[str]:
        """Species names in first-appearance order."""
        names: dict[str, None] = {}
        for s in self.segments:
            names.update(dict.fromkeys(s.c_m3))
        return list(names)

    def phi_V(self, region: str) -> np.ndarray:
        """Potential (V) along a region."""
        return self.segment(region).psi * self.thermal_voltage_V


def _owned_values(function: dolfinx.fem.Function, dofs: np.ndarray | None = None):
    V = function.function_space
    n_owned = V.dofmap.index_map.size_local
    idx = np.arange(n_owned, dtype=np.int32) if dofs is None else dofs[dofs < n_owned]
    return V.tabulate_dof_coordinates()[idx, 0], function.x.array[idx]


def conductor_psi(problem: Problem, region: RegionModel) -> float:
    """A conductor's scaled potential: the constant of its interior nodes, which a transient
    moves with the terminal (else the equilibrium value at the continuation's load)."""
    held = problem.conductor_potential.get(region.name)
    ref = problem.model.reference_potential
    return (float(held[-1][0].value) if held
            else ref + problem.load * (region.bulk_potential - ref))


def gather_profile_1d(problem: Problem) -> Profile1D:
    """Collect psi, w and the concentrations of a 1D run on every rank (collective)."""
    domain, model = problem.domain, problem.model
    comm = domain.mesh.comm
    tdim = domain.mesh.topology.dim
    V = problem.psi.function_space
    local = {}
    for region in model.regions:
        dofs = dolfinx.fem.locate_dofs_topological(V, tdim, domain.region_cells(region.name))
        local[region.name] = _owned_values(problem.psi, dofs)
        if region.name in problem.grain_cores:
            local[f"core:{region.name}"] = _owned_values(problem.grain_cores[region.name].nodes,
                                                         dofs)
    w_local = {name: _owned_values(f) for name, f in problem.species_fields.items()}
    w_local.update({f"theta:{name}": _owned_values(e.field) for name, e in
                    problem.electrodes.items()})
    gathered = comm.allgather((local, w_local))
    ls = domain.length_scale_m
    segments = []
    for region in model.regions:
        x = np.concatenate([g[0][region.name][0] for g in gathered])
        psi = np.concatenate([g[0][region.name][1] for g in gathered])
        x, first = np.unique(x, return_index=True)
        psi = psi[first] + region.potential_offset  # the field + the dipoles to its left
        w: dict[str, np.ndarray] = {}
        for sp in region.species:
            if sp.name in w_local:
                xw = np.concatenate([g[1][sp.name][0] for g in gathered])
                vw = np.concatenate([g[1][sp.name][1] for g in gathered])
                xw, first_w = np.unique(xw, return_index=True)
                w[sp.name] = np.interp(x, xw, vw[first_w])  # same vertices: exact lookup
            else:
                w[sp.name] = np.zeros_like(x)
        # electrons and holes tied to Li+ take the local mu_Li (RegionModel.carrier_potentials)
        tied = region.carrier_potentials({k: v for k, v in w.items() if k in w_local}, x)
        w.update({k: np.zeros_like(x) + v for k, v in tied.items()})
        if region.is_conductor:  # its potential, without the contact node's dipole step
            psi = np.full_like(psi, conductor_psi(problem, region))
        core = problem.grain_cores.get(region.name)
        in_core = 0.0
        if core is not None:
            xc = np.concatenate([g[0][f"core:{region.name}"][0] for g in gathered])
            vc = np.concatenate([g[0][f"core:{region.name}"][1] for g in gathered])
            xc, first_c = np.unique(xc, return_index=True)
            in_core = np.interp(x, xc, vc[first_c])
        c = {sp.name: sp.concentration(region.activity(sp, psi, w[sp.name]) - in_core * (
            float(core.shifts[sp.name].value) if core and sp.name in core.shifts else 0.0))
             * model.scales.concentration_m3 for sp in region.species}
        theta = None
        if f"theta:{region.name}" in w_local:
            xu = np.concatenate([g[1][f"theta:{region.name}"][0] for g in gathered])
            vu = np.concatenate([g[1][f"theta:{region.name}"][1] for g in gathered])
            xu, first_u = np.unique(xu, return_index=True)
            theta = 0.5 * (1.0 + np.tanh(0.5 * np.interp(x, xu, vu[first_u])))
        segments.append(Segment(region.name, x * ls, psi, w, c, theta))
    return Profile1D(tuple(segments), model.scales.thermal_voltage_V)


LATERAL_SAMPLES = 128  # midpoints across the height: exact for laterally uniform fields
MAP_COLUMNS = 256  # uniform x samples over the stack, added to the 1D mesh's x for the maps


@dataclass(frozen=True)
class LateralMap:
    """A 2D field sampled on the tensor grid of one region: values[i, j] at (x_m[j], y_m[i])."""

    region: str
    x_m: np.ndarray
    y_m: np.ndarray
    phi_V: np.ndarray
    c_m3: dict[str, np.ndarray]
    w: dict[str, np.ndarray] = field(default_factory=dict)  # electrochemical potentials, kT
    core: np.ndarray | float = 0.0  # grain-boundary core indicator
    current_A_m2: np.ndarray | None = None  # (ny, nx, 2): ionic current density, cell values


def species_on_parent(problem: Problem) -> dict[str, dolfinx.fem.Function]:
    """Copies of the submesh fields w_k on the parent mesh (zero outside their regions)."""
    V = problem.psi.function_space
    out = {}
    species_maps = problem.entity_maps[:len(problem.species_fields)]  # electrodes' maps follow
    for (name, w), emap in zip(problem.species_fields.items(), species_maps, strict=True):
        parent_cells = emap.sub_topology_to_topology(
            np.arange(emap.sub_topology.index_map(emap.dim).size_local
                      + emap.sub_topology.index_map(emap.dim).num_ghosts, dtype=np.int32), False)
        copy = dolfinx.fem.Function(V)
        copy.interpolate(w, cells0=np.arange(parent_cells.size, dtype=np.int32),
                         cells1=parent_cells)
        out[name] = copy
    return out


def current_density_dg0(problem: Problem) -> dolfinx.fem.Function | None:
    """The ionic current density i = -e sum_k z_k D_k f_D M_k grad(w_k) (A/m^2), cell by cell
    (DG0 vector on the parent mesh, w_k copied there), None without moving species. Exact per
    cell for P1 on triangles; at the midpoint on quadrilaterals."""
    if not problem.species_fields:
        return None
    model = problem.model
    msh = problem.domain.mesh
    w = species_on_parent(problem)
    scale = model.scales.concentration_m3 / model.scales.length_m * ELEMENTARY_CHARGE_C
    V = dolfinx.fem.functionspace(msh, ("DG", 0, (msh.geometry.dim,)))
    current = dolfinx.fem.Function(V, name="i_A_m2")
    for region in model.electrolytes:
        core = problem.grain_cores.get(region.name)
        flux = None
        for sp in region.species:
            if sp.name not in w or not sp.diffusivity_m2_s:
                continue
            c = concentration_ufl(sp, problem.psi, w[sp.name], problem.bulk_potential[region.name],
                                  problem.shift(region.name, sp.name))
            mobility = c if sp.mobility_exponent == 0 else c * (1 - c / sp.site_density)
            if core is not None:
                mobility = mobility * core.mobility_factor
            term = -sp.charge * sp.diffusivity_m2_s * mobility * ufl.grad(w[sp.name])
            flux = term if flux is None else flux + term
        if flux is None:
            continue
        expr = dolfinx.fem.Expression(flux * scale, V.element.interpolation_points)
        current.interpolate(expr, cells0=problem.domain.region_cells(region.name))
    return current


def gather_profile(problem: Problem) -> Profile1D:
    """The 1D profile of a run: the solution itself in 1D, its lateral average in 2D
    (collective)."""
    if problem.domain.dimension == 1:
        return gather_profile_1d(problem)
    return lateral_average(problem)[0]


def lateral_average(problem: Problem, n_y: int = LATERAL_SAMPLES, with_current: bool = False
                    ) -> tuple[Profile1D, tuple[LateralMap, ...]]:
    """Average a 2D run over y at the x of the 1D stack mesh, and keep the sampled maps
    (collective).

    At each x: <f>(x) = (1/n) sum_i f(x, y_i), y_i the midpoints of n equal slices of the
    height. Concentrations (and theta) are averaged as concentrations, so <c> is what a
    laterally integrating probe (NDP, the current) sees; psi and w are averaged as potentials.
    ``with_current`` adds the ionic current density of each cell to the electrolytes' maps.
    """
    domain, model = problem.domain, problem.model
    msh = domain.mesh
    ls = domain.length_scale_m
    y0 = msh.comm.allreduce(float(msh.geometry.x[:, 1].min()) if msh.geometry.x.size else
                            math.inf, op=MPI.MIN)
    y = y0 + (np.arange(n_y) + 0.5) / n_y * domain.cross_section
    segments, maps = [], []
    locators = problem.cache.setdefault(f"locators:{n_y}", {})  # the mesh is fixed: locate once

    def on(function, pts, cells=None, key=None):
        if key not in locators:
            locators[key] = locate(function.function_space.mesh, pts, cells)
        return evaluate(function, locators[key]).reshape(n_y, -1)

    current_field = current_density_dg0(problem) if with_current else None
    x_end = max(b for _, b in domain.layer_bounds.values())
    profile_x = domain.profile_x
    assert profile_x is not None  # build_domain sets it on every 2D domain
    x_all = np.union1d(profile_x, np.linspace(0.0, x_end, MAP_COLUMNS + 1))
    for region in model.regions:
        a, b = domain.layer_bounds[region.name]
        xs = x_all[(x_all >= a - 1e-12 * b) & (x_all <= b * (1 + 1e-12))]
        pts = grid_points(xs, y)
        cells = domain.region_cells(region.name)
        psi = on(problem.psi, pts, cells, ("psi", region.name)) + region.potential_offset
        if region.is_conductor:
            psi = np.full_like(psi, conductor_psi(problem, region))
        fields = {sp.name: on(problem.species_fields[sp.name], pts, None, (sp.name, region.name))
                  for sp in region.species if sp.name in problem.species_fields}
        tied = region.carrier_potentials(fields, np.broadcast_to(xs, psi.shape))
        w = {sp.name: np.zeros_like(psi) + tied.get(sp.name, 0.0) for sp in region.species}
        core = problem.grain_cores.get(region.name)
        chi = on(core.indicator, pts, cells, ("chi", region.name)) if core else 0.0
        c = {}
        for sp in region.species:
            shift = float(core.shifts[sp.name].value) if core and sp.name in core.shifts else 0.0
            c[sp.name] = sp.concentration(region.activity(sp, psi, w[sp.name]) - chi * shift
                                          ) * model.scales.concentration_m3
        theta = None
        if region.name in problem.electrodes:
            u = on(problem.electrodes[region.name].field, pts, None, ("theta", region.name))
            theta = (0.5 * (1.0 + np.tanh(0.5 * u))).mean(axis=0)
        on_mesh = np.isin(xs, profile_x)  # the profile keeps the 1D mesh's x
        segments.append(Segment(region.name, xs[on_mesh] * ls, psi.mean(axis=0)[on_mesh],
                                {k: v.mean(axis=0)[on_mesh] for k, v in w.items()},
                                {k: v.mean(axis=0)[on_mesh] for k, v in c.items()},
                                theta[on_mesh] if theta is not None else None))
        current = None
        if current_field is not None and region.is_electrolyte:
            current = evaluate(current_field, locators[("psi", region.name)]).reshape(n_y, -1, 2)
        maps.append(LateralMap(region.name, xs * ls, y * ls, psi * model.scales.thermal_voltage_V,
                               c, w, chi, current))
    return Profile1D(tuple(segments), model.scales.thermal_voltage_V), tuple(maps)
