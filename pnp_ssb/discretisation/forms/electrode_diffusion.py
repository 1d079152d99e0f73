"""Li diffusion inside insertion electrodes during a transient, and OCV / diffusivity tables of
theta as UFL expressions (smooth at their nodes, so Newton sees well-defined slopes)."""


import numpy as np

from pnp_ssb.discretisation.domain import Domain
from pnp_ssb.discretisation.fem import dolfinx, ufl
from pnp_ssb.discretisation.forms.fields import ElectrodeField
from pnp_ssb.materials.format import Table
from pnp_ssb.physics.model import StackModel

TABLE_NODE_BAND = 1e-9  # theta band about a table node in which the slope blends (_ramp)


def table_ufl(table: Table, theta):
    """A piecewise-linear table of theta as a UFL expression: the first value plus clipped
    ramps, constant beyond the ends (continuous, so Newton sees a well-defined slope).

    At a node the derivative is the mean of the two adjacent slopes (the central difference),
    whatever side round-off puts theta on: a state at a node (a li_fraction on the table, e.g.
    LiCoO2 at 0.8) otherwise linearises with one one-sided slope or with none, and the
    small-signal capacitance e N L/(dU/dtheta) would follow round-off."""
    t, v = table.theta, table.value
    out = v[0]
    for j in range(len(t) - 1):
        slope = (v[j + 1] - v[j]) / (t[j + 1] - t[j])
        out = out + slope * _ramp(theta - t[j], t[j + 1] - t[j], TABLE_NODE_BAND)
    return out


def _ramp(x, width: float, band: float):
    """clip(x, 0, width): exact at its corners and beyond ``band`` of them; within the band
    |y| is replaced by y^2/band, so the slope passes 1/2 at each corner (the value departs from
    the clip by at most band/8 in the band: ~1e-10 V of an OCV table)."""
    low = 0.5 * (x + x * x / band)  # max(x, 0)
    high = width - 0.5 * ((width - x) + (x - width) * (x - width) / band)  # min(x, width)
    clip = ufl.max_value(ufl.min_value(x, width), 0.0)
    return ufl.conditional(ufl.lt(abs(x), band), low,
                           ufl.conditional(ufl.lt(abs(x - width), band), high, clip))


def electrode_field(domain: Domain, model: StackModel, region: str, dx: ufl.Measure,
                    entity_maps: list) -> ElectrodeField:
    """The electrode's field on its submesh at the cell's theta, with its diffusion residual
    (the mass term and the contacts' Li flux are added by the stepper and the kinetics)."""
    msh = domain.mesh
    transport = model.electrode_transport[region]
    sub, cmap, _, _ = dolfinx.mesh.create_submesh(msh, msh.topology.dim, domain.region_cells(region))
    entity_maps.append(cmap)
    Ve = dolfinx.fem.functionspace(sub, ("Lagrange", 1))
    u = dolfinx.fem.Function(Ve, name=f"logit_theta_{region}")
    theta0 = model.require_cell().li_fraction[region]
    u.x.array[:] = np.log(theta0 / (1.0 - theta0))
    r = ufl.TestFunction(Ve)
    tag = domain.region_tags[region]
    ef = ElectrodeField(region, u, r, 0, transport.chemical_diffusivity_m2_s,
                        transport.li_site_density_m3, tag)
    th = ef.theta
    # D(theta)/D_ref when the material tabulates it (the rows are scaled by the constant D_ref)
    table = transport.diffusivity_table
    relative = table_ufl(table, th) / ef.diffusivity_m2_s if table is not None else 1.0
    ef.residual = relative * th * (1 - th) * ufl.inner(ufl.grad(u), ufl.grad(r)) * dx(tag)
    return ef
