"""Amount constraints: what makes a steady solve of a closed cell well-posed.

A species that no contact exchanges and no reservoir holds (a blocked species) has a
Nernst–Planck block whose rows sum to zero for every state: with test functions summing to 1,
sum_i int D M grad w . grad q_i dx = 0. Without a time derivative the block is singular, its
null vector being a uniform shift of w (plus the potential's response). Its amount is what
fixes that mode:

    ln(N_k / N_k(start)) = 0,   N_k = int c_k dx,

so the solver replaces the block's first row, which the other rows already imply, by this
equation (:class:`pnp_ssb.solvers.newton.AmountConstraint`). The amount uses the lumped (vertex)
rule, the quantity the backward-Euler mass terms conserve, so a transient starting from the
constrained state keeps it to solver tolerance.
"""

from pnp_ssb.discretisation.fem import dolfinx, ufl
from pnp_ssb.discretisation.forms import Problem, concentration_ufl, lumped_measure
from pnp_ssb.physics.model import StackModel
from pnp_ssb.solvers.constraint_rows import AmountConstraint


def blocked_species(problem: Problem) -> list[str]:
    """Species fields that neither a reacting contact nor a Dirichlet condition determines."""
    exchanged = {name for contact in problem.contacts for name, _ in contact.channels}
    held = {name for (_, name) in problem.boundary_species_dofs}
    return [name for name in problem.species_fields if name not in exchanged | held]


def amount_form(problem: Problem, model: StackModel, name: str) -> ufl.Form:
    """int c_k/c_s dx over every electrolyte holding species ``name`` (lumped rule, scaled)."""
    dx = lumped_measure(problem)
    form: ufl.Form | int = 0
    for region in model.electrolytes:
        sp = next((s for s in region.species if s.name == name), None)
        if sp is None:
            continue
        c = concentration_ufl(sp, problem.psi, problem.species_fields[name],
                              problem.bulk_potential[region.name],
                              problem.shift(region.name, name))
        form += c * dx(problem.domain.region_tags[region.name])
    assert not isinstance(form, int), f"no electrolyte holds species {name!r}"
    return form


def amount_constraints(problem: Problem, model: StackModel) -> list[AmountConstraint]:
    """One constraint per blocked species, holding its amount at the current state's value
    (collective: the amounts are assembled over the whole mesh)."""
    comm = problem.domain.mesh.comm
    names = list(problem.species_fields)
    out = []
    for name in blocked_species(problem):
        form = amount_form(problem, model, name)
        compiled = dolfinx.fem.form(form, entity_maps=problem.entity_maps or None)
        amount = comm.allreduce(dolfinx.fem.assemble_scalar(compiled))
        out.append(AmountConstraint(block=1 + names.index(name), amount=form,
                                    target=float(amount), label=name))
    return out
