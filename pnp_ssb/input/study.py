"""The ``[study]`` section: one typed model per study type, chosen by ``type`` (a discriminated
union; ``type`` defaults to 'equilibrium'). Each study's fields live on its own model, so a field
given to the wrong study is refused by name (:func:`misplaced_field_message`)."""

import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from pnp_ssb.input.fields import (
    FREQUENCY_RANGE,
    FiniteFloat,
    Frequency,
    PositiveFloat,
    StrictModel,
)


class EquilibriumStudy(StrictModel):
    """Poisson with every Li-linked defect at one electrochemical potential (grand-canonical,
    the Li reference); electrodes exchange Li with the electrolyte they touch."""

    type: Literal["equilibrium"] = "equilibrium"


class SteadyStateStudy(StrictModel):
    """Full Poisson–Nernst–Planck with fluxes and Butler–Volmer contacts, at the terminals'
    voltages or, with current_density_A_m2, at an imposed current."""

    type: Literal["steady_state"] = "steady_state"
    current_density_A_m2: FiniteFloat | None = Field(
        None, description="steady_state of a two-electrode cell only: current control; the Li+ "
                          "current density entering the electrolyte at the left electrode "
                          "(A/m^2, > 0: Li+ moves left to right), with the right terminal's "
                          "voltage solved for")


class OcvSweepStudy(StrictModel):
    """Equilibrium states of a closed cell at a list of open-circuit voltages."""

    type: Literal["ocv_sweep"] = "ocv_sweep"
    ocv_V: list[FiniteFloat] = Field(
        description="ocv_sweep only: cell voltages (cathode - anode) to solve, with the Li "
                    "inventory of the regions' li_fraction conserved")
    hold_time_s: list[PositiveFloat] | None = Field(
        None, description="ocv_sweep: how long the cell is held at each OCV (s, one per "
                          "ocv_V), during which lithiating collectors take Li from their "
                          "electrode; their Li stays in the inventory of the next states")

    @model_validator(mode="after")
    def _voltages(self) -> "OcvSweepStudy":
        if not self.ocv_V:
            raise ValueError("ocv_V needs at least one voltage")
        if self.hold_time_s is not None and len(self.hold_time_s) != len(self.ocv_V):
            raise ValueError(f"hold_time_s has {len(self.hold_time_s)} values; expected one "
                             f"per ocv_V ({len(self.ocv_V)})")
        return self


class TransientStudy(StrictModel):
    """Time-dependent PNP from the t = 0 equilibrium: backward Euler or BDF2, with steps chosen
    by a local truncation-error estimate (time_error_tolerance_V) or grown while Newton is
    easy."""

    type: Literal["transient"] = "transient"
    end_time_s: PositiveFloat = Field(description="transient only: final time, s")
    initial_step_s: PositiveFloat = Field(1e-9, description="transient: first time step, s")
    max_step_s: PositiveFloat | None = Field(
        None, description="transient: largest time step, s (default end_time_s / 50; with "
                          "time_error_tolerance_V, end_time_s: the estimate chooses)")
    control: Literal["voltage", "current", "open_circuit"] = Field(
        "voltage", description="transient: what the right terminal (or, without conductors, the "
                               "boundary potentials) holds for t > 0")
    current_density_A_m2: FiniteFloat | None = Field(
        None, description="transient with control = 'current': the Li+ current density "
                          "entering the electrolyte at the left electrode, A/m^2")
    output_times_s: list[PositiveFloat] = Field(
        default_factory=list, description="transient: times at which a full state is written")
    start_from: str | None = Field(
        None, description="transient: output directory of an earlier transient run of the same "
                          "stack; its last checkpoint is the state at t = 0 (e.g. relax after a "
                          "charge)")
    checkpoint_every_steps: Annotated[int, Field(ge=1)] = Field(
        20, description="transient: steps between checkpoints (a restart resumes from the last)")
    time_scheme: Literal["backward_euler", "bdf2"] = Field(
        "backward_euler", description="transient: 'backward_euler' (first order) or 'bdf2' "
                                      "(variable-step BDF2, second order, A-stable)")
    time_error_tolerance_V: PositiveFloat | None = Field(
        None, description="transient: the time-discretisation error aimed at in the potentials "
                          "and electrochemical potentials (and the terminal voltage under "
                          "current control), V: each step's local truncation error is held to "
                          "tol dt / t (unset: steps grow 1.5x while Newton converges easily, "
                          "without an error estimate)")

    @model_validator(mode="after")
    def _controls(self) -> "TransientStudy":
        if self.start_from is not None and not (Path(self.start_from) / "checkpoint"
                                                / "meta.json").is_file():
            raise ValueError(f"start_from = {self.start_from!r}: no checkpoint/meta.json there "
                             "(expected the output directory of a finished transient run)")
        if self.control == "current" and self.current_density_A_m2 is None:
            raise ValueError("control = 'current' needs current_density_A_m2")
        if self.current_density_A_m2 is not None and self.control != "current":
            raise ValueError("current_density_A_m2 applies to a steady_state study or a "
                             "transient with control = 'current'")
        return self


class ImpedanceStudy(StrictModel):
    """Small-signal impedance about a state, one complex linear solve per frequency: the t = 0
    equilibrium, the steady state under a DC bias voltage or current, or a transient's saved
    state (start_from)."""

    type: Literal["impedance"] = "impedance"
    frequencies_Hz: list[float] | None = Field(
        None, description="impedance: the frequencies, Hz (default: f_min_Hz to f_max_Hz)")
    f_min_Hz: Frequency = Field(1e-3, description="impedance: lowest frequency, Hz")
    f_max_Hz: Frequency = Field(1e7, description="impedance: highest frequency, Hz")
    points_per_decade: Annotated[int, Field(ge=1, le=100)] = Field(
        5, description="impedance: log-spaced frequencies per decade")
    bias_V: FiniteFloat = Field(
        0.0, description="impedance: DC bias, V: the right terminal (or the right boundary's "
                         "potential) this far from its t = 0 value; the spectrum is about the "
                         "steady state under the bias")
    bias_current_A_m2: FiniteFloat | None = Field(
        None, description="impedance: DC bias as a current density instead, A/m^2, positive "
                          "when it flows as a positive bias_V drives it (right terminal to left "
                          "through the cell)")
    start_from: str | None = Field(
        None, description="impedance: output directory of a transient run of the same stack; "
                          "the spectrum is about its last checkpointed state (e.g. after a "
                          "charge), linearised as it is then (not estimated: no refined twin)")

    @model_validator(mode="after")
    def _frequencies(self) -> "ImpedanceStudy":
        if self.bias_current_A_m2 is not None and self.bias_V != 0.0:
            raise ValueError("bias_V and bias_current_A_m2 both given: expected one DC bias")
        if self.start_from is not None:
            if not (Path(self.start_from) / "checkpoint" / "meta.json").is_file():
                raise ValueError(f"start_from = {self.start_from!r}: no checkpoint/meta.json "
                                 "there (expected the output directory of a transient run)")
            if self.bias_V != 0.0 or self.bias_current_A_m2 is not None:
                raise ValueError("start_from and a DC bias both given: the spectrum is about "
                                 "the saved state, or about a biased steady state")
        if self.frequencies_Hz is not None:
            if not self.frequencies_Hz:
                raise ValueError("frequencies_Hz = []: expected at least one frequency")
            r = FREQUENCY_RANGE
            bad = [f for f in self.frequencies_Hz if not (math.isfinite(f) and r.ge <= f <= r.le)]
            if bad:
                raise ValueError(f"frequencies_Hz contains {bad[0]!r}: expected positive, "
                                 f"finite frequencies between {r.ge:g} Hz and {r.le:g} Hz")
        if self.f_min_Hz >= self.f_max_Hz:
            raise ValueError(f"f_min_Hz = {self.f_min_Hz!r} >= f_max_Hz = {self.f_max_Hz!r}: "
                             "expected f_min_Hz < f_max_Hz")
        return self


STUDY_MODELS: dict[str, type[StrictModel]] = {
    "equilibrium": EquilibriumStudy, "steady_state": SteadyStateStudy,
    "ocv_sweep": OcvSweepStudy, "transient": TransientStudy, "impedance": ImpedanceStudy}
STUDY_TYPES = tuple(STUDY_MODELS)


def _study_tag(value: Any) -> str:
    """The study type of raw or validated input ('equilibrium' when not given)."""
    if isinstance(value, dict):
        return str(value.get("type", "equilibrium"))
    return str(getattr(value, "type", "equilibrium"))


StudySpec = Annotated[
    Annotated[EquilibriumStudy, Tag("equilibrium")]
    | Annotated[SteadyStateStudy, Tag("steady_state")]
    | Annotated[OcvSweepStudy, Tag("ocv_sweep")]
    | Annotated[TransientStudy, Tag("transient")]
    | Annotated[ImpedanceStudy, Tag("impedance")],
    Discriminator(_study_tag)]


def misplaced_field_message(field: str, study_type: str) -> str | None:
    """Why ``field`` is refused in a study of ``study_type``, if another study type has it."""
    owners = [t for t, model in STUDY_MODELS.items() if field in model.model_fields
              and t != study_type]
    if not owners:
        return None
    if len(owners) == 1 and STUDY_MODELS[owners[0]].model_fields[field].is_required():
        return f"{field} is required by, and only allowed in, study.type = '{owners[0]}'"
    return f"{field} applies to study.type = " + " or ".join(f"'{t}'" for t in owners) + " only"


def imposed_current_A_m2(study: StrictModel) -> float | None:
    """The imposed Li+ current density (A/m^2) of a steady state or a transient (None if the
    study has none)."""
    if isinstance(study, SteadyStateStudy | TransientStudy):
        return study.current_density_A_m2
    return None


def study_of[S: StrictModel](study: StrictModel, kind: type[S]) -> S:
    """``study`` as a ``kind`` (a study module's own type; TypeError for another study)."""
    if not isinstance(study, kind):
        raise TypeError(f"a {kind.__name__} is needed here, not study.type = "
                        f"{getattr(study, 'type', '?')!r}")
    return study
