"""DRT peaks named by the process that makes them (apps/drt_attribution.py), on the Li | LiPON |
LiCoO2 cell (Raijmakers et al. 2020): each peak's area is the resistance of its process.

Oracles: LiPON's bulk resistance L kT / (e^2 sum_k z_k^2 D_k c_k), and each contact's
R_ct = kT / (e i0 (alpha_a + alpha_c)) (analytic.charge_transfer_resistance_ohm_m2). Tolerance
5 %: the arcs overlap in part (the two charge-transfer peaks are a decade apart) and the areas
are read between the DRT's minima (measured 0.1 % bulk, 0.4 % and 3 % charge transfer)."""

import json
from pathlib import Path

import pytest

from pnp_ssb.analytic import charge_transfer_resistance_ohm_m2
from pnp_ssb.apps.cli import main
from pnp_ssb.constants import BOLTZMANN_J_K, ELEMENTARY_CHARGE_C
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case

CASE = Path(__file__).resolve().parents[2] / "cases" / "li_lipon_lco_impedance.toml"
QUIET = ["output.figures=false", 'output.fields="none"']


def test_peaks_are_bulk_charge_transfer_at_each_contact_and_salt_polarisation(tmp_path):
    case = load_case(CASE, QUIET)
    run_case(case, tmp_path / "run")
    assert main(["drt", str(tmp_path / "run" / "impedance.csv"), "--attribute", str(CASE),
                 *(a for o in QUIET for a in ("--set", o)), "-o", str(tmp_path / "drt")]) == 0
    record = json.loads((tmp_path / "drt" / "drt.json").read_text())
    named = [(p["process"], p["resistance_ohm_cm2"]) for p in record["peaks"]]
    assert [n for n, _ in named] == ["bulk transport", "charge transfer li|lipon",
                                     "charge transfer lipon|lco", "bulk transport"]
    kt = BOLTZMANN_J_K * case.temperature_K
    lipon = case.region_materials["lipon"]
    conductance = sum(s.charge**2 * s.diffusivity_m2_s.value * s.bulk_concentration_m3.value
                      for s in lipon.species.values()) * ELEMENTARY_CHARGE_C**2 / kt
    r_bulk = case.region("lipon").thickness_m / conductance * 1e4
    assert named[0][1] == pytest.approx(r_bulk, rel=5e-2)
    for (_, area), key in zip(named[1:3], ("li|lipon", "lipon|lco"), strict=True):
        k = case.interfaces[key].kinetics
        r_ct = charge_transfer_resistance_ohm_m2(k.exchange_current_density_A_m2, k.alpha_anodic,
                                                 k.alpha_cathodic, case.temperature_K) * 1e4
        assert area == pytest.approx(r_ct, rel=5e-2), key
    # the slowest peak is LiPON's salt polarisation (the anion is blocked), not LiCoO2's
    # diffusion: speeding the electrode up removes none of it
    slow = record["attribution"][-1]["removed_fraction"]
    assert slow["bulk transport"] > 0.9 and abs(slow["electrode diffusion"]) < 0.05
    assert sorted(p.name for p in (tmp_path / "drt" / "attribution").iterdir()) == [
        "bulk_transport", "charge_transfer_li-lipon", "charge_transfer_lipon-lco",
        "electrode_diffusion"]


def test_attribution_needs_an_impedance_case(tmp_path):
    spectrum = tmp_path / "z.csv"
    spectrum.write_text("f_Hz,re_ohm_cm2,im_ohm_cm2\n" + "".join(
        f"{10.0**k},{1 + 1 / (1 + 10.0**(2 * k))},{-(10.0**k) / (1 + 10.0**(2 * k))}\n"
        for k in range(-3, 4)), encoding="utf-8")
    gouy = CASE.with_name("gouy_chapman.toml")
    assert main(["drt", str(spectrum), "--attribute", str(gouy), "-o", str(tmp_path / "d")]) == 2
