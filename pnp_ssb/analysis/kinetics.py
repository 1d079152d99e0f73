"""Charge transfer at the reacting contacts of a solved profile: the overpotential and
Butler–Volmer current of every channel at the reaction plane, the drives a time loop holds, and
the split of a two-contact cell's polarisation into charge transfer, bulk and space charge.
"""

from dataclasses import dataclass

import numpy as np

from pnp_ssb.analysis.postprocess import Profile1D


@dataclass(frozen=True)
class ContactKinetics:
    """Charge transfer at one electrode | electrolyte contact (Li+ current into the electrolyte).

    Attributes:
        key: interface "A|B"; conductor, electrolyte: region names.
        current_density_A_m2: i, the sum over channels (> 0: the electrode is oxidised).
        channel_current_A_m2, channel_overpotential_V: per Li-linked species of the electrolyte.
        li_ion_potential_V: mu~_Li+/e at the reaction plane for each channel (w_k kT / (s_k e)).
    """

    key: str
    conductor: str
    electrolyte: str
    current_density_A_m2: float
    channel_current_A_m2: dict[str, float]
    channel_overpotential_V: dict[str, float]
    li_ion_potential_V: dict[str, float]


def present_drives_V(problem, profile: Profile1D) -> dict[str, float]:
    """V - U(theta_plane) of each contact whose drive a time loop moves (V): the Fermi voltage
    the loop holds, minus the OCV at the electrode's contact composition (0 for Li metal)."""
    vt = profile.thermal_voltage_V
    out = {}
    for c in problem.contacts:
        fermi = problem.fermi_voltage.get(c.conductor)
        if fermi is None:
            continue
        ocv = 0.0
        if c.conductor in problem.electrodes and c.ocv_table is not None:
            seg = profile.segment(c.conductor)
            assert seg.theta is not None  # an electrode field's segment samples its theta
            theta = seg.theta[-1] if c.key.startswith(f"{c.conductor}|") else seg.theta[0]
            t = c.ocv_table.theta  # the forms hold U constant beyond the table (table_ufl)
            ocv = float(c.ocv_table(float(np.clip(theta, t[0], t[-1]))))
        out[c.key] = float(fermi.value) * vt - ocv
    return out


def contact_kinetics(profile: Profile1D, contacts, load: float,
                     drives_V: dict[str, float] | None = None) -> list[ContactKinetics]:
    """Overpotential e*eta = e(V - U) - s_k mu~_k and the Butler–Volmer current of every channel,
    evaluated at the reaction plane of the solved state (see forms.ReactingContact).
    ``drives_V``: V - U per contact where it is not the load-scaled equilibrium value
    (transients: :func:`present_drives_V`)."""
    vt = profile.thermal_voltage_V
    drives_V = drives_V or {}
    out = []
    for c in contacts:
        seg = profile.segment(c.electrolyte)
        plane = 0 if c.key.endswith(f"|{c.electrolyte}") else -1
        drive = drives_V.get(c.key, load * c.driving_V)
        eta, cur, mu = {}, {}, {}
        for name, stoich in c.channels:
            w = float(seg.w[name][plane])
            eta[name] = drive - stoich * w * vt
            cur[name] = float(c.current_density_A_m2(eta[name], vt))
            mu[name] = w * vt / stoich
        out.append(ContactKinetics(c.key, c.conductor, c.electrolyte, sum(cur.values()), cur, eta,
                                   mu))
    return out


def overpotential_split(profile: Profile1D, kinetics: list[ContactKinetics], channel: str,
                        stoich: int) -> dict[str, float]:
    """Split the polarisation of a two-contact cell along one channel (V).

    Across the electrolyte, mu~_Li+/e = w_k kT/(s_k e) changes by d = bulk + space_charge: the
    bulk part is the straight line fitted to the middle half of the layer, extrapolated over the
    whole layer (the Ohmic drop); the rest sits in the space-charge layers. With the
    charge-transfer overpotentials of the same channel, the cell polarisation is
    (V_right - V_left) - (U_right - U_left) = eta_right - eta_left + d.
    """
    left, right = kinetics
    seg = profile.segment(left.electrolyte)
    x = seg.x_m
    mu = seg.w[channel] * profile.thermal_voltage_V / stoich
    lo, hi = x[0] + 0.25 * (x[-1] - x[0]), x[0] + 0.75 * (x[-1] - x[0])
    mid = (x >= lo) & (x <= hi)
    slope, intercept = np.polyfit(x[mid], mu[mid], 1)
    total = right.li_ion_potential_V[channel] - left.li_ion_potential_V[channel]
    bulk = float(slope * (x[-1] - x[0]))
    scl_left = float(slope * x[0] + intercept - mu[0])
    scl_right = float(mu[-1] - slope * x[-1] - intercept)
    return {"charge_transfer_left_V": -left.channel_overpotential_V[channel],
            "charge_transfer_right_V": right.channel_overpotential_V[channel],
            "electrolyte_bulk_V": bulk,
            "space_charge_V": float(total - bulk),
            "space_charge_left_V": scl_left,
            "space_charge_right_V": scl_right,
            "electrolyte_total_V": float(total)}
