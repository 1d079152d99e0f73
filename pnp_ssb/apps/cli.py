"""The `pnp-ssb` command line: check, schema, materials, run, mesh, sweep, cpd, fit, drt,
interlayer, defects, uncertainty, estimate, correlate, resistance, screen."""

import argparse
import json
import logging
import math
import os
import sys
import tempfile
from pathlib import Path

from pnp_ssb.analysis.circuits import FitError
from pnp_ssb.analysis.kpfm import KPFMError
from pnp_ssb.apps.cli_tools import (
    EXIT_BAD_INPUT,
    add_spectrum_arguments,
    add_tool_parsers,
    correlate,
    cpd_time,
    defects,
    drt,
    estimate,
    interlayer,
    positive_float,
    positive_int,
    uncertainty,
)
from pnp_ssb.discretisation import microstructure as ms
from pnp_ssb.input.case import CaseError, json_schema
from pnp_ssb.log import configure_logging, set_quiet, world_rank
from pnp_ssb.materials.database import describe_materials
from pnp_ssb.preflight import load_case

EXIT_NOT_CONVERGED = 3



def _add_quiet(sub: argparse._SubParsersAction) -> None:
    """-q/--quiet for every command that does work."""
    for name, c in sub.choices.items():
        if name not in ("schema", "materials"):
            c.add_argument("-q", "--quiet", action="store_true",
                           help="no progress bars; log warnings and errors only")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pnp-ssb", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    for name, help_text in (("check", "validate a case file (no mesh, no MPI work)"),
                            ("run", "solve a case and write its outputs"),
                            ("resistance", "interface resistances of a two-electrode cell at "
                                           "open circuit (Ohm cm^2)")):
        c = sub.add_parser(name, help=help_text)
        c.add_argument("case", help="case file (TOML)")
        c.add_argument("--set", dest="overrides", action="append", default=[],
                       metavar="KEY=VALUE", help="override a case entry, e.g. "
                       "boundaries.left.potential_vs_bulk_V=0.3 (repeatable)")
        if name in ("run", "resistance"):
            c.add_argument("-o", "--output", required=True, help="output directory")
            c.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub.add_parser("schema", help="print the JSON schema of case files")
    sub.add_parser("materials", help="list the materials database")
    c = sub.add_parser("cpd", help="KPFM contact potential difference of a run (or OCV sweep)")
    c.add_argument("run_dir", help="output directory of `pnp-ssb run`")
    c.add_argument("--reference", help="run directory of the reference state (SOC = 0) for dCPD")
    c.add_argument("--base", help="inert region used as base (default: Si_base, else a metal)")
    c.add_argument("--tip-work-function-eV", type=float, default=5.0,
                   help="work function of the tip, eV (cancels after base referencing)")
    c.add_argument("--psf-width-m", "--psf-width", type=float, default=0.0,
                   help="standard deviation of the tip's Gaussian point-spread function, m")
    c.add_argument("--measured", help="measured CPD: an image (Gwyddion .gwy, Nanosurf .nid, "
                   "Nanonis .sxm, TIFF; registered as a map with a fitted rotation and "
                   "averaged along y), or a CSV profile with columns x_m, cpd_V")
    c.add_argument("--channel", help="the image channel to use, by name (.gwy, .nid, .sxm)")
    c.add_argument("--fit-shift", action="store_true", help="also fit an x shift to --measured")
    c.add_argument("--fit-psf", action="store_true",
                   help="fit the PSF width to --measured (--psf-width-m is then not used for it)")
    c.add_argument("--points-m", default="", help="a transient: comma-separated x (m) whose CPD "
                   "is followed in time (cpd_time.csv; region averages always)")
    c.add_argument("--scan-lines", type=positive_int, help="a transient: synthesise an image "
                   "of this many lines, each seeing the state at its own time")
    c.add_argument("--line-time-s", type=positive_float, default=1.0,
                   help="time per scan line, s (default 1)")
    c.add_argument("--scan-start-s", type=float, help="start of the first line, s (default: "
                   "the first saved state)")
    c.add_argument("--fast-axis", choices=("x", "y"), default="x",
                   help="a 2D transient: the scan lines run across the stack (x, default) or "
                   "along the interfaces (y); the lines step along the other axis")
    c.add_argument("-o", "--output", required=True, help="output directory")
    c = sub.add_parser("mesh", help="write a 2D cross-section mesh (gmsh .msh, lengths in nm)")
    kinds = c.add_subparsers(dest="kind", required=True)
    for kind in ("bicrystal", "polycrystal"):
        k = kinds.add_parser(kind, help=f"a {kind} electrolyte layer between other layers")
        k.add_argument("--layers", required=True, metavar="NAME:NM,...",
                       help="layers left to right with thicknesses in nm, e.g. "
                            "li_left:20,llzo:100,li_right:20")
        k.add_argument("--electrolyte", required=True, help="the layer split into grains")
        k.add_argument("--height-nm", type=float, required=True)
        k.add_argument("--gb-width-nm", type=float, default=0.0,
                       help="core width; 0: sharp boundaries (default)")
        k.add_argument("--h-min-nm", type=float, default=0.1,
                       help="cell size at interfaces and boundaries")
        k.add_argument("--h-max-nm", type=float, default=5.0)
        k.add_argument("--growth-ratio", type=float, default=1.2)
        if kind == "bicrystal":
            k.add_argument("--gb-position-nm", type=float, default=None,
                           help="x of the boundary at mid-height from the layer's left edge "
                                "(default: the middle)")
            k.add_argument("--angle-deg", type=float, default=90.0,
                           help="angle to the x axis: 90 parallel to the electrodes, 0 from "
                                "electrode to electrode")
        else:
            k.add_argument("--grains", type=int, default=6)
            k.add_argument("--seed", type=int, default=0)
            k.add_argument("--min-seed-distance-nm", type=float, default=None)
        k.add_argument("-o", "--output", required=True, help="output .msh file")
    _add_fit(sub)
    add_tool_parsers(sub)
    c = sub.add_parser("sweep", help="run many cases / parameter points over MPI "
                                     "sub-communicators (resumable)")
    c.add_argument("cases", nargs="+", help="case files (TOML)")
    c.add_argument("--param", dest="params", action="append", default=[],
                   metavar="KEY=V1,V2,...", help="a case entry and its values; several "
                   "--param give their product (repeatable)")
    c.add_argument("--ranks-per-point", type=int, default=1,
                   help="MPI ranks per run (a divisor of the number of ranks)")
    c.add_argument("-o", "--output", required=True, help="output directory (resumable)")
    c = sub.add_parser("screen", help="screen electrode | electrolyte pairs and stacks (TOML spec)")
    c.add_argument("spec", help="screen specification (TOML): electrodes, electrolytes")
    c.add_argument("-o", "--output", required=True, help="output directory (resumable)")
    _add_report(sub)
    _add_quiet(sub)
    return p


def _add_fit(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("fit", help="fit R_s + RC arcs to a spectrum (Ohm cm^2, F/cm^2): an "
                                   "impedance.csv or a potentiostat export")
    add_spectrum_arguments(c)
    c.add_argument("--model", help="a computed impedance.csv to compare with: misfit of |Z| "
                   "and phase in the JSON, both spectra in FIT_nyquist.png (-o FIT.json)")
    c.add_argument("--arcs", type=positive_int, default=2, help="number of RC arcs (>= 1)")
    c.add_argument("--labels", help="comma-separated names of the arcs, high to low frequency")
    c.add_argument("--f-min-Hz", type=float, default=0.0, help="ignore lower frequencies")
    c.add_argument("--f-max-Hz", type=float, default=math.inf, help="ignore higher frequencies")
    c.add_argument("-o", "--output", required=True, help="output JSON file")


def _add_report(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("report", help="one self-contained HTML page of a run: status, key "
                                      "numbers, figures, the case, versions, citations")
    c.add_argument("run_dir", help="output directory of `pnp-ssb run`")
    c.add_argument("-o", "--output", help="the HTML file (default RUN_DIR/report.html)")


# -o of each command: a directory, or a file
OUTPUT_KIND = {"run": "directory", "resistance": "directory", "sweep": "directory",
               "screen": "directory", "cpd": "directory", "fit": "file", "mesh": "file",
               "drt": "directory", "interlayer": "directory", "correlate": "directory",
               "defects": "directory", "uncertainty": "directory", "estimate": "directory"}


def output_problem(path: str, kind: str) -> str | None:
    """Why ``-o path`` cannot be written, or None: the directory (a file's folder) is created
    if need be and a probe file is written and removed there, before any mesh or solver work."""
    target = Path(path)
    folder = target if kind == "directory" else target.parent
    if kind == "file" and target.is_dir():
        return f"--output = {path!r}: expected a file path, not a directory"
    if folder.exists() and not folder.is_dir():
        return f"--output = {path!r}: expected a writable {kind}; {str(folder)!r} is a file"
    expected = f"--output = {path!r}: expected a writable {kind}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"{expected} (cannot create {str(folder)!r}: {exc.strerror or exc})"
    try:
        handle, probe = tempfile.mkstemp(prefix=".pnp_ssb_write_test_", dir=folder)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        return f"{expected} (cannot write in {str(folder)!r}: {exc.strerror or exc})"
    return None


def _output_ok(args, log) -> bool:
    problem = output_problem(args.output, OUTPUT_KIND[args.command])
    if problem:
        log.error("%s", problem)
    return problem is None


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script: the exit status (0, EXIT_BAD_INPUT or
    EXIT_NOT_CONVERGED)."""
    args = _parser().parse_args(argv)
    log = configure_logging(logging.DEBUG if getattr(args, "verbose", False) else logging.INFO)
    if getattr(args, "quiet", False):
        set_quiet(True)
    if args.command == "schema":
        sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")
        return 0
    if args.command == "materials":
        sys.stdout.write(describe_materials() + "\n")
        return 0
    if args.command in ("fit", "drt", "interlayer", "correlate", "mesh", "cpd",
                        "defects", "uncertainty", "estimate") and not _output_ok(
            args, log):
        return EXIT_BAD_INPUT
    commands = {"screen": _screen, "fit": _fit, "drt": drt, "interlayer": interlayer,
                "defects": defects, "uncertainty": uncertainty, "estimate": estimate,
                "correlate": correlate, "mesh": _mesh, "sweep": _sweep, "cpd": _cpd,
                "report": _report}
    if args.command in commands:
        return commands[args.command](args, log)
    return _case_command(args, log)


def _screen(args, log) -> int:
    # here, not at the top: it imports DOLFINx (check/schema/materials must not)
    from pnp_ssb.apps.screening import load_spec, run_screen

    try:
        spec = load_spec(args.spec)
    except CaseError as exc:
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    if not _output_ok(args, log):
        return EXIT_BAD_INPUT
    result = run_screen(spec, args.output)
    log.info("wrote %s: %d pairs, %d stacks; best pair %s | %s (%.3g Ohm cm^2)", args.output,
             len(result.pairs), len(result.stacks), result.pairs[0]["electrode"],
             result.pairs[0]["electrolyte"], result.pairs[0]["asr_ohm_cm2"])
    return 0


def _sweep(args, log) -> int:
    # here, not at the top: it imports DOLFINx (check/schema/materials must not)
    from pnp_ssb.apps.batch import run_sweep, sweep_points

    try:
        points = sweep_points(args.cases, args.params)
        if not _output_ok(args, log):
            return EXIT_BAD_INPUT
        rows = run_sweep(points, args.output, args.ranks_per_point)
    except CaseError as exc:
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    failed = [r["point"] for r in rows if not r.get("converged")]
    log.info("wrote %s/sweep.csv: %d points, %d not converged%s", args.output, len(rows),
             len(failed), f" ({', '.join(failed)})" if failed else "")
    return EXIT_NOT_CONVERGED if failed else 0


def _report(args, log) -> int:
    # here, not at the top: it imports DOLFINx (check/schema/materials must not)
    from pnp_ssb.apps.report import ReportError, write_report

    try:
        path = write_report(args.run_dir, args.output)
    except ReportError as exc:
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    log.info("wrote %s", path)
    return 0


def _cpd(args, log) -> int:
    # here, not at the top: it imports DOLFINx (check/schema/materials must not)
    from pnp_ssb.apps.cpd import run_cpd

    try:
        results = run_cpd(args.run_dir, args.output, reference=args.reference,
                          base=args.base, tip_work_function_eV=args.tip_work_function_eV,
                          psf_width_m=args.psf_width_m, measured=args.measured,
                          channel=args.channel, fit_shift=args.fit_shift,
                          fit_psf=args.fit_psf)
    except (KPFMError, CaseError) as exc:
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    log.info("wrote %s (%d state(s), base %s)", args.output, len(results), results[0].base)
    return cpd_time(args, log)


def _case_command(args, log) -> int:
    """check, run and resistance: one case file, validated before any mesh or MPI work."""
    try:
        case = load_case(args.case, args.overrides)
    except CaseError as exc:
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    if args.command == "check":
        log.info("case %s is valid: %d region(s), study %s", case.name, len(case.regions),
                 case.study.type)
        return 0
    if not _output_ok(args, log):
        return EXIT_BAD_INPUT
    if args.command == "resistance":
        return _resistance(case, args.output, log)
    # here, not at the top: these import DOLFINx (check/schema/materials must not)
    from pnp_ssb.solvers.newton import SolverError
    from pnp_ssb.studies.registry import run_case

    try:
        solution = run_case(case, args.output)
    except SolverError as exc:
        log.error("%s\nThe last converged state is in %s/last_good", exc, args.output)
        return EXIT_NOT_CONVERGED
    except CaseError as exc:  # found only once the mesh exists, e.g. a saved state's mesh
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    log.info("wrote %s (converged in %d Newton iterations, %.2f s)", args.output,
             solution.report.newton_iterations, solution.wall_time_s)
    return 0


def _fit(args, log) -> int:
    # here, not at the top: reading instrument files imports impedance.py
    from pnp_ssb.apps.fit import FitRequest, run_fit

    request = FitRequest(args.spectrum, Path(args.output), args.fmt, args.area_cm2, args.arcs,
                         args.labels.split(",") if args.labels else None, args.f_min_Hz,
                         args.f_max_Hz, args.model)
    try:
        result = run_fit(request)
    except FitError as exc:
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    for name, arc in result["arcs"].items():
        log.info("%s: R = %.4g +- %.2g Ohm cm^2, C = %.4g +- %.2g F/cm^2 (%.3g Hz)", name,
                 arc["resistance_ohm_cm2"], arc["resistance_error_ohm_cm2"],
                 arc["capacitance_F_cm2"], arc["capacitance_error_F_cm2"], arc["frequency_Hz"])
    if "comparison" in result:
        m = result["comparison"]
        log.info("computed vs measured at %d frequencies: |Z| %.3g RMS (max %.3g) relative, "
                 "phase %.3g deg RMS (max %.3g); %s", m["frequencies"], m["modulus_rms_relative"],
                 m["modulus_max_relative"], m["phase_rms_deg"], m["phase_max_deg"], m["figure"])
    return 0


def _mesh(args, log) -> int:
    try:
        names, thicknesses = [], []
        for item in args.layers.split(","):
            name, _, value = item.partition(":")
            names.append(name.strip())
            thicknesses.append(float(value))
    except ValueError:
        log.error("--layers %r: expected NAME:THICKNESS_NM,... (e.g. li_left:20,llzo:100)",
                  args.layers)
        return EXIT_BAD_INPUT
    layers = ms.Layers(tuple(names), tuple(thicknesses), args.height_nm)
    sizing = ms.Sizing(args.h_min_nm, args.h_max_nm, args.growth_ratio)
    try:  # every check runs before gmsh starts
        ms.check_layers(layers)
        sizing.check()
        a, b = layers.bounds(args.electrolyte)
        if args.kind == "bicrystal":
            position = args.gb_position_nm if args.gb_position_nm is not None else (b - a) / 2
            ms.bicrystal_grains(layers, args.electrolyte, position, args.angle_deg)

            def build():
                ms.bicrystal(layers, args.electrolyte, position, args.angle_deg,
                             args.gb_width_nm, sizing)
        else:
            ms.polycrystal_cells(layers, args.electrolyte, args.grains, args.seed,
                                 args.gb_width_nm, args.min_seed_distance_nm)

            def build():
                ms.polycrystal(layers, args.electrolyte, args.grains, args.seed,
                               args.gb_width_nm, sizing, args.min_seed_distance_nm)
    except ms.GeometryError as exc:
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    if world_rank() == 0:
        ms.write_msh(args.output, build)
    return 0


def _resistance(case, output: str, log) -> int:
    # here, not at the top: these import DOLFINx (check/schema/materials must not)
    from pnp_ssb.io.output import write_json
    from pnp_ssb.solvers.newton import SolverError
    from pnp_ssb.studies.resistance import dc_resistances

    try:
        result = dc_resistances(case)
    except ValueError as exc:
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    except SolverError as exc:
        log.error("%s", exc)
        return EXIT_NOT_CONVERGED
    if world_rank() == 0:
        Path(output).mkdir(parents=True, exist_ok=True)
        write_json(Path(output) / "resistance.json", result.as_dict())
    for key, values in result.per_interface.items():
        log.info("%s: R_ct %.4g, R_scl %.4g, DC slope %.4g Ohm cm^2", key,
                 values["charge_transfer_ohm_cm2"], values["space_charge_ohm_cm2"],
                 values["dc_slope_ohm_cm2"])
    log.info("electrolyte bulk %.4g Ohm cm^2, cell total %.4g Ohm cm^2",
             result.electrolyte_bulk_ohm_cm2, result.total_ohm_cm2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
