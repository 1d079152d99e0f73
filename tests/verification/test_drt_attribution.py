"""DRT peaks named by the process that makes them (apps/drt_attribution.py), on the Li | LiPON |
LiCoO2 cell (Raijmakers et al. 2020): each peak's area is the resistance of its process.

Oracles: LiPON's bulk resistance L kT / (e^2 sum_k z_k^2 D_k c_k), and each contact's
R_ct = kT / (e i0 (alpha_a + alpha_c)) (analytic.charge_transfer_resistance_ohm_m2). Tolerance
5 %: the arcs overlap in part (the two charge-transfer peaks are a decade apart) and the areas
are read between the DRT's minima (measured 0.1 % bulk, 0.4 % and 3 % charge transfer)."""

import json
from pathlib import Path

import pytest

from pnp_ssb.analytic import (
    SpeciesSpec,
    charge_transfer_resistance_ohm_m2,
    nernst_einstein_conductivity_S_m,
)
from pnp_ssb.apps.cli import main
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case

CASE = Path(__file__).resolve().parents[2] / "cases" / "li_lipon_lco_impedance.toml"
QUIET = ["output.figures=false", 'output.fields="none"']


def bulk_conductivity_S_m(case, region: str) -> float:
    """Nernst–Einstein sigma of a region's bulk (analytic.nernst_einstein_conductivity_S_m)."""
    species = list(case.region_materials[region].species.values())
    return nernst_einstein_conductivity_S_m(
        [SpeciesSpec(s.charge, s.bulk_concentration_m3.value) for s in species],
        case.temperature_K, [s.diffusivity_m2_s.value for s in species])


def r_ct_ohm_cm2(case, contact: str) -> float:
    """kT / (e i0 (alpha_a + alpha_c)) of a contact's kinetics, Ohm cm^2."""
    k = case.interfaces[contact].kinetics
    return charge_transfer_resistance_ohm_m2(k.exchange_current_density_A_m2, k.alpha_anodic,
                                             k.alpha_cathodic, case.temperature_K) * 1e4


def test_peaks_are_bulk_charge_transfer_at_each_contact_and_salt_polarisation(tmp_path):
    case = load_case(CASE, QUIET)
    run_case(case, tmp_path / "run")
    assert main(["drt", str(tmp_path / "run" / "impedance.csv"), "--attribute", str(CASE),
                 *(a for o in QUIET for a in ("--set", o)), "-o", str(tmp_path / "drt")]) == 0
    record = json.loads((tmp_path / "drt" / "drt.json").read_text())
    named = [(p["process"], p["resistance_ohm_cm2"]) for p in record["peaks"]]
    assert [n for n, _ in named] == ["bulk transport", "charge transfer li|lipon",
                                     "charge transfer lipon|lco", "bulk transport"]
    r_bulk = case.region("lipon").thickness_m / bulk_conductivity_S_m(case, "lipon") * 1e4
    assert named[0][1] == pytest.approx(r_bulk, rel=5e-2)
    for (_, area), key in zip(named[1:3], ("li|lipon", "lipon|lco"), strict=True):
        assert area == pytest.approx(r_ct_ohm_cm2(case, key), rel=5e-2), key
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


LLZO_CASE = CASE.with_name("li_llzo_li_bias.toml")
CORES_M = [1e-7, 2e-7, 3e-7, 4e-7, 5e-7]
CORE_WIDTH_M, CORE_FACTOR = 1e-9, 0.013  # llzo_grain_boundary_2d.toml's cores (Eckhardt et al.)


def polycrystal_stack(core_charge_C_m2: float = 0.0) -> list[str]:
    """Li | 600 nm LLZO with five 1 nm cores 77x slower than the grains | Li, at open circuit."""
    return ['boundaries.right={type="terminal"}',
            'study={type="impedance", f_min_Hz=1, f_max_Hz=1e9, points_per_decade=5}',
            "regions.1.thickness_m=6e-7",
            f"grain_boundaries.llzo={{positions_m={CORES_M}, width_m={CORE_WIDTH_M}, "
            f"diffusivity_factor={CORE_FACTOR}, core_charge_C_m2={core_charge_C_m2}}}", *QUIET]


def test_polycrystal_peaks_are_grains_cores_charge_transfer_and_defect_polarisation(tmp_path):
    """Li | LLZO with charge-free slow cores (brick-layer series): the grain peak is
    (L - N w) / sigma, the cores' N w / (f sigma) (relaxation time eps / (f sigma), 77x the
    grains'), the two contacts' R_ct share one arc, and the slowest peak is the polarisation
    of the Li_i / Li_v pair (only Li_i reacts at Li; no Frenkel reaction in the bulk), in the
    grains and the cores both."""
    overrides = polycrystal_stack()
    case = load_case(LLZO_CASE, overrides)
    run_case(case, tmp_path / "run")
    assert main(["drt", str(tmp_path / "run" / "impedance.csv"), "--attribute", str(LLZO_CASE),
                 *(a for o in overrides for a in ("--set", o)), "-o", str(tmp_path / "drt")]) == 0
    record = json.loads((tmp_path / "drt" / "drt.json").read_text())
    named = [(p["process"], p["resistance_ohm_cm2"]) for p in record["attribution"]]
    assert [n for n, _ in named] == [
        "bulk transport", "grain-boundary cores",
        "charge transfer li_left|llzo + charge transfer llzo|li_right", "bulk transport"]
    sigma = bulk_conductivity_S_m(case, "llzo")
    cores_m = len(CORES_M) * CORE_WIDTH_M
    assert named[0][1] == pytest.approx((case.region("llzo").thickness_m - cores_m) / sigma * 1e4,
                                        rel=5e-2)
    assert named[1][1] == pytest.approx(cores_m / (CORE_FACTOR * sigma) * 1e4, rel=5e-2)
    assert named[2][1] == pytest.approx(2 * r_ct_ohm_cm2(case, "li_left|llzo"), rel=5e-2)
    assert record["attribution"][3]["removed_fraction"]["grain-boundary cores"] > 0.2


def test_grain_boundary_switches_change_one_process_each():
    """The bulk switch speeds the grains and keeps the cores' own diffusivity; the core switch
    speeds the cores only; the charge switch zeroes the core charge only."""
    from pnp_ssb.apps.drt_attribution import FACTOR, process_switches

    overrides = polycrystal_stack(core_charge_C_m2=0.1)
    base = load_case(LLZO_CASE, overrides)
    switches = {s.process: load_case(LLZO_CASE, [*overrides, *s.overrides])
                for s in process_switches(base)}
    assert sorted(switches) == ["bulk transport", "charge transfer li_left|llzo",
                                "charge transfer llzo|li_right", "grain-boundary cores",
                                "grain-boundary space charge"]

    def d_grain(case) -> float:
        return case.region_materials["llzo"].species["Li_i"].diffusivity_m2_s.value

    def core(case):
        return case.grain_boundaries["llzo"]

    bulk, cores, charge = (switches[k] for k in ("bulk transport", "grain-boundary cores",
                                                 "grain-boundary space charge"))
    assert d_grain(bulk) == pytest.approx(FACTOR * d_grain(base), rel=1e-12)
    assert d_grain(bulk) * core(bulk).diffusivity_factor == pytest.approx(
        d_grain(base) * core(base).diffusivity_factor, rel=1e-12)
    assert core(cores).diffusivity_factor == pytest.approx(FACTOR * CORE_FACTOR, rel=1e-12)
    assert d_grain(cores) == d_grain(base) and core(cores).core_charge_C_m2 == 0.1
    assert core(charge).core_charge_C_m2 == 0.0
    assert core(charge).diffusivity_factor == CORE_FACTOR and d_grain(charge) == d_grain(base)
