"""`pnp-ssb uncertainty CASE`: first-order sensitivities and uncertainty bands of an
equilibrium state (pnp_ssb.studies.sensitivity): d(output)/d(input) by the forward tangent, and
sigma_out = sqrt(sum_i (d out/d p_i)^2 sigma_i^2) over the uncertain inputs it covers.

Writes (rank 0) sensitivity.json (per input: its value, sigma, the derivative and the sigma
contribution of every interface step and drop; the steps with their sigma; the uncertain inputs
left out, with why), phi_band.csv (x, region, phi and its sigma) and uncertainty.png (the
profile with its band, and a tornado chart of each step's contributions).
"""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pnp_ssb.input.fields import CaseError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UncertaintyRequest:
    """The case (a TOML file), entries replaced (``--set``) and the output folder."""

    case: str
    output: Path
    overrides: tuple[str, ...] = ()


def check_differentiable(case) -> None:
    """What the forward tangent covers, before any mesh work."""
    if case.study.type != "equilibrium":
        raise CaseError(f"study.type = {case.study.type!r}: expected 'equilibrium' (the "
                        "forward tangent differentiates an equilibrium state)")
    if case.geometry.type != "stack":
        raise CaseError(f"geometry.type = {case.geometry.type!r}: expected 'stack' (1D)")
    electrodes = [r.name for r in case.regions
                  if case.region_materials[r.name].kind == "insertion_electrode"]
    if electrodes:
        raise CaseError(f"regions {electrodes}: insertion electrodes re-balance their Li with "
                        "the space charge, which the tangent does not differentiate yet; "
                        "expected metals and electrolytes only")


def run_uncertainty(req: UncertaintyRequest) -> dict[str, Any]:
    """Solve the case, differentiate it and write the files (collective)."""
    from pnp_ssb.io.output import write_csv_rows, write_json
    from pnp_ssb.io.plots_uncertainty import plot_uncertainty
    from pnp_ssb.log import world_rank
    from pnp_ssb.preflight import load_case
    from pnp_ssb.studies.sensitivity import equilibrium_sensitivities
    from pnp_ssb.studies.steady import solve_case

    case = load_case(req.case, req.overrides)
    check_differentiable(case)
    solution = solve_case(case)
    sens = equilibrium_sensitivities(solution)
    step_std = sens.step_std_V()
    record = {
        "case": case.name, "method": "first order: forward tangent of the discrete system",
        "steps_V": sens.steps_V, "step_std_V": step_std,
        "inputs": [{"input": s.input, "route": s.route, "value": s.value, "std": s.std,
                    "d_steps": s.d_steps, "d_drops": s.d_drops,
                    "step_std_contribution_V": {k: abs(d) * s.std for k, d in s.d_steps.items()}
                    if s.std is not None else None} for s in sens.inputs],
        "not_propagated": sens.not_propagated,
    }
    if world_rank() == 0:
        band = sens.band_V()
        write_csv_rows(req.output / "phi_band.csv", [
            {"x_m": float(x), "region": str(r), "phi_V": float(p), "phi_std_V": float(b)}
            for x, r, p, b in zip(sens.x_m, sens.region, sens.phi_V, band, strict=True)])
        write_json(req.output / "sensitivity.json", record)
        plot_uncertainty(req.output / "uncertainty.png", case.name, sens)
    return record


__all__ = ["UncertaintyRequest", "check_differentiable", "run_uncertainty"]
