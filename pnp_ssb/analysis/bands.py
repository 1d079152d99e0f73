"""Band diagram of a 1D stack: energy levels (eV) through every region (no DOLFINx).

Energies are in eV relative to the Fermi level of the grounded terminal (E = 0 there); the
gauge of the potentials is mu~_Li+ = 0 in the electrolytes (pnp_ssb.physics.electrodes). Then

    E_vac(x) = Phi_Li - e phi(x)                 (phi = 0: Li metal at the Li reference)
    E_c = E_vac - EA,  E_v = E_c - Eg             (where the material gives EA and Eg)
    E_F = -e V                                    (each conductor)
    E_Fn = -e U_SE + kT w_e                       (electrolytes with electronic carriers)
    mu~_Li+ = kT w_k / s_k  (electrolytes: 0 at equilibrium, the ionic overpotential under
                             current),  mu_Li = -e U(theta)  (Li-active conductors)

all shifted by +e V_ground. At equilibrium mu_Li = mu~_Li+ + mu~_e makes mu_Li and E_F coincide
in every electrode that exchanges Li with the electrolyte.
"""

from dataclasses import dataclass

import numpy as np

from pnp_ssb.analysis.postprocess import Profile1D, Segment
from pnp_ssb.physics.electrodes import open_circuit_potential_V
from pnp_ssb.physics.model import CellModel, RegionModel


@dataclass(frozen=True)
class BandLine:
    """One level over one region: label (E_vac, E_c, E_v, E_F, mu~_Li+, mu_Li), x (m), E (eV)."""

    label: str
    region: str
    x_m: np.ndarray
    energy_eV: np.ndarray


def li_ion_level_eV(region: RegionModel, seg: Segment, vt: float) -> np.ndarray:
    """mu~_Li+ (eV) through an electrolyte: kT w_k / s_k of its first Li-linked species with a
    field (each Li-linked defect carries mu~_Li+ times its Li stoichiometry); 0 at equilibrium,
    the ionic overpotential under current."""
    for sp in region.species:
        if sp.li_stoichiometry and sp.name in seg.w:
            return vt * np.asarray(seg.w[sp.name]) / sp.li_stoichiometry
    return np.zeros_like(seg.x_m)


def band_lines(model: CellModel, profile: Profile1D) -> list[BandLine]:
    """Every level of a cell's band diagram, region by region."""
    cell = model.cell
    shift = cell.ground_voltage_V
    lines = []
    for seg in profile.segments:
        region = model.region(seg.region)
        mat = region.material
        assert mat is not None  # build_stack_model resolves every region's material
        e_vac = cell.reference_work_function_eV - seg.psi * profile.thermal_voltage_V + shift
        lines.append(BandLine("E_vac", seg.region, seg.x_m, e_vac))
        params = mat.parameters
        if "electron_affinity_eV" in params:
            e_c = e_vac - params["electron_affinity_eV"].value
            lines.append(BandLine("E_c", seg.region, seg.x_m, e_c))
            if "band_gap_eV" in params:
                lines.append(BandLine("E_v", seg.region, seg.x_m, e_c - params["band_gap_eV"].value))
        flat = np.ones_like(seg.x_m)
        if mat.kind == "solid_electrolyte":
            lines.append(BandLine("mu~_Li+", seg.region, seg.x_m,
                                  li_ion_level_eV(region, seg, profile.thermal_voltage_V) + shift))
            if region.electronic != "none":  # the electrons' quasi-Fermi level
                assert region.li_potential_V is not None  # required by case validation
                w_e = seg.w.get("electron", np.zeros_like(seg.x_m))
                e_fn = -region.li_potential_V + w_e * profile.thermal_voltage_V + shift
                lines.append(BandLine("E_Fn", seg.region, seg.x_m, e_fn))
        else:
            lines.append(BandLine("E_F", seg.region, seg.x_m,
                                  -cell.fermi_voltage_V[seg.region] * flat + shift))
            u = open_circuit_potential_V(mat, cell.li_fraction.get(seg.region))
            if u is not None:
                lines.append(BandLine("mu_Li", seg.region, seg.x_m, -u * flat + shift))
    return lines
