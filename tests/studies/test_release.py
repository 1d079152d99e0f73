"""A finished run lets its meshes go (and with them the MPI communicators each mesh holds): a
process that runs many cases (screen correlations, sweeps) ran out of communicators under
CPython 3.13.0-3.13.1, whose singledispatchmethod cache kept UFL's rule sets alive
(python/cpython#127750). Oracle: no DOLFINx mesh made by the runs is alive after them (meshes
of earlier tests in the same worker may go or stay meanwhile: they are held and left out)."""

import gc

from pnp_ssb.apps.screening import ElectrodeEntry, ScreenSpec, pair_data
from pnp_ssb.discretisation.fem import dolfinx
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case


def _meshes() -> list:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, dolfinx.mesh.Mesh)]


def test_runs_leave_no_mesh_alive(tmp_path):
    spec = ScreenSpec(electrodes=[ElectrodeEntry(material="Li")], electrolytes=["LiPON"],
                      exchange_current_density_A_m2=100.0)
    data = pair_data(spec, spec.electrodes[0], "LiPON")
    before = _meshes()  # held, so that no id of theirs is reused by a new mesh
    for i, study in enumerate([{"type": "equilibrium"}, {
            "type": "impedance", "f_min_Hz": 1.0, "f_max_Hz": 1e6, "points_per_decade": 1}] * 2):
        run_case(load_case({**data, "study": study}), tmp_path / str(i))
    known = {id(m) for m in before}
    assert [m for m in _meshes() if id(m) not in known] == []
