"""The `pnp-ssb` commands that read runs and spectra or drive several runs: drt, correlate,
interlayer, and the time-resolved part of cpd (their parsers and handlers; cli.py dispatches)."""

import argparse
import math
from pathlib import Path

from pnp_ssb.analysis.circuits import FitError
from pnp_ssb.analysis.drt import DRTError
from pnp_ssb.analysis.kpfm import KPFMError
from pnp_ssb.apps.interlayer import INTERLAYERS
from pnp_ssb.input.case import CaseError
from pnp_ssb.io.spectra import FORMATS

EXIT_BAD_INPUT = 2


def positive_float(text: str) -> float:
    """An argparse type: a number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{value}: expected a positive number")
    return value


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: expected at least 1")
    return value


def add_tool_parsers(sub: argparse._SubParsersAction) -> None:
    """The parsers of drt, correlate, interlayer, defects, uncertainty and estimate."""
    _add_drt(sub)
    c = sub.add_parser("correlate", help="interface drops against interface resistances over "
                       "the states of an OCV sweep or the pairs of a screen (impedance at each)")
    c.add_argument("case", help="an ocv_sweep case with kinetics at its contacts, or a screen "
                   "spec with exchange_current_density_A_m2")
    c.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="a case entry replaced (repeatable)")
    c.add_argument("--drt", action="store_true", help="also the charge-transfer DRT peak of "
                   "each contact (attributed: one more impedance run per process)")
    c.add_argument("-o", "--output", required=True, help="output directory")
    c = sub.add_parser("interlayer", help="barrier-free interlayer thickness between Li and an "
                       "electrolyte (Swift, Swift & Qi 2021), checked by the full stack")
    c.add_argument("--electrolyte", default="LiPON", help="the electrolyte (default LiPON)")
    c.add_argument("--interlayers", default=",".join(INTERLAYERS),
                   help="comma-separated interlayer materials (default: %(default)s)")
    c.add_argument("-o", "--output", required=True, help="output directory")
    c = sub.add_parser("uncertainty", help="first-order sensitivities and uncertainty bands of "
                       "an equilibrium state (forward tangent): potential, interface steps, drops")
    c.add_argument("case", help="an equilibrium case (1D stack; any case with --global)")
    c.add_argument("--global", dest="global_route", action="store_true", help="Sobol indices "
                   "of the drops over every sampled uncertain input (SALib; a resumable sweep)")
    c.add_argument("--samples", type=positive_int, default=32,
                   help="--global: base samples N, a power of 2 (N (k + 2) runs)")
    c.add_argument("--ranks-per-point", type=positive_int, default=1,
                   help="--global: MPI ranks per run")
    c.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="a case entry replaced (repeatable)")
    c.add_argument("-o", "--output", required=True, help="output directory")
    c = sub.add_parser("estimate", help="fit electrolytes' neutrality potentials (and a CPD "
                       "offset) to a measured CPD profile: estimates, 95 %% intervals, "
                       "correlations, what the data cannot identify")
    c.add_argument("case", help="an equilibrium case (1D stack)")
    c.add_argument("--measured", required=True, help="the profile: .csv (x_m, cpd_V) or an "
                   "image (.gwy, .nid, .sxm, .tif), x from the stack's left end")
    c.add_argument("--fit", required=True, help="comma-separated electrolyte regions whose "
                   "neutrality potential is fitted")
    c.add_argument("--no-offset", action="store_true", help="no CPD offset (tip work function)")
    c.add_argument("--noise-V", type=positive_float, help="the data's noise (default: from "
                   "the residuals)")
    c.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="a case entry replaced (repeatable)")
    c.add_argument("-o", "--output", required=True, help="output directory")
    c = sub.add_parser("defects", help="bulk defect equilibrium of an electrolyte along mu_Li "
                       "(Brouwer diagram) from its [defect_chemistry]")
    c.add_argument("material", help="a database material or a TOML file (database format) with "
                   "a [defect_chemistry]")
    c.add_argument("--li-potential-V", nargs=2, type=float, default=(0.0, 5.0),
                   metavar=("LOW", "HIGH"), help="window of U vs Li/Li+, mu_Li = -e U "
                   "(default 0 5)")
    c.add_argument("--points", type=positive_int, default=101, help="points in the window")
    c.add_argument("--temperature-K", type=positive_float, default=300.0)
    c.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="an entry of the case file replaced (repeatable)")
    c.add_argument("-o", "--output", required=True, help="output directory")


def add_spectrum_arguments(c: argparse.ArgumentParser) -> None:
    """The spectrum and how to read it (fit, drt)."""
    c.add_argument("spectrum", help="impedance.csv of a run, a CSV with named columns, or a "
                   "potentiostat export (Gamry .DTA, BioLogic .mpt, ZPlot .z, ...)")
    c.add_argument("--format", dest="fmt", choices=FORMATS, default="auto",
                   help="file format (default: from the content and the suffix)")
    c.add_argument("--area-cm2", type=positive_float, help="electrode area, cm^2: makes a "
                   "spectrum in Ohm (every instrument export) area-specific")


def _add_drt(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("drt", help="distribution of relaxation times of a spectrum: peaks, "
                                   "their frequencies and resistances (Ohm cm^2)")
    add_spectrum_arguments(c)
    c.add_argument("--lambda", dest="regularisation", type=positive_float,
                   help="regularisation (default: chosen by generalised cross-validation)")
    c.add_argument("--accuracy", type=positive_float, help="the spectrum's relative accuracy: "
                   "lambda by the discrepancy principle (default for a run's impedance.csv: its "
                   "error estimate; otherwise GCV)")
    c.add_argument("--per-decade", type=positive_int, default=20,
                   help="relaxation times per decade (default 20)")
    c.add_argument("--f-min-Hz", type=float, default=0.0, help="ignore lower frequencies")
    c.add_argument("--f-max-Hz", type=float, default=math.inf, help="ignore higher frequencies")
    c.add_argument("--attribute", metavar="CASE", help="the impedance case of the spectrum: "
                   "name each peak's process by re-running it with one process (charge transfer, "
                   "bulk transport, electrode diffusion) 1e3 times faster at a time")
    c.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="an override of the --attribute case (repeatable)")
    c.add_argument("-o", "--output", required=True, help="output directory: drt.csv, drt.json, "
                   "drt.png, drt_nyquist.png")


def cpd_time(args, log) -> int:
    """Time-resolved KPFM when the run is a transient with saved states (else nothing)."""
    from pnp_ssb.analysis.kpfm_time import Scan
    from pnp_ssb.apps.cpd_time import run_cpd_time, transient_states

    states = transient_states(Path(args.run_dir))
    if len(states) < 2:
        if args.scan_lines or args.points_m:
            log.error("%s: --scan-lines and --points-m need a transient with saved states "
                      "(study.output_times_s)", args.run_dir)
            return EXIT_BAD_INPUT
        return 0
    try:
        points = [float(v) for v in args.points_m.split(",") if v.strip()]
        start = args.scan_start_s if args.scan_start_s is not None else states[0][0]
        scan = (Scan(start, args.line_time_s, args.scan_lines, fast_axis=args.fast_axis)
                if args.scan_lines else None)
        record = run_cpd_time(Path(args.run_dir), Path(args.output), scan, points, args.base,
                              args.tip_work_function_eV)
    except (KPFMError, ValueError) as exc:
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    if "scan" in record:
        log.info("scan of %d lines (%.4g s): drift across the image %s", args.scan_lines,
                 record["scan"]["image_time_s"], ", ".join(
                     f"{r} {v * 1e3:+.3g} mV" for r, v in
                     record["scan"]["drift_V_by_region"].items()))
    if "scan_map" in record:
        log.info("scan of the map (fast axis %s): change against its first line %s",
                 args.fast_axis, ", ".join(f"{r} {v * 1e3:+.3g} mV" for r, v in record[
                     "scan_map"]["change_since_first_line_V_by_region"].items()))
    return 0


def drt(args, log) -> int:
    # here, not at the top: reading instrument files imports impedance.py
    from pnp_ssb.apps.drt import DRTRequest, run_drt

    request = DRTRequest(args.spectrum, Path(args.output), args.fmt, args.area_cm2,
                         args.regularisation, args.accuracy, args.per_decade, args.f_min_Hz,
                         args.f_max_Hz, args.attribute, tuple(args.overrides))
    try:
        run_drt(request)
    except (FitError, DRTError, CaseError) as exc:
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    return 0


def correlate(args, log) -> int:
    from pnp_ssb.apps.correlate import CorrelateRequest, run_correlation  # imports DOLFINx

    request = CorrelateRequest(args.case, Path(args.output), tuple(args.overrides), args.drt)
    try:
        result = run_correlation(request)
    except CaseError as exc:  # the case, its states or a missing exchange current
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    for name, c in result["correlations"].items():
        log.info("%s, %d points: Pearson r %s, Spearman rho %s, R range %s%s", name,
                 c["points"], _coefficient(c["pearson_r"]), _coefficient(c["spearman_rho"]),
                 _coefficient(c["resistance_range_relative"]),
                 f" ({c['note']})" if c["note"] else "")
    return 0


def _coefficient(value: float | None) -> str:
    return "undefined" if value is None else f"{value:+.3f}"


def uncertainty(args, log) -> int:
    from pnp_ssb.apps.uncertainty import UncertaintyRequest, run_uncertainty  # imports DOLFINx
    from pnp_ssb.solvers.tangent import SensitivityError

    if args.global_route:
        from pnp_ssb.apps.uncertainty_global import run_global

        try:
            result = run_global(args.case, Path(args.output), tuple(args.overrides),
                                args.samples, args.ranks_per_point)
        except CaseError as exc:
            log.error("%s", exc)
            return EXIT_BAD_INPUT
        for drop, by_input in result["indices"].items():
            top = max(by_input, key=lambda k: by_input[k]["ST"])
            log.info("%s: largest total index %s (ST = %.2f)", drop, top, by_input[top]["ST"])
        log.info("wrote %s/sobol.json, sobol.png (%d runs in samples/)", args.output,
                 result["samples"])
        return 0
    try:
        record = run_uncertainty(UncertaintyRequest(args.case, Path(args.output),
                                                    tuple(args.overrides)))
    except (CaseError, SensitivityError) as exc:
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    for key, std in record["step_std_V"].items():
        log.info("step %s: %.4g V +- %.2g V (first order)", key, record["steps_V"][key], std)
    log.info("wrote %s/sensitivity.json, phi_band.csv, uncertainty.png; %d uncertain inputs "
             "not propagated", args.output, len(record["not_propagated"]))
    return 0


def estimate(args, log) -> int:
    from pnp_ssb.apps.estimate import EstimateRequest, run_estimate  # imports DOLFINx
    from pnp_ssb.solvers.tangent import SensitivityError

    regions = tuple(r.strip() for r in args.fit.split(",") if r.strip())
    try:
        record = run_estimate(EstimateRequest(args.case, args.measured, regions,
                                              Path(args.output), not args.no_offset,
                                              args.noise_V, tuple(args.overrides)))
    except (CaseError, SensitivityError) as exc:
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    for name, p in record["parameters"].items():
        log.info("%s = %.5g +- %.2g (95 %%: %.5g .. %.5g)", name, p["value"], p["std_error"],
                 *p["ci95"])
    for item in record["unidentifiable"]:
        log.warning("not identifiable: %s", item)
    log.info("wrote %s/estimate.json, residuals.csv, estimate.png (RMS misfit %.3g mV)",
             args.output, 1e3 * record["rms_misfit_V"])
    return 0


def defects(args, log) -> int:
    from pnp_ssb.apps.defects import BrouwerRequest, run_brouwer

    try:
        rows = run_brouwer(BrouwerRequest(args.material, Path(args.output),
                                          tuple(args.li_potential_V), args.points,
                                          args.temperature_K, tuple(args.overrides)))
    except CaseError as exc:
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    for end in (rows[0], rows[-1]):
        log.info("U = %.3g V: E_F - E_v = %.4g eV, phi0 = %.4g V vs Li (%s | %s)",
                 end["li_potential_V"], end["fermi_level_above_vbm_eV"],
                 end["neutrality_potential_vs_li_V"], end["dominant_positive"],
                 end["dominant_negative"])
    log.info("wrote %s/brouwer.csv, brouwer.json, brouwer.png", args.output)
    return 0


def interlayer(args, log) -> int:
    from pnp_ssb.apps.interlayer import InterlayerRequest, run_interlayer  # imports DOLFINx

    names = tuple(n.strip() for n in args.interlayers.split(",") if n.strip())
    try:
        rows = run_interlayer(InterlayerRequest(Path(args.output), names, args.electrolyte))
    except CaseError as exc:
        log.error("%s", exc)
        return EXIT_BAD_INPUT
    for row in rows:
        log.info("%s: %s", row["interlayer"], f"{row['thickness_nm']:.4g} nm (electrolyte drop "
                 f"{row['electrolyte_drop_V']:.2g} V)" if row["thickness_nm"] is not None
                 else row["reason"])
    return 0
