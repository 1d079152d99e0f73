"""Registration of a measured KPFM profile or map to the model (no DOLFINx).

A measured pixel at (x, y) (the instrument's frame, m) sees the sample at

    x' = c_x + cos(theta) (x - c_x) - sin(theta) (y - c_y) + s,
    y' = c_y + sin(theta) (x - c_x) + cos(theta) (y - c_y),

with (c_x, c_y) the centre of the measured image, theta the rotation of the scan against the
model's axes and s the x shift (m). The probe records the model's base-referenced CPD blurred by
the tip, a Gaussian point-spread function of standard deviation W (m), up to an offset o (V):

    CPD_meas(x, y) + o = [G_W * CPD_model](x', y').

For given (theta, s, W) the least-squares offset is the mean of the difference over the pixels
that fall inside the model, so only (theta, s, W) are fitted (scipy's ``least_squares``, from
a scan of the shift and of W over a grid). The misfit is reported over those pixels (RMS and
largest, V). A 1D run is a profile uniform in y; a 2D run's map is interpolated bilinearly.
"""

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import RegularGridInterpolator
from scipy.optimize import least_squares

from pnp_ssb.analysis.kpfm import (
    CPDResult,
    KPFMError,
    compare_measured,
    cpd_maps,
    cpd_V,
    point_spread,
)

logger = logging.getLogger(__name__)

MAX_ROTATION_DEG = 10.0  # a small-angle fit: a scan turned further is a set-up to correct first
SHIFT_SCAN_FRACTION = 0.2  # the shift is looked for within +-20 % of the model's length
PSF_GRID = 12  # widths scanned for the start of the PSF fit


@dataclass(frozen=True)
class ModelCPD:
    """The model's CPD before the tip blur (V): a profile ``values_V`` (nx,) on ``x_m``, uniform
    in y (a 1D run), or a map (ny, nx) on ``y_m`` x ``x_m`` (a 2D run, x and y increasing);
    ``base_mask`` (nx,) marks the base region, whose mean is subtracted after blurring
    (Eq. 8 of docs/kpfm.md), as ``compute_cpd`` does."""

    x_m: np.ndarray
    values_V: np.ndarray
    base_mask: np.ndarray
    y_m: np.ndarray | None = None

    @property
    def length_m(self) -> float:
        """The model's extent along x (m)."""
        return float(np.max(self.x_m) - np.min(self.x_m))

    def based(self, width_m: float) -> np.ndarray:
        """G_W * CPD minus its mean over the base region (V): the length-weighted mean for a
        profile, the mean over the base columns for a map (as ``compute_cpd``)."""
        if self.y_m is None:
            blurred = point_spread(self.x_m, self.values_V, width_m)
            xb, vb = self.x_m[self.base_mask], blurred[self.base_mask]
            base = (float(np.trapezoid(vb, xb) / (xb[-1] - xb[0])) if xb[-1] > xb[0]
                    else float(vb.mean()))
            return blurred - base
        blurred = self.values_V
        if width_m > 0:  # separable: along x, then along y
            rows = np.array([point_spread(self.x_m, row, width_m) for row in blurred])
            blurred = np.array([point_spread(self.y_m, col, width_m) for col in rows.T]).T
        return blurred - float(np.nanmean(blurred[:, self.base_mask]))

    def sampler(self, width_m: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """f(x', y') -> G_W * CPD - base (V) at points (m), NaN outside the model."""
        values = self.based(width_m)
        if self.y_m is None:
            order = np.argsort(self.x_m, kind="stable")
            xu, first = np.unique(self.x_m[order], return_index=True)
            vu = values[order][first]
            return lambda xq, yq: np.interp(xq, xu, vu, left=np.nan, right=np.nan)
        grid = RegularGridInterpolator((self.y_m, self.x_m), values, bounds_error=False,
                                       fill_value=np.nan)
        return lambda xq, yq: grid(np.stack([yq, xq], axis=-1))


def model_of(result: CPDResult, tip_work_function_eV: float, as_map: bool,
             dipoles: dict[str, float] | None = None) -> ModelCPD:
    """The unblurred CPD of a result's run (V): its map (a 2D run, ``as_map``) or its profile,
    with the result's base region."""
    run = result.run
    if as_map and run.phi_map_V is not None:
        maps = cpd_maps(run, tip_work_function_eV, result.base, None, 0.0, dipoles)
        return ModelCPD(maps["x_m"], maps["cpd_V"], maps["region"] == result.base, maps["y_m"])
    return ModelCPD(run.x_m, cpd_V(run, tip_work_function_eV, dipoles), run.region == result.base)


@dataclass(frozen=True)
class Registration:
    """A measurement registered to the model: offset o (V), x shift s (m), rotation theta (deg;
    None for a profile), PSF width W (m) and whether it was fitted, and the misfit over the
    ``pixels`` inside the model (V). ``model_V`` is the blurred model at every measured pixel
    and ``x_model_m`` where each pixel lands on the model's x axis (NaN outside)."""

    offset_V: float
    shift_m: float
    rotation_deg: float | None
    psf_width_m: float
    psf_fitted: bool
    rms_misfit_V: float
    max_misfit_V: float
    pixels: int
    model_V: np.ndarray
    x_model_m: np.ndarray

    def as_dict(self) -> dict:
        """The numbers of cpd_comparison.json (SI units)."""
        out = {"offset_V": self.offset_V, "shift_m": self.shift_m,
               "psf_width_m": self.psf_width_m, "psf_fitted": self.psf_fitted,
               "rms_misfit_V": self.rms_misfit_V, "max_misfit_V": self.max_misfit_V,
               "pixels_compared": self.pixels}
        if self.rotation_deg is not None:
            out["rotation_deg"] = self.rotation_deg
        return out


def _positions(x: np.ndarray, y: np.ndarray | None, theta_deg: float,
               shift_m: float) -> tuple[np.ndarray, np.ndarray]:
    """(x', y') of every measured pixel (the rotation about the image's centre, then the shift)."""
    if y is None:
        return x + shift_m, np.zeros_like(x)
    xx, yy = np.meshgrid(x, y)
    cx, cy = 0.5 * (x[0] + x[-1]), 0.5 * (y[0] + y[-1])
    c, s = math.cos(math.radians(theta_deg)), math.sin(math.radians(theta_deg))
    return (cx + c * (xx - cx) - s * (yy - cy) + shift_m,
            cy + s * (xx - cx) + c * (yy - cy))


def _misfit(model: ModelCPD, x: np.ndarray, y: np.ndarray | None, meas: np.ndarray,
            theta_deg: float, shift_m: float, width_m: float
            ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(o, residuals r = G_W * CPD(x', y') - CPD_meas - o with 0 outside the model (V), the
    mask of pixels inside, the model at the pixels (V), x' (m))."""
    xq, yq = _positions(x, y, theta_deg, shift_m)
    at = model.sampler(width_m)(xq, yq)
    inside = np.isfinite(at)
    if inside.sum() < 2:
        return math.nan, np.full(meas.shape, 1e3), inside, at, xq
    diff = at - meas
    offset = float(np.mean(diff[inside]))  # the closed-form least-squares offset
    return offset, np.where(inside, diff - offset, 0.0), inside, at, xq


def _start(model: ModelCPD, x: np.ndarray, profile: np.ndarray, pixel: float,
           fit_shift: bool, psf_width_m: float | None) -> tuple[float, float]:
    """A start for (s, W): the shift scan of ``compare_measured`` on the line average, at the
    given width or the best of a logarithmic grid of widths (half a pixel to 10 % of L)."""
    widths = ([psf_width_m] if psf_width_m is not None else
              list(np.geomspace(0.5 * pixel, 0.1 * model.length_m, PSF_GRID)))
    best = (math.inf, 0.0, widths[0])
    for w in widths:
        based = model.based(w)
        line = based if model.y_m is None else np.nanmean(based, axis=0)
        got = compare_measured(model.x_m, line, x, profile, fit_shift)
        if got["rms_misfit_V"] < best[0]:
            best = (got["rms_misfit_V"], got["shift_m"], w)
    return best[1], best[2]


def register(model: ModelCPD, x_m: np.ndarray, y_m: np.ndarray | None, measured_V: np.ndarray,
             *, fit_shift: bool = False, psf_width_m: float | None = 0.0,
             fit_rotation: bool = True) -> Registration:
    """Register a measured profile (``y_m`` None, ``measured_V`` (nx,)) or map ((ny, nx) at
    pixel centres ``y_m`` x ``x_m``) to the model: o in closed form; theta (maps, with
    ``fit_rotation``), s (``fit_shift``) and W (``psf_width_m`` None: fitted; else given, m)
    by least squares on CPD_meas + o - G_W * CPD_model(x', y') (V).

    Raises:
        KPFMError: a measurement that does not overlap the model, or a given width < 0.
    """
    x = np.asarray(x_m, dtype=float)
    y = None if y_m is None else np.asarray(y_m, dtype=float)
    meas = np.asarray(measured_V, dtype=float)
    if psf_width_m is not None and not psf_width_m >= 0:
        raise KPFMError(f"--psf-width-m {psf_width_m}: expected a width >= 0 (m)")
    pixel = float(np.median(np.diff(x)))
    profile = meas if y is None else meas.mean(axis=0)
    shift0, width0 = _start(model, x, profile, pixel, fit_shift, psf_width_m)
    free_theta = y is not None and y.size >= 2 and fit_rotation  # one line shows no tilt
    names = [n for n, on in (("theta", free_theta), ("shift", fit_shift),
                             ("width", psf_width_m is None)) if on]

    def unpack(p: np.ndarray) -> tuple[float, float, float]:
        # scaled unknowns: degrees, pixels, ln(W / W_start), so that one step size suits all
        v = dict(zip(names, p, strict=True))
        return (float(v.get("theta", 0.0)), shift0 + pixel * float(v.get("shift", 0.0)),
                width0 * math.exp(float(v.get("width", 0.0))) if "width" in v else width0)

    if names:
        span = SHIFT_SCAN_FRACTION * model.length_m / pixel
        bounds = {"theta": (-MAX_ROTATION_DEG, MAX_ROTATION_DEG), "shift": (-span, span)}
        if "width" in names:  # from a twentieth of a pixel to the model's length
            bounds["width"] = (math.log(0.05 * pixel / width0), math.log(model.length_m / width0))
        fit = least_squares(lambda p: _misfit(model, x, y, meas, *unpack(p))[1].ravel(),
                            np.zeros(len(names)), diff_step=1e-3, x_scale=1.0,
                            bounds=([bounds[n][0] for n in names], [bounds[n][1] for n in names]))
        theta, shift, width = unpack(fit.x)
        logger.debug("registered %s to the model: %s", "map" if y is not None else "profile",
                    fit.message)
    else:
        theta, shift, width = 0.0, shift0, width0
    offset, residual, inside, at, xq = _misfit(model, x, y, meas, theta, shift, width)
    if not math.isfinite(offset):
        raise KPFMError("--measured: the measurement does not overlap the model (x from "
                        f"{x.min():.4g} to {x.max():.4g} m against a model of "
                        f"{model.length_m:.4g} m); expected positions in the run's x")
    r = residual[inside]
    return Registration(offset, shift, theta if y is not None else None, width,
                        psf_width_m is None, float(np.sqrt(np.mean(r**2))),
                        float(np.max(np.abs(r))), int(inside.sum()), at,
                        np.where(inside, xq, np.nan))


def registered_profile(reg: Registration, measured_V: np.ndarray,
                       pixel_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The registered measurement as a profile: its pixels plus the offset, binned by where they
    land on the model's x (bins of one pixel): (x, mean, standard deviation)."""
    xq = reg.x_model_m.ravel()
    values = np.asarray(measured_V, dtype=float).ravel() + reg.offset_V
    keep = np.isfinite(xq)
    xq, values = xq[keep], values[keep]
    index = np.floor((xq - xq.min()) / pixel_m).astype(int)
    counts = np.bincount(index)
    used = counts > 0
    mean = np.bincount(index, values)[used] / counts[used]
    square = np.bincount(index, values**2)[used] / counts[used]
    centres = xq.min() + (np.flatnonzero(used) + 0.5) * pixel_m
    return centres, mean, np.sqrt(np.maximum(square - mean**2, 0.0))
