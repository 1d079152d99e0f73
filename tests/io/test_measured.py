"""Measured KPFM data in native formats, round trip: a synthetic CPD image with a known offset,
x shift, rotation and tip blur is written with the format's own library (gwyfile for .gwy,
Pillow for TIFF) or, for the formats whose readers have no writer (Nanosurf .nid, Nanonis
.sxm), by the minimal writers of tests/io/spm_writers.py, read back through
`pnp-ssb cpd --measured`, and the offset is recovered to 1 mV, the shift to one pixel, the
rotation to 0.2 deg and the PSF width to 10 %."""

import json
from pathlib import Path

import gwyfile
import numpy as np
import pytest
from PIL import Image

from pnp_ssb.analysis.kpfm import KPFMError, compute_cpd
from pnp_ssb.apps.cli import main
from pnp_ssb.apps.cpd import read_run, run_cpd
from pnp_ssb.io.measured import read_measured
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case
from tests.io.spm_writers import write_nid, write_sxm

CASES = Path(__file__).resolve().parents[2] / "cases"
OFFSET_V, SHIFT_PX, PSF_M, PIXELS, LINES = 0.0731, 3, 2e-9, 160, 12


@pytest.fixture(scope="module")
def cell_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("li_llzo_li")
    run_case(load_case(CASES / "li_llzo_li.toml", ["output.figures=false",
                                                    'output.fields="none"']), out)
    return out


def _blurred_model(run_dir: Path, psf_m: float) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The run's CPD blurred by a PSF of psf_m at its distinct x (increasing), and a scan's
    pixel size and first pixel edge: PIXELS pixels over the middle 80 % of the stack."""
    run = read_run(run_dir)
    res = compute_cpd(run, psf_width_m=psf_m)
    order = np.argsort(run.x_m, kind="stable")
    xu, first = np.unique(run.x_m[order], return_index=True)
    span = xu[-1] - xu[0]
    return xu, res.cpd_base_V[order][first], 0.8 * span / PIXELS, xu[0] + 0.1 * span


def _image(run_dir: Path) -> tuple[np.ndarray, float, float]:
    """Scan lines of the blurred model CPD, shifted by SHIFT_PX pixels, minus OFFSET_V, with
    line-to-line noise of 1 mV; returns (image, pixel size, x of the first pixel's edge)."""
    xu, cpd, pixel, x0 = _blurred_model(run_dir, PSF_M)
    centres = x0 + (np.arange(PIXELS) + 0.5) * pixel
    line = np.interp(centres + SHIFT_PX * pixel, xu, cpd) - OFFSET_V
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


ROTATION_DEG, MAP_PSF_M, MAP_LINES = 1.5, 3e-9, 96


def _rotated_map(run_dir: Path) -> tuple[np.ndarray, float, float]:
    """The blurred model CPD seen by a scan turned by ROTATION_DEG about the image's centre
    and shifted by SHIFT_PX pixels, minus OFFSET_V, with white noise of 0.5 mV; (image, pixel,
    x of the first pixel's edge); y starts at 0, square pixels."""
    xu, cpd, pixel, x0 = _blurred_model(run_dir, MAP_PSF_M)
    xx, yy = np.meshgrid(x0 + (np.arange(PIXELS) + 0.5) * pixel,
                         (np.arange(MAP_LINES) + 0.5) * pixel)
    cx, cy = x0 + 0.5 * PIXELS * pixel, 0.5 * MAP_LINES * pixel
    t = np.radians(ROTATION_DEG)
    seen = cx + np.cos(t) * (xx - cx) - np.sin(t) * (yy - cy) + SHIFT_PX * pixel
    noise = 5e-4 * np.random.default_rng(2).standard_normal(xx.shape)
    return np.interp(seen, xu, cpd) - OFFSET_V + noise, pixel, x0


def _write_gwy(path: Path, image: np.ndarray, pixel: float, x0: float) -> None:
    container = gwyfile.objects.GwyContainer()
    for k, (title, data) in enumerate((("Height", 0 * image), ("CPD", image))):
        container[f"/{k}/data/title"] = title
        container[f"/{k}/data"] = gwyfile.objects.GwyDataField(
            data, xreal=image.shape[1] * pixel, yreal=image.shape[0] * pixel, xoff=x0,
            si_unit_xy="m", si_unit_z="V")
    container.tofile(str(path))


def _write(fmt: str, path: Path, image: np.ndarray, pixel: float, x0: float) -> None:
    channels = {"Topography": (0 * image + 1e-9, "m"), "CPD": (image, "V")}
    if fmt == "gwy":
        _write_gwy(path, image, pixel, x0)
    elif fmt == "nid":
        write_nid(path, channels, pixel, x0, 0.0, backward="CPD")
    else:
        write_sxm(path, channels, pixel, x0, 0.0, scan_dir="down")


@pytest.mark.parametrize("fmt", ["gwy", "nid", "sxm"])
def test_a_rotated_blurred_map_gives_back_offset_shift_rotation_and_psf(fmt, cell_run, tmp_path):
    image, pixel, x0 = _rotated_map(cell_run)
    path = tmp_path / f"scan.{fmt}"
    _write(fmt, path, image, pixel, x0)
    assert main(["cpd", str(cell_run), "--measured", str(path), "--channel", "CPD",
                 "--fit-shift", "--fit-psf", "-o", str(tmp_path / "out")]) == 0
    got = json.loads((tmp_path / "out" / "cpd_comparison.json").read_text())["measured"]
    assert got["offset_V"] == pytest.approx(OFFSET_V, abs=1e-3)
    assert abs(got["shift_m"] - SHIFT_PX * pixel) <= pixel
    assert got["rotation_deg"] == pytest.approx(ROTATION_DEG, abs=0.2)
    assert got["psf_fitted"] and got["psf_width_m"] == pytest.approx(MAP_PSF_M, rel=0.1)
    assert got["rms_misfit_V"] < 1e-3 and got["pixels_compared"] == PIXELS * MAP_LINES
    for name in ("cpd_vs_measured.png", "cpd_map_vs_measured.png"):
        assert (tmp_path / "out" / name).is_file()


@pytest.mark.parametrize("fmt", ["nid", "sxm"])
def test_instrument_files_read_back_their_channels_and_refuse_others(fmt, tmp_path):
    image = np.random.default_rng(3).standard_normal((6, 9))
    path = tmp_path / f"scan.{fmt}"
    _write(fmt, path, image, 2e-9, 5e-9)
    profile = read_measured(path, "cpd")  # by name, case-insensitive: the forward trace
    assert profile.map is not None
    assert profile.map.image_V == pytest.approx(image, abs=1e-6)
    assert profile.x_m == pytest.approx(5e-9 + (np.arange(9) + 0.5) * 2e-9, rel=1e-9)
    assert profile.map.y_m == pytest.approx((np.arange(6) + 0.5) * 2e-9, rel=1e-9, abs=1e-18)
    back = read_measured(path, "CPD [backward]")  # the retrace, mirrored back into x order
    assert back.map is not None and back.map.image_V == pytest.approx(image, abs=1e-6)
    with pytest.raises(KPFMError, match="channels"):
        read_measured(path)
    with pytest.raises(KPFMError, match=r"unit 'm'; expected a CPD channel in V"):
        read_measured(path, "Topography")
    with pytest.raises(KPFMError, match="expected one of"):
        read_measured(path, "phase")
    path.write_bytes(b"not a scan")
    with pytest.raises(KPFMError, match=r"not a readable|no SCANIT_TYPE"):
        read_measured(path, "CPD")


def test_a_profile_gets_its_psf_width_fitted(cell_run, tmp_path):
    run = read_run(cell_run)
    res = compute_cpd(run, psf_width_m=MAP_PSF_M)
    x = np.linspace(0.1, 0.9, 200) * (run.x_m.max() - run.x_m.min()) + run.x_m.min()
    order = np.argsort(run.x_m, kind="stable")
    xu, first = np.unique(run.x_m[order], return_index=True)
    cpd = np.interp(x, xu, res.cpd_base_V[order][first]) - OFFSET_V
    path = tmp_path / "profile.csv"
    path.write_text("x_m,cpd_V\n" + "".join(f"{a:.17g},{b:.17g}\n" for a, b in zip(x, cpd, strict=True)))
    assert main(["cpd", str(cell_run), "--measured", str(path), "--fit-psf",
                 "-o", str(tmp_path / "out")]) == 0
    got = json.loads((tmp_path / "out" / "cpd_comparison.json").read_text())["measured"]
    assert got["offset_V"] == pytest.approx(OFFSET_V, abs=1e-3)
    assert got["psf_width_m"] == pytest.approx(MAP_PSF_M, rel=0.1) and "rotation_deg" not in got


def test_a_negative_psf_width_is_refused(cell_run, tmp_path):
    with pytest.raises(KPFMError, match=r"--psf-width-m -1e-09: expected a width >= 0"):
        run_cpd(cell_run, tmp_path / "out", psf_width_m=-1e-9)
