"""Round trips of measured impedance spectra: a known Randles cell (R_s + R_ct || C) written in
each potentiostat's export format, read back through `pnp-ssb fit`, and R_s, R_ct recovered to
1e-3; the comparison with a computed spectrum; one clear message for each kind of bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest

from pnp_ssb.analysis.spectrum_compare import compare_spectra
from pnp_ssb.apps.cli import main
from pnp_ssb.io.spectra import SpectrumError, read_spectrum
from pnp_ssb.io.spectra_csv import impedance_unit, split_name
from tests.io.potentiostat_exports import AREA_CM2, C_DL, EXPORTS, F_HZ, R_CT, R_S, randles


def _impedance_csv(path, f_Hz, z_ohm_cm2):
    """A run's impedance.csv (f_Hz, re_ohm_cm2, im_ohm_cm2), numbers written exactly."""
    path.write_text("f_Hz,re_ohm_cm2,im_ohm_cm2\n" + "".join(
        f"{float(f)!r},{float(v.real)!r},{float(v.imag)!r}\n"
        for f, v in zip(f_Hz, z_ohm_cm2, strict=True)))
    return path


def _fit(tmp_path, name: str) -> dict:
    writer, filename, fmt, needs_area = EXPORTS[name]
    path = writer(tmp_path / filename)
    argv = ["fit", str(path), "--arcs", "1", "-o", str(tmp_path / "fit.json")]
    argv += ["--format", fmt] if fmt else []
    argv += ["--area-cm2", str(AREA_CM2)] if needs_area else []
    assert main(argv) == 0
    return json.loads((tmp_path / "fit.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_each_format_gives_back_the_randles_cell(tmp_path, name):
    result = _fit(tmp_path, name)
    arc = result["arcs"]["arc_0"]
    assert result["series_ohm_cm2"] == pytest.approx(R_S * AREA_CM2, rel=1e-3)
    assert arc["resistance_ohm_cm2"] == pytest.approx(R_CT * AREA_CM2, rel=1e-3)
    assert arc["capacitance_F_cm2"] == pytest.approx(C_DL / AREA_CM2, rel=1e-3)


@pytest.mark.parametrize("name", ["gamry", "biologic", "zplot", "versastudio",
                                  "chinstruments", "named_csv", "plain_csv"])
def test_the_format_is_told_from_suffix_and_content(tmp_path, name):
    writer, filename, _, _ = EXPORTS[name]
    spectrum = read_spectrum(writer(tmp_path / filename), area_cm2=AREA_CM2)
    assert spectrum.format == ("csv" if name.endswith("csv") else name)
    np.testing.assert_allclose(spectrum.z_ohm_m2, randles() * AREA_CM2 * 1e-4, rtol=1e-6)


def test_header_names_and_units():
    assert split_name("Re(Z)/Ohm") == ("Re(Z)", "Ohm")
    assert split_name("Z' (Ohm cm^2)") == ("Z'", "Ohm cm^2")
    assert split_name("re_ohm_cm2") == ("re", "ohm_cm2")
    assert split_name("-Im(Z)") == ("-Im(Z)", "")
    assert impedance_unit("kOhm") == (1e3, False)
    assert impedance_unit("mOhm") == (1e-3, False)
    assert impedance_unit("\u03a9\u00b7cm\u00b2") == (1e-4, True)
    assert impedance_unit("V") is None


def test_our_impedance_csv_reads_as_before(tmp_path):
    z = randles() * AREA_CM2
    spectrum = read_spectrum(_impedance_csv(tmp_path / "impedance.csv", F_HZ, z))
    assert spectrum.area_cm2 is None
    np.testing.assert_array_equal(spectrum.z_ohm_m2, z / 1e4)


def test_comparison_with_a_computed_spectrum(tmp_path):
    """A model 2 % above the measurement in |Z| at 5 points per decade (a run's default):
    misfit 0.02, phase 0, through the interpolation."""
    measured = EXPORTS["gamry"][0](tmp_path / "cell.DTA")
    f_model = np.logspace(5, 0, 26)  # 5 per decade
    z_model = randles(f_model) * AREA_CM2 * 1.02
    model = _impedance_csv(tmp_path / "impedance.csv", f_model, z_model)
    out = tmp_path / "cmp" / "fit.json"
    assert main(["fit", str(measured), "--area-cm2", str(AREA_CM2), "--arcs", "1", "--model",
                 str(model), "-o", str(out)]) == 0
    comparison = json.loads(out.read_text())["comparison"]
    assert comparison["frequencies"] == np.count_nonzero((F_HZ >= 1) & (F_HZ <= 1e5))
    assert comparison["modulus_max_relative"] == pytest.approx(0.02, abs=1e-3)
    assert comparison["modulus_rms_relative"] == pytest.approx(0.02, abs=1e-3)
    assert comparison["phase_max_deg"] < 0.05
    assert (tmp_path / "cmp" / comparison["figure"]).is_file()


def test_misfit_of_identical_spectra_is_zero():
    z = randles()
    m = compare_spectra(F_HZ, z, F_HZ[::-1], z[::-1])
    assert m.frequencies == F_HZ.size
    assert m.modulus_max_relative < 1e-12 and m.phase_max_deg < 1e-9


@pytest.mark.parametrize(("content", "args", "message"), [
    ("f,z\n1,2\n", [], "no re, im column"),
    ("freq/Hz,Re(Z)/V,Im(Z)/V\n1,2,3\n", [], "unit 'V' is not an impedance unit"),
    ("freq/rpm,Re(Z)/Ohm,Im(Z)/Ohm\n1,2,3\n", [], "unit 'rpm' is not a frequency unit"),
    ("freq,Re Z,Im Z\n1,2,3\n", [], "has no unit"),
    ("freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm\n1,2,-3\n", [], "give the electrode area with --area-cm2"),
    ("freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm\n1,x,-3\n", ["--area-cm2", "1"], "data row 1"),
    ("freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm\n1,2,-3\n", ["--format", "gamry", "--area-cm2", "1"],
     "expected a Gamry .DTA file with a ZCURVE table"),
])
def test_bad_input_gives_one_clear_message(tmp_path, caplog, content, args, message):
    (tmp_path / "bad.csv").write_text(content)
    assert main(["fit", str(tmp_path / "bad.csv"), *args, "-o", str(tmp_path / "x.json")]) == 2
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and message in errors[0]
    assert not (tmp_path / "x.json").exists()


def test_unknown_format_is_refused(tmp_path, capsys):
    (tmp_path / "cell.xyz").write_text("1 2 3\n")
    with pytest.raises(SystemExit):
        main(["fit", str(tmp_path / "cell.xyz"), "--format", "nova", "-o", str(tmp_path / "x")])
    assert "invalid choice: 'nova'" in capsys.readouterr().err
    with pytest.raises(SpectrumError, match="give --format"):
        read_spectrum(tmp_path / "cell.xyz")


def test_impedance_py_is_imported_only_to_read_an_instrument_file():
    code = ("import sys, pnp_ssb, pnp_ssb.apps.cli, pnp_ssb.apps.fit, pnp_ssb.io.spectra\n"
            "assert 'impedance' not in sys.modules, 'imported at start'")
    subprocess.run([sys.executable, "-c", code], check=True)
