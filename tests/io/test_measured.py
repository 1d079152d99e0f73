"""Measured KPFM data in native formats, round trip: a synthetic CPD image with a known offset,
x shift and tip blur is written with the format's own library (gwyfile for .gwy, Pillow for
TIFF), read back through `pnp-ssb cpd --measured`, and the offset is recovered to 1 mV and the
shift to one pixel."""

import json
from pathlib import Path

import gwyfile
import numpy as np
import pytest
from PIL import Image

from pnp_ssb.analysis.kpfm import KPFMError, compute_cpd
from pnp_ssb.apps.cli import main
from pnp_ssb.apps.cpd import read_run
from pnp_ssb.io.measured import read_measured
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case

CASES = Path(__file__).resolve().parents[2] / "cases"
OFFSET_V, SHIFT_PX, PSF_M, PIXELS, LINES = 0.0731, 3, 2e-9, 160, 12


@pytest.fixture(scope="module")
def cell_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("li_llzo_li")
    run_case(load_case(CASES / "li_llzo_li.toml", ["output.figures=false",
                                                    'output.fields="none"']), out)
    return out


def _image(run_dir: Path) -> tuple[np.ndarray, float, float]:
    """Scan lines of the blurred model CPD, shifted by SHIFT_PX pixels, minus OFFSET_V, with
    line-to-line noise of 1 mV; returns (image, pixel size, x of the first pixel's edge)."""
    run = read_run(run_dir)
    res = compute_cpd(run, psf_width_m=PSF_M)
    order = np.argsort(run.x_m, kind="stable")
    xu, first = np.unique(run.x_m[order], return_index=True)
    span = xu[-1] - xu[0]
    pixel = 0.8 * span / PIXELS
    x0 = xu[0] + 0.1 * span
    centres = x0 + (np.arange(PIXELS) + 0.5) * pixel
    line = np.interp(centres + SHIFT_PX * pixel, xu, res.cpd_base_V[order][first]) - OFFSET_V
    noise = 1e-3 * np.random.default_rng(1).standard_normal((LINES, 1))
    return line[None, :] + noise - noise.mean(), pixel, x0


def _recovered(run_dir: Path, measured: Path, out: Path, *extra: str) -> dict:
    assert main(["cpd", str(run_dir), "--measured", str(measured), "--fit-shift",
                 "--psf-width-m", str(PSF_M), *extra, "-o", str(out)]) == 0
    return json.loads((out / "cpd_comparison.json").read_text())["measured"]


def test_gwyddion_round_trip(cell_run, tmp_path):
    image, pixel, x0 = _image(cell_run)
    container = gwyfile.objects.GwyContainer()
    for k, (title, data) in enumerate((("Height", 0 * image), ("CPD", image))):
        container[f"/{k}/data/title"] = title
        container[f"/{k}/data"] = gwyfile.objects.GwyDataField(
            data, xreal=PIXELS * pixel, yreal=LINES * pixel, xoff=x0, si_unit_xy="m",
            si_unit_z="V")
    path = tmp_path / "scan.gwy"
    container.tofile(str(path))
    profile = read_measured(path, "cpd")  # the channel by name, case-insensitive
    assert profile.x_m.size == PIXELS and profile.spread_V is not None
    assert profile.spread_V.max() == pytest.approx(np.std(image[:, 0]), rel=1e-9)
    with pytest.raises(KPFMError, match="2 channels"):
        read_measured(path)
    got = _recovered(cell_run, path, tmp_path / "out", "--channel", "CPD")
    assert got["offset_V"] == pytest.approx(OFFSET_V, abs=1e-3)
    assert abs(got["shift_m"] - SHIFT_PX * pixel) <= pixel
    assert (tmp_path / "out" / "cpd_vs_measured.png").is_file()


def test_tiff_round_trip_with_the_pixel_size_from_its_tags(cell_run, tmp_path):
    image, pixel, x0 = _image(cell_run)
    path = tmp_path / "scan.tif"
    per_cm = 0.01 / pixel  # XResolution in pixels per centimetre (ResolutionUnit 3)
    Image.fromarray(image.astype(np.float32)).save(path, tiffinfo={282: per_cm, 283: per_cm,
                                                                   296: 3})
    profile = read_measured(path)
    assert np.diff(profile.x_m) == pytest.approx(pixel, rel=1e-6)
    # a TIFF has no position: the image starts at x = 0, so the shift found includes x0
    got = _recovered(cell_run, path, tmp_path / "out")
    assert got["offset_V"] == pytest.approx(OFFSET_V, abs=1e-3)
    assert abs(got["shift_m"] - (x0 + SHIFT_PX * pixel)) <= pixel


def test_a_tiff_without_a_pixel_size_is_refused(tmp_path):
    path = tmp_path / "plain.tif"
    Image.fromarray(np.zeros((4, 8), dtype=np.float32)).save(path)
    with pytest.raises(KPFMError, match="no pixel size"):
        read_measured(path)
