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

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pnp_ssb.analysis.kpfm_steps import bulk_points, interface_steps, surface_assumptions
from pnp_ssb.input.case import Case
from pnp_ssb.physics.electrodes import conductor_groups, work_function_eV

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
    # lithiating collectors: (x_m, Phi(x) - Phi_0 in eV) from the run's collector_li.csv
    collector_shift_eV: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def regions(self) -> list[str]:
        """Region names, left to right."""
        return [r.name for r in self.case.regions]


SURFACE_DIPOLE = "surface_dipole_V"


def region_dipole_V(run: RunProfile, region: str, overrides: dict[str, float] | None = None
                    ) -> float:
    """dchi of one region (V): an override, else the material's surface_dipole_V table at the
    region's mean theta (the seed's Eq. 6: a surface that changes with the Li content), else
    its surface_dipole_V parameter, else 0 (the surface follows the bulk)."""
    if overrides and region in overrides:
        return overrides[region]
    material = run.case.region_materials[region]
    table = material.tables.get(SURFACE_DIPOLE)
    if table is not None and region in run.theta:
        theta = run.theta[region][run.region == region]
        return float(table(float(np.mean(theta))))
    return material.parameters[SURFACE_DIPOLE].value if SURFACE_DIPOLE in material.parameters \
        else 0.0


def surface_dipoles_V(run: RunProfile, overrides: dict[str, float] | None = None) -> np.ndarray:
    """dchi at every point of the profile: :func:`point_dipoles_V`."""
    return point_dipoles_V(run, run.x_m, run.region, overrides)


def point_dipoles_V(run: RunProfile, x_m: np.ndarray, region: np.ndarray,
                    overrides: dict[str, float] | None = None) -> np.ndarray:
    """dchi at points (x, region): each region's :func:`region_dipole_V`, plus, in a
    lithiating collector, its work-function change Phi(a(x)) - Phi_0 (eV as V) from the Li it
    holds (unless the user gives the region's dipole)."""
    per_region = {r: region_dipole_V(run, r, overrides) for r in run.regions}
    chi = np.array([per_region[r] for r in region], dtype=float)
    for r, (xs, shift) in run.collector_shift_eV.items():
        if overrides and r in overrides:
            continue
        mask = region == r
        order = np.argsort(xs)
        chi[mask] += np.interp(x_m[mask], xs[order], shift[order])
    return chi


def cpd_V(run: RunProfile, tip_work_function_eV: float,
          dipoles: dict[str, float] | None = None) -> np.ndarray:
    """CPD(x) = Phi_tip/e - Phi_Li/e + phi(x) - V_ground - dchi(x) (V)."""
    return (tip_work_function_eV - run.reference_work_function_eV + run.phi_V
            - run.ground_voltage_V - surface_dipoles_V(run, dipoles))


def collector_ranges(run: RunProfile, overrides: dict[str, float] | None = None
                     ) -> dict[str, tuple[float, float]]:
    """(min, max) of Phi(a) - Phi_0 (eV) in each lithiating collector the CPD follows."""
    return {r: (float(np.min(shift)), float(np.max(shift)))
            for r, (_, shift) in run.collector_shift_eV.items()
            if not (overrides and r in overrides)}


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
    bulk = bulk_points(run.x_m, run.phi_V, run.region, run.regions)
    chi = dict(zip(run.region, surface_dipoles_V(run, dipoles), strict=True))
    summary = {"run": str(run.path), "base": base, "tip_work_function_eV": tip_work_function_eV,
               "psf_width_m": psf_width_m, "ocv_V": run.ocv_V,
               "cpd_base_V_by_region": {r: region_mean(run, based, r) for r in run.regions},
               "cpd_step_V_by_interface": interface_steps(run.x_m, based, run.region, bulk),
               "steps_read_at": "each region's bulk: the point of smallest |dphi/dx| "
                                "(bulk_by_region)",
               "bulk_by_region": {r: {"x_m": p.x_m, "field_V_m": p.field_V_m}
                                  for r, p in bulk.items()},
               "surface_by_region": surface_assumptions(
                   {r: float(chi[r]) for r in run.regions}, set(dipoles or {}),
                   {r: float(np.mean(run.theta[r][run.region == r])) for r in run.regions
                    if SURFACE_DIPOLE in run.case.region_materials[r].tables
                    and r in run.theta}, collector_ranges(run, dipoles))}
    if dcpd is not None:
        assert reference is not None  # dcpd is set only with a reference
        summary["reference"] = str(reference.path)
        summary["dcpd_V_by_region"] = {r: region_mean(run, dcpd, r) for r in run.regions}
        summary["dcpd_step_V_by_interface"] = interface_steps(run.x_m, dcpd, run.region, bulk)
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
        chi = point_dipoles_V(r, x, region, dipoles)
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


# ---------------------------------------------------------------------------------------------
# Measured profiles and the inversion
# ---------------------------------------------------------------------------------------------


def compare_measured(x_model: np.ndarray, cpd_model: np.ndarray, x_meas: np.ndarray,
                     cpd_meas: np.ndarray, fit_shift: bool = False) -> dict:
    """Align a measured profile to the model (least-squares offset, and optionally an x shift
    found by a scan) and report the RMS misfit over the overlap."""
    order = np.argsort(x_model, kind="stable")
    xm, first = np.unique(x_model[order], return_index=True)
    cm = cpd_model[order][first]

    def misfit(shift: float) -> tuple[float, float, float]:
        x = x_meas + shift
        inside = (x >= xm[0]) & (x <= xm[-1])
        if inside.sum() < 2:
            return math.inf, 0.0, math.inf
        model = np.interp(x[inside], xm, cm)
        offset = float(np.mean(model - cpd_meas[inside]))
        residual = model - cpd_meas[inside] - offset
        return float(np.sqrt(np.mean(residual**2))), offset, float(np.max(np.abs(residual)))

    shift = 0.0
    if fit_shift:
        span = xm[-1] - xm[0]
        candidates = np.linspace(-0.2 * span, 0.2 * span, 401)
        shift = float(min(candidates, key=lambda s: misfit(s)[0]))
    rms, offset, worst = misfit(shift)
    return {"offset_V": offset, "shift_m": shift, "rms_misfit_V": rms, "max_misfit_V": worst}


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
