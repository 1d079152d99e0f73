"""Read a solved problem back: 1D profiles, interface drops and widths, charges and currents.

Post-processing never changes the state. Collective functions (marked) must be called on
every rank; their scalars are reduced over all ranks before they are returned.
"""

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from pnp_ssb.constants import ELEMENTARY_CHARGE_C
from pnp_ssb.discretisation.fem import MPI, dolfinx, ufl
from pnp_ssb.discretisation.forms import Problem
from pnp_ssb.physics.model import RegionModel, StackModel


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
        psi = psi[first]
        w: dict[str, np.ndarray] = {}
        for sp in region.species:
            if sp.name in w_local:
                xw = np.concatenate([g[1][sp.name][0] for g in gathered])
                vw = np.concatenate([g[1][sp.name][1] for g in gathered])
                xw, first_w = np.unique(xw, return_index=True)
                w[sp.name] = np.interp(x, xw, vw[first_w])  # same vertices: exact lookup
            else:
                w[sp.name] = np.zeros_like(x)
        if region.is_conductor:  # its potential, without the contact node's dipole step
            ref = model.reference_potential
            psi = np.full_like(psi, ref + problem.load * (region.bulk_potential - ref))
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
    from pnp_ssb.discretisation.forms import concentration_ufl

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
    from pnp_ssb.analysis.sampling import evaluate, grid_points, locate

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
        psi = on(problem.psi, pts, cells, ("psi", region.name))
        if region.is_conductor:
            ref = model.reference_potential
            psi = np.full_like(psi, ref + problem.load * (region.bulk_potential - ref))
        w = {}
        for sp in region.species:
            f = problem.species_fields.get(sp.name)
            w[sp.name] = (on(f, pts, None, (sp.name, region.name)) if f is not None
                          else np.zeros_like(psi))
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


@dataclass(frozen=True)
class SideMetrics:
    """The space-charge layer on one side of a boundary or interface.

    drop_V: phi(interface) - phi_n(interface), phi_n being the potential that would make the
        region locally neutral with the local electrochemical potentials (the bulk potential at
        equilibrium).
    width_m: distance from the interface at which |phi - phi_n| has fallen to drop/e (the Debye
        length for a weakly charged Gouy–Chapman layer).
    """

    region: str
    drop_V: float
    width_m: float


def side_metrics(profile: Profile1D, region: RegionModel, at_start: bool) -> SideMetrics:
    """Drop and width of the space-charge layer of ``region`` at its start or end."""
    seg = profile.segment(region.name)
    order = slice(None) if at_start else slice(None, None, -1)
    x, psi = seg.x_m[order], seg.psi[order]
    w = {k: v[order] for k, v in seg.w.items()}
    psi_n = region.neutral_potential(w, shape=psi.shape)
    dev = (psi - psi_n) * profile.thermal_voltage_V
    drop = float(dev[0])
    distance = np.abs(x - x[0])
    if abs(drop) < 1e-12:
        return SideMetrics(region.name, drop, 0.0)
    target = abs(drop) / math.e
    below = np.flatnonzero(np.abs(dev) <= target)
    if below.size == 0:
        return SideMetrics(region.name, drop, float(distance[-1]))
    j = int(below[0])
    d0, d1 = abs(dev[j - 1]), abs(dev[j])
    t = (d0 - target) / (d0 - d1) if d0 != d1 else 0.0
    return SideMetrics(region.name, drop, float(distance[j - 1] + t * (distance[j] - distance[j - 1])))


def layer_metrics_1d(profile: Profile1D, model: StackModel) -> dict[str, list[SideMetrics]]:
    """Space-charge metrics at 'left', 'right' and every 'A|B' interface of a 1D stack."""
    regs = model.regions
    out: dict[str, list[SideMetrics]] = {}
    if regs[0].is_electrolyte:
        out["left"] = [side_metrics(profile, regs[0], True)]
    if regs[-1].is_electrolyte:
        out["right"] = [side_metrics(profile, regs[-1], False)]
    for a, b in itertools.pairwise(regs):
        sides = [side_metrics(profile, r, start) for r, start in ((a, False), (b, True))
                 if r.is_electrolyte]
        if sides:
            out[f"{a.name}|{b.name}"] = sides
    return out


def _sum_owned(vector: dolfinx.la.Vector, dofs: np.ndarray, comm: MPI.Comm) -> float:
    n_owned = vector.index_map.size_local * vector.block_size
    local = float(vector.array[dofs[dofs < n_owned]].sum())
    return comm.allreduce(local, op=MPI.SUM)


def _reaction_vector(problem: Problem, name: str, form) -> dolfinx.la.Vector:
    vec = dolfinx.fem.assemble_vector(problem.compiled(name, lambda: form))
    vec.scatter_reverse(dolfinx.la.InsertMode.add)
    return vec


def boundary_measure(problem: Problem, side: str) -> float:
    """Size of a boundary in scaled units (1 for a 1D end point) (collective)."""
    if f"measure:{side}" not in problem.cache:  # geometry: fixed for the problem's lifetime
        tag = problem.domain.boundary_tags[side]
        value = dolfinx.fem.assemble_scalar(dolfinx.fem.form(1.0 * problem.ds(tag)))
        problem.cache[f"measure:{side}"] = problem.domain.mesh.comm.allreduce(value, op=MPI.SUM)
    return problem.cache[f"measure:{side}"]


def electrode_charges_C_m2(problem: Problem) -> dict[str, float]:
    """Charge per area on each boundary's electrode side, from the Poisson reaction (collective).

    The Poisson residual without boundary terms, summed over a boundary's nodes, equals
    int eps grad(phi).n ds there: the charge on the electrode (Gauss). This is the consistent
    flux, exact for the discrete solution, rather than a differentiated potential.
    """
    comm = problem.domain.mesh.comm
    vec = _reaction_vector(problem, "poisson_volume", problem.poisson_volume)
    scale = problem.model.scales.charge_per_area_C_m2
    out = {side: _sum_owned(vec, dofs, comm) * scale / boundary_measure(problem, side)
           for side, dofs in problem.boundary_dofs.items()}
    for key, dofs in problem.interface_dofs.items():
        out[key] = _sum_owned(vec, dofs, comm) * scale / interface_measure(problem, key)
    return out


def interface_measure(problem: Problem, key: str) -> float:
    """Size of an interface in scaled units (1 for a 1D contact point) (collective)."""
    if f"measure:{key}" not in problem.cache:  # geometry: fixed for the problem's lifetime
        domain = problem.domain
        dS = ufl.Measure("dS", domain=domain.mesh, subdomain_data=domain.facet_tags)
        value = dolfinx.fem.assemble_scalar(dolfinx.fem.form(
            dolfinx.fem.Constant(domain.mesh, 1.0) * dS(domain.interface_tags[key])))
        problem.cache[f"measure:{key}"] = domain.mesh.comm.allreduce(value, op=MPI.SUM)
    return problem.cache[f"measure:{key}"]


def space_charge_C_m2(problem: Problem) -> dict[str, float]:
    """Integrated charge of each region per unit boundary area, its sharp grain boundaries'
    sheet charge included (collective)."""
    from pnp_ssb.discretisation.forms import charge_density_ufl

    comm = problem.domain.mesh.comm
    out = {}
    for region in problem.model.electrolytes:
        rho = charge_density_ufl(region, problem.psi, dict(problem.species_fields),
                                 problem.bulk_potential[region.name],
                                 problem.grain_cores.get(region.name))
        tag = problem.domain.region_tags[region.name]
        form = dolfinx.fem.form(rho * problem.dx(tag), entity_maps=problem.entity_maps or None)
        value = comm.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM)
        if region.name in problem.sheet_charge:  # the charge of sharp grain boundaries
            sheet = problem.compiled(f"sheet:{region.name}",
                                     lambda n=region.name: problem.sheet_charge[n])
            value += comm.allreduce(dolfinx.fem.assemble_scalar(sheet), op=MPI.SUM)
        out[region.name] = value * problem.model.scales.charge_per_area_C_m2 / boundary_measure(
            problem, "left")
    return out


def boundary_currents_A_m2(problem: Problem) -> dict[str, float]:
    """Electric current density leaving the electrolyte through each reservoir (collective).

    From the Nernst–Planck reactions at the reservoir nodes (the consistent flux): for each
    species, J.n = -R_b (D c_bulk)_ref c_s / L, and i = sum_k z_k e J_k.n.
    """
    from pnp_ssb.constants import ELEMENTARY_CHARGE_C
    from pnp_ssb.discretisation.forms import species_scale

    comm = problem.domain.mesh.comm
    model = problem.model
    out: dict[str, float] = {side: 0.0 for side in problem.boundary_dofs}
    out.update({side: 0.0 for side, _ in problem.boundary_species_dofs})
    vectors = {name: _reaction_vector(problem, f"species:{name}", form)
               for name, form in problem.species_residuals.items()}
    charge = {sp.name: sp.charge for r in model.regions for sp in r.species}
    for (side, name), dofs in problem.boundary_species_dofs.items():
        flux = -_sum_owned(vectors[name], dofs, comm) * species_scale(model, name) * (
            model.scales.concentration_m3 / model.scales.length_m)
        size = interface_measure(problem, side) if "|" in side else boundary_measure(problem, side)
        out[side] += charge[name] * ELEMENTARY_CHARGE_C * flux / size
    return out


@dataclass(frozen=True)
class ContactKinetics:
    """Charge transfer at one electrode | electrolyte contact (Li+ current into the electrolyte).

    Attributes:
        key: interface "A|B"; conductor, electrolyte: region names.
        current_density_A_m2: i, the sum over channels (> 0: the electrode is oxidised).
        channel_current_A_m2, channel_overpotential_V: per Li-linked species of the electrolyte.
        li_ion_potential_V: mu~_Li+/e at the reaction plane for each channel (w_k kT / (s_k e)).
    """

    key: str
    conductor: str
    electrolyte: str
    current_density_A_m2: float
    channel_current_A_m2: dict[str, float]
    channel_overpotential_V: dict[str, float]
    li_ion_potential_V: dict[str, float]


def present_drives_V(problem, profile: Profile1D) -> dict[str, float]:
    """V - U(theta_plane) of each contact whose drive a time loop moves (V): the Fermi voltage
    the loop holds, minus the OCV at the electrode's contact composition (0 for Li metal)."""
    vt = profile.thermal_voltage_V
    out = {}
    for c in problem.contacts:
        fermi = problem.fermi_voltage.get(c.conductor)
        if fermi is None:
            continue
        ocv = 0.0
        if c.conductor in problem.electrodes and c.ocv_table is not None:
            seg = profile.segment(c.conductor)
            assert seg.theta is not None  # an electrode field's segment samples its theta
            theta = seg.theta[-1] if c.key.startswith(f"{c.conductor}|") else seg.theta[0]
            t = c.ocv_table.theta  # the forms hold U constant beyond the table (table_ufl)
            ocv = float(c.ocv_table(float(np.clip(theta, t[0], t[-1]))))
        out[c.key] = float(fermi.value) * vt - ocv
    return out


def contact_kinetics(profile: Profile1D, contacts, load: float,
                     drives_V: dict[str, float] | None = None) -> list[ContactKinetics]:
    """Overpotential e*eta = e(V - U) - s_k mu~_k and the Butler–Volmer current of every channel,
    evaluated at the reaction plane of the solved state (see forms.ReactingContact).
    ``drives_V``: V - U per contact where it is not the load-scaled equilibrium value
    (transients: :func:`present_drives_V`)."""
    vt = profile.thermal_voltage_V
    drives_V = drives_V or {}
    out = []
    for c in contacts:
        seg = profile.segment(c.electrolyte)
        plane = 0 if c.key.endswith(f"|{c.electrolyte}") else -1
        drive = drives_V.get(c.key, load * c.driving_V)
        eta, cur, mu = {}, {}, {}
        for name, stoich in c.channels:
            w = float(seg.w[name][plane])
            eta[name] = drive - stoich * w * vt
            cur[name] = float(c.current_density_A_m2(eta[name], vt))
            mu[name] = w * vt / stoich
        out.append(ContactKinetics(c.key, c.conductor, c.electrolyte, sum(cur.values()), cur, eta,
                                   mu))
    return out


def overpotential_split(profile: Profile1D, kinetics: list[ContactKinetics], channel: str,
                        stoich: int) -> dict[str, float]:
    """Split the polarisation of a two-contact cell along one channel (V).

    Across the electrolyte, mu~_Li+/e = w_k kT/(s_k e) changes by d = bulk + space_charge: the
    bulk part is the straight line fitted to the middle half of the layer, extrapolated over the
    whole layer (the Ohmic drop); the rest sits in the space-charge layers. With the
    charge-transfer overpotentials of the same channel, the cell polarisation is
    (V_right - V_left) - (U_right - U_left) = eta_right - eta_left + d.
    """
    left, right = kinetics
    seg = profile.segment(left.electrolyte)
    x = seg.x_m
    mu = seg.w[channel] * profile.thermal_voltage_V / stoich
    lo, hi = x[0] + 0.25 * (x[-1] - x[0]), x[0] + 0.75 * (x[-1] - x[0])
    mid = (x >= lo) & (x <= hi)
    slope, intercept = np.polyfit(x[mid], mu[mid], 1)
    total = right.li_ion_potential_V[channel] - left.li_ion_potential_V[channel]
    bulk = float(slope * (x[-1] - x[0]))
    scl_left = float(slope * x[0] + intercept - mu[0])
    scl_right = float(mu[-1] - slope * x[-1] - intercept)
    return {"charge_transfer_left_V": -left.channel_overpotential_V[channel],
            "charge_transfer_right_V": right.channel_overpotential_V[channel],
            "electrolyte_bulk_V": bulk,
            "space_charge_V": float(total - bulk),
            "space_charge_left_V": scl_left,
            "space_charge_right_V": scl_right,
            "electrolyte_total_V": float(total)}


def grain_boundary_positions_m(case, region: str) -> list[float]:
    """x of each grain boundary of a region whose position along x is defined (m, stack
    coordinates): the 1D positions, or a 2D bicrystal boundary parallel to the electrodes."""
    x0 = 0.0
    for r in case.regions:
        if r.name == region:
            break
        x0 += r.thickness_m
    geo = case.geometry
    if geo.type in ("stack", "layered_2d"):
        return [x0 + p for p in case.grain_boundaries[region].positions_m]
    if geo.type == "bicrystal" and geo.gb_angle_deg == 90.0:
        thickness = case.region(region).thickness_m
        return [x0 + (geo.gb_position_m if geo.gb_position_m is not None else thickness / 2)]
    return []


def bicrystal_barrier(problem: Problem, case) -> dict:
    """Barrier of a 2D bicrystal boundary at any angle (collective): phi at the boundary's
    centre (mid-height) minus the mean of phi at +-s along its normal, s = 20 Debye lengths
    (the grains' neutral level; the mean cancels a uniform field under current)."""
    from pnp_ssb.analysis.sampling import evaluate, locate

    geo = case.geometry
    (key,) = case.grain_boundaries
    ls = problem.domain.length_scale_m
    x0 = problem.domain.layer_bounds[key][0] * ls
    position = geo.gb_position_m if geo.gb_position_m is not None else case.region(key).thickness_m / 2
    centre = np.array([x0 + position, geo.height_m / 2]) / ls
    angle = math.radians(geo.gb_angle_deg)
    normal = np.array([-math.sin(angle), math.cos(angle)])
    s = 20 * problem.model.debye_length_m(key) / ls
    pts = np.array([[*centre, 0.0], [*(centre + s * normal), 0.0], [*(centre - s * normal), 0.0]])
    psi = evaluate(problem.psi, locate(problem.domain.mesh, pts,
                                       problem.domain.region_cells(key)))
    vt = problem.model.scales.thermal_voltage_V
    return {"position_m": [float(v * ls) for v in centre], "angle_deg": geo.gb_angle_deg,
            "barrier_V": float((psi[0] - 0.5 * (psi[1] + psi[2])) * vt),
            "probe_distance_m": float(s * ls)}


def grain_boundary_metrics(profile: Profile1D, case, model: StackModel) -> dict[str, list[dict]]:
    """Barrier and screening width of every grain boundary located along x.

    barrier_V = phi(x_gb) - phi_n(x_gb), phi_n the neutral potential for the local
    electrochemical potentials (the bulk potential at equilibrium); width_m: the distance on
    the right at which |phi - phi_n| has fallen to barrier/e (as for interfaces).
    """
    out: dict[str, list[dict]] = {}
    for name in case.grain_boundaries:
        region = model.region(name)
        seg = profile.segment(name)
        entries = []
        for x_gb in grain_boundary_positions_m(case, name):
            k = int(np.argmin(np.abs(seg.x_m - x_gb)))
            right = Segment(name, seg.x_m[k:], seg.psi[k:], {s: v[k:] for s, v in seg.w.items()},
                            {s: v[k:] for s, v in seg.c_m3.items()})
            side = side_metrics(Profile1D((right,), profile.thermal_voltage_V), region, True)
            entries.append({"position_m": float(seg.x_m[k]), "barrier_V": side.drop_V,
                            "width_m": side.width_m})
        out[name] = entries
    return out
