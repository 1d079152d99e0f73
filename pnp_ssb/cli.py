"""The `pnp-ssb` command line: check, schema, materials, run, sweep, cpd, resistance, screen."""

import argparse
import json
import logging
import sys

from pnp_ssb.case import CaseError, json_schema, load_case
from pnp_ssb.log import configure_logging

EXIT_BAD_INPUT = 2
EXIT_NOT_CONVERGED = 3


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
    c.add_argument("--psf-width-m", type=float, default=0.0,
                   help="standard deviation of the tip's Gaussian point-spread function, m")
    c.add_argument("--measured", help="measured profile, CSV with columns x_m, cpd_V")
    c.add_argument("--fit-shift", action="store_true", help="also fit an x shift to --measured")
    c.add_argument("-o", "--output", required=True, help="output directory")
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
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    log = configure_logging(logging.DEBUG if getattr(args, "verbose", False) else logging.INFO)
    if args.command == "schema":
        sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")
        return 0
    if args.command == "materials":
        from pnp_ssb.materials import describe_materials

        sys.stdout.write(describe_materials() + "\n")
        return 0
    if args.command == "screen":
        from pnp_ssb.screening import load_spec, run_screen

        try:
            spec = load_spec(args.spec)
        except CaseError as exc:
            log.error("%s", exc)
            return EXIT_BAD_INPUT
        result = run_screen(spec, args.output)
        log.info("wrote %s: %d pairs, %d stacks; best pair %s | %s (%.3g Ohm cm^2)", args.output,
                 len(result.pairs), len(result.stacks), result.pairs[0]["electrode"],
                 result.pairs[0]["electrolyte"], result.pairs[0]["asr_ohm_cm2"])
        return 0
    if args.command == "sweep":
        from pnp_ssb.batch import run_sweep, sweep_points

        try:
            points = sweep_points(args.cases, args.params)
            rows = run_sweep(points, args.output, args.ranks_per_point)
        except CaseError as exc:
            log.error("%s", exc)
            return EXIT_BAD_INPUT
        failed = [r["point"] for r in rows if not r.get("converged")]
        log.info("wrote %s/sweep.csv: %d points, %d not converged%s", args.output, len(rows),
                 len(failed), f" ({', '.join(failed)})" if failed else "")
        return EXIT_NOT_CONVERGED if failed else 0
    if args.command == "cpd":
        from pnp_ssb.kpfm import KPFMError, run_cpd

        try:
            results = run_cpd(args.run_dir, args.output, reference=args.reference,
                              base=args.base, tip_work_function_eV=args.tip_work_function_eV,
                              psf_width_m=args.psf_width_m, measured=args.measured,
                              fit_shift=args.fit_shift)
        except (KPFMError, CaseError) as exc:
            log.error("%s", exc)
            return EXIT_BAD_INPUT
        log.info("wrote %s (%d state(s), base %s)", args.output, len(results), results[0].base)
        return 0
    try:
        case = load_case(args.case, args.overrides)
    except CaseError as exc:
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    if args.command == "check":
        log.info("case %s is valid: %d region(s), study %s", case.name, len(case.regions),
                 case.study.type)
        return 0
    if args.command == "resistance":
        return _resistance(case, args.output, log)
    from pnp_ssb.run import run_case
    from pnp_ssb.solver import SolverError

    try:
        solution = run_case(case, args.output)
    except SolverError as exc:
        log.error("%s\nThe last converged state is in %s/last_good", exc, args.output)
        return EXIT_NOT_CONVERGED
    log.info("wrote %s (converged in %d Newton iterations, %.2f s)", args.output,
             solution.report.newton_iterations, solution.wall_time_s)
    return 0


def _resistance(case, output: str, log) -> int:
    from pathlib import Path

    from pnp_ssb.log import world_rank
    from pnp_ssb.output import write_json
    from pnp_ssb.resistance import dc_resistances
    from pnp_ssb.solver import SolverError

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
