"""The state the units keep for post-processing and the time loop: thin grain-boundary cores
(an indicator field with their shifts and charge) and the Li field of an insertion electrode."""

from dataclasses import dataclass

from pnp_ssb.discretisation.fem import dolfinx, ufl


@dataclass
class GrainCore:
    """The thin grain-boundary cores of one region, as a cell indicator chi (DG0, 1 in cores).

    In the cores: standard chemical potentials shift by lam dG_k (kT), diffusivities are
    multiplied by f_D, and a fixed charge density lam sigma_core/(w e c_s) sits (scaled).
    ``nodes`` is 1 at vertices all of whose cells are core cells (for nodal post-processing).
    """

    indicator: dolfinx.fem.Function
    nodes: dolfinx.fem.Function
    shifts: dict[str, dolfinx.fem.Constant]
    diffusivity_factor: float
    charge_density: ufl.core.expr.Expr

    def shift(self, species: str):
        """chi lam dG_k/kT, or 0 for a species without a shift."""
        return self.indicator * self.shifts[species] if species in self.shifts else 0.0

    @property
    def mobility_factor(self):
        """1 + (f_D - 1) chi."""
        return 1.0 + (self.diffusivity_factor - 1.0) * self.indicator


@dataclass
class ElectrodeField:
    """Li in an insertion electrode during a transient: u = logit(theta) on its submesh.

    Residual (scaled by L^2/D_ref): int (L^2/D_ref)(theta - theta_n)/dt r dx
    + int (D(theta)/D_ref) theta(1 - theta) grad u . grad r dx + int (J_Li,out L/(N D_ref)) r dS
    = 0, i.e. N dtheta/dt = div(D(theta) N grad theta); D_ref is the material's
    chemical_diffusivity_m2_s, D(theta) its table of the same name if it has one.
    """

    region: str
    field: dolfinx.fem.Function
    test: ufl.Argument
    residual: object
    diffusivity_m2_s: float
    li_sites_m3: float
    tag: int

    @property
    def theta(self):
        """theta = 1/(1 + exp(-u)) (tanh form, overflow-free)."""
        return 0.5 * (1.0 + ufl.tanh(0.5 * self.field))

    @property
    def row_scale(self) -> float:
        """N D: turns an SI Li flux into the scaled electrode row."""
        return self.li_sites_m3 * self.diffusivity_m2_s
