"""Facts of a case's stack that physics and validation both need, read from the case alone:
which conductor | electrolyte contacts react, and an electrolyte's neutrality potential."""

from pnp_ssb.input.case import Case
from pnp_ssb.materials import database as matdb


def reacting_contacts(case: Case) -> list[tuple[str, str, str]]:
    """(interface key, conductor, electrolyte) of every contact between a Li-active conductor
    (an insertion electrode or Li metal) and a solid electrolyte, left to right. A dielectric
    (compact) layer may sit between them: the key is then the dielectric | electrolyte
    interface, where the reaction plane is."""
    mats = case.region_materials
    names = [r.name for r in case.regions]

    def li_active(name: str) -> bool:
        m = mats[name]
        return m.kind == "insertion_electrode" or (
            m.kind == "metal" and "open_circuit_potential_V" in m.parameters)

    out = []
    for i in range(len(names) - 1):
        a, b = names[i], names[i + 1]
        for se, step in ((b, -1), (a, +1)):
            if mats[se].kind != "solid_electrolyte":
                continue
            j = names.index(se) + step  # the neighbour facing this interface, then through a gap
            if not 0 <= j < len(names) or {names[j], se} != {a, b}:
                continue
            k = j + step if mats[names[j]].kind == "dielectric" else j
            if 0 <= k < len(names) and mats[names[k]].kind != "dielectric" and li_active(names[k]):
                out.append((f"{a}|{b}", names[k], se))
    return out


def neutrality_potential_V(material: matdb.Material) -> float:
    """The electrolyte's bulk potential vs a Li electrode in equilibrium with it (0 if not given)."""
    return material.parameters["neutrality_potential_vs_li_V"].value if (
        "neutrality_potential_vs_li_V" in material.parameters) else 0.0
