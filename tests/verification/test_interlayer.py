"""The barrier-free interlayer (analytic.interlayer, apps/interlayer.py).

Oracles: in the linear (Debye–Hückel) limit the thickness is exact in closed form,
d = lambda arccosh(phi_w / phi_t) (E^2 = (phi^2 - phi_t^2)/lambda^2); at 0.1 mV the nonlinear
correction is O(psi^2) ~ 2e-5, so 1e-4. The full stack Li | LiF (d) | LiPON | Li solved by
pnp_ssb: LiPON's space-charge drop at the interlayer changes sign at d* (thinner: one sign,
thicker: the other) and is below 5 % of its value at 0.8 d* there, and the interlayer's
potential at its edge is LiPON's neutrality potential to 2 mV (the mesh error, ~1e-4 V)."""

import json
import math

import pytest

from pnp_ssb.analytic import debye_length_m
from pnp_ssb.analytic.interlayer import barrier_free_thickness_m
from pnp_ssb.analytic.poisson_boltzmann import SpeciesSpec
from pnp_ssb.apps.cli import main
from pnp_ssb.apps.interlayer import InterlayerRequest, stack_case, thickness
from pnp_ssb.materials import load_material
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.steady import solve_case

BINARY = [SpeciesSpec(1, 1e24), SpeciesSpec(-1, 1e24)]


def test_linear_limit_is_lambda_arccosh():
    lam = debye_length_m(BINARY, 10.0, 300.0)
    d = barrier_free_thickness_m(1e-4, 4e-5, BINARY, 10.0, 300.0)
    assert d == pytest.approx(lam * math.acosh(2.5), rel=1e-4)
    assert barrier_free_thickness_m(-1e-4, -4e-5, BINARY, 10.0, 300.0) == pytest.approx(d)
    # the target beyond the wall or past the bulk: the potential never levels off there
    assert barrier_free_thickness_m(1e-4, 2e-4, BINARY, 10.0, 300.0) is None
    assert barrier_free_thickness_m(1e-4, -1e-5, BINARY, 10.0, 300.0) is None


def _lipon_drop(thickness_m: float) -> tuple[float, float]:
    """(LiPON's drop, the interlayer's edge potential vs Li) of Li | LiF | LiPON | Li (V)."""
    sol = solve_case(load_case(stack_case(InterlayerRequest(output=None), "LiF", thickness_m)))
    sides = {s.region: s.drop_V for s in sol.layers["interlayer|electrolyte"]}
    phi0 = load_material("LiF").parameters["neutrality_potential_vs_li_V"].value
    return sides["electrolyte"], phi0 + sides["interlayer"]


def test_full_stack_has_no_electrolyte_space_charge_at_the_design_thickness():
    target = load_material("LiPON").parameters["neutrality_potential_vs_li_V"].value
    d, _ = thickness(load_material("LiF"), target, 300.0)
    assert d is not None and 5e-9 < d < 20e-9
    thin, _ = _lipon_drop(0.8 * d)
    at, edge = _lipon_drop(d)
    thick, _ = _lipon_drop(1.25 * d)
    assert thin * thick < 0
    assert abs(at) < 0.05 * abs(thin)
    assert edge == pytest.approx(target, abs=2e-3)


def test_cli_table(tmp_path):
    assert main(["interlayer", "--interlayers", "LiF,Li2O_110", "-o", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "interlayers.json").read_text())["interlayers"]
    assert [r["interlayer"] for r in rows] == ["LiF", "Li2O_110"]
    assert rows[0]["thickness_nm"] == pytest.approx(10.55, rel=1e-3)
    assert rows[1]["thickness_nm"] is None and "below the target" in rows[1]["reason"]
    assert (tmp_path / "interlayers.csv").is_file() and (tmp_path / "LiF" / "summary.json").is_file()
    assert main(["interlayer", "--interlayers", "Pt", "-o", str(tmp_path / "bad")]) == 2
