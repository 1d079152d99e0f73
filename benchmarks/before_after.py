"""Before/after benchmark of a change that must not change results or cost (the issue-13
restructuring): the bundled cases run with the CLI of two checkouts, interleaved in one run.

For each case and checkout: the wall time of ``pnp-ssb run`` (a fresh process: start-up,
meshing, assembly, Newton, post-processing and writing; after one warm-up run per checkout that
fills the JIT cache), the median over ``--repeats`` runs, and the ratio after / before. The two
runs' summary.json numbers are compared too (the largest relative difference), so a speed-up
that changed an answer is visible.

Usage:
    .venv/bin/python benchmarks/before_after.py --before ../old-checkout [--after .] [--repeats 3]

Each checkout needs its own ``.venv`` (``bash scripts/setup.sh`` there).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the regression suite's number extraction, written once
from pnp_ssb.io.output import write_text_atomic  # noqa: E402
from tests.regression.numbers import outputs  # noqa: E402

CASES = ["gouy_chapman", "stern_layer", "li_llzo_li_bias", "fuller_si_lipon_lco",
         "llzo_bicrystal_2d", "li_lipon_lco_impedance", "thin_film_galvanostatic"]
QUIET = ["--set", "output.figures=false", "--set", 'output.fields="none"']


def run(checkout: Path, case: str, outdir: Path) -> float:
    """Wall time (s) of one ``pnp-ssb run`` of a bundled case in ``checkout``."""
    cmd = [str(checkout / ".venv" / "bin" / "pnp-ssb"), "run", str(checkout / "cases" /
                                                                    f"{case}.toml"),
           "-o", str(outdir), *QUIET]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=checkout, check=True, capture_output=True,
                   env={**os.environ, "OMP_NUM_THREADS": "1"})
    return time.perf_counter() - start


def largest_difference(a: dict[str, float], b: dict[str, float]) -> float:
    """max |a - b| / max(|a|, |b|, 1e-300) over the numbers both runs wrote."""
    keys = set(a) & set(b)
    return max((abs(a[k] - b[k]) / max(abs(a[k]), abs(b[k]), 1e-300) for k in keys),
               default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", nargs="*", default=CASES)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    checkouts = {"before": args.before.resolve(), "after": args.after.resolve()}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases:
            times: dict[str, list[float]] = {"before": [], "after": []}
            for label, checkout in checkouts.items():  # warm-up: JIT cache, file cache
                run(checkout, case, Path(tmp) / f"{case}_{label}")
            for _ in range(args.repeats):
                for label, checkout in checkouts.items():
                    times[label].append(run(checkout, case, Path(tmp) / f"{case}_{label}"))
            diff = largest_difference(outputs(Path(tmp) / f"{case}_before"),
                                      outputs(Path(tmp) / f"{case}_after"))
            before, after = (statistics.median(times[k]) for k in ("before", "after"))
            rows.append({"case": case, "before_s": before, "after_s": after,
                         "ratio": after / before, "max_relative_difference": diff,
                         "runs": args.repeats})
            print(f"{case}: {before:.2f} s -> {after:.2f} s (x{after / before:.3f}), "
                  f"numbers differ by at most {diff:.2e}", flush=True)
    total = sum(r["after_s"] for r in rows) / sum(r["before_s"] for r in rows)
    lines = ["| case | before (s) | after (s) | after / before | largest relative difference |",
             "|---|---|---|---|---|"]
    lines += [f"| {r['case']} | {r['before_s']:.2f} | {r['after_s']:.2f} | {r['ratio']:.3f} | "
              f"{r['max_relative_difference']:.1e} |" for r in rows]
    lines.append(f"| all | | | {total:.3f} | |")
    args.out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.out / "before_after.md", "\n".join(lines) + "\n")
    write_text_atomic(args.out / "before_after.json", json.dumps(
        {"before": str(checkouts["before"]), "after": str(checkouts["after"]),
         "cases": rows, "total_ratio": total}, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
