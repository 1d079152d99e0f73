"""The misfit of a computed impedance spectrum against a measured one.

The computed spectrum is interpolated to the measured frequencies inside its range: log|Z| and
the unwrapped phase phi = arg Z by cubic splines in log f (not-a-knot; 3e-4 of |Z| on a Randles
arc computed at 5 points per decade, exact where the model was computed at the measured
frequencies). At each common frequency f_k

    e_Z(f_k)   = |Z_model(f_k)| / |Z_meas(f_k)| - 1        (relative)
    e_phi(f_k) = phi_model(f_k) - phi_meas(f_k)            (degrees)

and the report gives the RMS and the largest magnitude of each. The phase misfit is absolute:
relative to phi it would diverge where phi -> 0 at the series-resistance end of a spectrum.
"""

from dataclasses import asdict, dataclass

import numpy as np

from pnp_ssb.analysis.circuits import FitError


@dataclass(frozen=True)
class SpectrumMisfit:
    """Misfit of |Z| (relative) and of the phase (degrees) over the common frequencies."""

    frequencies: int
    f_min_Hz: float
    f_max_Hz: float
    modulus_rms_relative: float
    modulus_max_relative: float
    phase_rms_deg: float
    phase_max_deg: float

    def as_dict(self) -> dict[str, float | int]:
        """The fields, for JSON."""
        return asdict(self)


def interpolate_log(f_Hz: np.ndarray, z: np.ndarray, at_Hz: np.ndarray) -> np.ndarray:
    """Z at ``at_Hz`` (inside the range of ``f_Hz``): log|Z| and arg Z as cubic splines in
    log f (linear with fewer than four frequencies)."""
    from scipy.interpolate import CubicSpline  # here: only comparisons need scipy

    order = np.argsort(f_Hz)
    x, zs = np.log(f_Hz[order]), z[order]
    y = np.stack([np.log(np.abs(zs)), np.unwrap(np.angle(zs))], axis=1)
    if x.size < 4:
        at = np.log(at_Hz)
        return np.exp(np.interp(at, x, y[:, 0]) + 1j * np.interp(at, x, y[:, 1]))
    log_mod, phase = CubicSpline(x, y, axis=0)(np.log(at_Hz)).T
    return np.exp(log_mod + 1j * phase)


def compare_spectra(f_meas_Hz: np.ndarray, z_meas: np.ndarray, f_model_Hz: np.ndarray,
                    z_model: np.ndarray) -> SpectrumMisfit:
    """The misfit of the model at the measured frequencies within its range (same units)."""
    lo, hi = float(np.min(f_model_Hz)), float(np.max(f_model_Hz))
    common = (f_meas_Hz >= lo * (1 - 1e-9)) & (f_meas_Hz <= hi * (1 + 1e-9))
    if np.count_nonzero(common) < 2:
        raise FitError(f"the computed spectrum ({lo:.3g}-{hi:.3g} Hz) shares fewer than two "
                       f"frequencies with the measured one ({np.min(f_meas_Hz):.3g}-"
                       f"{np.max(f_meas_Hz):.3g} Hz)")
    f = f_meas_Hz[common]
    model = interpolate_log(f_model_Hz, z_model, np.clip(f, lo, hi))
    meas = z_meas[common]
    e_mod = np.abs(model) / np.abs(meas) - 1
    e_phase = np.degrees(np.angle(model / meas))  # the difference of the phases, in (-180, 180]
    return SpectrumMisfit(int(f.size), float(f.min()), float(f.max()),
                          float(np.sqrt(np.mean(e_mod**2))), float(np.max(np.abs(e_mod))),
                          float(np.sqrt(np.mean(e_phase**2))), float(np.max(np.abs(e_phase))))

