"""The checks of lithiating current collectors (``regions[i].collector_lithiation``): metal
regions with the Li parameters, in a transient or an OCV sweep with hold times, on a stack or
layered 2D geometry, in runs that touch exactly one insertion electrode and no electrolyte."""

from pnp_ssb.input.case import Case
from pnp_ssb.input.fields import field_error
from pnp_ssb.input.usage import COLLECTOR_PARAMETERS

CONDUCTORS = ("metal", "insertion_electrode")


def check_collector_lithiation(case: Case) -> None:
    """One clear error for the first lithiating collector that cannot be solved."""
    names = [r.name for r in case.regions]
    mats = case.region_materials
    flagged = [i for i, r in enumerate(case.regions) if r.collector_lithiation]
    for i in flagged:
        where = f"regions[{i}].collector_lithiation"
        material = mats[names[i]]
        if material.kind != "metal":
            raise field_error(where, True, f"false for {names[i]!r}, {material.kind}: only a "
                              "metal (a current collector) dissolves Li this way")
        missing = [p for p in COLLECTOR_PARAMETERS if p not in material.parameters]
        if missing:
            raise field_error(where, True, f"material {material.name!r} with "
                              f"{', '.join(missing)} (in [materials] or regions[{i}].overrides)")
        for name in COLLECTOR_PARAMETERS[:2]:
            if not material.parameter(name) > 0.0:
                raise field_error(f"{material.name}.parameters.{name}", material.parameter(name),
                                  f"a positive value (regions[{i}] dissolves Li)")
        held = case.study.type == "ocv_sweep" and getattr(case.study, "hold_time_s", None)
        if case.study.type != "transient" and not held:
            raise field_error(where, True, f"false in a {case.study.type} study: the uptake is "
                              "a diffusion in time (at equilibrium the collector would be at "
                              "the electrode's Li activity throughout); use a transient, or an "
                              "ocv_sweep with study.hold_time_s")
        if case.geometry.type not in ("stack", "layered_2d"):
            raise field_error(where, True, f"false in a {case.geometry.type} geometry: the Li "
                              "profile is solved in depth from a planar contact (stack or "
                              "layered_2d)")
    runs: list[list[int]] = []
    for i in flagged:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        ends = [j for j in (run[0] - 1, run[-1] + 1) if 0 <= j < len(names)]
        sources = [names[j] for j in ends if mats[names[j]].kind == "insertion_electrode"]
        where = f"regions[{run[0]}].collector_lithiation"
        if len(sources) != 1:
            raise field_error(where, True, f"lithiating collectors {[names[j] for j in run]} "
                              f"beside exactly one insertion electrode (found {sources}): the "
                              "electrode whose Li they take")
        if any(mats[names[j]].kind not in CONDUCTORS for j in ends):
            raise field_error(where, True, f"lithiating collectors {[names[j] for j in run]} "
                              "with only conductors beside them: Li enters from the electrode")
        source = names.index(sources[0])
        if case.study.type == "transient" and not any(
                0 <= j < len(names) and mats[names[j]].kind == "solid_electrolyte"
                for j in (source - 1, source + 1)):
            raise field_error(where, True, f"an electrode ({sources[0]!r}) beside a solid "
                              "electrolyte: only such an electrode has a Li field in a transient")
