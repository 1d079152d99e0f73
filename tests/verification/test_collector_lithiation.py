"""Li dissolving into a current collector (issue 15 item 7): the depth profile against the
exact slab uptake (pnp_ssb.analytic.slab_uptake), second order in space and first order in
time; a chain of two collectors; in a transient the cell's Li (electrodes, electrolyte and
collector) conserved; the CPD in the collector high up to the Li front and back to the pristine
metal's past it; and bad input named by its field."""

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from pnp_ssb.analysis.kpfm import compute_cpd
from pnp_ssb.analytic.slab_uptake import half_activity_depth_m, slab_activity, slab_uptake_fraction
from pnp_ssb.apps.cpd import read_run
from pnp_ssb.discretisation import collector_diffusion as cd
from pnp_ssb.input.fields import CaseError
from pnp_ssb.physics.collector_li import CollectorChain, LithiatingLayer, contact_activity
from pnp_ssb.preflight import load_case
from pnp_ssb.solvers.newton import SolverError
from pnp_ssb.studies.registry import run_case

CASE = Path(__file__).resolve().parents[2] / "cases" / "collector_lithiation.toml"
L, D, C_SAT, A_S = 1e-7, 1e-17, 1e26, 0.05
T_END = 0.1 * L * L / D  # tau = 0.1: the front is a third of the way in


def chain(*layers: LithiatingLayer) -> CollectorChain:
    return CollectorChain("si", "si|cu", layers or (LithiatingLayer("cu", L, C_SAT, D, 4.36, 3.5),), 1)


def uptake(cells: int, fraction: float, layers: CollectorChain | None = None,
           t_end: float = T_END) -> tuple[cd.ChainGrid, np.ndarray]:
    """Steps growing by 1.5 from 1e-6 L^2/D, as a transient's, at a constant contact activity."""
    grid = cd.chain_grid(layers or chain(), cells)
    a, t, dt = np.zeros(grid.z_m.size), 0.0, 1e-6 * L * L / D
    while t < t_end * (1 - 1e-12):
        dt = min(dt, t_end - t)
        a = cd.advance_over(grid, a, A_S, dt, t, fraction, max_substeps=100_000)
        t, dt = t + dt, 1.5 * dt
    return grid, a


def test_profile_is_second_order_in_space():
    """Max nodal error of a/a_s after removing the time error (Richardson: 2 a(f/2) - a(f),
    backward Euler being first order): 6.1e-4, 1.5e-4, 3.8e-5 on 20, 40, 80 cells."""
    errors, amounts = [], []
    for cells in (20, 40, 80):
        grid, coarse = uptake(cells, 2e-3)
        _, fine = uptake(cells, 1e-3)
        a = 2 * fine - coarse
        errors.append(np.max(np.abs(a - slab_activity(grid.z_m, T_END, L, D, A_S))) / A_S)
        amounts.append(abs(cd.content_per_m2(grid, a) / (C_SAT * A_S * L)
                           - slab_uptake_fraction(T_END, L, D)))
    rates = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert rates == pytest.approx([2.0, 2.0], abs=0.15)
    assert errors[-1] < 5e-5
    assert np.log2(amounts[0] / amounts[-1]) / 2 == pytest.approx(2.0, abs=0.2)


def test_uptake_is_first_order_in_the_substep_fraction():
    """The substeps' backward-Euler error in the Li taken halves with the fraction; at the
    default (SUBSTEP_FRACTION) it is below 1e-3 of the amount."""
    exact = slab_uptake_fraction(T_END, L, D)
    errors = []
    for fraction in (0.04, 0.02, 0.01):
        grid, a = uptake(400, fraction)
        errors.append(abs(cd.content_per_m2(grid, a) / (C_SAT * A_S * L) - exact) / exact)
    assert np.log2(errors[0] / errors[1]) == pytest.approx(1.0, abs=0.1)
    assert np.log2(errors[1] / errors[2]) == pytest.approx(1.0, abs=0.1)
    grid, a = uptake(cd.CELLS_PER_LAYER, cd.SUBSTEP_FRACTION)
    assert abs(cd.content_per_m2(grid, a) / (C_SAT * A_S * L) - exact) < 1e-3 * exact


def test_front_depth_of_a_semi_infinite_collector():
    """Early on (tau = 0.01) the slab is semi-infinite: a = a_s/2 at 2 erfc^-1(1/2) sqrt(Dt)."""
    t = 0.01 * L * L / D
    grid, a = uptake(400, 1e-3, t_end=t)
    assert cd.front_depth_m(grid, a) == pytest.approx(half_activity_depth_m(t, D), rel=5e-3)
    assert np.all(a >= 0.0) and np.all(a <= A_S * (1 + 1e-14))  # the lumped mass's M-matrix


def test_two_holds_superpose_exactly():
    """A hold at a1 then one at a2: the uptake is linear in the contact activity, so the exact
    one is c_sat L [a1 M(t1 + t2) + (a2 - a1) M(t2)]; each hold grades its substeps from its
    own start (as hold_state does), which keeps the error at the jump below 1e-3."""
    grid = cd.chain_grid(chain())
    t1, t2, a1, a2 = 600.0, 600.0, 1e-6, 1e-3
    a = cd.advance_over(grid, np.zeros(grid.z_m.size), a1, t1, 0.0)
    a = cd.advance_over(grid, a, a2, t2, 0.0)
    exact = C_SAT * L * (a1 * slab_uptake_fraction(t1 + t2, L, D)
                         + (a2 - a1) * slab_uptake_fraction(t2, L, D))
    assert cd.content_per_m2(grid, a) == pytest.approx(exact, rel=1e-3)


def test_chain_of_two_collectors():
    """Two equal layers are one layer of twice the thickness (to round-off); a Cu | Pt-like
    chain of unequal c_sat and D keeps a continuous activity and fills to
    a_s (c1 L1 + c2 L2) at long times."""
    half = LithiatingLayer("cu", L / 2, C_SAT, D, 4.36, 3.5)
    grid2, two = uptake(100, 0.02, chain(half, LithiatingLayer("pt", L / 2, C_SAT, D, 5.4, 3.5)))
    grid1, one = uptake(200, 0.02)
    assert np.allclose(grid1.z_m, grid2.z_m, rtol=0, atol=1e-20)
    assert np.max(np.abs(two - one)) < 1e-12 * A_S
    support = LithiatingLayer("pt", 2 * L, C_SAT / 10, 30 * D, 5.4, 3.5)
    pair = chain(LithiatingLayer("cu", L, C_SAT, D, 4.36, 3.5), support)
    grid, a = uptake(100, 0.02, pair, t_end=40 * L * L / D)
    held = cd.layer_content_per_m2(grid, a)
    assert held["cu"] == pytest.approx(A_S * C_SAT * L, rel=1e-6)
    assert held["pt"] == pytest.approx(A_S * C_SAT / 10 * 2 * L, rel=1e-6)
    assert sum(held.values()) == pytest.approx(cd.content_per_m2(grid, a), rel=1e-12)


@pytest.fixture(scope="module")
def lithiated_run(tmp_path_factory):
    """The bundled case, 5 s of its charge."""
    folder = tmp_path_factory.mktemp("collector")
    case = load_case(CASE, ("study.end_time_s = 5.0", "study.output_times_s = [1.0]"))
    run_case(case, folder)
    with open(folder / "timeseries.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return folder, rows


def test_transient_conserves_the_cells_li(lithiated_run):
    """The Li the collector takes leaves the Si: the inventory (electrodes + electrolyte +
    collector) is constant to 1e-12 of itself while the collector takes ~1e-7 mol/m^2, and
    the collector's share grows with the front."""
    folder, rows = lithiated_run
    inventory = np.array([float(r["li_inventory_mol_m2"]) for r in rows])
    held = np.array([float(r["collector_li_cu_mol_m2"]) for r in rows])
    front = np.array([float(r["lithiation_front_si|cu_m"]) for r in rows])
    assert np.max(np.abs(inventory - inventory[0])) < 1e-12 * inventory[0]
    # (the first step's uptake lowers theta at the contact: a little Li goes back, ~4e-12)
    assert held[-1] > 1e-7 and np.all(np.diff(held) >= -1e-4 * held[-1])
    assert front[-1] > 10 * front[1] > 0
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    record = summary["collector_lithiation"]["si|cu"]
    assert record["li_mol_m2"]["cu"] == pytest.approx(held[-1], rel=1e-12)
    # the front lies behind that of the largest activity the contact saw, held from t = 0
    assert 0 < record["front_depth_m"] <= half_activity_depth_m(5.0, 1e-17)
    assert (folder / "t_1s" / "collector_li.csv").is_file()


def test_contact_activity_follows_the_electrode(lithiated_run):
    """a = exp(-e U/kT) at the contact; Phi = Phi_0 + a (Phi_sat - Phi_0) in collector_li.csv."""
    folder, _ = lithiated_run
    with open(folder / "collector_li.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    contact = rows[0]
    a = float(contact["activity"])
    assert float(contact["depth_m"]) == 0.0
    assert float(contact["work_function_eV"]) == pytest.approx(4.36 + a * (3.5 - 4.36), abs=1e-12)
    assert float(contact["li_m3"]) == pytest.approx(a * 8.49e26, rel=1e-12)
    # U_Si between theta 0.985 and 0.995 (0.12 to 0.08 V): a between these
    assert contact_activity(0.12, 0.025693) < a < contact_activity(0.08, 0.025693)


def test_cpd_in_the_collector_is_high_up_to_the_front(lithiated_run):
    """The CPD over the Cu rises by -(Phi(a_s) - Phi_0)/e at the contact, and past the front it
    is the pristine Cu's (-V_cell from the base): the seed's Fig. 5 reading of the Li front."""
    folder, _ = lithiated_run
    result = compute_cpd(read_run(folder), base="pt")
    cu = result.run.region == "cu"
    x, cpd = result.run.x_m[cu], result.cpd_base_V[cu]
    record = json.loads((folder / "summary.json").read_text())["collector_lithiation"]["si|cu"]
    shift = record["contact_activity"] * (3.5 - 4.36)
    far = cpd[np.argmax(x)]
    assert cpd[np.argmin(x)] - far == pytest.approx(-shift, rel=1e-6)
    past = x > x.min() + 4 * record["front_depth_m"]  # erfc(4 x 0.477) = 0.007
    assert np.all(np.abs(cpd[past] - far) < 0.02 * abs(shift))
    assert "work function from the Li it holds" in result.summary["surface_by_region"]["cu"]


def _case_dict() -> dict:
    import tomllib

    return tomllib.loads(CASE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d["regions"][3].update(collector_lithiation=True), "regions[3].collector_lithiation"),
    (lambda d: d["regions"][0].update(collector_lithiation=True), "regions[0].collector_lithiation"),
    (lambda d: d["study"].clear() or d["study"].update(type="equilibrium"),
     "regions[4].collector_lithiation"),
    (lambda d: d["regions"][4].update(overrides={}, material="Pt"), "regions[4].collector_lithiation"),
    (lambda d: d["regions"][4].update(overrides={"li_solubility_m3": -1.0}), "li_solubility_m3"),
])
def test_bad_collector_input_names_the_field(change, field):
    """Not a metal (LimSi); Pt, which has no Li parameters (at either end); an equilibrium
    study; a negative solubility."""
    data = _case_dict()
    change(data)
    with pytest.raises(CaseError, match=field.replace("[", r"\[").replace("]", r"\]")):
        load_case(data)


def test_contact_activity_is_that_of_li_metal_at_zero():
    assert contact_activity(0.0, 0.0257) == 1.0
    assert contact_activity(-0.1, 0.0257) == 1.0  # below 0 V Li plates: a = 1
    assert contact_activity(0.1, 0.0257) == pytest.approx(math.exp(-0.1 / 0.0257))


@pytest.mark.slow
def test_layered_2d_collector_equals_the_stack(tmp_path):
    """The contact is a plane: a layered 2D cell takes the same Li into its collector as the
    1D stack (measured: 1e-13 relative), and conserves it."""
    short = ("study.end_time_s = 0.2", "study.output_times_s = []", "output.figures = false")
    flat = ('geometry = {type = "layered_2d", height_m = 10e-9, lateral_cells = 1}',)
    series = []
    for name, extra in (("stack", ()), ("layered", flat)):
        run_case(load_case(CASE, (*short, *extra)), tmp_path / name)
        with open(tmp_path / name / "timeseries.csv", encoding="utf-8") as f:
            series.append(list(csv.DictReader(f)))
    stack, layered = series
    assert len(stack) == len(layered)
    for key in ("collector_li_cu_mol_m2", "lithiation_front_si|cu_m", "li_activity_si|cu"):
        assert float(layered[-1][key]) == pytest.approx(float(stack[-1][key]), rel=1e-8), key
    inventory = [float(r["li_inventory_mol_m2"]) for r in layered]
    assert max(inventory) - min(inventory) < 1e-12 * inventory[0]


def test_dcpd_past_the_front_is_the_cell_voltage_change(lithiated_run):
    """dCPD between two states (t = 5 s against t = 1 s): past the front the Cu is pristine in
    both, so its dCPD is the change of its Fermi level, -dV (the seed's -V_OCV); at the contact
    it is higher by the change of -(Phi(a) - Phi_0)/e."""
    folder, rows = lithiated_run
    early = folder / "t_1s"
    result = compute_cpd(read_run(folder), base="pt", reference=read_run(early))
    assert result.dcpd_V is not None
    cu = result.run.region == "cu"
    x, dcpd = result.run.x_m[cu], result.dcpd_V[cu]
    voltage = {round(float(r["time_s"]), 9): float(r["voltage_V"]) for r in rows}
    assert dcpd[np.argmax(x)] == pytest.approx(voltage[5.0] - voltage[1.0], abs=1e-9)
    shifts = [json.loads((f / "summary.json").read_text())["collector_lithiation"]["si|cu"]
              ["contact_activity"] * (3.5 - 4.36) for f in (folder, early)]
    assert dcpd[np.argmin(x)] - dcpd[np.argmax(x)] == pytest.approx(-(shifts[0] - shifts[1]),
                                                                      rel=1e-6)


def test_bdf2_conserves_the_cells_li_too(tmp_path, lithiated_run):
    """Under BDF2 the electrode's row carries the history term: the contact flux matches it
    (J = a0/h dN^{n+1} - a2/h dN^n), so the electrode still loses exactly what the collector
    gains (measured 9e-16) and the uptake agrees with backward Euler's."""
    case = load_case(CASE, ("study.end_time_s = 5.0", "study.output_times_s = []",
                            "output.figures = false", "study.time_scheme = 'bdf2'",
                            "study.time_error_tolerance_V = 1e-4"))
    run_case(case, tmp_path)
    with open(tmp_path / "timeseries.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    inventory = np.array([float(r["li_inventory_mol_m2"]) for r in rows])
    assert np.max(np.abs(inventory - inventory[0])) < 1e-12 * inventory[0]
    euler = float(lithiated_run[1][-1]["collector_li_cu_mol_m2"])  # the same 5 s
    assert float(rows[-1]["collector_li_cu_mol_m2"]) == pytest.approx(euler, rel=5e-3)


FULLER = CASE.parent / "fuller_si_lipon_lco.toml"
HELD = ("regions.5.collector_lithiation = true",
        "regions.5.overrides = {li_diffusivity_m2_s = 1e-17}", "output.figures = false")


def test_sweep_hold_is_the_exact_slab_uptake(tmp_path):
    """An OCV sweep held 600 s at 4.0 V: the Si's activity is constant in the hold, so the Cu
    takes the slab's exact uptake, c_sat a L M(t)/M(inf) with a = exp(-e U_Si/kT) at the
    state's theta (to the grid's 1e-3)."""
    from pnp_ssb.materials.database import load_material

    case = load_case(FULLER, (*HELD, "study.ocv_V = [4.0]", "study.hold_time_s = [600.0]"))
    run_case(case, tmp_path)
    with open(tmp_path / "sweep.csv", encoding="utf-8") as f:
        row = next(csv.DictReader(f))
    u_si = load_material("LimSi").tables["open_circuit_potential_V"](float(row["theta_si"]))
    a = contact_activity(float(u_si), 8.617333262e-5 * 298.15)
    assert float(row["li_activity_si|cu"]) == pytest.approx(a, rel=1e-9)
    exact = 8.49e26 * a * 100e-9 * slab_uptake_fraction(600.0, 100e-9, 1e-17) / 6.02214076e23
    assert float(row["collector_li_cu_mol_m2"]) == pytest.approx(exact, rel=1e-3)


def test_sweep_with_holds_conserves_li_and_resumes(tmp_path):
    """Li the Cu takes in one hold stays out of the electrodes in the next states (inventory
    constant to 1e-12, measured 6e-16); a rerun in the same folder reads the states back with
    their collectors and writes the same table."""
    overrides = (*HELD, "study.ocv_V = [3.75, 4.0]", "study.hold_time_s = [600.0, 600.0]")
    run_case(load_case(FULLER, overrides), tmp_path)
    first = (tmp_path / "sweep.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(first.splitlines()))
    inventory = [float(r["li_inventory_mol_m2"]) for r in rows]
    assert max(inventory) - min(inventory) < 1e-12 * inventory[0]
    held = [float(r["collector_li_cu_mol_m2"]) for r in rows]
    assert 0 < held[0] < held[1]
    electrodes = [float(r["li_electrodes_mol_m2"]) for r in rows]  # the case's, less the held
    assert electrodes[1] + held[1] == pytest.approx(electrodes[0] + held[0], rel=1e-14)
    run_case(load_case(FULLER, overrides), tmp_path)
    again = list(csv.DictReader((tmp_path / "sweep.csv").read_text(encoding="utf-8").splitlines()))
    for key in ("collector_li_cu_mol_m2", "theta_si", "li_inventory_mol_m2"):
        assert [r[key] for r in again] == [r[key] for r in rows], key
    (tmp_path / "ocv_3.750V" / "collector_li.csv").unlink()  # a state without its collectors
    with pytest.raises(SolverError, match="remove the folder"):
        run_case(load_case(FULLER, overrides), tmp_path)


def test_a_run_records_the_collector_inputs_only_where_it_uses_them():
    """uncertain_inputs.json lists Cu's Li inputs for a lithiating Cu, not for a blocking one,
    and LiCoO2's permittivity for a mixed conductor, not for an ideal electrode."""
    from pnp_ssb.io.results import uncertain_inputs_record

    def cu_inputs(case):
        return {u["input"] for u in uncertain_inputs_record(case) if u["region"] == "cu"}

    assert cu_inputs(load_case(CASE)) == {"li_solubility_m3", "li_diffusivity_m2_s",
                                          "lithiated_work_function_eV"}
    assert cu_inputs(load_case(CASE.parent / "thin_film_galvanostatic.toml")) == set()
    # likewise LiCoO2's space-charge inputs: only a mixed conductor uses them
    lco = {name: {u["input"] for u in uncertain_inputs_record(load_case(CASE.parent / name))
                  if u["region"] == "lco"} for name in ("lco_lipon.toml", "lco_lipon_mixed.toml")}
    assert "relative_permittivity" in lco["lco_lipon_mixed.toml"]
    assert "relative_permittivity" not in lco["lco_lipon.toml"]
