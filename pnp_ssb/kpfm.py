"""KPFM post-processor: the contact potential difference a Kelvin probe would measure (no DOLFINx).

The tip (work function Phi_tip, Fermi level at ground) and the sample surface at x exchange
electrons through the instrument; the compensating voltage is (seed article, Eq. 7)

    CPD(x) = (Phi_tip - Phi(x))/e - mu~_e(x)/e = (Phi_tip - E_vac(x))/e,

with E_vac(x) = mu~_e(x) + Phi(x) the local vacuum level against ground. pnp_ssb's potential
is the vacuum-level potential on the Li scale, E_vac = Phi_Li - e phi + e V_ground (eV against
the grounded terminal), so

    CPD(x) = Phi_tip/e - Phi_Li/e + phi(x) - V_ground - dchi(x),

where dchi is an optional surface-dipole correction per region (a surface that differs from the
bulk). Base referencing (Eq. 8) subtracts the CPD of an inert region, which removes Phi_tip;
the operando difference (Eq. 9) subtracts the base-referenced CPD of a reference state
(SOC = 0). A Gaussian point-spread function of standard deviation W models the tip's lateral
resolution.

Run directories are read back from what `pnp-ssb run` wrote: profiles.csv, summary.json and
case.resolved.toml.
"""

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pnp_ssb.case import Case, load_case
from pnp_ssb.output import read_map_csv, read_profiles_csv

CPD_COLUMNS = ("x_m", "cpd_V", "cpd_base_V", "dcpd_V", "region")


class KPFMError(ValueError):
    """A run directory, reference, base region or measured profile that cannot be used."""


@dataclass(frozen=True)
class RunProfile:
    """What the CPD needs from one run: points (interface points once per region), the potential
    on the Li scale, the regions, the electrodes' theta, and the cell's reference levels."""

    path: Path
    case: Case
    x_m: np.ndarray
    phi_V: np.ndarray
    region: np.ndarray
    theta: dict[str, np.ndarray]
    ground_voltage_V: float
    reference_work_function_eV: float
    fermi_voltage_V: dict[str, float] = field(default_factory=dict)
    ocv_V: float | None = None
    phi_map_V: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None  # 2D runs

    @property
    def regions(self) -> list[str]:
        """Region names, left to right."""
        return [r.name for r in self.case.regions]


def read_run(path: str | Path) -> RunProfile:
    """Read a finished run directory (profiles.csv, summary.json, case.resolved.toml; for a
    2D run, as its resolved case's geometry says, also map.csv). The profile of a 2D run is its
    lateral (y) average."""
    from pnp_ssb.electrodes import reference_work_function_eV

    path = Path(path)
    for name in ("profiles.csv", "summary.json", "case.resolved.toml"):
        if not (path / name).is_file():
            raise KPFMError(f"{path}: no {name}; expected the output directory of `pnp-ssb run`")
    summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    if not summary.get("converged", False):
        raise KPFMError(f"{path}: the run did not converge (summary.json converged = false)")
    case = load_case(path / "case.resolved.toml")
    cols = read_profiles_csv(path / "profiles.csv")
    cell = summary.get("cell", {})
    regions = summary.get("regions", {})
    fermi = {k: v["fermi_voltage_V"] for k, v in regions.items() if "fermi_voltage_V" in v}
    ground = cell.get("ground")
    theta = {k.removeprefix("theta_"): np.asarray(v) for k, v in cols.items()
             if k.startswith("theta_")}
    phi_map = None
    if case.geometry.dimension == 2:  # its resolved case says so (not which files are there)
        if not (path / "map.csv").is_file():
            raise KPFMError(f"{path}: a 2D run without map.csv; expected the output directory "
                            "of `pnp-ssb run`")
        phi_map = read_map_csv(path / "map.csv")
    return RunProfile(path, case, np.asarray(cols["x_m"]), np.asarray(cols["phi_V"]),
                      np.asarray(cols["region"]), theta,
                      fermi[ground] if ground else 0.0,
                      cell.get("reference_work_function_eV", reference_work_function_eV()),
                      fermi, _cell_voltage(cell), phi_map)


def _cell_voltage(cell: dict) -> float | None:
    """The OCV of a two-electrode cell (|V_right - V_left| when one electrode holds no Li)."""
    if "ocv_V" in cell:
        return cell["ocv_V"]
    return abs(cell["cell_voltage_V"]) if "cell_voltage_V" in cell else None


def surface_dipoles_V(run: RunProfile, overrides: dict[str, float] | None = None) -> np.ndarray:
    """dchi at every point: the region's material parameter surface_dipole_V, or an override."""
    mats = run.case.region_materials
    per_region = {r: (mats[r].parameters["surface_dipole_V"].value
                      if "surface_dipole_V" in mats[r].parameters else 0.0) for r in run.regions}
    per_region.update(overrides or {})
    return np.array([per_region[r] for r in run.region])


def cpd_V(run: RunProfile, tip_work_function_eV: float,
          dipoles: dict[str, float] | None = None) -> np.ndarray:
    """CPD(x) = Phi_tip/e - Phi_Li/e + phi(x) - V_ground - dchi(x) (V)."""
    return (tip_work_function_eV - run.reference_work_function_eV + run.phi_V
            - run.ground_voltage_V - surface_dipoles_V(run, dipoles))


def region_mean(run: RunProfile, values: np.ndarray, region: str) -> float:
    """Length-weighted mean of a profile over one region."""
    mask = run.region == region
    if not mask.any():
        raise KPFMError(f"region {region!r} is not in {run.path} (regions: "
                        f"{', '.join(run.regions)})")
    x, v = run.x_m[mask], values[mask]
    return float(np.trapezoid(v, x) / (x[-1] - x[0])) if x[-1] > x[0] else float(v.mean())


def default_base(run: RunProfile) -> str:
    """The inert region used as base: a metal without Li (Si_base first), else the first region."""
    mats = run.case.region_materials
    inert = [r for r in run.regions if mats[r].kind == "metal"
             and "open_circuit_potential_V" not in mats[r].parameters]
    named = [r for r in inert if mats[r].name.lower() == "si_base"]
    return (named or inert or run.regions)[0]


def check_same_geometry(run: RunProfile, reference: RunProfile) -> None:
    """dCPD compares the same stack: the same regions, each spanning the same x (the meshes
    may differ: error control adapts each state's mesh)."""
    same = run.regions == reference.regions and all(
        np.allclose([run.x_m[run.region == r].min(), run.x_m[run.region == r].max()],
                    [reference.x_m[reference.region == r].min(),
                     reference.x_m[reference.region == r].max()], rtol=1e-12, atol=1e-18)
        for r in run.regions)
    if not same:
        raise KPFMError(f"reference {reference.path} has another geometry than {run.path} "
                        f"(regions {reference.regions} vs {run.regions}): dCPD needs runs of "
                        "the same stack")


def on_points_of(run: RunProfile, reference: RunProfile, values: np.ndarray) -> np.ndarray:
    """A profile of ``reference`` at the points of ``run``, linear within each region (P1:
    exact where the meshes coincide, else within the runs' discretisation error); interface
    points keep each region's own value."""
    if run.x_m.shape == reference.x_m.shape and np.array_equal(run.x_m, reference.x_m):
        return values
    out = np.empty_like(run.phi_V)
    for r in run.regions:
        mask, ref = run.region == r, reference.region == r
        out[mask] = np.interp(run.x_m[mask], reference.x_m[ref], values[ref])
    return out


def point_spread(x_m: np.ndarray, values: np.ndarray, width_m: float) -> np.ndarray:
    """Convolve a profile with a Gaussian of standard deviation ``width_m`` (the tip's lateral
    resolution). The profile is averaged exactly over uniform cells of width ~width/8 (so thin
    space-charge layers keep their area), mirrored at both ends, convolved, and interpolated back
    at ``x_m``: the mean over the stack is preserved."""
    if width_m <= 0:
        return values.copy()
    order = np.argsort(x_m, kind="stable")
    xs, vs = x_m[order], values[order]
    length = xs[-1] - xs[0]
    n = max(math.ceil(8 * length / width_m), 200)
    edges = np.linspace(xs[0], xs[-1], n + 1)
    # exact cell averages of the piecewise-linear profile: the edges join the samples, so the
    # trapezoid integral is exact and does not depend on where the profile was sampled
    xu, first = np.unique(xs, return_index=True)
    grid = np.union1d(xu, edges)
    on_grid = np.interp(grid, xu, vs[first])
    integral = np.concatenate([[0.0], np.cumsum(0.5 * (on_grid[1:] + on_grid[:-1])
                                                * np.diff(grid))])
    cells = np.diff(np.interp(edges, grid, integral)) / np.diff(edges)
    h = edges[1] - edges[0]
    half = math.ceil(4 * width_m / h)
    k = np.arange(-half, half + 1) * h
    kernel = np.exp(-0.5 * (k / width_m) ** 2)
    kernel /= kernel.sum()
    smooth = np.convolve(np.pad(cells, half, mode="symmetric"), kernel, mode="valid")
    centres = 0.5 * (edges[1:] + edges[:-1])
    out = np.empty_like(values, dtype=float)
    out[order] = np.interp(xs, centres, smooth)
    return out


@dataclass(frozen=True)
class CPDResult:
    """CPD profiles of one run (V), and its summary numbers."""

    run: RunProfile
    base: str
    cpd_V: np.ndarray
    cpd_base_V: np.ndarray
    dcpd_V: np.ndarray | None
    summary: dict
    maps: dict[str, np.ndarray] | None = None  # 2D: {"x_m", "y_m", "cpd_V", ...}


def compute_cpd(run: RunProfile, *, tip_work_function_eV: float = 5.0,
                base: str | None = None, reference: RunProfile | None = None,
                psf_width_m: float = 0.0, dipoles: dict[str, float] | None = None) -> CPDResult:
    """CPD, base-referenced CPD and (with a reference run) dCPD of a 1D run.

    Raises:
        KPFMError: unknown base region, or a reference of another geometry.
    """
    base = base or default_base(run)
    if base not in run.regions:
        raise KPFMError(f"--base {base!r}: not a region of {run.path} (regions: "
                        f"{', '.join(run.regions)})")
    raw = point_spread(run.x_m, cpd_V(run, tip_work_function_eV, dipoles), psf_width_m)
    based = raw - region_mean(run, raw, base)
    dcpd = None
    if reference is not None:
        check_same_geometry(run, reference)
        ref_raw = point_spread(reference.x_m, cpd_V(reference, tip_work_function_eV, dipoles),
                               psf_width_m)
        ref_based = ref_raw - region_mean(reference, ref_raw, base)
        dcpd = based - on_points_of(run, reference, ref_based)
    summary = {"run": str(run.path), "base": base, "tip_work_function_eV": tip_work_function_eV,
               "psf_width_m": psf_width_m, "ocv_V": run.ocv_V,
               "cpd_base_V_by_region": {r: region_mean(run, based, r) for r in run.regions}}
    if dcpd is not None:
        assert reference is not None  # dcpd is set only with a reference
        summary["reference"] = str(reference.path)
        summary["dcpd_V_by_region"] = {r: region_mean(run, dcpd, r) for r in run.regions}
        summary["dcpd_step_V_by_interface"] = interface_steps(run, dcpd)
    maps = None
    if run.phi_map_V is not None:
        maps = cpd_maps(run, tip_work_function_eV, base, reference, psf_width_m, dipoles)
        summary["map"] = {"cpd_base_V_min": float(np.nanmin(maps["cpd_base_V"])),
                          "cpd_base_V_max": float(np.nanmax(maps["cpd_base_V"])),
                          "lateral_range_V_by_region": {
                              r: float(np.nanmax(np.ptp(maps["cpd_V"][:, maps["region"] == r],
                                                        axis=0)))
                              for r in run.regions}}
    return CPDResult(run, base, raw, based, dcpd, summary, maps)


def _map_grid(run: RunProfile) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One (ny, nx) grid over all regions: x, y, phi, and the region of every column (an
    interface column is kept once, in the region left of it)."""
    xs: list[np.ndarray] = []
    phis: list[np.ndarray] = []
    regions: list[np.ndarray] = []
    y = None
    maps = run.phi_map_V
    assert maps is not None  # only 2D runs (callers check phi_map_V) have maps
    for r in run.regions:
        x, y_r, phi = maps[r]
        keep = x > xs[-1][-1] if xs else np.ones(x.size, dtype=bool)
        xs.append(x[keep])
        phis.append(phi[:, keep])
        regions.append(np.full(keep.sum(), r, dtype=object))
        y = y_r
    assert y is not None  # a run has regions
    return np.concatenate(xs), y, np.concatenate(phis, axis=1), np.concatenate(regions)


def _blur_map(x: np.ndarray, y: np.ndarray, values: np.ndarray, width_m: float) -> np.ndarray:
    """The Gaussian point-spread function in 2D: separable, along x then along y."""
    if width_m <= 0:
        return values
    rows = np.array([point_spread(x, row, width_m) for row in values])
    return np.array([point_spread(y, col, width_m) for col in rows.T]).T


def cpd_maps(run: RunProfile, tip_work_function_eV: float, base: str,
             reference: RunProfile | None, psf_width_m: float,
             dipoles: dict[str, float] | None) -> dict[str, np.ndarray]:
    """CPD(x, y), its base-referenced map (minus the mean over the base region) and, with a
    reference run of the same mesh, dCPD(x, y) (V)."""

    def raw(r: RunProfile):
        x, y, phi, region = _map_grid(r)
        mats = r.case.region_materials
        per_region = {n: (mats[n].parameters["surface_dipole_V"].value
                          if "surface_dipole_V" in mats[n].parameters else 0.0)
                      for n in r.regions}
        per_region.update(dipoles or {})
        chi = np.array([per_region[n] for n in region])
        cpd = (tip_work_function_eV - r.reference_work_function_eV + phi - r.ground_voltage_V
               - chi[None, :])
        cpd = _blur_map(x, y, cpd, psf_width_m)
        return x, y, cpd, region, cpd - float(np.nanmean(cpd[:, region == base]))

    x, y, cpd, region, based = raw(run)
    out = {"x_m": x, "y_m": y, "cpd_V": cpd, "cpd_base_V": based, "region": region}
    if reference is not None:
        if reference.phi_map_V is None:
            raise KPFMError(f"reference {reference.path} is not a 2D run: dCPD maps need two "
                            "runs of the same 2D mesh")
        xr, yr, _, _, based_ref = raw(reference)
        if xr.shape != x.shape or yr.shape != y.shape or not (
                np.allclose(xr, x, rtol=0, atol=1e-15) and np.allclose(yr, y, rtol=0, atol=1e-15)):
            raise KPFMError(f"reference {reference.path} has another 2D grid than {run.path}: "
                            "dCPD maps need runs of the same geometry and mesh")
        out["dcpd_V"] = based - based_ref
    return out


def interface_steps(run: RunProfile, values: np.ndarray) -> dict[str, float]:
    """values just right of each interface minus just left of it (interface points appear once
    per region, so both sides are read at the same x)."""
    out = {}
    for a, b in zip(run.regions, run.regions[1:], strict=False):
        left = values[np.flatnonzero(run.region == a)[-1]]
        right = values[np.flatnonzero(run.region == b)[0]]
        out[f"{a}|{b}"] = float(right - left)
    return out


# ---------------------------------------------------------------------------------------------
# Measured profiles and the inversion
# ---------------------------------------------------------------------------------------------


def read_measured(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """A measured profile: CSV with a header naming x (m) and CPD (V) columns, e.g. 'x_m,cpd_V'."""
    import csv

    path = Path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise KPFMError(f"--measured {path}: cannot read it ({exc})") from None
    if len(rows) < 3 or len(rows[0]) < 2:
        raise KPFMError(f"--measured {path}: expected a header (x_m, cpd_V) and at least two "
                        "rows of two numbers")
    try:
        data = np.array([[float(v) for v in r[:2]] for r in rows[1:] if r], dtype=float)
    except ValueError as exc:
        raise KPFMError(f"--measured {path}: a row is not two numbers ({exc}); expected "
                        "columns x_m, cpd_V") from None
    if not np.all(np.isfinite(data)):
        raise KPFMError(f"--measured {path}: non-finite values; expected numbers")
    order = np.argsort(data[:, 0])
    return data[order, 0], data[order, 1]


def compare_measured(x_model: np.ndarray, cpd_model: np.ndarray, x_meas: np.ndarray,
                     cpd_meas: np.ndarray, fit_shift: bool = False) -> dict:
    """Align a measured profile to the model (least-squares offset, and optionally an x shift
    found by a scan) and report the RMS misfit over the overlap."""
    order = np.argsort(x_model, kind="stable")
    xm, first = np.unique(x_model[order], return_index=True)
    cm = cpd_model[order][first]

    def misfit(shift: float) -> tuple[float, float]:
        x = x_meas + shift
        inside = (x >= xm[0]) & (x <= xm[-1])
        if inside.sum() < 2:
            return math.inf, 0.0
        model = np.interp(x[inside], xm, cm)
        offset = float(np.mean(model - cpd_meas[inside]))
        rms = float(np.sqrt(np.mean((model - cpd_meas[inside] - offset) ** 2)))
        return rms, offset

    shift = 0.0
    if fit_shift:
        span = xm[-1] - xm[0]
        candidates = np.linspace(-0.2 * span, 0.2 * span, 401)
        shift = float(min(candidates, key=lambda s: misfit(s)[0]))
    rms, offset = misfit(shift)
    return {"offset_V": offset, "shift_m": shift, "rms_misfit_V": rms}


def invert_fermi_level(run: RunProfile, measured_cpd_V: np.ndarray, tip_work_function_eV: float,
                       theta: dict[str, np.ndarray | float] | None = None,
                       tolerance_V: float = 1e-3) -> dict:
    """-mu~_e(x)/e = CPD(x) - Phi_tip/e + Phi(x)/e in every conductor (the seed's question).

    Phi(x) comes from each electrode's Phi(theta) with the given theta (profiles on the run's
    points, e.g. from NDP, or one value per electrode); electrodes without a given theta are
    assumed to keep the work function of the case's composition (Phi does not change).
    Consistency with the model: a conductor, and every conductor electronically connected to
    it, holds one Fermi level, so a spread of the inverted -mu~_e/e above ``tolerance_V`` within
    a region or a group of connected conductors flags the assumption (or the theta profile) as
    inconsistent there. Electrolytes have no Fermi level here and are not inverted.

    Returns:
        {"neg_mu_e_V": array on the run's points (NaN outside conductors),
         "regions": {name: {"neg_mu_e_V", "spread_V", "consistent"}},
         "groups": [{"regions", "spread_V", "consistent"}]}
    """
    from pnp_ssb.electrodes import conductor_groups, work_function_eV

    mats = run.case.region_materials
    given = theta or {}
    out: dict = {"neg_mu_e_V": np.full(run.x_m.shape, np.nan), "regions": {}, "groups": []}
    for name in run.regions:
        m = mats[name]
        if m.kind not in ("metal", "insertion_electrode"):
            continue
        mask = run.region == name
        if m.kind == "insertion_electrode":
            li = run.case.region(name).li_fraction
            assert li is not None  # case validation: an insertion electrode has a li_fraction
            th = given.get(name, li)
            th = np.broadcast_to(np.asarray(th, dtype=float), run.x_m.shape)[mask] if np.ndim(
                th) == 0 or np.shape(th) == run.x_m.shape else np.asarray(th, dtype=float)
            phi_w = np.array([work_function_eV(m, float(t)) for t in th])
        else:
            phi_w = np.full(mask.sum(), m.parameter("work_function_eV"))
        values = measured_cpd_V[mask] - tip_work_function_eV + phi_w
        out["neg_mu_e_V"][mask] = values
        spread = float(np.ptp(values))
        out["regions"][name] = {"neg_mu_e_V": float(np.mean(values)), "spread_V": spread,
                                "consistent": spread <= tolerance_V}
    for group in conductor_groups(run.case):
        means = [out["regions"][r]["neg_mu_e_V"] for r in group.regions]
        spread = float(np.ptp(means))
        out["groups"].append({"regions": list(group.regions), "spread_V": spread,
                              "consistent": spread <= tolerance_V})
    return out


# ---------------------------------------------------------------------------------------------
# Driver: `pnp-ssb cpd`
# ---------------------------------------------------------------------------------------------


def sweep_states(path: Path) -> list[Path]:
    """The state folders of an OCV sweep directory (ocv_<V>V/), by increasing OCV; [] if none."""
    states = [p for p in path.glob("ocv_*V") if (p / "summary.json").is_file()]
    return sorted(states, key=lambda p: float(p.name[4:-1]))


def _write_result(result: CPDResult, out: Path) -> None:
    from pnp_ssb.output import write_csv_rows, write_json

    out.mkdir(parents=True, exist_ok=True)
    run = result.run
    dcpd = result.dcpd_V if result.dcpd_V is not None else np.full(run.x_m.shape, np.nan)
    rows = [{"x_m": float(x), "cpd_V": float(c), "cpd_base_V": float(b), "dcpd_V": float(d),
             "region": str(r)}
            for x, c, b, d, r in zip(run.x_m, result.cpd_V, result.cpd_base_V, dcpd, run.region,
                                     strict=True)]
    write_csv_rows(out / "cpd.csv", rows)
    if result.maps is not None:
        mats = result.run.case.region_materials
        _write_map(result.maps, out, [r for r in result.run.regions
                                      if mats[r].kind == "solid_electrolyte"])
    write_json(out / "cpd_summary.json", result.summary)


def _write_map(maps: dict[str, np.ndarray], out: Path, electrolytes: list[str]) -> None:
    """cpd_map.csv (x_m, y_m, cpd_V, cpd_base_V, dcpd_V, region) and cpd_map.png."""
    from pnp_ssb.output import plot_map, write_csv_rows

    xx, yy = np.meshgrid(maps["x_m"], maps["y_m"])
    regions = np.broadcast_to(maps["region"], xx.shape)
    dcpd = maps.get("dcpd_V", np.full(xx.shape, np.nan))
    rows = [{"x_m": float(x), "y_m": float(y), "cpd_V": float(c), "cpd_base_V": float(b),
             "dcpd_V": float(d), "region": str(r)}
            for x, y, c, b, d, r in zip(xx.ravel(), yy.ravel(), maps["cpd_V"].ravel(),
                                        maps["cpd_base_V"].ravel(), dcpd.ravel(),
                                        regions.ravel(), strict=True)]
    write_csv_rows(out / "cpd_map.csv", rows)
    key = "dcpd_V" if "dcpd_V" in maps else "cpd_base_V"
    per_region = {r: (maps["x_m"][maps["region"] == r], maps["y_m"],
                      maps[key][:, maps["region"] == r]) for r in dict.fromkeys(maps["region"])}
    plot_map(out / "cpd_map.png", per_region,
             "dCPD (V)" if key == "dcpd_V" else "CPD - CPD(base) (V)",
             "Predicted KPFM map (colour scale: electrolytes)", electrolytes)


def run_cpd(run_dir: str | Path, out: str | Path, *, reference: str | Path | None = None,
            base: str | None = None, tip_work_function_eV: float = 5.0,
            psf_width_m: float = 0.0, measured: str | Path | None = None,
            fit_shift: bool = False) -> list[CPDResult]:
    """CPD of a run (or of every state of an OCV sweep) into ``out``.

    For a sweep the reference defaults to its lowest-OCV state (SOC = 0), and ``out`` gets one
    folder per state, dcpd_sweep.png (dCPD of every state, as in the seed's Fig. 5b) and
    cpd_summary.json over the states. With ``measured`` the (last) state is compared with a
    measured profile: fitted offset (and x shift), RMS misfit, cpd_vs_measured.png.
    """
    from pnp_ssb.log import world_rank
    from pnp_ssb.output import plot_cpd, write_json

    writer = world_rank() == 0  # under mpirun every rank computes (cheap), rank 0 writes
    run_dir, out = Path(run_dir), Path(out)
    states = sweep_states(run_dir)
    ref = read_run(reference) if reference is not None else None
    results = []
    if states:
        runs = [read_run(p) for p in states]
        ref = ref or runs[0]
        for p, run in zip(states, runs, strict=True):
            res = compute_cpd(run, tip_work_function_eV=tip_work_function_eV, base=base,
                              reference=ref, psf_width_m=psf_width_m)
            if writer:
                _write_result(res, out / p.name)
            results.append(res)
        if writer:
            write_json(out / "cpd_summary.json", {"reference": str(ref.path),
                                                  "states": [r.summary for r in results]})
    else:
        res = compute_cpd(read_run(run_dir), tip_work_function_eV=tip_work_function_eV,
                          base=base, reference=ref, psf_width_m=psf_width_m)
        if writer:
            _write_result(res, out)
        results.append(res)
    if writer:
        plot_cpd(out, results)
    if measured is not None:
        last = results[-1]
        x_meas, cpd_meas = read_measured(measured)
        comparison = compare_measured(last.run.x_m, last.cpd_base_V, x_meas, cpd_meas, fit_shift)
        summary = dict(last.summary)
        summary["measured"] = {"file": str(measured), **comparison}
        if writer:
            plot_cpd(out, [last], measured=(x_meas + comparison["shift_m"],
                                            cpd_meas + comparison["offset_V"]))
            write_json(out / "cpd_comparison.json", summary)
    return results
