"""Parameter estimation from a measured CPD profile (issue 16 item 3, first piece): the
electrolytes' neutrality potentials phi0 and a constant CPD offset (the tip's work function and
any contact potential of the instrument), fitted by least squares with the forward-tangent
Jacobian (pnp_ssb.solvers.tangent).

Model: CPD(x_i) = offset + phi(x_i; phi0), phi from the equilibrium solve. Residuals
r_i = (CPD(x_i) - d_i)/sigma. scipy's least_squares (trust region) minimises sum r_i^2 with the
analytic Jacobian [dphi/dphi0_r(x_i), 1]/sigma. Uncertainty: cov = s^2 (J^T J)^-1 with
s^2 = RSS/(n - k) when sigma is estimated (1 when given), 95 % intervals from Student's t with
n - k degrees of freedom, and the correlation matrix. A direction the data cannot see (a
singular value of the scaled Jacobian below 1e-8 of the largest, or |correlation| > 0.999) is
reported as not identifiable.
"""

import logging
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

from pnp_ssb.input.case import Case
from pnp_ssb.input.fields import CaseError

log = logging.getLogger(__name__)
NEUTRALITY = "neutrality_potential_vs_li_V"
OFFSET = "cpd_offset_V"
IDENTIFIABLE_CORRELATION = 0.999
SINGULAR_FLOOR = 1e-8


@dataclass(frozen=True)
class Estimate:
    """The fit: parameter names, estimates, standard errors, 95 % intervals, correlations,
    the residuals at the optimum and what the data cannot identify."""

    names: list[str]
    values: np.ndarray
    std_errors: np.ndarray
    ci95: np.ndarray  # (k, 2)
    correlation: np.ndarray
    residuals_V: np.ndarray
    rms_V: float
    unidentifiable: list[str] = field(default_factory=list)
    evaluations: int = 0


def _with_phi0(case: Case, values: dict[str, float]) -> Case:
    """The case with the given regions' neutrality potentials (V vs Li)."""
    from pnp_ssb.preflight import load_case

    data = case.model_dump(mode="json")
    for region in data["regions"]:
        if region["name"] in values:
            region["overrides"] = {**region.get("overrides", {}),
                                   NEUTRALITY: values[region["name"]]}
    return load_case(data)


def fit_cpd_profile(case: Case, regions: list[str], x_m: np.ndarray, cpd_V: np.ndarray,
                    sigma_V: float | None = None, offset: bool = True, comm=None) -> Estimate:
    """Least-squares estimate of the regions' phi0 (and the CPD offset) from a profile
    (collective: every evaluation is a solve on ``comm``, COMM_WORLD by default)."""
    from pnp_ssb.discretisation.fem import MPI
    from pnp_ssb.studies.sensitivity import equilibrium_sensitivities
    from pnp_ssb.studies.steady import solve_case

    electrolytes = {r.name for r in case.regions
                    if case.region_materials[r.name].kind == "solid_electrolyte"}
    unknown = [r for r in regions if r not in electrolytes]
    if unknown:
        raise CaseError(f"--fit {unknown[0]!r}: expected an electrolyte region of the case: "
                        + ", ".join(sorted(electrolytes)))
    start = [case.region_materials[r].parameters[NEUTRALITY].value
             if NEUTRALITY in case.region_materials[r].parameters else 0.0 for r in regions]
    names = [f"{r}.{NEUTRALITY}" for r in regions] + ([OFFSET] if offset else [])
    scale = 1.0 if sigma_V is None else sigma_V
    cache: dict[tuple[float, ...], tuple[np.ndarray, np.ndarray]] = {}

    def evaluate(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        key = tuple(float(v) for v in p)
        if key not in cache:
            sens = equilibrium_sensitivities(solve_case(_with_phi0(case, dict(zip(
                regions, p[:len(regions)], strict=True))), comm or MPI.COMM_WORLD))
            model = np.interp(x_m, sens.x_m, sens.phi_V) + (p[-1] if offset else 0.0)
            jac = [np.interp(x_m, sens.x_m, next(s.dphi_dp for s in sens.inputs
                                                 if s.region == r)) for r in regions]
            if offset:
                jac.append(np.ones_like(x_m))
            cache.clear()
            cache[key] = ((model - cpd_V) / scale, np.column_stack(jac) / scale)
        return cache[key]

    x0 = np.array(start + ([0.0] if offset else []))
    if offset:  # start the offset where the model's mean meets the data's
        model_at_start = evaluate(x0)[0] * scale + cpd_V
        x0[-1] = float(np.mean(cpd_V - model_at_start))
    result = optimize.least_squares(lambda p: evaluate(p)[0], x0, jac=lambda p: evaluate(p)[1],
                                    method="trf", x_scale="jac", xtol=1e-12, ftol=1e-12)
    residuals, jac = evaluate(result.x)
    n, k = residuals.size, result.x.size
    s2 = float(residuals @ residuals) / max(n - k, 1) if sigma_V is None else 1.0
    singular = np.linalg.svd(jac, compute_uv=False)
    cov = s2 * np.linalg.pinv(jac.T @ jac)
    std = np.sqrt(np.maximum(np.diag(cov), 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(std, std)
    t = stats.t.ppf(0.975, max(n - k, 1))
    flagged = _unidentifiable(names, corr, singular)
    return Estimate(names, result.x, std, np.column_stack([result.x - t * std,
                                                           result.x + t * std]),
                    corr, residuals * scale, float(np.sqrt(np.mean((residuals * scale) ** 2))),
                    flagged, int(result.nfev))


def _unidentifiable(names: list[str], corr: np.ndarray, singular: np.ndarray) -> list[str]:
    """The parameters, or pairs, the data cannot separate."""
    out = []
    if singular.size and singular[-1] < SINGULAR_FLOOR * singular[0]:
        out.append("the data fix only a combination of " + ", ".join(names)
                   + f" (smallest singular value {singular[-1] / singular[0]:.1e} of the largest)")
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if not np.isfinite(corr[i, j]) or abs(corr[i, j]) > IDENTIFIABLE_CORRELATION:
                out.append(f"{names[i]} and {names[j]} (correlation {corr[i, j]:.4f})")
    return out


__all__ = ["Estimate", "fit_cpd_profile"]
