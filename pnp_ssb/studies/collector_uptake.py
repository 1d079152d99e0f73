"""Lithiating current collectors in a transient: their Li profiles, advanced with each time
step, and the Li they take from their electrode (docs/theory.md §4d).

A step from t_n to t_n + dt first advances each chain (discretisation.collector_diffusion)
with the contact activity a = exp(-e U(theta_n)/kT) of its electrode at t_n, then hands the Li
it took, dN, to the electrode's row as the contact flux J = dN/dt (backward Euler; BDF2's
history term is matched, see :meth:`CollectorUptake.begin_step`). The electrode loses exactly
what its collectors gain, so the cell's Li (electrodes + electrolytes + collectors) is conserved
to solver tolerance; the lag in theta is first order in dt, and the collector's flux is tiny
beside the electrode's own Li transport (D_Cu c_sat << D_e N).
"""

import dataclasses
from dataclasses import dataclass

import numpy as np

from pnp_ssb.analysis.postprocess import Profile1D
from pnp_ssb.analysis.solution import CollectorRecord
from pnp_ssb.constants import AVOGADRO_MOL
from pnp_ssb.discretisation.collector_diffusion import (
    ChainGrid,
    advance_over,
    chain_grid,
    content_per_m2,
    front_depth_m,
    layer_content_per_m2,
    work_function_profile_eV,
)
from pnp_ssb.discretisation.forms import Problem
from pnp_ssb.input.case import Case
from pnp_ssb.input.fields import CaseError
from pnp_ssb.physics.collector_li import CollectorChain, contact_activity
from pnp_ssb.physics.electrodes import open_circuit_potential_V


@dataclass
class CollectorUptake:
    """The chains' activities at the last accepted state (identical on every rank), the try of
    the step being solved, and the electrodes' contact theta at the last accepted state."""

    case: Case
    grids: list[ChainGrid]
    activity: list[np.ndarray]
    thermal_voltage_V: float
    elapsed_s: float = 0.0
    source_theta: dict[str, float] = dataclasses.field(default_factory=dict)  # by contact key
    trial: list[np.ndarray] | None = None
    trial_dt_s: float | None = None
    taken_m2: list[float] = dataclasses.field(default_factory=list)  # last accepted step's dN
    trial_taken_m2: list[float] = dataclasses.field(default_factory=list)

    @property
    def chains(self) -> list[CollectorChain]:
        """The lithiating chains, one per electrode side."""
        return [g.chain for g in self.grids]

    def contact_activities(self) -> list[float]:
        """a = exp(-e U(theta)/kT) of each chain's electrode at its collector contact."""
        out = []
        for chain in self.chains:
            material = self.case.region_materials[chain.electrode]
            u = open_circuit_potential_V(material, self.source_theta[chain.contact_key])
            out.append(0.0 if u is None else contact_activity(u, self.thermal_voltage_V))
        return out

    def begin_step(self, problem: Problem, dt_s: float, rate_per_s: float,
                   history_rate_per_s: float) -> None:
        """Advance every chain over ``dt_s`` from the accepted state and set the contact flux
        J it takes from its electrode (m^-2 s^-1) for the step's solve. The electrode's row
        has the scheme's a0/dt N^{n+1} - ... - a2/dt (N^n - N^{n-1}): with
        J = a0/dt dN^{n+1} - a2/dt dN^n its Li falls by exactly dN^{n+1} (BDF2 as BE)."""
        last = self.taken_m2 or [0.0] * len(self.grids)
        for grid, taken, before in zip(self.grids, self.advance_trial(dt_s), last, strict=True):
            problem.collector_sink[grid.chain.contact_key].value = (
                rate_per_s * taken - history_rate_per_s * before)

    def advance_trial(self, dt_s: float, activity_jumps: bool = False) -> list[float]:
        """The try of a step of ``dt_s`` from the accepted state; the Li (m^-2) each chain took.
        With ``activity_jumps`` (a hold at a new state) the substeps grade from the step's
        start, as from the start of an uptake (the error follows dt / time since the jump)."""
        self.trial, self.trial_dt_s, self.trial_taken_m2 = [], dt_s, []
        since = 0.0 if activity_jumps else self.elapsed_s
        for grid, a, a_s in zip(self.grids, self.activity, self.contact_activities(),
                                strict=True):
            new = advance_over(grid, a, a_s, dt_s, since)
            self.trial.append(new)
            self.trial_taken_m2.append(content_per_m2(grid, new) - content_per_m2(grid, a))
        return self.trial_taken_m2

    def trial_li_mol_m2(self) -> float:
        """Li per area the collectors would hold after the step being tried (mol/m^2)."""
        assert self.trial is not None  # after advance_trial
        return self._held_mol_m2(self.trial)

    def _held_mol_m2(self, activities: list[np.ndarray]) -> float:
        return sum(content_per_m2(g, a) for g, a in zip(self.grids, activities,
                                                        strict=True)) / AVOGADRO_MOL

    def commit(self) -> None:
        """The try of the step becomes the accepted state (after its electrode solve)."""
        if self.trial is not None and self.trial_dt_s is not None:
            self.activity, self.elapsed_s = self.trial, self.elapsed_s + self.trial_dt_s
            self.taken_m2 = self.trial_taken_m2
        self.trial, self.trial_dt_s = None, None

    def set_source(self, profile: Profile1D) -> None:
        """Each electrode's theta at its collector contact in the accepted state (``profile``:
        the state's gathered profile, with the electrodes' theta)."""
        for chain in self.chains:
            theta = profile.segment(chain.electrode).theta
            assert theta is not None  # a transient's electrode segment samples its theta
            self.source_theta[chain.contact_key] = float(theta[-1] if chain.outward > 0
                                                         else theta[0])

    def li_mol_m2(self) -> float:
        """Li per area held by all the collectors (mol/m^2)."""
        return self._held_mol_m2(self.activity)

    def row(self) -> dict[str, float]:
        """timeseries.csv entries: Li per collector (mol/m^2), each chain's front depth (m) and
        its contact activity."""
        out: dict[str, float] = {}
        for grid, a in zip(self.grids, self.activity, strict=True):
            for region, n in layer_content_per_m2(grid, a).items():
                out[f"collector_li_{region}_mol_m2"] = n / AVOGADRO_MOL
            out[f"lithiation_front_{grid.chain.contact_key}_m"] = front_depth_m(grid, a)
            out[f"li_activity_{grid.chain.contact_key}"] = float(a[0])
        return out

    def record(self) -> CollectorRecord:
        """The accepted state's profiles and summary, for the run folder."""
        rows, summary = [], {}
        for grid, a in zip(self.grids, self.activity, strict=True):
            chain = grid.chain
            start = contact_position_m(self.case, chain)
            phi = work_function_profile_eV(grid, a)
            for z, k, act, w in zip(grid.z_m, grid.layer_of_node, a, phi, strict=True):
                layer = chain.layers[int(k)]
                rows.append({"x_m": start + chain.outward * z, "region": layer.region,
                             "depth_m": z, "li_m3": act * layer.solubility_m3,
                             "activity": act, "work_function_eV": w})
            summary[chain.contact_key] = {
                "electrode": chain.electrode, "regions": list(chain.regions),
                "contact_activity": float(a[0]), "front_depth_m": front_depth_m(grid, a),
                "li_mol_m2": {r: n / AVOGADRO_MOL
                              for r, n in layer_content_per_m2(grid, a).items()},
                "elapsed_s": self.elapsed_s,
                "front": "depth beyond which the Li activity stays below half its largest value"}
        return CollectorRecord(rows, summary)

    def load_record(self, rows: list[dict[str, str]], summary: dict) -> None:
        """Put back the state a run folder recorded (its collector_li.csv rows and summary)."""
        at = 0
        for k, grid in enumerate(self.grids):
            n = grid.z_m.size
            self.activity[k] = np.array([float(r["activity"]) for r in rows[at:at + n]])
            at += n
        first = next(iter(summary.values()), None)
        self.elapsed_s = float(first["elapsed_s"]) if first else 0.0

    def state(self) -> dict:
        """What a checkpoint keeps (JSON)."""
        return {"activity": [a.tolist() for a in self.activity], "elapsed_s": self.elapsed_s,
                "taken_m2": self.taken_m2}

    def load_state(self, saved: dict) -> None:
        """Put a checkpoint's state back (CaseError for collectors of another stack: their Li
        came out of the electrodes the checkpoint holds)."""
        arrays = [np.asarray(a, dtype=float) for a in saved["activity"]]
        if [a.shape for a in arrays] != [g.z_m.shape for g in self.grids]:
            raise CaseError("study.start_from: its checkpoint's lithiating collectors "
                            f"({[a.size for a in arrays]} nodes) are not this case's "
                            f"({[g.z_m.size for g in self.grids]}); expected the same chains")
        self.activity, self.elapsed_s = arrays, float(saved["elapsed_s"])
        self.taken_m2 = [float(v) for v in saved.get("taken_m2", [])]

    def reset(self) -> None:
        """No Li taken yet (t = 0)."""
        self.activity = [np.zeros(g.z_m.size) for g in self.grids]
        self.elapsed_s, self.taken_m2 = 0.0, []
        self.trial, self.trial_dt_s = None, None


def contact_position_m(case: Case, chain: CollectorChain) -> float:
    """x of the electrode | collector contact in the stack (m)."""
    names = [r.name for r in case.regions]
    edges = np.cumsum([0.0, *(r.thickness_m for r in case.regions)])
    i = names.index(chain.regions[0])
    return float(edges[i] if chain.outward > 0 else edges[i + 1])


def collector_uptake(case: Case, chains: tuple[CollectorChain, ...],
                     thermal_voltage_V: float) -> CollectorUptake | None:
    """The uptake state of a case's lithiating collectors, none taken yet (None without any)."""
    if not chains:
        return None
    grids = [chain_grid(chain) for chain in chains]
    return CollectorUptake(case, grids, [np.zeros(g.z_m.size) for g in grids], thermal_voltage_V)
