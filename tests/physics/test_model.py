"""The resolved model: a stack or a cell by type, its scales, and neutral bulks."""

from pathlib import Path

import numpy as np
import pytest

from pnp_ssb.constants import ELEMENTARY_CHARGE_C, VACUUM_PERMITTIVITY_F_M, thermal_voltage_V
from pnp_ssb.physics.model import CellModel, StackModel, build_stack_model
from pnp_ssb.preflight import load_case

CASES = Path(__file__).resolve().parents[2] / "cases"


def test_a_stack_without_conductors_is_not_a_cell():
    model = build_stack_model(load_case(CASES / "gouy_chapman.toml"))
    assert type(model) is StackModel
    with pytest.raises(ValueError, match="not a cell"):
        model.require_cell()


def test_a_stack_with_electrodes_is_a_cell_model():
    model = build_stack_model(load_case(CASES / "li_llzo_li.toml"))
    assert isinstance(model, CellModel)
    assert model.require_cell() is model.cell
    assert set(model.cell.fermi_voltage_V) == {"li_left", "li_right"}


def test_scales_give_the_poisson_coefficient():
    """A = eps0 kT / (e^2 c_s L^2) with c_s the largest bulk concentration."""
    model = build_stack_model(load_case(CASES / "gouy_chapman.toml"))
    s = model.scales
    vt = thermal_voltage_V(s.temperature_K)
    assert s.poisson_coefficient == pytest.approx(
        VACUUM_PERMITTIVITY_F_M * vt / (ELEMENTARY_CHARGE_C * s.concentration_m3 * s.length_m**2),
        rel=1e-15)
    assert s.capacitance_scaled(1.0) == pytest.approx(vt / s.charge_per_area_C_m2, rel=1e-15)


@pytest.mark.parametrize("name", ["gouy_chapman", "llzo_space_charge", "li_lipon_lco"])
def test_every_bulk_is_neutral_at_its_bulk_potential(name):
    """rho(psi0, w = 0) = 0: the background charge cancels the species' bulk charge, and the
    bisection for the neutral potential finds psi0 again."""
    model = build_stack_model(load_case(CASES / f"{name}.toml"))
    for region in model.electrolytes:
        rho = region.charge_density(np.array([region.bulk_potential]))
        scale = max(region.ionic_strength(), 1e-300)
        assert abs(rho[0]) <= 1e-12 * scale
        assert region.neutral_potential() == pytest.approx(region.bulk_potential, abs=1e-9)
