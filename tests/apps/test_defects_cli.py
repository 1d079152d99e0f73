"""`pnp-ssb defects`: the Brouwer table, its JSON and figure, and its input errors."""

import json
from pathlib import Path

import pytest

from pnp_ssb.apps.cli import main
from pnp_ssb.apps.defects import load_defect_material
from pnp_ssb.materials import database as matdb

CASE = Path(__file__).resolve().parents[2] / "cases" / "garnet_defect_chemistry.toml"


def test_brouwer_table_is_the_bulk_equilibrium_at_each_point(tmp_path):
    assert main(["defects", str(CASE), "--li-potential-V", "0", "4", "--points", "9",
                 "-o", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "brouwer.json").read_text())
    rows = data["points"]
    assert [r["li_potential_V"] for r in rows] == pytest.approx([0.5 * i for i in range(9)])
    material = load_defect_material(str(CASE))
    for row in rows[::4]:
        eq = matdb.defect_bulk_equilibrium(material, 300.0, row["li_potential_V"])
        assert row["fermi_level_above_vbm_eV"] == pytest.approx(eq.fermi_level_eV, abs=1e-12)
        assert row["V_Li^-1_m3"] == pytest.approx(eq.concentrations_m3[("V_Li", -1)], rel=1e-12)
    # Al_Li is compensated by V_Li across the window: one regime, phi0 constant, E_F follows U
    (regime,) = data["regimes"]
    assert (regime["positive"], regime["negative"]) == ("Al_Li^+2", "V_Li^-1")
    assert regime["dphi0_dU_max"] < 1e-6
    assert rows[-1]["fermi_level_above_vbm_eV"] - rows[0]["fermi_level_above_vbm_eV"] \
        == pytest.approx(-4.0, abs=1e-6)
    assert (tmp_path / "brouwer.csv").is_file() and (tmp_path / "brouwer.png").is_file()


def test_brouwer_figure_rules(tmp_path):
    """Named state and units in the labels, no offset tick text, phi0 drawn flat."""
    from pnp_ssb.apps.defects import BrouwerRequest, brouwer_rows
    from pnp_ssb.io.plots_defects import plot_brouwer
    from pnp_ssb.io.style import pyplot

    rows = brouwer_rows(BrouwerRequest(str(CASE), tmp_path, (0.0, 5.0), 11))
    plt = pyplot()
    captured = {}
    original = plt.Figure.savefig

    def keep(fig, *args, **kwargs):
        captured["fig"] = fig
        return original(fig, *args, **kwargs)

    plt.Figure.savefig = keep
    try:
        plot_brouwer(tmp_path / "b.png", "garnet", rows, 300.0)
    finally:
        plt.Figure.savefig = original
    fig = captured["fig"]
    fig.canvas.draw()
    conc, e_f, phi0 = fig.axes
    assert "300 K" in conc.get_title() and "m^-3" in conc.get_ylabel()
    assert "(V)" in phi0.get_ylabel() and "eV" in e_f.get_ylabel()
    for ax in fig.axes:
        assert ax.yaxis.get_offset_text().get_text() == ""
    lo, hi = phi0.get_ylim()
    assert hi - lo >= 0.1  # a phi0 constant to 1e-7 V is not stretched into a slope


@pytest.mark.parametrize("argv, message", [
    (["LLZO"], "has no [defect_chemistry]"),
    (["no_such.toml"], "no such file"),
    ([str(CASE), "--li-potential-V", "2", "1"], "expected LOW < HIGH"),
])
def test_bad_input_is_one_clear_error(tmp_path, caplog, argv, message):
    assert main(["defects", *argv, "-o", str(tmp_path / "out")]) == 2
    assert message in caplog.text
    assert not (tmp_path / "out" / "brouwer.csv").exists()


def test_set_replaces_case_entries_and_is_refused_for_a_material_name(tmp_path, caplog):
    key = "materials.garnet_defects.defect_chemistry.defects.Al_Li.frozen_concentration_m3.value"
    assert main(["defects", str(CASE), "--points", "3", "--set", f"{key}=1e26",
                 "-o", str(tmp_path / "a")]) == 0
    rows = json.loads((tmp_path / "a" / "brouwer.json").read_text())["points"]
    assert rows[0]["Al_Li^+2_m3"] == pytest.approx(1e26, rel=1e-12)
    assert main(["defects", "LiPON", "--set", f"{key}=1e26", "-o", str(tmp_path / "b")]) == 2
    assert "expected a case file as MATERIAL" in caplog.text
