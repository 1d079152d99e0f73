"""Electronic conductors of a cell: Fermi levels, work functions, states of charge (no DOLFINx).

Gauge (formulation.md, section 2): energies are referenced to the Li+ electrochemical potential
of the electrolytes, mu~_Li+ = 0, which at equilibrium is uniform through every ion-connected
phase. A conductor's Fermi level is E_F = -e V, and Li = Li+ + e- gives, for a Li-active
conductor (an insertion electrode with Li content theta, or Li metal) in equilibrium with the
electrolyte,

    mu_Li = mu~_Li+ + mu~_e   =>   V = U(theta),   U = open-circuit potential vs Li/Li+ (V).

Contiguous conductors share one Fermi level (Ohmic contacts). The vacuum-level potential of a
conductor is phi = V - (Phi - Phi_Li)/e: potentials are measured so that Li metal at the Li
reference has phi = 0, which is also where an electrolyte in equilibrium with that Li metal
has its bulk at phi0 (its neutrality_potential_vs_li_V). A conductor group with no Li-active
member touching an electrolyte (a blocking metal) has its Fermi level set by its terminal.

States of charge conserve the Li held by the insertion electrodes of a two-electrode cell:
sum_k c_max,k L_k theta_k = const, with c_max the Li site density and L the thickness.
"""

from dataclasses import dataclass

import numpy as np

from pnp_ssb.constants import AVOGADRO_MOL
from pnp_ssb.input.case import Case
from pnp_ssb.input.fields import CaseError, field_error, with_article
from pnp_ssb.materials import database as matdb

CONDUCTOR_KINDS = ("metal", "insertion_electrode")
OCV_TABLE = "open_circuit_potential_V"
WORK_FUNCTION_TABLE = "work_function_eV"
REFERENCE_MATERIAL = "Li"


@dataclass(frozen=True)
class ConductorGroup:
    """Contiguous conductors (one Fermi level), left to right.

    Attributes:
        regions: region names.
        active: the Li-active region touching an electrolyte that pins the Fermi level, or None.
        terminal: 'left'/'right' if the group holds an outer end of the stack, else None.
    """

    regions: tuple[str, ...]
    active: str | None
    terminal: str | None


@dataclass(frozen=True)
class CellState:
    """Fermi levels and work functions of every conductor at one state of charge.

    Attributes:
        li_fraction: Li site fraction theta of each insertion electrode (1).
        fermi_voltage_V: V = -E_F/e of each conductor region, vs the Li reference (V).
        work_function_eV: Phi of each conductor region at its theta (eV).
        reference_work_function_eV: Phi of Li metal, the potential zero (eV).
        groups: the conductor groups.
        ground: region whose terminal is reported as 0 V (None: no conductors).
    """

    li_fraction: dict[str, float]
    fermi_voltage_V: dict[str, float]
    work_function_eV: dict[str, float]
    reference_work_function_eV: float
    groups: tuple[ConductorGroup, ...]
    ground: str | None

    def vacuum_potential_V(self, region: str) -> float:
        """phi = V - (Phi - Phi_Li)/e of a conductor region (V)."""
        return (self.fermi_voltage_V[region]
                - (self.work_function_eV[region] - self.reference_work_function_eV))

    @property
    def ground_voltage_V(self) -> float:
        """Fermi voltage of the grounded conductor (0 without conductors)."""
        return self.fermi_voltage_V[self.ground] if self.ground else 0.0

    def terminal_voltages_V(self) -> dict[str, float]:
        """Each group's voltage vs the grounded terminal, keyed by its first region."""
        return {g.regions[0]: self.fermi_voltage_V[g.regions[0]] - self.ground_voltage_V
                for g in self.groups}


def is_conductor(material: matdb.Material) -> bool:
    """Metals and insertion electrodes carry electrons (one Fermi level each)."""
    return material.kind in CONDUCTOR_KINDS


def is_electrolyte(material: matdb.Material) -> bool:
    """Regions where defects are mobile and Poisson is solved with charge."""
    return material.kind == "solid_electrolyte"


def reference_work_function_eV() -> float:
    """Work function of Li metal from the database: the zero of the potential scale."""
    return matdb.load_material(REFERENCE_MATERIAL).parameter("work_function_eV")


def open_circuit_potential_V(material: matdb.Material, theta: float | None) -> float | None:
    """U vs Li/Li+ of a Li-active conductor, or None if it cannot exchange Li.

    Li metal (a metal with a constant ``open_circuit_potential_V``) is always active; an
    insertion electrode is active when it holds Li (theta > 0).
    """
    if material.kind == "metal":
        return material.parameters[OCV_TABLE].value if OCV_TABLE in material.parameters else None
    if theta is None or theta <= 0.0:
        return None
    return float(material.tables[OCV_TABLE](theta))


def work_function_eV(material: matdb.Material, theta: float | None) -> float:
    """Phi of a conductor (eV): a parameter for metals, a table of theta for electrodes."""
    if material.kind == "insertion_electrode":
        table = material.tables[WORK_FUNCTION_TABLE]
        return float(table(min(max(theta or 0.0, table.theta[0]), table.theta[-1])))
    return material.parameter("work_function_eV")


def conductor_groups(case: Case, theta: dict[str, float | None] | None = None
                     ) -> tuple[ConductorGroup, ...]:
    """Maximal runs of contiguous conductor regions of a 1D stack (``theta`` overrides the
    case's compositions when deciding which electrodes hold Li)."""
    mats = case.region_materials
    names = [r.name for r in case.regions]
    runs: list[list[int]] = []
    for i, name in enumerate(names):
        if is_conductor(mats[name]):
            if runs and runs[-1][-1] == i - 1:
                runs[-1].append(i)
            else:
                runs.append([i])
    groups = []
    for run in runs:
        touching = [i for i in run if any(0 <= j < len(names) and is_electrolyte(mats[names[j]])
                                          for j in (i - 1, i + 1))]
        active = [names[i] for i in touching if _li_active(case, names[i], theta)]
        terminal = "left" if run[0] == 0 else "right" if run[-1] == len(names) - 1 else None
        groups.append(ConductorGroup(tuple(names[i] for i in run), active[0] if active else None,
                                     terminal))
    return tuple(groups)


def _li_active(case: Case, region: str, theta: dict | None = None) -> bool:
    material = case.region_materials[region]
    value = (theta or {}).get(region, case.region(region).li_fraction)
    return open_circuit_potential_V(material, value) is not None


def _region_index(case: Case, name: str) -> int:
    return next(i for i, r in enumerate(case.regions) if r.name == name)


def cell_state(case: Case, li_fraction: dict[str, float] | None = None,
               terminal_voltage_V: dict[str, float] | None = None) -> CellState:
    """Fermi levels and work functions of the conductors at the given compositions.

    Args:
        case: a validated case.
        li_fraction: theta of insertion electrodes (default: the case's ``li_fraction``).
        terminal_voltage_V: Fermi voltage (vs the Li reference) of groups without a Li-active
            member, by any region of the group (default: the terminal boundary's voltage_V).

    Raises:
        CaseError: connected Li-active conductors at different potentials, or a group whose
            Fermi level nothing sets.
    """
    mats = case.region_materials
    theta = {r.name: r.li_fraction for r in case.regions
             if mats[r.name].kind == "insertion_electrode"}
    theta.update(li_fraction or {})
    groups = conductor_groups(case, theta)
    fermi: dict[str, float] = {}
    for group in groups:
        voltage = _group_voltage(case, group, theta, terminal_voltage_V or {})
        fermi.update(dict.fromkeys(group.regions, voltage))
    work = {name: work_function_eV(mats[name], theta.get(name)) for g in groups for name in g.regions}
    ground = case.ground or (groups[0].regions[0] if groups else None)
    return CellState(li_fraction={k: float(v) for k, v in theta.items() if v is not None},
                     fermi_voltage_V=fermi, work_function_eV=work,
                     reference_work_function_eV=reference_work_function_eV() if groups else 0.0,
                     groups=groups, ground=ground)


def _group_voltage(case: Case, group: ConductorGroup, theta: dict[str, float | None],
                   given: dict[str, float]) -> float:
    mats = case.region_materials
    for name in group.regions:
        if name in given:
            return given[name]
    applied = None
    if group.terminal is not None and group.terminal in case.boundaries:
        applied = case.boundaries[group.terminal].voltage_V
    if applied is not None and case.study.type == "steady_state":
        return applied  # under current the terminal voltage is imposed
    potentials = {}
    for name in group.regions:
        i = _region_index(case, name)
        touches_se = any(0 <= j < len(case.regions) and is_electrolyte(
            mats[case.regions[j].name]) for j in (i - 1, i + 1))
        u = open_circuit_potential_V(mats[name], theta.get(name))
        if touches_se and u is not None:
            potentials[name] = u
    if len(set(round(u, 12) for u in potentials.values())) > 1:
        listed = ", ".join(f"{k} at {u:.4g} V" for k, u in potentials.items())
        raise CaseError(f"regions {' and '.join(potentials)}: inconsistent compositions; these "
                        f"conductors are electronically connected but their Li potentials differ "
                        f"({listed}), so they cannot both be in equilibrium with the electrolyte")
    if potentials and applied is not None and case.study.type != "transient":
        raise field_error(f"boundaries.{group.terminal}.voltage_V", applied,
                          f"no voltage_V in {with_article(case.study.type)} study: the Li "
                          f"equilibrium of region {next(iter(potentials))} sets this terminal's "
                          "Fermi level (use study.type = 'steady_state' to apply a voltage"
                          + (", or study.bias_V" if case.study.type == "impedance" else "") + ")")
    if potentials:  # (in a transient, t = 0 is this equilibrium; voltage_V applies for t > 0)
        return next(iter(potentials.values()))
    graded = _graded_neighbour_fermi_V(case, group)
    if graded is not None:  # (a steady state with voltage_V returned it above)
        return graded  # t = 0: electronic equilibrium with the mixed conductor it touches
    if group.terminal is not None:
        bc = case.boundaries.get(group.terminal)
        if bc is not None and bc.voltage_V is not None:
            return bc.voltage_V
    raise CaseError(
        f"regions {', '.join(group.regions)}: nothing sets the Fermi level of this conductor "
        f"(no Li-active member touches an electrolyte); give boundaries."
        f"{group.terminal or 'left'}.voltage_V (vs the Li reference)")


def _graded_neighbour_fermi_V(case: Case, group: ConductorGroup) -> float | None:
    """The Fermi voltage U_SE (li_potential_V) of the graded mixed conductors a Li-inactive
    group touches: its electrons equilibrate with them (None if it touches none)."""
    names = [r.name for r in case.regions]
    found: dict[str, float] = {}
    for name in group.regions:
        i = names.index(name)
        for j in (i - 1, i + 1):
            if 0 <= j < len(names) and case.regions[j].electronic == "graded":
                u_se = case.regions[j].li_potential_V
                assert u_se is not None  # required by case validation for electronic carriers
                found[names[j]] = u_se
    if len(set(round(u, 12) for u in found.values())) > 1:
        listed = ", ".join(f"{k} at {u:.4g} V" for k, u in found.items())
        raise CaseError(f"regions {', '.join(group.regions)}: the graded mixed conductors they "
                        f"touch have different Fermi levels ({listed}); give boundaries."
                        f"{group.terminal or 'left'}.voltage_V")
    return next(iter(found.values()), None)


# ---------------------------------------------------------------------------------------------
# States of charge
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChargeState:
    """The compositions of a two-electrode cell at a target OCV.

    Attributes:
        ocv_V: the target cell voltage, cathode minus anode (V).
        li_fraction: theta of every insertion electrode.
        terminal_voltage_V: Fermi voltages imposed on groups that lost their Li (V).
        regime: 'equilibrium' (both electrodes exchange Li with the electrolyte) or
            'anode Li-free' (below the lowest OCV with Li in the anode: its voltage is imposed).
    """

    ocv_V: float
    li_fraction: dict[str, float]
    terminal_voltage_V: dict[str, float]
    regime: str


def _electrodes(case: Case) -> tuple[str, str]:
    """(anode, cathode): the Li-active regions of the two groups, ordered by their OCV."""
    mats = case.region_materials
    found = []
    for group in conductor_groups(case):
        for name in group.regions:
            i = _region_index(case, name)
            touches_se = any(0 <= j < len(case.regions) and is_electrolyte(
                mats[case.regions[j].name]) for j in (i - 1, i + 1))
            m = mats[name]
            if touches_se and (m.kind == "insertion_electrode" or OCV_TABLE in m.parameters):
                found.append(name)
                break
    if len(found) != 2:
        raise CaseError(f"study.type = 'ocv_sweep': needs two electrodes (insertion electrodes "
                        f"or Li metal) facing the electrolyte, found {len(found)} "
                        f"({', '.join(found) or 'none'})")

    def typical_ocv(name: str) -> float:
        m = mats[name]
        return (float(np.mean(m.tables[OCV_TABLE].value)) if m.kind == "insertion_electrode"
                else m.parameters[OCV_TABLE].value)

    a, c = found
    return (a, c) if typical_ocv(a) <= typical_ocv(c) else (c, a)


def _capacity_mol_m2(case: Case, region: str) -> float:
    """c_max L: Li sites per area of an insertion electrode (mol/m^2)."""
    return li_sites_per_m2(case, region) / AVOGADRO_MOL


def li_sites_per_m2(case: Case, region: str) -> float:
    """N L: Li sites per area of an insertion electrode (m^-2)."""
    return case.region_materials[region].parameter("li_site_density_m3") * case.region(
        region).thickness_m


def li_inventory_mol_m2(case: Case, li_fraction: dict[str, float]) -> float:
    """Li held by the insertion electrodes per area, sum_k c_max,k L_k theta_k (mol/m^2)."""
    return sum(_capacity_mol_m2(case, k) * v for k, v in li_fraction.items())


def _bisect(f, lo: float, hi: float) -> float:
    """Root of a monotone f on [lo, hi] (f(lo), f(hi) of opposite signs) to 1e-14."""
    flo = f(lo)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        fm = f(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
        if hi - lo < 1e-15:
            break
    return 0.5 * (lo + hi)


def state_for_ocv(case: Case, ocv_V: float, path: str = "study.ocv_V",
                  held_mol_m2: float = 0.0) -> ChargeState:
    """Compositions that give a cell voltage ``ocv_V`` with the case's Li inventory conserved.

    The case's ``li_fraction`` values define the inventory, less ``held_mol_m2`` (Li that
    lithiating collectors took from the electrodes). With Li metal as one electrode the
    other's theta solves U(theta) = ocv (Li metal is an unlimited reservoir).

    Raises:
        CaseError: ``ocv_V`` outside the range the OCV curves and the inventory allow.
    """
    mats = case.region_materials
    anode, cathode = _electrodes(case)
    u = {k: mats[k].tables.get(OCV_TABLE) for k in (anode, cathode)}
    kinds = {k: mats[k].kind for k in (anode, cathode)}
    if kinds[anode] != "insertion_electrode" or kinds[cathode] != "insertion_electrode":
        # one Li-metal electrode: the other electrode alone sets the voltage
        electrode = cathode if kinds[cathode] == "insertion_electrode" else anode
        table = u[electrode]
        assert table is not None  # case validation: an insertion electrode has an OCV table
        sign = 1.0 if electrode == cathode else -1.0
        lo, hi = min(table.value), max(table.value)
        target = sign * ocv_V
        if not lo <= target <= hi:
            raise field_error(path, ocv_V, f"an OCV the {electrode} curve reaches against Li: "
                              f"{sign * lo:.4g} to {sign * hi:.4g} V")
        theta = _bisect(lambda t: float(table(t)) - target, table.theta[0], table.theta[-1])
        return ChargeState(ocv_V, {electrode: theta}, {}, "equilibrium")
    theta0: dict[str, float] = {}
    for k in (anode, cathode):
        li = case.region(k).li_fraction
        assert li is not None  # case validation: an insertion electrode has a li_fraction
        theta0[k] = li
    inventory = li_inventory_mol_m2(case, theta0) - held_mol_m2
    cap = {k: _capacity_mol_m2(case, k) for k in (anode, cathode)}

    def theta_anode(theta_c: float) -> float:
        return (inventory - cap[cathode] * theta_c) / cap[anode]

    # feasible cathode range: both thetas inside their tables
    ua, uc = u[anode], u[cathode]
    assert ua is not None and uc is not None  # case validation: insertion electrodes' OCV tables
    lo_c = max(uc.theta[0], (inventory - cap[anode] * ua.theta[-1]) / cap[cathode])
    hi_c = min(uc.theta[-1], (inventory - cap[anode] * max(ua.theta[0], 0.0)) / cap[cathode])
    if not lo_c <= hi_c:
        raise CaseError(f"regions {anode} and {cathode}: their li_fraction values hold "
                        f"{inventory:.4g} mol/m^2 of Li, which no composition inside the OCV "
                        "tables can hold")

    def ocv_at(theta_c: float) -> float:
        return float(uc(theta_c)) - float(ua(min(max(theta_anode(theta_c), ua.theta[0]),
                                                   ua.theta[-1])))

    v_min, v_max = ocv_at(hi_c), ocv_at(lo_c)
    if ocv_V > v_max + 1e-12:
        raise field_error(path, ocv_V, f"an OCV within the range the OCV curves and the Li "
                          f"inventory allow (at most {v_max:.4g} V)")
    if ocv_V < v_min:
        if theta_anode(hi_c) > max(ua.theta[0], 0.0) + 1e-12:
            raise field_error(path, ocv_V, f"an OCV of at least {v_min:.4g} V")
        # the anode holds no Li: it is a blocking electrode at the cell voltage
        fractions = {anode: 0.0, cathode: hi_c}
        v_cathode = float(uc(hi_c))
        return ChargeState(ocv_V, fractions, {anode: v_cathode - ocv_V}, "anode Li-free")
    theta_c = _bisect(lambda t: ocv_at(t) - ocv_V, lo_c, hi_c)
    return ChargeState(ocv_V, {anode: theta_anode(theta_c), cathode: theta_c}, {}, "equilibrium")
