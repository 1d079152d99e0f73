"""Which species the boundaries and contacts exchange, and so which ones get a field (no DOLFINx).

A species with a source or sink (a reservoir, or a reacting contact for Li-linked ones) is
transported: it gets an electrochemical-potential field w_k. A mobile species that nothing
exchanges is closed: its amount is conserved (canonical; solvers/conservation.py).
"""

from pnp_ssb.physics.model import StackModel


def _exchanged(model: StackModel) -> set[str]:
    """Species a reservoir holds or a reacting contact passes."""
    out: set[str] = set()
    for side, region in (("left", model.regions[0]), ("right", model.regions[-1])):
        terminal = model.terminals.get(side)
        if terminal is not None:
            out.update(sp.name for sp in region.species if terminal.exchanges(sp.name))
    for contact in model.contacts:
        out.update(name for name, _ in contact.channels)
    return out


def closed_species(model: StackModel) -> list[str]:
    """Mobile species that nothing exchanges: no reservoir holds them, no reacting contact
    passes them, and (in an equilibrium study) they are not Li-linked species of an electrolyte
    touching a conductor that holds Li."""
    exchanged = _exchanged(model)
    mobile: dict[str, None] = {}
    for k, region in enumerate(model.regions):
        touches = {model.regions[j].name for j in (k - 1, k + 1) if 0 <= j < len(model.regions)}
        if region.is_mixed_conductor:  # an electrode's own Li+ and electrons: its bulk is
            continue  # their reservoir (equilibrium studies only)
        for sp in region.species:
            if sp.carrier:  # extrinsic: tied to Li+; graded: the contacts' Fermi levels
                continue
            if model.open_to_electrodes and sp.li_stoichiometry and touches & model.li_exchanging:
                exchanged.add(sp.name)
            if sp.diffusivity_m2_s > 0:
                mobile[sp.name] = None
    return [name for name in mobile if name not in exchanged]


def transported_species(model: StackModel) -> list[str]:
    """Species that get an electrochemical-potential field, in first-appearance order.

    A species with neither a source nor a sink is blocked everywhere; at steady state it carries
    no flux, so its electrochemical potential is uniform, and it is held at its bulk value
    (grand-canonical: exact when the layer is much thicker than its space charge). At
    equilibrium only the closed species get a field: every other one is in equilibrium with its
    reservoir or electrode (its w is the bulk value, no field). In a transient every species
    moves; blocked ones keep their amount.
    """
    out: dict[str, None] = dict.fromkeys(closed_species(model))
    if model.regime == "equilibrium":
        return [name for name in model.species_names if name in out]
    out.update(dict.fromkeys(_exchanged(model) & set(model.species_names)))
    if model.regime == "transient":
        out.update(dict.fromkeys(model.species_names))
    for region in model.electrolytes:
        for sp in region.species:
            if sp.carrier and region.electronic == "graded":
                out[sp.name] = None  # they take the electrodes' Fermi levels at the contacts
            elif sp.carrier:
                out.pop(sp.name, None)  # extrinsic: tied to Li+ (see forms.carrier_potentials)
    return [name for name in model.species_names if name in out]
