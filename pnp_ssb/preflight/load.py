"""A case read (:func:`pnp_ssb.input.load.read_case`: schema and field checks) and then checked
against its resolved model and mesh plan."""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pnp_ssb.input.case import Case
from pnp_ssb.input.load import read_case
from pnp_ssb.preflight.cell import check_cell_states
from pnp_ssb.preflight.geometry import check_cross_section, check_mesh_file
from pnp_ssb.preflight.mesh import check_mesh_size


def check_case(case: Case) -> None:
    """The dry-run checks, in the order a run meets them: geometry, cell states, mesh size.

    Raises:
        CaseError: naming the field, the value and what was expected.
    """
    check_cross_section(case)
    check_mesh_file(case)
    check_cell_states(case)
    check_mesh_size(case)


def load_case(source: str | Path | Mapping[str, Any], overrides: Sequence[str] = ()) -> Case:
    """Read, override and validate a case, then check that it resolves and meshes.

    Args:
        source: a TOML file path, or an already parsed dictionary.
        overrides: ``key=value`` strings applied before validation.

    Raises:
        CaseError: on any mistake, with the field path, the value and the expectation.
    """
    case = read_case(source, overrides)
    check_case(case)
    return case
