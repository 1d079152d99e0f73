"""Writing a solution: fields, profiles, figures, the resolved case, citations, summary.json."""

from pathlib import Path
from typing import Any

import numpy as np

from pnp_ssb.analysis.bands import band_lines
from pnp_ssb.analysis.postprocess import species_on_parent
from pnp_ssb.analysis.solution import Solution
from pnp_ssb.analysis.summary import summary
from pnp_ssb.discretisation.fem import dolfinx
from pnp_ssb.discretisation.forms import concentration_ufl
from pnp_ssb.input.case import Case, case_to_dict
from pnp_ssb.input.tomlio import dumps_toml
from pnp_ssb.input.usage import unused_inputs
from pnp_ssb.io.output import (
    read_map_csv,
    write_csv_rows,
    write_json,
    write_map_csv,
    write_profiles_csv,
    write_text_atomic,
)
from pnp_ssb.io.plots import (
    ProfileFigureData,
    key_numbers,
    overview_figure,
    plot_band_diagram,
    plot_map,
    plot_profiles,
    save_figure,
)
from pnp_ssb.materials import database as matdb
from pnp_ssb.materials.format import DERIVED_BY_DEFECTS, uncertain_inputs
from pnp_ssb.physics.model import CellModel

# every run cites the package, the finite-element library and the space-charge formalism
# (docs/theory.md); then the sources of the material values it used
METHOD_CITATIONS = ("pnp_ssb", "Baratta2023", "Swift2021")

def _write_fields(solution: Solution, outdir: Path) -> None:
    fmt = solution.case.output.fields
    if fmt == "none":
        return
    problem, model = solution.problem, solution.model
    msh = solution.domain.mesh
    vt = model.scales.thermal_voltage_V
    family = ("Discontinuous Lagrange", 1) if fmt == "vtx" else ("Lagrange", 1)
    V = dolfinx.fem.functionspace(msh, family)
    phi = dolfinx.fem.Function(V, name="phi_V")
    phi.interpolate(dolfinx.fem.Expression(problem.psi * vt, V.element.interpolation_points))
    for region in model.regions:  # the dipoles between charged regions (profiles add them too)
        if region.potential_offset:
            phi.interpolate(dolfinx.fem.Expression((problem.psi + region.potential_offset) * vt,
                                                   V.element.interpolation_points),
                            cells0=solution.domain.region_cells(region.name))
    out = [phi]
    w_parent = species_on_parent(solution.problem)
    for name in model.species_names:
        c = dolfinx.fem.Function(V, name=f"c_{name}_m3")
        for region in model.regions:
            sp = next((s for s in region.species if s.name == name), None)
            if sp is None:
                continue
            expr = concentration_ufl(sp, problem.psi, w_parent.get(name, 0.0),
                                     problem.bulk_potential[region.name],
                                     problem.shift(region.name, name))
            c.interpolate(dolfinx.fem.Expression(expr * model.scales.concentration_m3,
                                                 V.element.interpolation_points),
                          cells0=solution.domain.region_cells(region.name))
        out.append(c)
    if fmt == "vtx":
        with dolfinx.io.VTXWriter(msh.comm, outdir / "fields.bp", out, engine="BP4") as writer:
            writer.write(0.0)
    else:
        with dolfinx.io.XDMFFile(msh.comm, outdir / "fields.xdmf", "w") as xdmf:
            xdmf.write_mesh(msh)
            for f in out:
                xdmf.write_function(f)


def _current_maps(solution: Solution) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(i_x, i_y) maps (A/m^2) of the electrolytes of a 2D run with moving species."""
    return {m.region: (m.current_A_m2[..., 0], m.current_A_m2[..., 1])
            for m in solution.maps if m.current_A_m2 is not None}


def write_outputs(solution: Solution, outdir: str | Path) -> Path:
    """Write every output of a run into ``outdir`` (collective; scalar files on rank 0)."""
    outdir = Path(outdir)
    comm = solution.domain.mesh.comm
    if comm.rank == 0:
        outdir.mkdir(parents=True, exist_ok=True)
    comm.barrier()
    _write_fields(solution, outdir)
    if comm.rank == 0:
        data = summary(solution)
        cell = solution.model.cell if isinstance(solution.model, CellModel) else None
        write_profiles_csv(outdir / "profiles.csv", solution.profile,
                           cell.li_fraction if cell else None)
        maps = solution.maps
        if maps:
            currents = _current_maps(solution)
            write_map_csv(outdir / "map.csv", maps, currents)
            if solution.case.output.figures:
                electrolytes = [r.name for r in solution.model.electrolytes]
                plot_map(outdir / "potential_map.png", read_map_csv(outdir / "map.csv"),
                         "phi (V)", f"{solution.case.name}: electrostatic potential "
                         "(colour scale: electrolytes)", electrolytes)
                if currents:
                    magnitude = {r: (m.x_m, m.y_m, np.hypot(*currents[r])) for r, m in
                                 ((m.region, m) for m in maps) if r in currents}
                    plot_map(outdir / "current_map.png", magnitude, "|i| (A/m^2)",
                             f"{solution.case.name}: ionic current density", clip_outliers=True)
        write_text_atomic(outdir / "case.resolved.toml",
                          dumps_toml(resolved_case_dict(solution.case)))
        write_text_atomic(outdir / "citations.bib",
                          matdb.bibtex_entries([*METHOD_CITATIONS, *solution.case.citation_keys()]))
        if solution.collector_li is not None:
            write_csv_rows(outdir / "collector_li.csv", solution.collector_li.rows)
        uncertain = uncertain_inputs_record(solution.case)
        write_json(outdir / "uncertain_inputs.json", {"inputs": uncertain})
        data["uncertain_inputs"] = [f"{u['region']}: {u['material']}.{u['input']}"
                                    for u in uncertain]
        if solution.case.output.figures:
            _profile_figures(solution, data, outdir)
        write_json(outdir / "summary.json", data)  # last: its presence marks a complete run
    comm.barrier()
    return outdir


def state_label(solution: Solution) -> str:
    """The state a figure shows, for its title: the time of a transient, the cell voltage (at
    open circuit, under bias or at a current), or the study type of a stack."""
    study = solution.case.study
    if solution.time_s is not None:
        return f"t = {solution.time_s:.4g} s"
    if solution.current_control is not None:
        return (f"{solution.current_control.target_A_m2:g} A/m$^2$, "
                f"V = {solution.current_control.voltage_V:.4f} V")
    if isinstance(solution.model, CellModel):
        volts = solution.model.cell.terminal_voltages_V()
        v = max(volts.values()) - min(volts.values()) if volts else 0.0
        return (f"OCV {v:.3f} V" if study.type in ("equilibrium", "ocv_sweep", "impedance")
                else f"bias {v:.3f} V")
    return study.type.replace("_", " ")


def _profile_figures(solution: Solution, data: dict[str, Any], outdir: Path) -> None:
    """potential.png, concentrations.png and, for a cell, bands.png."""
    model = solution.model
    marks: dict[str, float] = {}
    layers, x = [], 0.0
    for i, region in enumerate(model.regions):
        if i:
            name = f"{model.regions[i - 1].name}|{region.name}"
            marks[name] = x
            marks[name + ":width"] = max((s.width_m for s in solution.layers.get(name, [])),
                                         default=0.0)
        layers.append((region.name, x * 1e9, (x + region.thickness_m) * 1e9))
        x += region.thickness_m
    for side, xs in (("left", 0.0), ("right", x)):
        marks[side] = xs
        if side in solution.layers:
            marks[side + ":width"] = solution.layers[side][0].width_m
    stern_points = {(0.0 if side == "left" else x): data["boundaries"][side]["electrode_potential_V"]
                    for side in solution.problem.stern_capacitance}
    c_s = model.scales.concentration_m3
    bulk = {f"{sp.name} ({r.name})": sp.bulk_concentration * c_s
            for r in model.regions for sp in r.species}
    figure_data = ProfileFigureData(state_label(solution), marks, tuple(layers), stern_points,
                                    bulk)
    plot_profiles(outdir, solution.profile, figure_data)
    save_figure(overview_figure(solution.profile, figure_data, key_numbers(data)),
                outdir / "overview.png")
    if isinstance(model, CellModel):
        plot_band_diagram(outdir, band_lines(model, solution.profile), marks)


def _quantity_dict(q) -> Any:
    if q.status == "case":
        return q.value
    out: dict[str, Any] = {"value": q.value, "unit": q.unit}
    if q.sources:
        out["source"] = list(q.sources)
    if q.status != "sourced":
        out["status"] = q.status
        out["reason"] = q.reason
    if q.note:
        out["note"] = q.note
    if q.uncertainty is not None:  # in SI, like the value
        out["uncertainty"] = uncertainty_spec(q.uncertainty)
    return out


def uncertain_inputs_record(case: Case) -> list[dict[str, Any]]:
    """Every uncertain input the case's regions use: where, its value (SI) or, for a table, its
    shift's spread, the distribution and its standard deviation (uncertain_inputs.json)."""
    out = []
    for region, material in case.region_materials.items():
        unused = unused_inputs(case, region)
        for path, q in uncertain_inputs(material):
            if path in unused:
                continue
            spread = q.uncertainty
            assert spread is not None  # uncertain_inputs() keeps only these
            value = q.value if isinstance(q.value, float) else None
            out.append({"region": region, "material": material.name, "input": path,
                        "unit": q.unit, **({"value": value} if value is not None else
                                           {"table_shift": True}),
                        **spread.as_dict(),
                        "standard_deviation": spread.standard_deviation(value or 0.0)})
    return out


def uncertainty_spec(spread) -> dict[str, Any]:
    """An Uncertainty in the database format (std, range or factor; source, reason)."""
    out: dict[str, Any] = {"std": spread.std} if spread.distribution == "normal" else (
        {"range": [spread.low, spread.high]} if spread.distribution == "uniform"
        else {"factor": spread.factor})
    if spread.sources:
        out["source"] = list(spread.sources)
    if spread.reason:
        out["reason"] = spread.reason
    return out


def material_as_case_dict(material) -> dict[str, Any]:
    """A resolved material in the database format (values in SI, provenance kept)."""
    chem = material.defect_chemistry
    fed = chem.fed_species() if chem is not None else {}
    species = {}
    for name, sp in material.species.items():
        species[name] = {"charge": sp.charge, "li_stoichiometry": sp.li_stoichiometry,
                         "statistics": sp.statistics, "mobility_exponent": sp.mobility_exponent,
                         "site_density_m3": _quantity_dict(sp.site_density_m3),
                         "diffusivity_m2_s": _quantity_dict(sp.diffusivity_m2_s)}
        if name not in fed:  # a defect chemistry derives it again on load
            species[name]["bulk_concentration_m3"] = _quantity_dict(sp.bulk_concentration_m3)
    tables = {}
    for name, t in material.tables.items():
        # a table the case gave (status 'case') keeps its unit: it is not a bare value
        provenance = _quantity_dict(t) if t.status != "case" else {"unit": t.unit}
        tables[name] = {"theta": list(t.theta), "value": list(t.value),
                        **{k: v for k, v in provenance.items() if k != "value"}}
    out: dict[str, Any] = {"kind": material.kind, "description": material.description,
                           "parameters": {k: _quantity_dict(q)
                                          for k, q in material.parameters.items()
                                          if chem is None or k not in DERIVED_BY_DEFECTS},
                           "species": species}
    if tables:
        out["tables"] = tables
    if chem is not None:
        out["defect_chemistry"] = _defect_chemistry_dict(chem)
    return out


def _defect_chemistry_dict(chem) -> dict[str, Any]:
    """A [defect_chemistry] in the database format."""
    defects: dict[str, Any] = {}
    for d in chem.defects:
        states = [{"charge": cs.charge, "formation_energy_eV": _quantity_dict(
            cs.formation_energy_eV), "degeneracy": cs.degeneracy,
            **({"species": cs.species} if cs.species else {})} for cs in d.charge_states]
        defects[d.name] = {"sites_per_cell": d.sites_per_cell,
                           "li_stoichiometry": d.li_stoichiometry, "charge_states": states}
        if d.frozen_concentration_m3 is not None:
            defects[d.name]["frozen_concentration_m3"] = _quantity_dict(
                d.frozen_concentration_m3)
    return {"cell_volume_m3": _quantity_dict(chem.cell_volume_m3), "defects": defects}


def resolved_case_dict(case: Case) -> dict[str, Any]:
    """The case with defaults filled in and each region's material written inline, so that
    case.resolved.toml reruns the same problem whatever later happens to the database."""
    data = case_to_dict(case)
    data["materials"] = {}
    for region in data["regions"]:
        key = f"{region['name']}_material"
        data["materials"][key] = material_as_case_dict(case.region_materials[region["name"]])
        region["material"] = key
        region["overrides"] = {}
    return data


