"""Regenerate docs/img/mixed_conductor_nyquist.png: the computed spectrum of
cases/mixed_conductor_impedance.toml against the exact linearised PNP response and the
Jamnik–Maier transmission line.

Usage: .venv/bin/python scripts/plot_mixed_conductor.py
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from pnp_ssb import analytic

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img" / "mixed_conductor_nyquist.png"
sys.path.insert(0, str(ROOT))  # the case's oracle parameters live with its test
from tests.verification.test_impedance import mixed_conductor_spectrum  # noqa: E402


def main() -> None:
    spectrum, (c_i, d_i, c_e, d_e, eps_r, length, temp) = mixed_conductor_spectrum()
    f = np.logspace(-3, 9, 400)
    exact = analytic.mixed_conductor_impedance_ohm_m2(f, c_i, d_i, c_e, d_e, eps_r, length, temp)
    jm = analytic.jamnik_maier_impedance_ohm_m2(f, c_i, d_i, c_e, d_e, length, temp)
    fig, ax = plt.subplots(figsize=(7.0, 2.9))
    ax.plot(exact.real * 1e4, -exact.imag * 1e4, "k-", lw=1, label="exact linearised PNP")
    ax.plot(jm.real * 1e4, -jm.imag * 1e4, "C1--", lw=1, label="Jamnik–Maier (neutral bulk)")
    ax.plot(spectrum.re_ohm_cm2, -spectrum.im_ohm_cm2, "C0o", ms=3, label="pnp_ssb")
    ax.set_xlabel("Re Z (Ohm cm^2)")
    ax.set_ylabel("-Im Z (Ohm cm^2)")
    ax.set_aspect("equal")
    ax.set_ylim(-0.3, 4.6)
    ax.legend(fontsize=8, loc="lower center", ncol=3, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout()
    fig.savefig(OUT, dpi=120)


if __name__ == "__main__":
    main()
