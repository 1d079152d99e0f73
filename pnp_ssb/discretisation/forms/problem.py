"""The assembled problem (what the solver and post-processing read) and the builder that the
weak-form units add their terms, Dirichlet conditions and load-dependent constants to."""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from pnp_ssb.discretisation.domain import Domain
from pnp_ssb.discretisation.fem import dolfinx, ufl
from pnp_ssb.discretisation.forms.fields import ElectrodeField, GrainCore
from pnp_ssb.physics.contacts import ReactingContact
from pnp_ssb.physics.model import StackModel

QUADRATURE_DEGREE = 4
LoadUpdate = tuple[dolfinx.fem.Constant, Callable[[float], float]]


@dataclass
class Problem:
    """Everything the solver needs, plus what post-processing reads back.

    Attributes:
        unknowns: [psi, w_1, ..., w_n, electrode fields] (w only for transported species).
        residuals: one residual form per unknown.
        bcs: Dirichlet conditions (boundary potentials, reservoir electrochemical potentials).
        entity_maps: submesh cell maps for mixed-domain assembly.
        load_updates: constants with their value as a function of the load parameter.
    """

    domain: Domain
    model: StackModel
    unknowns: list[dolfinx.fem.Function]
    residuals: list[ufl.Form]
    bcs: list[dolfinx.fem.DirichletBC]
    entity_maps: list
    species_fields: dict[str, dolfinx.fem.Function]
    species_vertex_maps: dict[str, tuple[dolfinx.mesh.EntityMap, dolfinx.mesh.Mesh]]
    bulk_potential: dict[str, dolfinx.fem.Constant]
    electrode_potential: dict[str, dolfinx.fem.Constant]
    stern_capacitance: dict[str, float]
    dx: ufl.Measure
    ds: ufl.Measure
    poisson_volume: ufl.Form
    species_residuals: dict[str, ufl.Form]
    boundary_dofs: dict[str, np.ndarray]
    boundary_species_dofs: dict[tuple[str, str], np.ndarray]
    interface_dofs: dict[str, np.ndarray] = field(default_factory=dict)
    species_tests: dict[str, ufl.Argument] = field(default_factory=dict)
    electrodes: dict[str, ElectrodeField] = field(default_factory=dict)
    fermi_voltage: dict[str, dolfinx.fem.Constant] = field(default_factory=dict)
    conductor_potential: dict[str, list] = field(default_factory=dict)
    # conductor -> (constant, carrier charge z, U_SE in V) of graded carriers' contact w
    carrier_contact: dict[str, list] = field(default_factory=dict)
    contacts: list[ReactingContact] = field(default_factory=list)
    contact_current: dict[str, ufl.Form] = field(default_factory=dict)
    load_updates: list[LoadUpdate] = field(default_factory=list)
    grain_cores: dict[str, GrainCore] = field(default_factory=dict)
    sheet_charge: dict[str, ufl.Form] = field(default_factory=dict)  # sharp boundaries, scaled
    reservoir_w: dict = field(default_factory=dict)  # (side, species): held w_k (kT)
    # Li atoms per m^2 and s leaving an electrode into its lithiating collectors, by contact
    collector_sink: dict = field(default_factory=dict)
    load: float = 0.0
    cache: dict = field(default_factory=dict)  # compiled forms and fixed measures, by name

    def compiled(self, name: str, build: Callable[..., ufl.Form]):
        """A form compiled once per problem (post-processing in a time loop would otherwise
        recompile it at every call)."""
        if name not in self.cache:
            self.cache[name] = dolfinx.fem.form(build(), entity_maps=self.entity_maps or None)
        return self.cache[name]

    def set_load(self, lam: float) -> None:
        """Set every load-dependent constant to its value at ``lam``."""
        for const, value in self.load_updates:
            const.value = value(lam)  # type: ignore[assignment]  # dolfinx: any array-like
        self.load = lam

    def shift(self, region: str, species: str):
        """The grain-boundary core shift of a species' chemical potential (kT), or 0."""
        core = self.grain_cores.get(region)
        return core.shift(species) if core is not None else 0.0

    @property
    def psi(self) -> dolfinx.fem.Function:
        """The scaled potential e phi / kT."""
        return self.unknowns[0]


@dataclass
class FormBuilder:
    """The forms being built: each weak-form unit adds its terms to ``F_psi`` / ``F_w``, its
    Dirichlet conditions to ``bcs`` and its load-dependent constants through :meth:`constant`,
    and records what post-processing reads back (the fields below, named as Problem's).

    ``F_psi`` and each ``F_w`` start from 0 and become ufl.Forms once the bulk terms are in.
    """

    domain: Domain
    model: StackModel
    V: dolfinx.fem.FunctionSpace
    psi: dolfinx.fem.Function
    v: ufl.Argument
    dx: ufl.Measure
    ds: ufl.Measure
    bulk: dict[str, dolfinx.fem.Constant] = field(default_factory=dict)
    fields: dict[str, dolfinx.fem.Function] = field(default_factory=dict)
    tests: dict[str, ufl.Argument] = field(default_factory=dict)
    vertex_maps: dict[str, tuple[dolfinx.mesh.EntityMap, dolfinx.mesh.Mesh]] = field(
        default_factory=dict)
    entity_maps: list = field(default_factory=list)
    F_psi: ufl.Form | int = 0
    F_w: dict[str, ufl.Form | int] = field(default_factory=dict)
    bcs: list[dolfinx.fem.DirichletBC] = field(default_factory=list)
    updates: list[LoadUpdate] = field(default_factory=list)
    electrode_potential: dict[str, dolfinx.fem.Constant] = field(default_factory=dict)
    stern_capacitance: dict[str, float] = field(default_factory=dict)
    boundary_dofs: dict[str, np.ndarray] = field(default_factory=dict)
    boundary_species_dofs: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    reservoir_w: dict[tuple[str, str], dolfinx.fem.Constant] = field(default_factory=dict)
    interface_dofs: dict[str, np.ndarray] = field(default_factory=dict)
    conductor_potential: dict[str, list] = field(default_factory=dict)
    carrier_contact: dict[str, list] = field(default_factory=dict)
    electrodes: dict[str, ElectrodeField] = field(default_factory=dict)
    fermi_voltage: dict[str, dolfinx.fem.Constant] = field(default_factory=dict)
    contact_current: dict[str, ufl.Form] = field(default_factory=dict)
    grain_cores: dict[str, GrainCore] = field(default_factory=dict)
    sheet_charge: dict[str, ufl.Form] = field(default_factory=dict)
    collector_sink: dict[str, dolfinx.fem.Constant] = field(default_factory=dict)

    # (Callable[..., float]: mypy cannot check a lambda with default arguments against
    # Callable[[float], float]; every caller passes lambda lam, <bound defaults>: ...)
    def constant(self, value_of_load: Callable[..., float]) -> dolfinx.fem.Constant:
        """A constant whose value follows the load parameter: value_of_load(lam)."""
        const = dolfinx.fem.Constant(self.domain.mesh, float(value_of_load(0.0)))
        self.updates.append((const, value_of_load))
        return const

    @property
    def reference(self) -> float:
        """The flat state's potential (scaled)."""
        return self.model.reference_potential

    @property
    def fdim(self) -> int:
        """The facet dimension."""
        return self.domain.mesh.topology.dim - 1


def species_scale(model: StackModel, name: str) -> float:
    """D c_bulk of the species where it is largest: makes each NP row O(1) in the bulk."""
    return max(sp.diffusivity_m2_s * sp.bulk_concentration
               for r in model.regions for sp in r.species if sp.name == name)


def submesh_facets(domain: Domain, vertex_map, submesh, parent_facets: np.ndarray) -> np.ndarray:
    """Facets of a submesh that coincide with the given parent facets (matched by vertices)."""
    msh = domain.mesh
    fdim = msh.topology.dim - 1
    msh.topology.create_connectivity(fdim, 0)
    submesh.topology.create_connectivity(fdim, 0)
    f2v = msh.topology.connectivity(fdim, 0)
    sub_f2v = submesh.topology.connectivity(fdim, 0)
    n_sub = submesh.topology.index_map(fdim).size_local + submesh.topology.index_map(fdim).num_ghosts
    lookup = {tuple(sorted(sub_f2v.links(f))): f for f in range(n_sub)}
    out = []
    for f in parent_facets:
        sub_vertices = vertex_map.sub_topology_to_topology(f2v.links(f).astype(np.int32), True)
        if np.all(sub_vertices >= 0):
            key = tuple(sorted(sub_vertices))
            if key in lookup:
                out.append(lookup[key])
    return np.asarray(out, dtype=np.int32)
