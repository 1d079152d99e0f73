"""Small-signal impedances: blocking binary electrolyte, bulk RC, finite-space Warburg,
Jamnik–Maier transmission line, mixed conductors.

Conventions and model: :mod:`pnp_ssb.analytic`."""

from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pnp_ssb.analytic.poisson_boltzmann import _E, _EPS0, _KB, FloatArray

# ----------------------------------------------------------------------------------------------
# Small-signal impedance
# ----------------------------------------------------------------------------------------------

def blocking_binary_impedance_ohm_m2(frequency_Hz: ArrayLike, bulk_concentration_m3: float,
                                     diffusivity_m2_s: float, eps_r: float, length_m: float,
                                     temperature_K: float) -> NDArray[np.complex128]:
    """Linearised PNP impedance (Ohm m^2) of a symmetric 1:1 electrolyte with equal
    diffusivities between two blocking electrodes, at zero bias (Macdonald 1953):

        Z = [L + 2 sigma tanh(kappa L/2) / (i w eps kappa)] / (sigma + i w eps),
        kappa^2 = 1/lambda^2 + i w / D,   sigma = 2 e^2 c D / kT,   lambda^2 = eps kT/(2 e^2 c).

    Limits: 2 lambda/(i w eps) (two double layers) as w -> 0, L/(i w eps) as w -> inf.
    """
    w = 2 * np.pi * np.asarray(frequency_Hz, dtype=float)
    eps = _EPS0 * eps_r
    kT = _KB * temperature_K
    sigma = 2 * _E**2 * bulk_concentration_m3 * diffusivity_m2_s / kT
    lam2 = eps * kT / (2 * _E**2 * bulk_concentration_m3)
    kappa = np.sqrt(1 / lam2 + 1j * w / diffusivity_m2_s)
    return (length_m + 2 * sigma * np.tanh(kappa * length_m / 2) / (1j * w * eps * kappa)) / (
        sigma + 1j * w * eps)


def bulk_rc_impedance_ohm_m2(frequency_Hz: ArrayLike, conductivity_S_m: float, eps_r: float,
                             length_m: float) -> NDArray[np.complex128]:
    """R_b in parallel with C_g (Ohm m^2): R_b = L/sigma, C_g = eps/L; the exact linearised
    response of one carrier over a fixed background between reversible electrodes (the
    carrier stays uniform, so the field is too)."""
    w = 2 * np.pi * np.asarray(frequency_Hz, dtype=float)
    return cast(NDArray[np.complex128], length_m / (conductivity_S_m + 1j * w * _EPS0 * eps_r))


def finite_space_warburg_impedance_ohm_m2(frequency_Hz: ArrayLike, ocv_slope_V: float,
                                          li_site_density_m3: float, thickness_m: float,
                                          diffusivity_m2_s: float) -> NDArray[np.complex128]:
    """Li diffusion in an insertion electrode with a blocking back contact (the finite-space
    Warburg; Ohm m^2, the potential of the electrode per current it passes into the
    electrolyte).

    N dtheta/dt = N D theta'' on 0 < x < L, the Li flux -N D theta'(0) = -i/e entering at the
    contact (i: the current out of the electrode, as Li+), theta'(L) = 0 at the back contact;
    the OCV at the contact moves by dU = U' dtheta(0), U' = dU/dtheta (V, < 0). Linearised,
    dtheta = A cosh(k (L - x)), k = sqrt(i w / D), so

        Z_d = -U' coth(sqrt(i w tau)) / (e N sqrt(i w D))
            = R_d coth(sqrt(i w tau)) / sqrt(i w tau),
        R_d = -U' L / (e N D)  (Ohm m^2),   tau = L^2 / D  (s),

    N the Li site density (m^-3). Limits: R_d / sqrt(i w tau) (semi-infinite Warburg) for
    w tau >> 1; R_d/3 + 1/(i w C_int) for w tau << 1, with the chemical (intercalation)
    capacitance C_int = tau/R_d = e N L / (-U') (:func:`chemical_capacitance_F_m2`).
    """
    w = 2 * np.pi * np.asarray(frequency_Hz, dtype=float)
    tau = thickness_m**2 / diffusivity_m2_s
    r_d = -ocv_slope_V * thickness_m / (_E * li_site_density_m3 * diffusivity_m2_s)
    x = np.sqrt(1j * w * tau)
    return np.asarray(r_d / (x * np.tanh(x)), dtype=np.complex128)


def chemical_capacitance_F_m2(ocv_slope_V: float, li_site_density_m3: float,
                              thickness_m: float) -> float:
    """C_int = e N L / (-dU/dtheta) (F/m^2): the Li charge an insertion electrode of thickness L
    and site density N (m^-3) takes up per volt of its OCV U(theta); the low-frequency limit
    of :func:`finite_space_warburg_impedance_ohm_m2`, Z -> 1/(i w C_int)."""
    return _E * li_site_density_m3 * thickness_m / -ocv_slope_V


def jamnik_maier_impedance_ohm_m2(frequency_Hz: ArrayLike, ion_concentration_m3: float,
                                  ion_diffusivity_m2_s: float, electron_concentration_m3: float,
                                  electron_diffusivity_m2_s: float, length_m: float,
                                  temperature_K: float) -> NDArray[np.complex128]:
    """Mixed conductor (cation z = +1, electrons) between ion-blocking, electron-reversible
    electrodes, electroneutral bulk (Jamnik & Maier, J. Electrochem. Soc. 146, 4183, 1999;
    Ohm m^2):

        Z = R_inf + (R_e - R_inf) tanh(sqrt(i w tau)) / sqrt(i w tau),
        R_k = L kT / (e^2 c_k D_k),  R_inf = R_i R_e / (R_i + R_e),
        tau = L^2 / (4 D~) = (R_i + R_e) C_chem / 4,  D~ = D_i D_e (c_i + c_e)/(D_i c_i + D_e c_e),
        C_chem = e^2 L c_i c_e / (kT (c_i + c_e))  (chemical capacitance per area).

    Both carriers conduct at high frequency (R_inf), only electrons at DC (R_e); in between the
    blocked ions store Li as a neutral stoichiometry gradient (the transmission line's chemical
    capacitance). Neglects the geometric capacitance and the ionic double layers (O(lambda/L)).
    """
    w = 2 * np.pi * np.asarray(frequency_Hz, dtype=float)
    r_e, r_inf, tau = _transmission_line(ion_concentration_m3, ion_diffusivity_m2_s,
                                         electron_concentration_m3, electron_diffusivity_m2_s,
                                         length_m, temperature_K)
    x = np.sqrt(1j * w * tau)
    return cast(NDArray[np.complex128], r_inf + (r_e - r_inf) * np.tanh(x) / x)


def _transmission_line(c_i: float, d_i: float, c_e: float, d_e: float, length_m: float,
                       temperature_K: float) -> tuple[float, float, float]:
    """(R_e, R_inf, tau) of the Jamnik–Maier line: R_k = L kT/(e^2 c_k D_k),
    R_inf = R_i R_e/(R_i + R_e), tau = L^2 (D_i c_i + D_e c_e)/(4 D_i D_e (c_i + c_e))."""
    kT = _KB * temperature_K
    r_i = length_m * kT / (_E**2 * c_i * d_i)
    r_e = length_m * kT / (_E**2 * c_e * d_e)
    tau = length_m**2 * (d_i * c_i + d_e * c_e) / (4 * d_i * d_e * (c_i + c_e))
    return r_e, r_i * r_e / (r_i + r_e), tau


def jamnik_maier_step_response_ohm_m2(time_s: ArrayLike, ion_concentration_m3: float,
                                      ion_diffusivity_m2_s: float,
                                      electron_concentration_m3: float,
                                      electron_diffusivity_m2_s: float, length_m: float,
                                      temperature_K: float, terms: int = 200) -> FloatArray:
    """V(t)/I (Ohm m^2) after a current step I through the same mixed conductor (the DC
    polarisation of Hebb, Wagner and Yokota), the inverse Laplace transform of Z(s)/s for the
    transmission line of jamnik_maier_impedance_ohm_m2, from tanh(x)/x = sum 2/(x^2 + a_n^2):

        V/I = R_e - (R_e - R_inf) sum_n 8/((2n+1)^2 pi^2) exp(-(2n+1)^2 pi^2 t/(4 tau)),

    R_inf at t = 0+ (after the geometric capacitance, not modelled here), R_e as t -> inf.
    """
    t = np.asarray(time_s, dtype=float)
    r_e, r_inf, tau = _transmission_line(ion_concentration_m3, ion_diffusivity_m2_s,
                                         electron_concentration_m3, electron_diffusivity_m2_s,
                                         length_m, temperature_K)
    odd = 2 * np.arange(terms)[:, None] + 1.0
    decay = np.sum(8 / (odd**2 * np.pi**2) * np.exp(-(odd**2) * np.pi**2 * t / (4 * tau)), axis=0)
    return r_e - (r_e - r_inf) * decay


def mixed_conductor_impedance_ohm_m2(frequency_Hz: ArrayLike, ion_concentration_m3: float,
                                    ion_diffusivity_m2_s: float, electron_concentration_m3: float,
                                    electron_diffusivity_m2_s: float, eps_r: float,
                                    length_m: float, temperature_K: float
                                    ) -> NDArray[np.complex128]:
    """The exact linearised PNP impedance (Ohm m^2) of the same mixed conductor (Boltzmann
    cation z = +1 and electrons over a background -e(c_i - c_e)), with the electrode potential
    imposed at each contact (no Stern layer), j_ion = 0 there and the electron density held
    (its electrochemical potential follows the electrode's Fermi level).

    Perturbations ~ e^{i w t}: i w n_k = -j_k', j_k = -D_k (n_k' + z_k c_k psi'),
    psi'' = -(e^2/eps kT)(n_i - n_e), psi = e phi / kT. Modes e^{+-k x} with s = k^2 roots of
        D_i D_e s^2 - s [i w (D_i + D_e) + b D_i D_e (c_i + c_e)] + i w (i w + b (D_i c_i + D_e c_e)) = 0,
    b = e^2 / (eps kT) (s -> 0 and s -> 1/lambda^2 as w -> 0: the chemical-diffusion and
    Debye modes), plus a uniform field. Six contact conditions fix the six amplitudes; the
    total current e (j_i - j_e) - i w eps phi' is uniform. Reduces to
    jamnik_maier_impedance_ohm_m2 as lambda/L -> 0 and w eps L/sigma -> 0.
    """
    freqs = np.atleast_1d(np.asarray(frequency_Hz, dtype=float))
    kT = _KB * temperature_K
    eps = _EPS0 * eps_r
    vt = kT / _E
    b = _E**2 / (eps * kT)
    c = np.array([ion_concentration_m3, electron_concentration_m3])
    d = np.array([ion_diffusivity_m2_s, electron_diffusivity_m2_s])
    out = np.empty(freqs.size, dtype=complex)
    for n, f in enumerate(freqs):
        iw = 2j * np.pi * f
        roots = np.roots([d[0] * d[1], -(iw * (d[0] + d[1]) + b * d[0] * d[1] * c.sum()),
                          iw * (iw + b * (d[0] * c[0] + d[1] * c[1]))])
        at_0 = _mixed_conductor_basis(0.0, length_m, roots, iw, c, d, eps * vt)
        at_l = _mixed_conductor_basis(length_m, length_m, roots, iw, c, d, eps * vt)
        rows = np.vstack([at_0[[0, 2, 3]], at_l[[0, 2, 3]]])  # psi, n_e, j_i at both contacts
        rhs = np.array([0.0, 0.0, 0.0, 1.0 / vt, 0.0, 0.0], dtype=complex)  # 1 V on the right
        amplitudes = np.linalg.solve(rows, rhs)
        out[n] = -1.0 / (at_l[4] @ amplitudes)  # 1 V drives the current in -x
    return out


def _mixed_conductor_basis(x_m: float, length_m: float, roots: np.ndarray, iw: complex,
                           c: np.ndarray, d: np.ndarray, eps_vt: float) -> np.ndarray:
    """Rows psi, n_i, n_e, j_i and the total current e (j_i - j_e) - i w eps phi' at x for
    each basis function of mixed_conductor_impedance_ohm_m2: e^{-k x} and e^{-k (L - x)} per
    mode (decaying, so no overflow for L >> lambda), a constant and a uniform field."""
    z = np.array([1.0, -1.0])
    cols = []
    for s in roots:
        k = np.sqrt(s + 0j)
        k = k if k.real > 0 else -k
        ratio = z * c * d * s / (iw - d * s)  # n_k per unit psi amplitude
        for sign, g in ((-1.0, np.exp(-k * x_m)), (1.0, np.exp(-k * (length_m - x_m)))):
            dpsi = sign * k * g
            j = -d * (ratio * dpsi + z * c * dpsi)
            cols.append([g, ratio[0] * g, ratio[1] * g, j[0],
                         _E * (j[0] - j[1]) - iw * eps_vt * dpsi])
    cols.append([1.0, 0.0, 0.0, 0.0, 0.0])
    j = -d * z * c  # psi = x: a uniform field
    cols.append([x_m, 0.0, 0.0, j[0], _E * (j[0] - j[1]) - iw * eps_vt])
    return np.array(cols, dtype=complex).T


