"""2D cross-section generators: groups, areas, grading, reproducibility and bad input."""

import math

import numpy as np
import pytest

from pnp_ssb.apps.cli import main
from pnp_ssb.discretisation import microstructure as ms
from pnp_ssb.discretisation.msh import physical_groups
from pnp_ssb.input.case import CaseError
from pnp_ssb.preflight import load_case

LAYERS = ms.Layers(("li_left", "llzo", "li_right"), (20.0, 100.0, 20.0), 100.0)
COARSE = ms.Sizing(0.5, 10.0, 1.3)


def model_summary() -> tuple[dict[str, int], dict[str, float], np.ndarray]:
    import gmsh

    groups = {gmsh.model.getPhysicalName(d, t): d for d, t in gmsh.model.getPhysicalGroups()}
    areas = {gmsh.model.getPhysicalName(d, t): sum(gmsh.model.occ.getMass(2, e) for e in
                                                 gmsh.model.getEntitiesForPhysicalGroup(d, t))
             for d, t in gmsh.model.getPhysicalGroups(2)}
    _, coords, _ = gmsh.model.mesh.getNodes()
    gmsh.model.remove()
    return groups, areas, coords.reshape(-1, 3)


@pytest.mark.parametrize("angle, width", [(90.0, 0.0), (0.0, 0.0), (45.0, 1.0), (60.0, 0.0)])
def test_bicrystal_groups_and_areas(angle, width):
    ms.bicrystal(LAYERS, "llzo", 50.0, angle, width, COARSE)
    groups, areas, _ = model_summary()
    assert {"li_left", "llzo", "li_right", "left", "right", "top", "bottom"} <= set(groups)
    assert groups["llzo_gb"] == (2 if width else 1)
    total = sum(areas.values())
    assert total == pytest.approx(140.0 * 100.0, rel=1e-9)
    if width:  # the core strip through the 100 x 100 layer at 45 degrees, clipped at its ends
        length = 100.0 * math.sqrt(2.0)
        assert areas["llzo_gb"] == pytest.approx(length * width, rel=0.01)


def test_polycrystal_is_reproducible_from_its_seed():
    first = ms.polycrystal(LAYERS, "llzo", 5, 7, 1.0, COARSE)
    groups, areas, nodes = model_summary()
    again = ms.polycrystal(LAYERS, "llzo", 5, 7, 1.0, COARSE)
    _, _, nodes_again = model_summary()
    other = ms.polycrystal(LAYERS, "llzo", 5, 8, 1.0, COARSE)
    model_summary()
    assert first == again and first != other
    np.testing.assert_array_equal(nodes, nodes_again)
    assert groups["llzo_gb"] == 2
    assert areas["llzo"] + areas["llzo_gb"] == pytest.approx(100.0 * 100.0, rel=1e-9)


def test_voronoi_cells_tile_the_layer():
    seeds, cells = ms.polycrystal_cells(LAYERS, "llzo", 8, 3, 0.0)
    assert len(seeds) == len(cells) == 8
    assert sum(ms.polygon_area(c) for c in cells) == pytest.approx(100.0 * 100.0, rel=1e-12)
    for s, c in zip(seeds, cells, strict=True):  # each seed lies in its own cell
        inside = all((q[0] - p[0]) * (s[1] - p[1]) - (q[1] - p[1]) * (s[0] - p[0]) >= 0
                     for p, q in zip(c, [*c[1:], c[0]], strict=True))
        assert inside


def test_cells_are_graded_toward_boundaries():
    import gmsh

    ms.bicrystal(LAYERS, "llzo", 50.0, 90.0, 0.0, ms.Sizing(0.2, 10.0, 1.2))
    nodes = gmsh.model.mesh.getElements(2)[2]
    coords = gmsh.model.mesh.getNodes()[1].reshape(-1, 3)
    gmsh.model.remove()
    tri = nodes[0].reshape(-1, 3) - 1
    xy = coords[tri][:, :, :2]
    edge = np.max(np.linalg.norm(xy - np.roll(xy, 1, axis=1), axis=2), axis=1)
    centre = xy.mean(axis=1)
    near_gb = np.abs(centre[:, 0] - 70.0) < 0.3
    far = np.abs(centre[:, 0] - 45.0) < 2.0
    assert np.median(edge[near_gb]) < 0.6  # ~h_min at the boundary
    assert np.median(edge[far]) > 2.0


@pytest.mark.parametrize("call, message", [
    (lambda: ms.bicrystal_grains(LAYERS, "llzo", 150.0, 90.0), "gb_position"),
    (lambda: ms.bicrystal_grains(LAYERS, "llzo", 50.0, 120.0), "gb_angle"),
    (lambda: ms.bicrystal_grains(LAYERS, "lipon", 50.0, 90.0), "layer 'lipon'"),
    (lambda: ms.polycrystal_cells(LAYERS, "llzo", 0, 1, 0.0), "grains = 0"),
    (lambda: ms.polycrystal_cells(LAYERS, "llzo", 4, 1, 1.0, seeds_nm=[(30, 50), (30.5, 50)]),
     "overlapping grain seeds"),
    (lambda: ms.polycrystal_cells(LAYERS, "llzo", 2, 1, 0.0, seeds_nm=[(10, 50), (60, 50)]),
     r"seeds\[0\]"),
    (lambda: ms.polycrystal_cells(LAYERS, "llzo", 200, 1, 3.0), "cannot place"),
    (lambda: ms.check_layers(ms.Layers(("a", "b"), (10.0, -1.0), 5.0)), "layer 'b'"),
    (lambda: ms.Sizing(1.0, 0.5).check(), "h_min"),
])
def test_bad_geometry_input(call, message):
    with pytest.raises(ms.GeometryError, match=message):
        call()


def test_case_errors_come_before_any_mesh_work():
    base = ["geometry.type = 'polycrystal'", "geometry.height_m = 100e-9",
            "grain_boundaries.llzo.width_m = 1e-9"]
    with pytest.raises(CaseError, match="overlapping grain seeds"):
        load_case("cases/li_llzo_li.toml",
                  [*base, "geometry.seeds_m = [[30e-9, 50e-9], [30.5e-9, 50e-9]]"])
    with pytest.raises(CaseError, match="exactly one region with grain boundaries"):
        load_case("cases/li_llzo_li.toml", ["geometry.type = 'bicrystal'",
                                            "geometry.height_m = 100e-9"])
    with pytest.raises(CaseError, match="gb_position_m"):
        load_case("cases/li_llzo_li.toml", ["geometry.type = 'bicrystal'",
                                            "geometry.height_m = 100e-9",
                                            "geometry.gb_position_m = 200e-9",
                                            "grain_boundaries.llzo.core_charge_C_m2 = 0.1"])


def test_cli_writes_a_mesh_with_the_contract_groups(tmp_path):
    out = tmp_path / "bc.msh"
    assert main(["mesh", "bicrystal", "--layers", "li_left:20,llzo:100,li_right:20",
                 "--electrolyte", "llzo", "--height-nm", "50", "--h-min-nm", "0.5",
                 "--h-max-nm", "10", "-o", str(out)]) == 0
    groups = physical_groups(out)
    assert groups == {"li_left": 2, "llzo": 2, "li_right": 2, "llzo_gb": 1, "left": 1,
                      "right": 1, "top": 1, "bottom": 1}
    assert main(["mesh", "bicrystal", "--layers", "li_left:20,llzo:100", "--electrolyte",
                 "llzo", "--height-nm", "-5", "-o", str(tmp_path / "x.msh")]) == 2
    assert not (tmp_path / "x.msh").exists()
