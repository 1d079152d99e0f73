"""Li dissolved in a current collector: which metal regions take it, from which electrode, and
the work function it gives them (docs/theory.md §4d).

Li in a metal is neutral: its conduction electrons screen the Li+ core within a Thomas-Fermi
length (< 0.1 nm), so it enters no Poisson equation and diffuses by Fick's law. Referenced to Li
metal it is a dilute (Henry) solution, mu_Li = kT ln a with activity a = c/c_sat, c_sat the
solubility in equilibrium with Li metal. Where the collector touches an insertion electrode the
two share mu_Li, so a = exp(-e U(theta)/kT) there; between two lithiating metals a and the Li
flux are continuous. Phi(a) = Phi_0 + a (Phi_sat - Phi_0) (eV), linear in the activity: the
dilute-coverage limit of Li segregated to the surface; Phi_sat is the Li-saturated metal's.
"""

import math
from dataclasses import dataclass

from pnp_ssb.input.case import Case

SOLUBILITY = "li_solubility_m3"
DIFFUSIVITY = "li_diffusivity_m2_s"
SATURATED_WORK_FUNCTION = "lithiated_work_function_eV"
PARAMETERS = (SOLUBILITY, DIFFUSIVITY, SATURATED_WORK_FUNCTION)


@dataclass(frozen=True)
class LithiatingLayer:
    """One collector region that takes Li: c_sat (m^-3), D (m^2/s), Phi_0 and Phi_sat (eV)."""

    region: str
    thickness_m: float
    solubility_m3: float
    diffusivity_m2_s: float
    work_function_eV: float
    saturated_work_function_eV: float

    def work_function_at(self, activity: float) -> float:
        """Phi(a) = Phi_0 + a (Phi_sat - Phi_0) (eV), a = c/c_sat in [0, 1]."""
        return self.work_function_eV + activity * (self.saturated_work_function_eV
                                                    - self.work_function_eV)


@dataclass(frozen=True)
class CollectorChain:
    """The lithiating metal regions that follow an insertion electrode, from its contact
    outward; ``outward`` is +1 when they lie to its right (x grows away from the contact)."""

    electrode: str
    contact_key: str
    layers: tuple[LithiatingLayer, ...]
    outward: int

    @property
    def regions(self) -> tuple[str, ...]:
        """The chain's regions, from the contact outward."""
        return tuple(layer.region for layer in self.layers)

    @property
    def thickness_m(self) -> float:
        """Total thickness of the chain (m)."""
        return sum(layer.thickness_m for layer in self.layers)


def contact_activity(open_circuit_potential_V: float, thermal_voltage_V: float) -> float:
    """a = exp(-e U/kT): the Li activity of an electrode at U vs Li/Li+ (capped at 1, Li metal)."""
    return math.exp(-max(open_circuit_potential_V, 0.0) / thermal_voltage_V)


def lithiating_layer(case: Case, region: str) -> LithiatingLayer:
    """The collector parameters of a region whose ``collector_lithiation`` is set."""
    material = case.region_materials[region]
    return LithiatingLayer(region, case.region(region).thickness_m,
                           material.parameter(SOLUBILITY), material.parameter(DIFFUSIVITY),
                           material.parameter("work_function_eV"),
                           material.parameter(SATURATED_WORK_FUNCTION))


def collector_chains(case: Case) -> tuple[CollectorChain, ...]:
    """Every run of lithiating collectors with the insertion electrode it touches (a 1D stack's
    order; validate.py has checked that each run touches exactly one electrode)."""
    names = [r.name for r in case.regions]
    flagged = [case.region(n).collector_lithiation for n in names]
    chains = []
    for i, name in enumerate(names):
        if case.region_materials[name].kind != "insertion_electrode":
            continue
        for step in (1, -1):
            j, run = i + step, []
            while 0 <= j < len(names) and flagged[j]:
                run.append(names[j])
                j += step
            if run:
                key = f"{name}|{run[0]}" if step == 1 else f"{run[0]}|{name}"
                chains.append(CollectorChain(name, key, tuple(lithiating_layer(case, r)
                                                              for r in run), step))
    return tuple(chains)
