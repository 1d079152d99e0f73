"""The bulk defect equilibrium of a material: its Fermi level, defects and neutrality potential.

Charge neutrality, sum_q q c_q(E_F) + p(E_F) - n(E_F) = 0, fixes the Fermi level E_F above the
valence-band maximum at a Li chemical potential mu_Li = -e U. py-sc-fermi (Buckeridge's
SC-Fermi method) solves it. Its DOS is the effective-DOS model the PNP equations use
(formulation.md, section 3): all conduction states at E_c = E_v + Eg with weight N_c V_cell, all
valence states at E_v with weight N_v V_cell, so

    n = N_c / (1 + exp((Eg - E_F)/kT)),   p = N_v / (1 + exp(E_F/kT)),

the Boltzmann n = N_c exp(-(Eg - E_F)/kT) of the PNP model wherever the gap is not degenerate.
In the model's gauge (mu~_Li+ = 0 at Li metal, physics/model.py) the bulk valence band sits at
E_v = Phi_Li - e phi0 - EA - Eg and the Fermi level at -e U, which gives the neutrality
potential vs Li

    phi0 = E_F - Eg - EA + Phi_Li + e U            (V; E_F above the VBM, energies in eV).

With only ionic defects neutrality holds E_F - e U fixed, so phi0 does not depend on U; a
frozen dopant and electronic carriers pin E_F, and phi0 then moves with U.
"""

import logging
import math
from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np

from pnp_ssb.constants import thermal_voltage_V
from pnp_ssb.materials.defects import DefectChemistry
from pnp_ssb.materials.format import Material, MaterialError, Quantity

log = logging.getLogger(__name__)

REFERENCE_TEMPERATURE_K = 300.0  # a database material's derived values are at 300 K, U = 0
_DEEP_LEVEL_EV = 1.0  # the filled valence states below the VBM (normalise py-sc-fermi's DOS)
_GRID_STEP_EV = 0.01


@dataclass(frozen=True)
class BulkDefectEquilibrium:
    """The neutral bulk of a material with a defect chemistry.

    Attributes:
        temperature_K: T.
        li_potential_V: U vs Li/Li+ (mu_Li = -e U).
        fermi_level_eV: E_F above the valence-band maximum, eV.
        electrons_m3, holes_m3: n and p, m^-3.
        concentrations_m3: {(defect, charge): c}, m^-3, every charge state.
        residual_charge_m3: |sum_q q c_q + p - n| at the solution, e m^-3.
        neutrality_potential_V: phi0 vs Li (module docstring).
    """

    temperature_K: float
    li_potential_V: float
    fermi_level_eV: float
    electrons_m3: float
    holes_m3: float
    concentrations_m3: MappingProxyType
    residual_charge_m3: float
    neutrality_potential_V: float

    def defect_total_m3(self, defect: str) -> float:
        """The summed concentration of a defect's charge states, m^-3."""
        return sum(c for (d, _), c in self.concentrations_m3.items() if d == defect)


def _band(material: Material, key: str) -> float:
    return material.parameters[key].value


def _dos(gap_eV: float, n_c_cell: float, n_v_cell: float):
    """py-sc-fermi's DOS object for the effective-DOS bands (states per cell and eV)."""
    from py_sc_fermi.dos import DOS  # imports pymatgen (~3 s): only for defect materials

    steps = max(math.ceil(gap_eV / _GRID_STEP_EV), 2)
    h = gap_eV / steps
    below, above = round(2 * _DEEP_LEVEL_EV / h), round(2.0 / h)
    energy = h * np.arange(-below, steps + above + 1)
    dos = np.zeros_like(energy)
    vbm, cbm, deep = below, below + steps, below // 2
    # a trapezoid gives an interior point the weight h: peaks of height w/h hold w states
    dos[vbm], dos[cbm], dos[deep] = n_v_cell / h, n_c_cell / h, (1.0 - n_v_cell) / h
    return DOS(dos=dos, edos=energy, bandgap=gap_eV, nelect=1)


def _species(chem: DefectChemistry, li_potential_V: float, volume_m3: float):
    from py_sc_fermi.defect_charge_state import DefectChargeState
    from py_sc_fermi.defect_species import DefectSpecies

    out = []
    for d in chem.defects:
        shift = d.li_stoichiometry * li_potential_V  # -s Delta mu_Li, with Delta mu_Li = -e U
        states = {cs.charge: DefectChargeState(cs.charge, degeneracy=cs.degeneracy,
                                               energy=cs.formation_energy_eV.value + shift)
                  for cs in d.charge_states}
        frozen = (None if d.frozen_concentration_m3 is None
                  else d.frozen_concentration_m3.value * volume_m3)
        out.append(DefectSpecies(d.name, d.sites_per_cell, states, frozen))
    return out


def bulk_equilibrium(material: Material, temperature_K: float, li_potential_V: float = 0.0, *,
                     li_work_function_eV: float) -> BulkDefectEquilibrium:
    """Solve the neutral bulk of ``material`` at T and U (module docstring); Phi_Li places the
    bands (pnp_ssb.materials.database.defect_bulk_equilibrium supplies the database's).

    Raises:
        MaterialError: if the material has no defect chemistry, its bands do not fit the
            cell (N_v V_cell >= 1), or no Fermi level in the DOS window [-2 eV, Eg + 2 eV]
            is neutral.
    """
    from py_sc_fermi.defect_system import DefectSystem

    chem = material.defect_chemistry
    if chem is None:
        raise MaterialError(f"material {material.name!r} has no [defect_chemistry]")
    volume = chem.cell_volume_m3.value
    gap = _band(material, "band_gap_eV")
    n_c, n_v = (_band(material, k) * volume for k in ("effective_dos_conduction_m3",
                                                      "effective_dos_valence_m3"))
    if not n_v < 1.0:  # the valence band's edge states are part of one filled state per cell
        raise MaterialError(f"{material.name}: effective_dos_valence_m3 x cell volume = "
                            f"{n_v:.3g} states per cell; expected < 1 (check cell_volume_m3)")
    system = DefectSystem(_species(chem, li_potential_V, volume), _dos(gap, n_c, n_v), volume
                          * 1e30, temperature_K)
    try:
        e_f, residual = system.get_sc_fermi()
    except RuntimeError as exc:
        raise MaterialError(f"{material.name}: no neutral Fermi level at T = {temperature_K} K, "
                            f"U = {li_potential_V} V vs Li ({exc}); the defects cannot "
                            "compensate each other") from None
    p_cell, n_cell = system.dos.carrier_concentrations(e_f, temperature_K)
    conc = {(sp.name, q): float(c) / volume for sp in system.defect_species
            for q, c in sp.charge_state_concentrations(e_f, temperature_K).items()}
    phi0 = (e_f - gap - _band(material, "electron_affinity_eV") + li_work_function_eV
            + li_potential_V)
    return BulkDefectEquilibrium(temperature_K, li_potential_V, float(e_f),
                                 float(n_cell) / volume, float(p_cell) / volume,
                                 MappingProxyType(conc), float(residual) / volume, float(phi0))


def defect_concentrations_m3(material: Material, fermi_level_eV: np.ndarray, temperature_K: float,
                             li_potential_V: float = 0.0) -> dict[tuple[str, int], np.ndarray]:
    """Every non-frozen charge state's concentration at given Fermi levels above the VBM (not
    self-consistent: for a point in a space-charge layer, E_F - E_v = E_F,bulk + e(phi - phi_b)).

    c_q = g_q n_sites exp(-(E_f(q) + q E_F + s e U)/kT) / V_cell, from py-sc-fermi's states.
    """
    chem = material.defect_chemistry
    if chem is None:
        raise MaterialError(f"material {material.name!r} has no [defect_chemistry]")
    volume = chem.cell_volume_m3.value
    e_f = np.asarray(fermi_level_eV, dtype=float)
    out = {}
    for d, sp in zip(chem.defects, _species(chem, li_potential_V, volume), strict=True):
        if d.frozen_concentration_m3 is not None:
            continue
        for q, cs in sp.charge_states.items():
            per_cell = np.array([cs.get_concentration(float(e), temperature_K) for e in e_f.ravel()])
            out[(d.name, q)] = (sp.nsites * per_cell / volume).reshape(e_f.shape)
    return out


def with_defect_equilibrium(material: Material, temperature_K: float, li_potential_V: float,
                            *, li_work_function_eV: float) -> Material:
    """``material`` with its fed species' bulk concentrations, its neutrality potential and its
    Fermi level derived from its defect chemistry at T and U (status "derived")."""
    eq = bulk_equilibrium(material, temperature_K, li_potential_V,
                          li_work_function_eV=li_work_function_eV)
    chem = material.defect_chemistry
    assert chem is not None  # bulk_equilibrium raised otherwise
    at = (f"bulk defect equilibrium (py-sc-fermi) at T = {temperature_K:g} K, U = "
          f"{li_potential_V:g} V vs Li: E_F - E_v = {eq.fermi_level_eV:.6g} eV")
    species = dict(material.species)
    for name, (defect, cs) in chem.fed_species().items():
        c = float(eq.concentrations_m3[(defect.name, cs.charge)])
        species[name] = replace(species[name], bulk_concentration_m3=Quantity(
            c, "m^-3", (), "derived", f"{defect.name}^{cs.charge:+d} from the {at}"))
    parameters = dict(material.parameters)
    parameters["neutrality_potential_vs_li_V"] = Quantity(
        eq.neutrality_potential_V, "V", (), "derived",
        f"phi0 = E_F - Eg - EA + Phi_Li + e U from the {at}")
    parameters["fermi_level_above_vbm_eV"] = Quantity(eq.fermi_level_eV, "eV", (), "derived",
                                                      f"the {at}")
    _warn_on_frozen_carriers(material.name, eq, species, chem)
    edge = min(eq.fermi_level_eV, material.parameters["band_gap_eV"].value - eq.fermi_level_eV)
    if edge < 3.0 * thermal_voltage_V(temperature_K):
        where = (f"{edge:.3g} eV from a band edge" if edge > 0
                 else f"{-edge:.3g} eV inside a band")
        log.warning("%s: E_F is %s at T = %g K, U = %g V: the carriers are degenerate, and the "
                    "PNP model's Boltzmann electrons/holes overestimate the defect chemistry's "
                    "Fermi-Dirac ones", material.name, where, temperature_K, li_potential_V)
    return replace(material, species=MappingProxyType(species),
                   parameters=MappingProxyType(parameters))


def _warn_on_frozen_carriers(name: str, eq: BulkDefectEquilibrium, species, chem) -> None:
    """Electrons or holes that carry a share of the bulk charge are immobile in a region
    without electronic carriers: say so once."""
    ionic = sum(abs(sp.charge) * sp.bulk_concentration_m3.value for sp in species.values()
                if sp.name in chem.fed_species())
    carriers = max(eq.electrons_m3, eq.holes_m3)
    if ionic > 0 and carriers > 1e-2 * ionic:
        log.info("%s: electrons/holes (%.3g m^-3) are %.2g of the mobile ionic charge at U = %g V;"
                 " give the region electronic carriers to let them move", name, carriers,
                 carriers / ionic, eq.li_potential_V)


__all__ = [
    "REFERENCE_TEMPERATURE_K",
    "BulkDefectEquilibrium",
    "bulk_equilibrium",
    "defect_concentrations_m3",
    "with_defect_equilibrium",
]
