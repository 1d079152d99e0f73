"""Unit conversion to SI by parameter-name suffix."""

import math

import pytest

from pnp_ssb.constants import AVOGADRO_MOL, ELEMENTARY_CHARGE_C
from pnp_ssb.materials.units import CONVERSIONS, UnitError, accepted_units, si_unit, to_si


@pytest.mark.parametrize(("key", "unit"), [
    ("site_density_m3", "m^-3"), ("total_li_concentration_mol_m3", "mol/m^3"),
    ("diffusivity_m2_s", "m^2/s"), ("neutrality_potential_vs_li_V", "V"),
    ("work_function_eV", "eV"), ("conductivity_S_m", "S/m"), ("thickness_m", "m"),
    ("temperature_K", "K"), ("capacitance_F_m2", "F/m^2"), ("current_A_m2", "A/m^2"),
    ("energy_J", "J"), ("relative_permittivity", "1"), ("mobile_li_fraction", "1"),
])
def test_suffix_gives_si_unit(key, unit):
    assert si_unit(key) == unit


def test_bare_suffix_is_not_a_parameter_name():
    assert si_unit("_m") == "1"


@pytest.mark.parametrize(("value", "unit", "key", "expected"), [
    (1.0, "cm^-3", "n_m3", 1e6),
    (0.46, "mS/cm", "sigma_S_m", 0.046),
    (1.0, "uS/cm", "sigma_S_m", 1e-4),
    (1.0, "S/cm", "sigma_S_m", 100.0),
    (1.0, "uF/cm^2", "c_F_m2", 1e-2),
    (1.0, "mol/L", "n_m3", 1e3 * AVOGADRO_MOL),
    (1.0, "mol/m^3", "n_m3", AVOGADRO_MOL),
    (AVOGADRO_MOL, "m^-3", "c_mol_m3", 1.0),
    (1.0, "mol/L", "c_mol_m3", 1e3),
    (1.0, "cm^2/s", "d_m2_s", 1e-4),
    (250.0, "mV", "u_V", 0.25),
    (100.0, "meV", "w_eV", 0.1),
    (ELEMENTARY_CHARGE_C, "J", "w_eV", 1.0),
    (1.0, "eV", "w_J", ELEMENTARY_CHARGE_C),
    (3.0, "nm", "d_m", 3e-9),
    (13.0035, "A", "a_m", 13.0035e-10),
    (2.0, "um", "d_m", 2e-6),
    (1.0, "mA/cm^2", "i_A_m2", 10.0),
    (1.0, "A/cm^2", "i_A_m2", 1e4),
    (64.0, "%", "fraction", 0.64),
    (300.0, "K", "t_K", 300.0),
])
def test_conversions(value, unit, key, expected):
    assert math.isclose(to_si(value, unit, key), expected, rel_tol=1e-14)


def test_si_units_convert_to_themselves():
    for si, factors in CONVERSIONS.items():
        assert factors[si] == 1.0


def test_impossible_unit_names_parameter_unit_and_accepted_units():
    with pytest.raises(UnitError) as info:
        to_si(1.0, "eV", "site_density_m3")
    msg = str(info.value)
    assert "site_density_m3" in msg and "'eV'" in msg
    for unit in accepted_units("site_density_m3"):
        assert unit in msg


def test_error_uses_the_given_field_path():
    with pytest.raises(UnitError, match=r"LLZO\.species\.Li_i\.site_density_m3\.unit"):
        to_si(1.0, "V", "site_density_m3", where="LLZO.species.Li_i.site_density_m3.unit")
