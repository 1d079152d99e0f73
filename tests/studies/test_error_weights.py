"""The weights of the time-error norm: p_k = min(1, c_k/c_bulk) at the nodes of each species.

A Gouy–Chapman layer at 0.2 V (7.7 kT/e) relaxed by one long step: the co-ion is depleted by
e^-7.7 at the wall, the counter-ion accumulates. The assembled weights equal min(1, exp(w_k -
z_k (psi - psi_0))) from the nodal values to round-off (the vertex rule evaluates P1 fields
exactly at the nodes)."""

import numpy as np

from pnp_ssb.analysis.solution import newton_settings
from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.error_weights import species_presence
from pnp_ssb.studies.stepper import build_stepper
from tests.verification.test_transient import charging_case


def test_weights_are_the_relative_concentration_capped_at_one():
    data = charging_case(1.0)
    data["boundaries"]["left"]["potential_vs_bulk_V"] = 0.2
    case = load_case(data)
    stepper = build_stepper(case, MPI.COMM_SELF, newton_settings(case))
    p = stepper.problem
    p.set_load(1.0)
    stepper.set_step(1e3)
    stepper.newton()
    presence = species_presence(p, stepper.model)
    x_psi = p.psi.function_space.tabulate_dof_coordinates()[:, 0]
    order = np.argsort(x_psi)
    psi0 = float(p.bulk_potential["electrolyte"].value)
    depleted = []
    for (name, w), weights in zip(p.species_fields.items(), presence, strict=True):
        sp = next(s for s in stepper.model.electrolytes[0].species if s.name == name)
        x = w.function_space.tabulate_dof_coordinates()[:, 0]
        psi = np.interp(x, x_psi[order], p.psi.x.array[order])
        expected = np.minimum(1.0, np.exp(w.x.array - sp.charge * (psi - psi0)))
        np.testing.assert_allclose(weights, expected[:len(weights)], rtol=1e-10, atol=1e-14)
        depleted.append(weights.min())
    assert min(depleted) < np.exp(-7.0) and max(depleted) > 0.1  # one depleted, one not
    stepper.solver.close()
