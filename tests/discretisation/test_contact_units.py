"""The boundary and contact units of the forms, one by one: which units a boundary's type
chooses, and what each adds (its Dirichlet values, Robin term, Butler–Volmer current and sheet
charge at full load), against the closed forms in their docstrings."""

from pathlib import Path

import numpy as np
import pytest

from pnp_ssb.constants import VACUUM_PERMITTIVITY_F_M
from pnp_ssb.discretisation.fem import MPI, dolfinx
from pnp_ssb.discretisation.forms import build_problem
from pnp_ssb.discretisation.forms.boundaries import (
    imposed_potential,
    reservoir,
    stern_layer,
    terminal_units,
)
from pnp_ssb.discretisation.mesh import build_domain
from pnp_ssb.input.plan import mesh_plan
from pnp_ssb.physics.contacts import Terminal, regime_of
from pnp_ssb.physics.exchange import closed_species, transported_species
from pnp_ssb.physics.model import build_stack_model
from pnp_ssb.preflight import load_case
from tests.conftest import electrolyte_case

ROOT = Path(__file__).resolve().parents[2]
STERN = {"thickness_m": 0.3e-9, "relative_permittivity": 6.0}


def _problem(case):
    model = build_stack_model(case)
    domain = build_domain(mesh_plan(case), model, MPI.COMM_WORLD, None)
    problem = build_problem(domain, model)
    problem.set_load(1.0)
    return model, problem


def _assemble(form, problem) -> float:
    value = dolfinx.fem.assemble_scalar(dolfinx.fem.form(form, entity_maps=problem.entity_maps
                                                         or None))
    return MPI.COMM_WORLD.allreduce(value, op=MPI.SUM)


@pytest.mark.parametrize(("kind", "stern", "regime", "expected"), [
    ("blocking", None, "equilibrium", [imposed_potential]),
    ("blocking", 0.1, "steady", [stern_layer]),
    ("reservoir", None, "equilibrium", [imposed_potential]),  # no fluxes at equilibrium
    ("reservoir", None, "steady", [imposed_potential, reservoir]),
    ("reservoir", 0.1, "transient", [stern_layer, reservoir]),
])
def test_a_boundary_type_chooses_its_units(kind, stern, regime, expected):
    assert terminal_units(Terminal("left", kind, 0.0, stern), regime) == expected


def test_study_types_map_to_regimes():
    assert [regime_of(t) for t in ("equilibrium", "steady_state", "transient", "impedance",
                                   "ocv_sweep")] == ["equilibrium", "steady", "transient",
                                                     "equilibrium", "equilibrium"]


def test_reservoir_exchanges_only_its_species():
    some = Terminal("right", "reservoir", 0.0, None, ("cation",))
    assert some.exchanges("cation") and not some.exchanges("anion")
    assert Terminal("right", "reservoir", 0.0).exchanges("anion")
    assert not Terminal("left", "blocking", 0.0).exchanges("cation")


def test_species_roles_follow_the_boundaries():
    """Blocked at both ends: both ions are closed (their amounts conserved), and closed species
    get a field in any study; a reservoir makes both exchanged, with fields in a steady state
    and none at equilibrium (there they take the reservoir's electrochemical potential)."""
    blocked = load_case(electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": 0.1},
                                         right={"type": "blocking", "potential_vs_bulk_V": 0.0},
                                         study="steady_state"))
    model = build_stack_model(blocked)
    assert closed_species(model) == ["cation", "anion"]
    assert transported_species(model) == ["cation", "anion"]
    open_right = load_case(electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": 0.1},
                                            right={"type": "reservoir"}, study="steady_state"))
    model = build_stack_model(open_right)
    assert closed_species(model) == [] and transported_species(model) == ["cation", "anion"]
    eq = build_stack_model(load_case(electrolyte_case(
        left={"type": "blocking", "potential_vs_bulk_V": 0.1}, right={"type": "reservoir"})))
    assert closed_species(eq) == [] and transported_species(eq) == []


def test_imposed_potential_and_reservoir_values():
    """At full load the left end sits at psi0 + V/vt and the reservoir holds w_k = z_k V/vt."""
    case = load_case(electrolyte_case(left={"type": "reservoir", "potential_vs_bulk_V": 0.05},
                                      right={"type": "blocking", "potential_vs_bulk_V": 0.0},
                                      study="steady_state"))
    model, problem = _problem(case)
    vt = model.scales.thermal_voltage_V
    psi0 = model.regions[0].bulk_potential
    assert float(problem.electrode_potential["left"].value) == pytest.approx(psi0 + 0.05 / vt,
                                                                             rel=1e-14)
    for name, z in (("cation", 1), ("anion", -1)):
        assert float(problem.reservoir_w[("left", name)].value) == pytest.approx(z * 0.05 / vt,
                                                                                 rel=1e-14)
    assert ("right", "cation") not in problem.reservoir_w  # a blocking end holds no species


def test_stern_layer_adds_its_capacitance_as_a_robin_term():
    """C_S = eps0 eps_S / d_S, and the end's potential enters through the Robin term (its
    dofs carry no Dirichlet condition)."""
    case = load_case(electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": 0.3,
                                            "stern": STERN},
                                      right={"type": "reservoir"}))
    _, problem = _problem(case)
    c_stern = VACUUM_PERMITTIVITY_F_M * 6.0 / 0.3e-9
    assert problem.stern_capacitance == {"left": pytest.approx(c_stern, rel=1e-14)}
    left_dofs = problem.boundary_dofs["left"]
    held = {int(d) for bc in problem.bcs for d in bc.dof_indices()[0]}
    assert not set(left_dofs.tolist()) & held  # Robin, not Dirichlet, at the Stern end


def test_butler_volmer_current_at_full_load():
    """With the electrolyte's w = 0 the overpotential is the contact's V - U, and the unit's
    current form gives i0 [exp(alpha_a eta/vt) - exp(-alpha_c eta/vt)] per area."""
    case = load_case(ROOT / "cases" / "li_llzo_li_bias.toml")
    model, problem = _problem(case)
    vt = model.scales.thermal_voltage_V
    for field in problem.species_fields.values():
        field.x.array[:] = 0.0
    area = problem.domain.cross_section
    for contact in model.contacts:
        expected = contact.current_density_A_m2(contact.driving_V, vt)
        channels = sum(1 for name, _ in contact.channels if name in problem.species_fields)
        got = _assemble(problem.contact_current[contact.key], problem) / area
        scale = contact.exchange_current_density_A_m2
        assert got == pytest.approx(channels * expected, rel=1e-12, abs=1e-12 * scale)
    assert any(abs(c.driving_V) > 0.1 for c in model.contacts)  # the biased contact is tested


def test_sheet_charge_of_a_sharp_grain_boundary():
    """A sharp boundary adds lam sigma/(e c_s L) on its interior facet (1D: one point)."""
    data = electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": 0.0},
                            right={"type": "blocking", "potential_vs_bulk_V": 0.0})
    data["grain_boundaries"] = {"electrolyte": {"positions_m": [100e-9],
                                                "core_charge_C_m2": 0.01}}
    model, problem = _problem(load_case(data))
    expected = 0.01 / model.scales.charge_per_area_C_m2
    assert _assemble(problem.sheet_charge["electrolyte"], problem) == pytest.approx(expected,
                                                                                     rel=1e-12)
    problem.set_load(0.5)
    assert _assemble(problem.sheet_charge["electrolyte"], problem) == pytest.approx(
        0.5 * expected, rel=1e-12)
    assert np.isfinite(expected)
