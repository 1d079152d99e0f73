"""Shared test helpers: build electrolyte cases in code, and solve them."""

from typing import Any

import pytest

BINARY = {
    "cation": {"charge": 1, "li_stoichiometry": 1, "statistics": "boltzmann",
               "mobility_exponent": 0, "site_density_m3": 1e28, "bulk_concentration_m3": 1e25,
               "diffusivity_m2_s": 1e-13},
    "anion": {"charge": -1, "li_stoichiometry": -1, "statistics": "boltzmann",
              "mobility_exponent": 0, "site_density_m3": 1e28, "bulk_concentration_m3": 1e25,
              "diffusivity_m2_s": 1e-13},
}


def electrolyte_material(species: dict[str, dict] | None = None, eps_r: float = 20.0,
                         neutrality_potential_V: float | None = None) -> dict[str, Any]:
    """An inline solid-electrolyte material (database format, plain numbers)."""
    params: dict[str, Any] = {"relative_permittivity": eps_r}
    if neutrality_potential_V is not None:
        params["neutrality_potential_vs_li_V"] = neutrality_potential_V
    return {"kind": "solid_electrolyte", "description": "test electrolyte",
            "parameters": params, "species": species or BINARY}


def electrolyte_case(*, left: dict, right: dict, thickness_m: float = 200e-9,
                     study: str = "equilibrium", temperature_K: float = 300.0,
                     species: dict[str, dict] | None = None, eps_r: float = 20.0,
                     mesh: dict | None = None, name: str = "test") -> dict[str, Any]:
    """A one-layer case dictionary for :func:`pnp_ssb.preflight.load_case`."""
    return {
        "name": name, "temperature_K": temperature_K, "study": {"type": study},
        "regions": [{"name": "electrolyte", "material": "se", "thickness_m": thickness_m}],
        "materials": {"se": electrolyte_material(species, eps_r)},
        "boundaries": {"left": left, "right": right},
        "mesh": mesh or {},
        "output": {"figures": False, "fields": "none"},
    }


@pytest.fixture
def solve():
    """Validate and solve a case dictionary on COMM_WORLD."""
    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.steady import solve_case

    def _solve(data: dict, overrides: tuple[str, ...] = (), comm=None):
        from pnp_ssb.discretisation.fem import MPI

        return solve_case(load_case(data, overrides), comm or MPI.COMM_WORLD)

    return _solve
