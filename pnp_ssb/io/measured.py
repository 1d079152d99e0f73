"""Measured Kelvin-probe data as the instrument saved it: Gwyddion .gwy files (through
``gwyfile``), Nanosurf .nid and Nanonis .sxm files (:mod:`pnp_ssb.io.spm_files`), TIFF images
(Pillow) with the pixel size from their resolution tags, and CSV profiles. A CPD image is
averaged along y (its scan lines) into a profile along x, with the spread between lines kept
(standard deviation, V) so that figures can show it as a band; the image itself is kept for
the registration of maps (offset, shift, rotation)."""

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import gwyfile
import numpy as np
from PIL import Image

from pnp_ssb.analysis.kpfm import KPFMError
from pnp_ssb.io.spm_files import SPMImage, choose_channel, read_nid, read_sxm

INCH_M, CM_M = 0.0254, 0.01
TIFF_CM_UNIT = 3  # ResolutionUnit tag: 2 = inch, 3 = centimetre


@dataclass(frozen=True)
class MeasuredMap:
    """A measured CPD image (ny, nx), V, at the pixel centres x_m (nx) and y_m (ny), m,
    increasing; ``scan_angle_deg`` is the instrument's own scan rotation (0 if not recorded)."""

    x_m: np.ndarray
    y_m: np.ndarray
    image_V: np.ndarray
    scan_angle_deg: float = 0.0


@dataclass(frozen=True)
class MeasuredProfile:
    """A measured CPD profile along x (m, increasing), V; ``spread_V`` is the standard
    deviation over the scan lines of an image (None for a profile); ``map`` the image itself."""

    x_m: np.ndarray
    cpd_V: np.ndarray
    spread_V: np.ndarray | None
    source: str
    map: MeasuredMap | None = None


def read_measured(path: str | Path, channel: str | None = None) -> MeasuredProfile:
    """A measured profile or image, by file type: .gwy, .nid, .sxm, .tif/.tiff, or .csv
    (x_m, cpd_V)."""
    path = Path(path)
    if not path.is_file():
        raise KPFMError(f"--measured {path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".gwy":
        return _gwy(path, channel)
    if suffix == ".nid":
        return _spm(read_nid(path, channel), path)
    if suffix == ".sxm":
        return _spm(read_sxm(path, channel), path)
    if suffix in (".tif", ".tiff"):
        return _tiff(path)
    if suffix == ".csv":
        return _csv(path)
    raise KPFMError(f"--measured {path}: unknown file type {suffix!r}; expected .gwy "
                    "(Gwyddion), .nid (Nanosurf), .sxm (Nanonis), .tif/.tiff or .csv")


def line_average(image_V: np.ndarray, pixel_m: float, x0_m: float = 0.0,
                 source: str = "", pixel_y_m: float | None = None, y0_m: float = 0.0,
                 scan_angle_deg: float = 0.0) -> MeasuredProfile:
    """The mean over the scan lines (rows) of an image, at the pixel centres along x; the
    image is kept as a map with pixels ``pixel_m`` x ``pixel_y_m`` (square by default)."""
    image = np.asarray(image_V, dtype=float)
    if image.ndim != 2 or image.shape[1] < 2:
        raise KPFMError(f"--measured {source}: expected an image of at least 2 columns, got "
                        f"shape {image.shape}")
    if not np.all(np.isfinite(image)):
        raise KPFMError(f"--measured {source}: the image has non-finite values")
    if not (pixel_m > 0 and math.isfinite(pixel_m)):
        raise KPFMError(f"--measured {source}: pixel size {pixel_m} m; expected a positive size "
                        "from the file's metadata")
    x = x0_m + (np.arange(image.shape[1]) + 0.5) * pixel_m
    y = y0_m + (np.arange(image.shape[0]) + 0.5) * (pixel_y_m or pixel_m)
    return MeasuredProfile(x, image.mean(axis=0), image.std(axis=0), source,
                           MeasuredMap(x, y, image, scan_angle_deg))


def _spm(img: SPMImage, path: Path) -> MeasuredProfile:
    return line_average(img.image_V, img.pixel_x_m, img.x0_m, f"{path} [{img.name}]",
                        img.pixel_y_m, img.y0_m, img.scan_angle_deg)


def _gwy(path: Path, channel: str | None) -> MeasuredProfile:
    try:
        fields = gwyfile.util.get_datafields(gwyfile.load(str(path)))
    except (OSError, AssertionError, ValueError, KeyError) as exc:
        raise KPFMError(f"--measured {path}: not a readable Gwyddion file ({exc})") from None
    if not fields:
        raise KPFMError(f"--measured {path}: no data fields (channels) in the file")
    name = choose_channel(list(fields), channel, path)
    field = fields[name]
    return line_average(field.data, field.xreal / field["xres"], field.get("xoff", 0.0),
                        f"{path} [{name}]", field.yreal / field["yres"], field.get("yoff", 0.0))


def _tiff(path: Path) -> MeasuredProfile:
    with Image.open(path) as img:
        image = np.array(img, dtype=float)
        tags = img.tag_v2 if hasattr(img, "tag_v2") else {}
        resolution = tags.get(282)  # XResolution: pixels per unit
        y_resolution = tags.get(283)  # YResolution
        unit = tags.get(296, 2)
    if not resolution or float(resolution) <= 0:
        raise KPFMError(f"--measured {path}: no pixel size (XResolution) in the TIFF metadata")
    length = CM_M if unit == TIFF_CM_UNIT else INCH_M
    pixel_y = length / float(y_resolution) if y_resolution and float(y_resolution) > 0 else None
    return line_average(image, length / float(resolution), 0.0, str(path), pixel_y)


def _csv(path: Path) -> MeasuredProfile:
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if len(rows) < 3 or len(rows[0]) < 2:
        raise KPFMError(f"--measured {path}: expected a header (x_m, cpd_V) and at least two "
                        "rows of two numbers")
    try:
        data = np.array([[float(v) for v in r[:2]] for r in rows[1:] if r], dtype=float)
    except ValueError as exc:
        raise KPFMError(f"--measured {path}: a row is not two numbers ({exc}); expected "
                        "columns x_m, cpd_V") from None
    if not np.all(np.isfinite(data)):
        raise KPFMError(f"--measured {path}: non-finite values; expected numbers")
    order = np.argsort(data[:, 0])
    return MeasuredProfile(data[order, 0], data[order, 1], None, str(path))
