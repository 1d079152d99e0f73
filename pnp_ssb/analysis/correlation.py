"""How strongly interface potential drops go with interface resistances (no DOLFINx): the
quantitative form of the seed's "a large interface potential drop is correlated with the
interface resistance" (Fuller et al. 2021).

Over the (state, contact) points with a resistance R > 0 it gives Pearson's r of |drop| and
log10 R (a power law R ~ exp(a |drop|) is linear there), Spearman's rho (any monotone relation)
and their two-sided p-values (scipy.stats); None, with the reason, where a coefficient is not
defined (fewer than 3 points, or a quantity that does not vary)."""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Correlation:
    """r and rho of |drop| vs log10 R over ``points`` points (None where undefined), and how
    much R varies over them (max/min - 1): a coefficient of a 1e-4 variation is no finding."""

    points: int
    pearson_r: float | None
    pearson_p: float | None
    spearman_rho: float | None
    spearman_p: float | None
    note: str
    resistance_range_relative: float | None = None

    def as_dict(self) -> dict:
        return {"points": self.points, "pearson_r": self.pearson_r, "pearson_p": self.pearson_p,
                "spearman_rho": self.spearman_rho, "spearman_p": self.spearman_p,
                "resistance_range_relative": self.resistance_range_relative, "note": self.note}


def drop_resistance_correlation(drops_V: list[float], resistances_ohm_cm2: list[float]
                                ) -> Correlation:
    """The correlation of |drop| (V) with log10 R (R in Ohm cm^2, > 0; others left out)."""
    pairs = [(abs(d), math.log10(r)) for d, r in zip(drops_V, resistances_ohm_cm2, strict=True)
             if r is not None and r > 0 and math.isfinite(d)]
    n = len(pairs)
    if n < 3:
        return Correlation(n, None, None, None, None, f"{n} points: at least 3 are needed")
    x, y = np.array(pairs).T
    spread = float(10 ** (y.max() - y.min()) - 1)
    for values, what in ((x, "the drop"), (y, "the resistance")):
        if np.ptp(values) <= 1e-12 * max(float(np.abs(values).max()), 1.0):
            return Correlation(n, None, None, None, None, f"{what} does not vary over the points",
                               spread)
    pearson = stats.pearsonr(x, y)
    spearman = stats.spearmanr(x, y)
    return Correlation(n, float(pearson.statistic), float(pearson.pvalue),
                       float(spearman.statistic), float(spearman.pvalue), "", spread)
