"""Equivalent-circuit fits of impedance spectra: a series resistance and RC arcs in series.

    Z(w) = R_s + sum_k R_k / (1 + i w R_k C_k)

Each arc is a process (electrolyte bulk with the geometric capacitance, a space-charge layer,
charge transfer with the double layer). The fit minimises the relative complex misfit
(Z_fit - Z)/|Z| with scipy's least_squares on log(R) and log(C), so that arcs decades apart
weigh alike; standard errors come from the Jacobian at the optimum,
cov = s^2 (J^T J)^-1 with s^2 the residual variance. Starting values are read off the spectrum:
each local maximum of -Im Z gives an arc with R ~ 2 max(-Im Z) and C = 1/(2 pi f_peak R).
Spectra are read from files by :mod:`pnp_ssb.io.spectra` (a run's impedance.csv, potentiostat
exports).
"""

import math
from dataclasses import dataclass

import numpy as np


class FitError(ValueError):
    """A spectrum that cannot be fitted, with the reason."""


@dataclass(frozen=True)
class Arc:
    """One parallel RC element (SI per area: Ohm m^2, F/m^2), with standard errors."""

    resistance_ohm_m2: float
    capacitance_F_m2: float
    resistance_error_ohm_m2: float
    capacitance_error_F_m2: float

    @property
    def frequency_Hz(self) -> float:
        """The arc's apex frequency 1/(2 pi R C)."""
        return 1.0 / (2 * math.pi * self.resistance_ohm_m2 * self.capacitance_F_m2)


@dataclass(frozen=True)
class CircuitFit:
    """R_s + arcs (ordered from high to low frequency) and the relative RMS misfit."""

    series_ohm_m2: float
    series_error_ohm_m2: float
    arcs: tuple[Arc, ...]
    rms_relative: float

    def impedance_ohm_m2(self, frequency_Hz: np.ndarray) -> np.ndarray:
        """Z of the fitted circuit."""
        w = 2 * np.pi * np.asarray(frequency_Hz, dtype=float)
        z = np.full(w.shape, self.series_ohm_m2, dtype=complex)
        for a in self.arcs:
            z += a.resistance_ohm_m2 / (1 + 1j * w * a.resistance_ohm_m2 * a.capacitance_F_m2)
        return z

    def as_dict(self, labels: list[str] | None = None) -> dict:
        """Ohm cm^2 and F/cm^2, with errors, per labelled arc."""
        labels = labels or [f"arc_{k}" for k in range(len(self.arcs))]
        arcs: dict[str, dict[str, float]] = {}
        out = {"series_ohm_cm2": self.series_ohm_m2 * 1e4,
               "series_error_ohm_cm2": self.series_error_ohm_m2 * 1e4,
               "rms_relative_misfit": self.rms_relative, "arcs": arcs}
        for name, a in zip(labels, self.arcs, strict=True):
            arcs[name] = {"resistance_ohm_cm2": a.resistance_ohm_m2 * 1e4,
                                 "resistance_error_ohm_cm2": a.resistance_error_ohm_m2 * 1e4,
                                 "capacitance_F_cm2": a.capacitance_F_m2 * 1e-4,
                                 "capacitance_error_F_cm2": a.capacitance_error_F_m2 * 1e-4,
                                 "frequency_Hz": a.frequency_Hz}
        return out


def initial_arcs(frequency_Hz: np.ndarray, z: np.ndarray, n_arcs: int) -> list[tuple[float, float]]:
    """(R, C) guesses from the n largest local maxima of -Im Z (log-spaced if fewer)."""
    neg_im = -z.imag
    peaks = [k for k in range(1, len(z) - 1) if neg_im[k] >= neg_im[k - 1]
             and neg_im[k] >= neg_im[k + 1] and neg_im[k] > 0]
    peaks = sorted(sorted(peaks, key=lambda k: -neg_im[k])[:n_arcs])
    guesses = [(2 * neg_im[k], 1 / (2 * math.pi * frequency_Hz[k] * 2 * neg_im[k]))
               for k in peaks]
    span = np.logspace(math.log10(frequency_Hz.min()), math.log10(frequency_Hz.max()),
                       n_arcs + 2)[1:-1]
    scale = float(np.abs(z).max())
    for f in span[len(guesses):]:
        guesses.append((scale / n_arcs, 1 / (2 * math.pi * f * scale / n_arcs)))
    return guesses


def fit_arcs(frequency_Hz: np.ndarray, z_ohm_m2: np.ndarray, n_arcs: int,
             series: bool = True) -> CircuitFit:
    """Least-squares fit of R_s (if ``series``) + ``n_arcs`` RC arcs to a spectrum."""
    from scipy.optimize import least_squares  # imported here: only fitting needs scipy

    f = np.asarray(frequency_Hz, dtype=float)
    z = np.asarray(z_ohm_m2, dtype=complex)
    if n_arcs < 1:
        raise FitError(f"{n_arcs} arcs: expected at least one RC arc")
    if len(f) < 2 * n_arcs + int(series) + 1:
        raise FitError(f"{len(f)} frequencies cannot determine {n_arcs} arcs"
                       f"{' and a series resistance' if series else ''}")
    w = 2 * np.pi * f
    guess = initial_arcs(f, z, n_arcs)
    r_s0 = max(float(z.real[np.argmax(f)]), 1e-12 * float(np.abs(z).max()))
    p0 = np.array(([math.log(r_s0)] if series else [])
                  + [math.log(v) for rc in guess for v in rc])

    def model(p):
        rs = math.exp(p[0]) if series else 0.0
        q = p[1:] if series else p
        out = np.full(w.shape, rs, dtype=complex)
        for k in range(n_arcs):
            r, c = np.exp(q[2 * k]), np.exp(q[2 * k + 1])
            out += r / (1 + 1j * w * r * c)
        return out

    def residual(p):
        d = (model(p) - z) / np.abs(z)
        return np.concatenate([d.real, d.imag])

    sol = least_squares(residual, p0, method="lm", xtol=1e-14, ftol=1e-14, max_nfev=20000)
    dof = max(2 * len(f) - len(p0), 1)
    s2 = float(sol.fun @ sol.fun) / dof
    try:
        cov = np.linalg.inv(sol.jac.T @ sol.jac) * s2
        err = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        err = np.full(len(p0), np.inf)
    values = np.exp(sol.x)
    rel = values * err  # d(exp p) = exp(p) dp
    q, dq = (values[1:], rel[1:]) if series else (values, rel)
    arcs = [Arc(q[2 * k], q[2 * k + 1], dq[2 * k], dq[2 * k + 1]) for k in range(n_arcs)]
    arcs.sort(key=lambda a: -a.frequency_Hz)
    rms = float(np.sqrt(np.mean(sol.fun**2)))
    return CircuitFit(values[0] if series else 0.0, rel[0] if series else 0.0, tuple(arcs), rms)

