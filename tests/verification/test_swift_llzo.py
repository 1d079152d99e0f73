"""A published number: Swift, Swift & Qi 2021 (code release outputs, shared/data/literature.md):
LLZO against Li at 300 K has a surface charge of -5.327 e/nm^2 for the same defect model
(two lattice-gas defects capped at alpha N, bulk at 1.6216 V). The tolerance, 0.5%, covers the
four significant digits they report plus our mesh error (2e-3 on the default mesh)."""

from pathlib import Path

import pytest

from pnp_ssb.preflight import load_case
from pnp_ssb.studies.steady import solve_case

CASE = Path(__file__).resolve().parents[2] / "cases" / "llzo_space_charge.toml"
E_PER_NM2 = 1.602176634e-19 / 1e-18


def test_llzo_surface_charge_matches_swift_2021():
    sol = solve_case(load_case(CASE, ["output.figures=false"]))
    assert sol.converged
    sigma = sol.electrode_charge_C_m2["left"] / E_PER_NM2
    assert sigma == pytest.approx(-5.327, rel=5e-3)
    assert sol.layers["left"][0].drop_V == pytest.approx(-1.6216, abs=1e-3)
