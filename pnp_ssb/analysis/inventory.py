"""The Li inventory of a solved state: Li per area in the electrodes and in the electrolytes.

    n_Li = sum_k N_k L_k theta_k / N_A  +  sum_electrolytes int sum_s nu_s c_s dx / (A N_A)

(mol/m^2): N_k the Li site density of electrode k (theta_k uniform, or resolved and integrated;
a mixed-conducting electrode's Li+ is integrated with the electrolytes'),
nu_s the Li per formula unit of species s (1 for Li+, -1 for a Li vacancy). The integrals use
the lumped rule, the discrete conserved quantity of the mass terms, so a transient conserves
this number to its solver tolerance. Li metal electrodes are reservoirs and are not counted.
"""

from pnp_ssb.analysis.solution import LiBalance
from pnp_ssb.constants import AVOGADRO_MOL
from pnp_ssb.discretisation.fem import MPI, dolfinx
from pnp_ssb.discretisation.forms import Problem, concentration_ufl, lumped_measure
from pnp_ssb.input.case import Case
from pnp_ssb.physics.electrodes import li_inventory_mol_m2 as electrode_li_mol_m2


def li_density_form(p: Problem, electrodes: bool = True):
    """Li per volume (m^-3) as a UFL form: N theta in resolved electrodes (if ``electrodes``),
    sum_s nu_s c_s in electrolytes."""
    dx = lumped_measure(p)
    model = p.model
    form = 0
    for e in p.electrodes.values() if electrodes else ():
        form += e.li_sites_m3 * e.theta * dx(e.tag)
    for region in model.electrolytes:
        for sp in region.species:
            if sp.li_stoichiometry:
                w = p.species_fields.get(sp.name, 0.0)
                c = concentration_ufl(sp, p.psi, w, p.bulk_potential[region.name],
                                      p.shift(region.name, sp.name))
                form += (sp.li_stoichiometry * c * model.scales.concentration_m3
                         * dx(p.domain.region_tags[region.name]))
    return form


def resolved_li_mol_m2(p: Problem, electrodes: bool = True) -> float:
    """Li per area (mol/m^2) in the electrolytes and, with ``electrodes``, in the resolved
    (diffusing) electrodes (collective)."""
    form = p.compiled(f"li_inventory:{electrodes}", lambda: li_density_form(p, electrodes))
    total = p.domain.mesh.comm.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM)
    return total * p.model.scales.length_m / p.domain.cross_section / AVOGADRO_MOL


def species_excess_per_m2(p: Problem, region_name: str) -> dict[str, float]:
    """int (c_s - c_s,bulk) dx of every species of a charged region (m^-2): what its
    space-charge layers hold above the neutral bulk, with the Poisson equation's quadrature,
    so that these charges and the contact charges satisfy the discrete Gauss law (collective)."""
    region, dx = p.model.region(region_name), p.dx
    out = {}
    for sp in region.species:
        def form(sp=sp):
            w = region.carrier_potentials(dict(p.species_fields)).get(sp.name, 0.0)
            c = concentration_ufl(sp, p.psi, w, p.bulk_potential[region.name],
                                  p.shift(region.name, sp.name))
            return ((c - sp.bulk_concentration) * p.model.scales.concentration_m3
                    * dx(p.domain.region_tags[region.name]))
        compiled = p.compiled(f"excess:{region.name}:{sp.name}", form)
        total = p.domain.mesh.comm.allreduce(dolfinx.fem.assemble_scalar(compiled), op=MPI.SUM)
        out[sp.name] = total * p.model.scales.length_m / p.domain.cross_section
    return out


def cell_li_balance(case: Case, problem: Problem, given: dict[str, float],
                    li_fraction: dict[str, float],
                    theta_updates: list[float] | None = None) -> LiBalance:
    """The Li balance of a solved cell state whose insertion electrodes hold ``li_fraction``
    (uniform theta), against the case's ``given`` fractions (collective)."""
    mixed = {r.name for r in problem.model.regions if r.is_mixed_conductor}
    uniform = {k: v for k, v in li_fraction.items() if k not in mixed}  # mixed: resolved
    return LiBalance(dict(given), dict(li_fraction), list(theta_updates or []),
                     electrode_li_mol_m2(case, uniform),
                     resolved_li_mol_m2(problem, electrodes=False))
