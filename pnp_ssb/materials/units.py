"""Unit conversion to the SI units the code uses, chosen by a parameter name's suffix.

A parameter name ends in a suffix that fixes its SI unit (``_m3`` -> m^-3, ``_eV`` -> eV, ...);
a name without a recognised suffix is dimensionless ("1"). Data files may give a value in
any unit this module knows for that SI unit (``cm^-3``, ``mS/cm``, ``uF/cm^2``, ...);
:func:`to_si` converts it once, on load. Energies stay in eV.

Constants are CODATA 2018 (e, k_B and N_A exact), from :mod:`pnp_ssb.constants`.
"""

from types import MappingProxyType

from pnp_ssb.constants import AVOGADRO_MOL, ELEMENTARY_CHARGE_C


class UnitError(ValueError):
    """A unit that cannot be converted to the SI unit a parameter name asks for."""


# Suffix -> SI unit. Longer suffixes come first so that "_mol_m3" wins over "_m3" and
# "_S_m" over "_m".
SUFFIX_UNITS: tuple[tuple[str, str], ...] = (
    ("_mol_m3", "mol/m^3"),
    ("_m2_s", "m^2/s"),
    ("_S_m", "S/m"),
    ("_F_m2", "F/m^2"),
    ("_A_m2", "A/m^2"),
    ("_volume_m3", "m^3"),
    ("_m3", "m^-3"),
    ("_eV", "eV"),
    ("_V", "V"),
    ("_K", "K"),
    ("_J", "J"),
    ("_m", "m"),
)

# SI unit -> {accepted unit: factor}, so that value_SI = factor * value_given.
_FACTORS: dict[str, dict[str, float]] = {
    "m^-3": {"m^-3": 1.0, "cm^-3": 1e6, "mol/m^3": AVOGADRO_MOL, "mol/L": 1e3 * AVOGADRO_MOL},
    "mol/m^3": {"mol/m^3": 1.0, "mol/L": 1e3, "m^-3": 1.0 / AVOGADRO_MOL,
                "cm^-3": 1e6 / AVOGADRO_MOL},
    "m^2/s": {"m^2/s": 1.0, "cm^2/s": 1e-4},
    "m^3": {"m^3": 1.0, "nm^3": 1e-27, "A^3": 1e-30},
    "V": {"V": 1.0, "mV": 1e-3},
    "eV": {"eV": 1.0, "meV": 1e-3, "J": 1.0 / ELEMENTARY_CHARGE_C},
    "J": {"J": 1.0, "eV": ELEMENTARY_CHARGE_C},
    "S/m": {"S/m": 1.0, "S/cm": 1e2, "mS/cm": 1e-1, "uS/cm": 1e-4},
    "m": {"m": 1.0, "cm": 1e-2, "mm": 1e-3, "um": 1e-6, "nm": 1e-9, "A": 1e-10},
    "K": {"K": 1.0},
    "F/m^2": {"F/m^2": 1.0, "uF/cm^2": 1e-2},
    "A/m^2": {"A/m^2": 1.0, "mA/cm^2": 1e1, "A/cm^2": 1e4},
    "1": {"1": 1.0, "%": 1e-2},
}
CONVERSIONS = MappingProxyType({k: MappingProxyType(v) for k, v in _FACTORS.items()})


def si_unit(key: str) -> str:
    """The SI unit a parameter name asks for, from its suffix ("1" when it has none).

    Args:
        key: a parameter name such as ``site_density_m3`` or ``relative_permittivity``.
    """
    for suffix, unit in SUFFIX_UNITS:
        if key.endswith(suffix) and len(key) > len(suffix):
            return unit
    return "1"


def accepted_units(key: str) -> tuple[str, ...]:
    """The units a value of parameter ``key`` may be given in."""
    return tuple(CONVERSIONS[si_unit(key)])


def to_si(value: float, unit: str, key: str, where: str | None = None) -> float:
    """Convert ``value`` given in ``unit`` to the SI unit of parameter ``key``.

    Args:
        value: the number as written in the data file.
        unit: its unit, e.g. ``"mS/cm"``.
        key: the parameter name whose suffix fixes the SI unit.
        where: the field path used in the error message (defaults to ``key``).

    Returns:
        The value in the SI unit :func:`si_unit` gives for ``key``.

    Raises:
        UnitError: when ``unit`` cannot be converted to that SI unit; the message names the
            parameter, the given unit and the accepted units.
    """
    target = si_unit(key)
    factors = CONVERSIONS[target]
    if not isinstance(unit, str) or unit not in factors:
        raise UnitError(
            f"{where or key} = {unit!r}: parameter {key!r} is in {target}; expected one of "
            f"{', '.join(factors)}")
    return float(value) * factors[unit]


__all__ = ["CONVERSIONS", "SUFFIX_UNITS", "UnitError", "accepted_units", "si_unit", "to_si"]
