"""The distribution of relaxation times (DRT) of a spectrum, by regularised non-negative least
squares with the regularisation chosen by generalised cross-validation (no DOLFINx).

Model: Z(omega_n) = R_inf + 1/(i omega_n C_s) + sum_m gamma_m w_m / (1 + i omega_n tau_m), on a
logarithmic tau grid that extends a decade beyond 1/(2 pi f) at both ends, w_m the trapezoid
weights in ln tau; the series capacitance C_s takes a blocking or finite-diffusion tail
(Z(0) infinite), which no finite gamma can. Unknowns x = (R_inf, 1/C_s, gamma) >= 0 minimise

    || W (A x - Z) ||^2 + lambda || D2 gamma / |Z|_max ||^2,

with W = diag(1/|Z_n|) (every point weighted by its own size, as a potentiostat's relative
error) on the real and imaginary rows, and D2 the second difference in ln tau (a smooth
gamma). lambda is chosen in one of two ways:
- the spectrum's relative accuracy delta known (a computed spectrum's error estimate): the
  discrepancy principle (Morozov 1966), the largest lambda whose fit is within delta (rms of
  |Z_fit - Z| / |Z|): no more detail than the data resolve;
- else generalised cross-validation (Golub, Heath and Wahba 1979, Technometrics 21, 215), the
  minimum of n ||(I - H) b||^2 / (n - tr H)^2 of the unconstrained problem, H its influence
  matrix. For exact data it falls to the grid's floor, which is reported.
The non-negative solution at that lambda is found with scipy.optimize.nnls.

pyDRTtools is not used: it imports a Qt GUI and an undeclared cvxopt at import time and needs
numpy.matlib, removed from numpy 2.
"""

import itertools
import logging
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

log = logging.getLogger(__name__)
LAMBDAS = np.logspace(-10, 1, 45)  # the GCV search grid (dimensionless)


class DRTError(ValueError):
    """A spectrum that cannot give a DRT (too few points, non-positive frequencies)."""


@dataclass(frozen=True)
class DRT:
    """gamma(ln tau) (Ohm m^2 per unit ln tau) on tau_s, R_inf (Ohm m^2), the series elastance
    1/C_s (m^2/F; 0 without a capacitive tail), the lambda chosen, the fitted spectrum and its
    residual (rms of |Z_fit - Z| / |Z|)."""

    tau_s: np.ndarray
    gamma_ohm_m2: np.ndarray
    r_inf_ohm_m2: float
    elastance_m2_F: float
    regularisation: float
    regularisation_from: str
    frequency_Hz: np.ndarray
    z_fit_ohm_m2: np.ndarray
    relative_residual: float

    @property
    def polarisation_ohm_m2(self) -> float:
        """int gamma d(ln tau) = Z(0) - R_inf (Ohm m^2)."""
        return float(np.trapezoid(self.gamma_ohm_m2, np.log(self.tau_s)))


def tau_grid_s(frequency_Hz: np.ndarray, per_decade: int = 20, extend_decades: float = 1.0
               ) -> np.ndarray:
    """log-spaced tau from 1/(2 pi f_max) to 1/(2 pi f_min), a margin beyond each end (s)."""
    lo = math.log10(1 / (2 * math.pi * frequency_Hz.max())) - extend_decades
    hi = math.log10(1 / (2 * math.pi * frequency_Hz.min())) + extend_decades
    return np.logspace(lo, hi, max(round((hi - lo) * per_decade) + 1, 2))


def kernel(frequency_Hz: np.ndarray, tau_s: np.ndarray) -> np.ndarray:
    """The (2N, 2 + M) real matrix of Z: rows Re then Im; column 0 is R_inf, column 1 the
    series elastance 1/C_s, column 2 + m the response of gamma_m with its trapezoid weight."""
    s = np.log(tau_s)
    w = np.zeros_like(s)
    w[1:] += 0.5 * np.diff(s)
    w[:-1] += 0.5 * np.diff(s)
    wt = 2 * np.pi * frequency_Hz[:, None] * tau_s[None, :]
    response = w[None, :] / (1 + 1j * wt)
    n = frequency_Hz.size
    a = np.zeros((2 * n, 2 + tau_s.size))
    a[:n, 0] = 1.0
    a[n:, 1] = -1 / (2 * np.pi * frequency_Hz)
    a[:n, 2:] = response.real
    a[n:, 2:] = response.imag
    return a


def _penalty(m: int) -> np.ndarray:
    """Second differences of gamma (R_inf and 1/C_s are not penalised): (m - 2, 2 + m)."""
    d = np.zeros((max(m - 2, 0), 2 + m))
    for i in range(m - 2):
        d[i, 2 + i: 5 + i] = (1.0, -2.0, 1.0)
    return d


def gcv_score(a: np.ndarray, b: np.ndarray, penalty: np.ndarray, lam: float) -> float:
    """n ||(I - H) b||^2 / (n - tr H)^2 of the unconstrained Tikhonov problem at ``lam``."""
    normal = a.T @ a + lam * penalty.T @ penalty
    h = a @ np.linalg.solve(normal, a.T)
    n = b.size
    resid = b - h @ b
    return float(n * resid @ resid / (n - np.trace(h)) ** 2)


def _solve(a: np.ndarray, b: np.ndarray, penalty: np.ndarray, lam: float) -> np.ndarray:
    """The non-negative minimiser of ||a x - b||^2 + lam ||penalty x||^2."""
    x, _ = nnls(np.vstack([a, math.sqrt(lam) * penalty]),
                np.concatenate([b, np.zeros(penalty.shape[0])]), maxiter=50 * a.shape[1])
    return x


def _rms(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> float:
    """rms of |Z_fit - Z| / |Z| over the points (rows Re then Im of the weighted system)."""
    r = a @ x - b
    n = b.size // 2
    return float(np.sqrt(np.mean(r[:n] ** 2 + r[n:] ** 2)))


def choose_regularisation(a: np.ndarray, b: np.ndarray, penalty: np.ndarray,
                          accuracy: float | None) -> tuple[float, str]:
    """lambda and how it was chosen: by the discrepancy principle for a spectrum of known
    relative ``accuracy`` (the largest lambda fitting within it), else by GCV."""
    if accuracy is not None:
        fits = [lam for lam in LAMBDAS if _rms(a, b, _solve(a, b, penalty, lam)) <= accuracy]
        if fits:
            return float(max(fits)), f"discrepancy principle at relative accuracy {accuracy:.3g}"
        log.warning("no lambda fits the spectrum within its accuracy %.3g: GCV instead", accuracy)
    lam = float(LAMBDAS[np.argmin([gcv_score(a, b, penalty, lam) for lam in LAMBDAS])])
    if lam == LAMBDAS[0]:
        return lam, "generalised cross-validation (at the grid's floor: exact or noise-free data)"
    return lam, "generalised cross-validation"


def compute_drt(frequency_Hz: np.ndarray, z_ohm_m2: np.ndarray, *,
                regularisation: float | None = None, accuracy: float | None = None,
                per_decade: int = 20) -> DRT:
    """The DRT of a spectrum Z(f) (Ohm m^2). lambda: ``regularisation`` if given, else by the
    discrepancy principle at the spectrum's relative ``accuracy`` if given, else by GCV.

    Raises:
        DRTError: fewer than 5 points, or frequencies that are not positive and distinct.
    """
    f = np.asarray(frequency_Hz, dtype=float)
    z = np.asarray(z_ohm_m2, dtype=complex)
    if f.size < 5 or np.unique(f).size != f.size or not np.all(f > 0):
        raise DRTError(f"a DRT needs at least 5 distinct positive frequencies, got {f.size}")
    tau = tau_grid_s(f, per_decade)
    weight = 1 / np.abs(z)
    scale = float(np.abs(z).max())
    # unknowns in units of |Z|max (the elastance in |Z|max / (1 s)): one scale for all columns
    a = kernel(f, tau) * np.concatenate([weight, weight])[:, None] * scale
    b = np.concatenate([z.real * weight, z.imag * weight])
    penalty = _penalty(tau.size)
    lam, how = ((regularisation, "given") if regularisation is not None
                else choose_regularisation(a, b, penalty, accuracy))
    x = _solve(a, b, penalty, lam) * scale
    raw = kernel(f, tau) @ x
    z_fit = raw[: f.size] + 1j * raw[f.size:]
    residual = float(np.sqrt(np.mean(np.abs(z_fit - z) ** 2 / np.abs(z) ** 2)))
    return DRT(tau, x[2:], float(x[0]), float(x[1]), lam, how, f, z_fit, residual)


@dataclass(frozen=True)
class Peak:
    """One DRT peak: its tau (s), the frequency 1/(2 pi tau) (Hz), its resistance, the
    integral of gamma between the minima either side (Ohm m^2), and those minima's tau (s)."""

    tau_s: float
    frequency_Hz: float
    resistance_ohm_m2: float
    band_s: tuple[float, float]


def drt_peaks(drt: DRT, min_fraction: float = 0.01) -> list[Peak]:
    """The local maxima of gamma above ``min_fraction`` of the largest, fastest first; each
    peak's area runs from the minimum before it to the minimum after it, and a peak holding
    less than ``min_fraction`` of the polarisation (a ripple at a grid end) is left out."""
    g, s = drt.gamma_ohm_m2, np.log(drt.tau_s)
    tops = [i for i in range(g.size)
            if g[i] > min_fraction * g.max() and (i == 0 or g[i] > g[i - 1])
            and (i == g.size - 1 or g[i] >= g[i + 1])]
    bounds = [0] + [a + int(np.argmin(g[a:b + 1])) for a, b in itertools.pairwise(tops)] + [
        g.size - 1]
    out = []
    for k, i in enumerate(tops):
        lo, hi = bounds[k], bounds[k + 1]
        area = float(np.trapezoid(g[lo:hi + 1], s[lo:hi + 1]))
        if area >= min_fraction * drt.polarisation_ohm_m2:
            out.append(Peak(float(drt.tau_s[i]), float(1 / (2 * math.pi * drt.tau_s[i])), area,
                            (float(drt.tau_s[lo]), float(drt.tau_s[hi]))))
    return out
