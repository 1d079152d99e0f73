"""The top-level API and the import-light start (docs/architecture.md): ``import pnp_ssb`` and the
commands that need no FEM (check, schema, materials) do not import DOLFINx, PETSc or MPI."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FEM_MODULES = ("dolfinx", "petsc4py", "mpi4py", "ufl")


def _imported_after(code: str) -> list[str]:
    probe = (f"{code}\nimport sys\n"
             f"print('FEM:', *(m for m in {FEM_MODULES!r} if m in sys.modules), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return out.stderr.strip().splitlines()[-1].split()[1:]


def test_import_pnp_ssb_needs_no_fem():
    assert _imported_after("import pnp_ssb; pnp_ssb.load_case('cases/gouy_chapman.toml')") == []


@pytest.mark.parametrize("argv", [["check", "cases/li_lipon_lco.toml"], ["schema"],
                                  ["materials"]])
def test_commands_without_fem_do_not_import_it(argv):
    code = ("import sys; from pnp_ssb.apps.cli import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit as exc:\n    assert not exc.code\n")
    assert _imported_after(code) == []


def test_the_api_names_resolve():
    import pnp_ssb

    for name in pnp_ssb.__all__:
        assert getattr(pnp_ssb, name) is not None, name
    assert pnp_ssb.solve.__name__ == "solve_case" and pnp_ssb.run.__name__ == "run_case"
    with pytest.raises(AttributeError):
        _ = pnp_ssb.no_such_name
