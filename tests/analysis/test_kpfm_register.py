"""Registration of a measured map to a model map (a 2D run's CPD, here an analytic one on a
fine grid): the offset, x shift and rotation of a synthetic scan come back, and bad input is
refused."""

import math

import numpy as np
import pytest

from pnp_ssb.analysis.kpfm import KPFMError
from pnp_ssb.analysis.kpfm_register import ModelCPD, register

NM = 1e-9


def _cpd(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A contact step at x = 40 nm and a grain boundary at y = 30 nm (V), on any (x, y)."""
    return (0.4 * np.tanh((x - 40 * NM) / (3 * NM))
            - 0.1 * np.exp(-(((y - 30 * NM) / (4 * NM)) ** 2)) * (x > 40 * NM))


def _model() -> ModelCPD:
    x = np.linspace(0, 100 * NM, 801)
    y = np.linspace(0, 60 * NM, 481)
    xx, yy = np.meshgrid(x, y)
    return ModelCPD(x, _cpd(xx, yy), x < 10 * NM, y)


def test_a_rotated_shifted_scan_of_a_map_is_registered():
    model = _model()
    theta, shift, offset, pixel = 2.0, 1.7 * NM, 0.05, 0.5 * NM
    x = 15 * NM + (np.arange(120) + 0.5) * pixel
    y = 10 * NM + (np.arange(80) + 0.5) * pixel
    xx, yy = np.meshgrid(x, y)
    cx, cy = 0.5 * (x[0] + x[-1]), 0.5 * (y[0] + y[-1])
    c, s = math.cos(math.radians(theta)), math.sin(math.radians(theta))
    seen_x = cx + c * (xx - cx) - s * (yy - cy) + shift
    seen_y = cy + s * (xx - cx) + c * (yy - cy)
    base = float(np.mean(model.values_V[:, model.base_mask]))
    measured = _cpd(seen_x, seen_y) - base - offset
    reg = register(model, x, y, measured, fit_shift=True, psf_width_m=0.0)
    assert reg.rotation_deg == pytest.approx(theta, abs=0.05)
    assert reg.shift_m == pytest.approx(shift, abs=0.1 * pixel)
    assert reg.offset_V == pytest.approx(offset, abs=1e-3)
    assert reg.rms_misfit_V < 1e-3 and reg.pixels == measured.size
    assert reg.as_dict()["psf_fitted"] is False


def test_a_scan_beside_the_model_and_a_negative_width_are_refused():
    model = _model()
    x = 1e-6 + np.arange(10) * NM
    with pytest.raises(KPFMError, match="does not overlap the model"):
        register(model, x, None, np.zeros(10))
    with pytest.raises(KPFMError, match="expected a width >= 0"):
        register(model, x, None, np.zeros(10), psf_width_m=-1.0)
