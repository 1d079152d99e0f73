"""A 2D mesh from a gmsh file with named physical groups (geometry.type = 'mesh_file').

The Gouy–Chapman layer on an unstructured triangle mesh graded toward the wall: its lateral
average matches the exact profile to the P1 error of the graded mesh (~1e-3 of the drop, as in
1D), and the electrode charge per area is the exact one.
"""

import numpy as np
import pytest

from pnp_ssb import analytic
from pnp_ssb.input.case import CaseError
from pnp_ssb.preflight import load_case
from tests.conftest import electrolyte_case

T, EPS, C, V = 300.0, 20.0, 1e25, 0.1


def write_mesh(path, groups=("electrolyte", "left", "right"), h_min=0.08, h_max=8.0) -> str:
    """A 200 nm x 20 nm electrolyte (nm units), triangles graded from the wall x = 0."""
    import gmsh

    if not gmsh.isInitialized():
        gmsh.initialize(interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.model.add("gc")
    rect = gmsh.model.occ.addRectangle(0, 0, 0, 200, 20)
    gmsh.model.occ.synchronize()
    curves = {}
    for _, tag in gmsh.model.getBoundary([(2, rect)], oriented=False):
        x = gmsh.model.occ.getCenterOfMass(1, tag)[0]
        curves["left" if x < 1e-6 else "right" if x > 200 - 1e-6 else f"side{tag}"] = tag
    if "electrolyte" in groups:
        gmsh.model.setPhysicalName(2, gmsh.model.addPhysicalGroup(2, [rect]), "electrolyte")
    for name in ("left", "right"):
        if name in groups:
            gmsh.model.setPhysicalName(1, gmsh.model.addPhysicalGroup(1, [curves[name]]), name)
    dist = gmsh.model.mesh.field.add("Distance")
    gmsh.model.mesh.field.setNumbers(dist, "CurvesList", [curves["left"]])
    size = gmsh.model.mesh.field.add("MathEval")
    gmsh.model.mesh.field.setString(size, "F", f"Min({h_min} * (1 + F{dist}), {h_max})")
    gmsh.model.mesh.field.setAsBackgroundMesh(size)
    for opt in ("MeshSizeExtendFromBoundary", "MeshSizeFromPoints", "MeshSizeFromCurvature"):
        gmsh.option.setNumber(f"Mesh.{opt}", 0)
    gmsh.model.mesh.generate(2)
    gmsh.write(str(path))
    gmsh.model.remove()
    return str(path)


def gc_file_case(path) -> dict:
    data = electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": V},
                            right={"type": "reservoir"}, temperature_K=T, eps_r=EPS)
    data["geometry"] = {"type": "mesh_file", "mesh_file": str(path)}
    return data


def test_gouy_chapman_on_an_unstructured_mesh(solve, tmp_path):
    """P1 on triangles sized h_min (1 + d/nm) from the wall: the lateral average converges to
    the exact layer at second order in h_min (measured: 2.8e-3, 8.6e-4 of the drop, then
    1.1e-4 at h_min = 0.02 nm), and so does the electrode charge."""
    errors, charges = [], []
    sigma = analytic.gouy_chapman_surface_charge_C_m2(V, C, EPS, T)
    for h in (0.08, 0.04):
        data = gc_file_case(write_mesh(tmp_path / f"gc{h}.msh", h_min=h, h_max=100 * h))
        data["mesh"] = {"error_control": "estimate"}  # these meshes, as given (h = 0.08 nm is
        sol = solve(data)  # above the default tolerance: test_error_control.py)
        seg = sol.profile.segments[0]
        exact = analytic.gouy_chapman_potential_V(seg.x_m, V, C, EPS, T)
        errors.append(np.max(np.abs(seg.psi * sol.profile.thermal_voltage_V - exact)) / V)
        charges.append(abs(sol.electrode_charge_C_m2["left"] / sigma - 1))
    assert errors[1] < 1e-3 and charges[1] < 1e-3
    assert np.log2(errors[0] / errors[1]) > 1.5
    assert np.log2(charges[0] / charges[1]) > 1.5


@pytest.mark.parametrize("groups, message", [
    (("electrolyte", "left"), "physical group 'right' of dimension 1"),
    (("left", "right"), "physical group 'electrolyte' of dimension 2"),
])
def test_mesh_missing_a_named_group(tmp_path, groups, message):
    path = write_mesh(tmp_path / "bad.msh", groups)
    with pytest.raises(CaseError, match=message):
        load_case(gc_file_case(path))


def test_missing_or_foreign_mesh_file(tmp_path):
    with pytest.raises(CaseError, match=r"an existing gmsh \.msh file"):
        load_case(gc_file_case(tmp_path / "none.msh"))
    (tmp_path / "x.msh").write_text("hello\n")
    with pytest.raises(CaseError, match=r"not a gmsh \.msh file"):
        load_case(gc_file_case(tmp_path / "x.msh"))


def test_mesh_region_the_case_does_not_name(tmp_path):
    """A 2D group without a region in the case (a region without a material) is named."""
    import gmsh

    path = write_mesh(tmp_path / "gc.msh")
    gmsh.initialize() if not gmsh.isInitialized() else None
    gmsh.open(path)
    surfaces = [t for _, t in gmsh.model.getEntities(2)]
    gmsh.model.setPhysicalName(2, gmsh.model.addPhysicalGroup(2, surfaces), "mystery")
    gmsh.write(str(tmp_path / "extra.msh"))
    gmsh.model.remove()
    with pytest.raises(CaseError, match="no region 'mystery'"):
        load_case(gc_file_case(tmp_path / "extra.msh"))
