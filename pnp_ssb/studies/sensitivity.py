"""First-order sensitivities and uncertainty bands of an equilibrium state (issue 16, the fast
route): d(output)/d(input) by the forward tangent (pnp_ssb.solvers.tangent), and the
linearised standard deviation sigma_out^2 = sum_i (d out / d p_i)^2 sigma_i^2 over the uncertain
inputs the tangent covers.

Outputs: the potential profile phi(x) (so the CPD, Phi_tip/e + phi, and any base-referenced
CPD, since conductors do not move), each interface's step read bulk to bulk
(analysis.kpfm_steps) and each space-charge drop. Inputs: every electrolyte's neutrality
potential phi0. Other uncertain inputs are listed with the reason they are not propagated.
"""

import logging
from dataclasses import dataclass, field

import numpy as np

from pnp_ssb.analysis.kpfm_steps import bulk_points, interface_steps
from pnp_ssb.analysis.solution import Solution
from pnp_ssb.input.usage import unused_inputs
from pnp_ssb.materials.format import uncertain_inputs
from pnp_ssb.solvers.tangent import neutrality_potential_tangents, nodal_values

log = logging.getLogger(__name__)
NEUTRALITY = "neutrality_potential_vs_li_V"


@dataclass(frozen=True)
class InputSensitivity:
    """d(output)/d(input) of one input: its profile dphi/dp at the profile's points, its
    interface steps' and drops' derivatives, and its standard deviation if it is uncertain."""

    input: str
    region: str
    value: float
    std: float | None
    dphi_dp: np.ndarray
    d_steps: dict[str, float]
    d_drops: dict[str, dict[str, float]]
    route: str = "forward tangent"


@dataclass(frozen=True)
class Sensitivities:
    """All inputs' sensitivities of one state, the profile they refer to, and the uncertain
    inputs left out (with the reason)."""

    x_m: np.ndarray
    region: np.ndarray
    phi_V: np.ndarray
    steps_V: dict[str, float]
    inputs: list[InputSensitivity]
    not_propagated: list[dict[str, str]] = field(default_factory=list)

    def band_V(self) -> np.ndarray:
        """sigma of phi(x) from the uncertain inputs (first order), V."""
        var = np.zeros_like(self.phi_V)
        for s in self.inputs:
            if s.std is not None:
                var += (s.dphi_dp * s.std) ** 2
        return np.sqrt(var)

    def step_std_V(self) -> dict[str, float]:
        """sigma of each interface step (first order), V."""
        return {key: float(np.sqrt(sum((s.d_steps[key] * s.std) ** 2 for s in self.inputs
                                       if s.std is not None))) for key in self.steps_V}


def _profile(solution: Solution) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    segs = solution.profile.segments
    vt = solution.profile.thermal_voltage_V
    return (np.concatenate([s.x_m for s in segs]),
            np.concatenate([s.psi for s in segs]) * vt,
            np.concatenate([np.full(s.x_m.size, s.region) for s in segs]))


def equilibrium_sensitivities(solution: Solution) -> Sensitivities:
    """The sensitivities of a converged equilibrium solution (collective; 1D stacks).

    Raises:
        SensitivityError: for a state the forward tangent cannot differentiate.
    """
    problem = solution.problem
    x, phi, region = _profile(solution)
    names = list(dict.fromkeys(region))
    points = bulk_points(x, phi, region, names)
    materials = solution.case.region_materials
    inputs = []
    for tangent in neutrality_potential_tangents(problem):
        xn, dn = nodal_values(problem, tangent.dpsi_dp)
        dphi = np.interp(x, xn, dn)
        quantity = materials[tangent.region].parameters.get(NEUTRALITY)
        spread = quantity.uncertainty if quantity is not None else None
        value = quantity.value if quantity is not None else 0.0
        d_drops = {key: {side.region: _drop_derivative(solution, side.region, key, tangent.region,
                                                       xn, dn)
                         for side in sides} for key, sides in solution.layers.items()}
        inputs.append(InputSensitivity(
            f"{tangent.region}: {materials[tangent.region].name}.{NEUTRALITY}", tangent.region,
            value, spread.standard_deviation(value) if spread is not None else None, dphi,
            interface_steps(x, dphi, region, points), d_drops))
    covered = {(s.region, NEUTRALITY) for s in inputs}
    left_out = [{"input": f"{r}: {m.name}.{path}",
                 "reason": "no forward tangent for this input yet (phi0 only)"}
                for r, m in materials.items() for path, _ in uncertain_inputs(m)
                if (r, path) not in covered
                and path not in unused_inputs(solution.case, r)]
    return Sensitivities(x, region, phi, interface_steps(x, phi, region, points), inputs,
                         left_out)


def _drop_derivative(solution: Solution, side_region: str, key: str, parameter_region: str,
                     xn: np.ndarray, dn: np.ndarray) -> float:
    """d(drop)/d(phi0): drop = phi(interface) - phi_neutral, and phi_neutral is the region's
    phi0 at equilibrium, so the derivative is dphi(interface)/dphi0 - [region is the input's]."""
    seg = solution.profile.segment(side_region)
    at_start = key.split("|")[-1] == side_region if "|" in key else key == "left"
    x_end = seg.x_m[0] if at_start else seg.x_m[-1]
    return float(np.interp(x_end, xn, dn)) - float(side_region == parameter_region)


__all__ = ["InputSensitivity", "Sensitivities", "equilibrium_sensitivities"]
