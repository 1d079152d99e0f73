"""Which material inputs a region's model uses: an uncertain input that a run does not use is
neither recorded (uncertain_inputs.json) nor sampled nor listed as left out."""

from pnp_ssb.input.case import Case

COLLECTOR_PARAMETERS = ("li_solubility_m3", "li_diffusivity_m2_s", "lithiated_work_function_eV")
# an insertion electrode's space-charge inputs: used only when it is a mixed conductor
MIXED_CONDUCTOR_PARAMETERS = ("relative_permittivity", "electron_site_density_m3")


def unused_inputs(case: Case, region: str) -> frozenset[str]:
    """The parameters of a region's material that its model leaves out: the collector inputs
    of a metal without collector_lithiation, the mixed-conductor inputs of an insertion
    electrode that is an ideal conductor."""
    spec, material = case.region(region), case.region_materials[region]
    unused: set[str] = set()
    if not spec.collector_lithiation:
        unused |= set(COLLECTOR_PARAMETERS)
    if material.kind == "insertion_electrode" and spec.electronic != "mixed_conductor":
        unused |= set(MIXED_CONDUCTOR_PARAMETERS)
    return frozenset(unused)
