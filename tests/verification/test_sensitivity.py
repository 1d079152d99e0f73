"""First-order sensitivities by the forward tangent (pnp_ssb.solvers.tangent,
pnp_ssb.studies.sensitivity) against central finite differences of the full solve.

The oracle: phi0 -> phi0 +- h (h = 1e-3 V) re-solved on the same mesh (error control off);
the central difference has a truncation error O(h^2 phi''') and Newton's noise 1e-9 kT / h,
both below 1e-7 V/V here, so the tangent is checked to 1e-5 relative (the issue's bar). The
first-order band of a near-linear output is checked against sampling the input's uniform
distribution (21 strata, midpoints: exact for the variance of a linear response to 0.2 %).
"""

from pathlib import Path

import numpy as np
import pytest

from pnp_ssb.preflight import load_case
from pnp_ssb.studies.sensitivity import equilibrium_sensitivities
from pnp_ssb.studies.steady import solve_case

CASES = Path(__file__).resolve().parents[2] / "cases"
SAME_MESH = ("mesh.error_control=off", "output.figures=false", 'output.fields="none"')
H = 1e-3


def solve_with(path: Path, region_index: int | None = None, phi0: float | None = None):
    extra = () if phi0 is None else (
        f"regions.{region_index}.overrides={{neutrality_potential_vs_li_V = {phi0}}}",)
    return solve_case(load_case(path, (*SAME_MESH, *extra)))


@pytest.mark.parametrize("name, region", [("llzo_space_charge", "llzo"),
                                          ("li_llzo_li", "llzo")])
def test_tangent_equals_central_differences(name, region):
    path = CASES / f"{name}.toml"
    base = solve_with(path)
    sens = equilibrium_sensitivities(base)
    (entry,) = [s for s in sens.inputs if s.region == region]
    index = [r.name for r in base.case.regions].index(region)
    plus, minus = (solve_with(path, index, entry.value + d) for d in (H, -H))
    for a, b in ((plus, base), (minus, base)):
        assert all(np.array_equal(sa.x_m, sb.x_m) for sa, sb in
                   zip(a.profile.segments, b.profile.segments, strict=True))
    vt = base.profile.thermal_voltage_V
    fd = (np.concatenate([s.psi for s in plus.profile.segments])
          - np.concatenate([s.psi for s in minus.profile.segments])) * vt / (2 * H)
    assert np.max(np.abs(entry.dphi_dp - fd)) < 1e-5 * np.max(np.abs(fd))
    for key, sides in base.layers.items():
        for side in sides:
            fd_drop = (next(s.drop_V for s in plus.layers[key] if s.region == side.region)
                       - next(s.drop_V for s in minus.layers[key] if s.region == side.region)
                       ) / (2 * H)
            assert entry.d_drops[key][side.region] == pytest.approx(fd_drop, abs=1e-5), key
    assert max(abs(v) for v in fd) > 0.5  # the layer really moves with phi0


def test_first_order_band_matches_sampling():
    """li_llzo_li with LLZO's phi0 uncertain (uniform 1.60-1.64 V, added here): sigma of phi a
    nanometre into the left layer against the midpoints of 21 strata of that range."""
    path = CASES / "li_llzo_li.toml"
    spread = ("regions.1.overrides={neutrality_potential_vs_li_V = {value = 1.6216363422810787, "
              "unit = \"V\", status = \"assumed\", reason = \"test\", uncertainty = "
              "{range = [1.60, 1.64], reason = \"test\"}}}")
    base = solve_case(load_case(path, (*SAME_MESH, spread)))
    sens = equilibrium_sensitivities(base)
    band = sens.band_V()
    x = sens.x_m
    j = int(np.argmin(np.abs(x - (x[sens.region == "llzo"][0] + 1e-9))))
    samples = []
    for u in 1.60 + 0.04 * (np.arange(21) + 0.5) / 21:
        s = solve_with(path, 1, float(u))
        samples.append(np.concatenate([g.psi for g in s.profile.segments])[j]
                       * s.profile.thermal_voltage_V)
    assert band[j] == pytest.approx(np.std(samples), rel=5e-2)
    assert band[j] > 1e-3
    (entry,) = sens.inputs
    assert entry.std == pytest.approx(0.04 / np.sqrt(12))


def test_uncertain_inputs_without_a_tangent_are_listed():
    sens = equilibrium_sensitivities(solve_with(CASES / "li_llzo_li.toml"))
    assert any("Li.work_function_eV" in item["input"] for item in sens.not_propagated)


def test_the_uncertainty_command_writes_its_band_and_refuses_what_it_cannot_differentiate(
        tmp_path, caplog):
    import csv
    import json

    from pnp_ssb.apps.cli import main

    spread = ("regions.0.overrides={neutrality_potential_vs_li_V = {value = 1.6216363422810787, "
              "unit = \"V\", status = \"assumed\", reason = \"test\", uncertainty = "
              "{std = 0.05, reason = \"test\"}}}")
    assert main(["uncertainty", str(CASES / "llzo_space_charge.toml"), "--set", spread,
                 "-o", str(tmp_path / "a")]) == 0
    record = json.loads((tmp_path / "a" / "sensitivity.json").read_text())
    (entry,) = record["inputs"]
    assert entry["std"] == pytest.approx(0.05)
    assert entry["d_drops"]["left"]["llzo"] == pytest.approx(-1.0, abs=1e-6)  # drop = -phi0
    with open(tmp_path / "a" / "phi_band.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert float(rows[0]["phi_std_V"]) == pytest.approx(0.0, abs=1e-12)  # the wall stays
    assert float(rows[-1]["phi_std_V"]) == pytest.approx(0.05, rel=1e-6)  # the bulk moves
    assert (tmp_path / "a" / "uncertainty.png").is_file()
    assert main(["uncertainty", str(CASES / "li_llzo_li_bias.toml"), "-o",
                 str(tmp_path / "b")]) == 2
    assert "expected 'equilibrium'" in caplog.text
    assert main(["uncertainty", str(CASES / "lco_lipon.toml"), "-o", str(tmp_path / "c")]) == 2
    assert "insertion electrodes re-balance their Li" in caplog.text
