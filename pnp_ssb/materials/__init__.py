"""The material file format and the database of materials with its data
(``pnp_ssb/materials/data/``: one TOML file per material, references.bib)."""

from pnp_ssb.materials.database import (
    apply_overrides,
    available_materials,
    bibtex_entries,
    describe_materials,
    load_material,
    material_from_dict,
)
from pnp_ssb.materials.format import Material

__all__ = ["Material", "apply_overrides", "available_materials", "bibtex_entries",
           "describe_materials", "load_material", "material_from_dict"]
