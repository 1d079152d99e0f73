"""Where a species' electrochemical potential matters: the weights of the time-error norm.

An error dw (kT) in w_k changes c_k by c_k dw (dilute limit) and the charge by e z_k c_k dw, so
it weighs as much as it moves concentrations. In a depleted layer (c_k ~ e^-90 c_bulk) w_k
changes no concentration, and Newton leaves it at its stagnation level, noise that does not shrink
with the time step and that an unweighted estimate would chase down to dt ~ 1e-17 s. Each
node's error in w_k is therefore weighted by

    p_k = min(1, c_k / c_k,bulk)

(1 in the bulk and where the species accumulates), taken at the vertices: the lumped (vertex
rule) integral of p_k q_i divided by that of q_i is p_k at node i for P1 fields.
"""

import numpy as np

from pnp_ssb.discretisation.fem import dolfinx, ufl
from pnp_ssb.discretisation.forms import Problem, concentration_ufl, lumped_measure
from pnp_ssb.physics.model import StackModel


def _presence_forms(problem: Problem, model: StackModel, name: str) -> tuple[ufl.Form, ufl.Form]:
    """The lumped integrals of p_k q and of q over every electrolyte holding ``name``."""
    dx = lumped_measure(problem)
    w, q = problem.species_fields[name], problem.species_tests[name]
    weighted, mass = 0, 0
    for region in model.electrolytes:
        sp = next((s for s in region.species if s.name == name), None)
        if sp is None:
            continue
        c = concentration_ufl(sp, problem.psi, w, problem.bulk_potential[region.name],
                              problem.shift(region.name, name))
        tag = dx(problem.domain.region_tags[region.name])
        weighted += ufl.min_value(c / sp.bulk_concentration, 1.0) * q * tag
        mass += q * tag
    assert not isinstance(weighted, int), f"no electrolyte holds species {name!r}"
    return weighted, mass


def species_presence(problem: Problem, model: StackModel) -> list[np.ndarray]:
    """p_k at the owned dofs of each species field, in the order of problem.species_fields
    (collective)."""
    out = []
    for name in problem.species_fields:
        vectors = []
        for part in (0, 1):
            vec = dolfinx.fem.assemble_vector(problem.compiled(
                f"presence:{name}:{part}", lambda j=part, k=name: _presence_forms(problem, model, k)[j]))
            vec.scatter_reverse(dolfinx.la.InsertMode.add)
            n = vec.index_map.size_local * vec.block_size
            vectors.append(vec.array[:n].copy())
        weighted, mass = vectors
        out.append(np.divide(weighted, mass, out=np.ones_like(weighted), where=mass > 0))
    return out
